"""Logging in and out: the flows behind `todo login` and `todo logout`.

Login reads the account's key-derivation parameters, stretches the password
here (argon2id: the password never leaves this process), opens a session and
keeps its token in the system keyring, read back; a token the keyring cannot
keep is revoked again, so no live session is left that nobody holds. An
unknown email and a wrong password fail alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from todo_cli.accounts import passwords, tokens
from todo_cli.db.engine import session_scope
from todo_cli.errors import ConfigError, CredentialsError
from todo_cli.service import accounts

if TYPE_CHECKING:
    from datetime import datetime

    from todo_cli.db.database import Database

WRONG_LOGIN = "email or password is wrong"


@dataclass(frozen=True)
class Login:
    token: str
    expires: datetime


@dataclass(frozen=True)
class Logout:
    revoked: bool  # a live session was revoked in the database
    from_env: bool  # the token came from TODO_SESSION_TOKEN, which is still set


async def log_in(database: Database, *, email: str, password: str, days: int, keep: bool) -> Login:
    """A session for ``email`` lasting ``days``; with ``keep`` its token goes to the
    keyring (and the session is revoked again if the keyring cannot hold it)."""
    login = await _open_session(database, email=email, password=password, days=days)
    if keep:
        await _keep_in_keyring(database, login.token)
    return login


async def log_out(database: Database) -> Logout:
    """Revoke this database's session (TODO_SESSION_TOKEN's, else the keyring's) and
    forget the keyring's copy."""
    account = tokens.keyring_account(database.location)
    from_env = tokens.token_from_env()
    token = from_env or tokens.stored_token(account)
    if token is None:
        return Logout(revoked=False, from_env=False)
    async with session_scope(database.engine) as session:
        revoked = await accounts.logout(session, token=token)
    if from_env is None:
        tokens.forget_token(account)
    return Logout(revoked=revoked, from_env=from_env is not None)


async def _open_session(database: Database, *, email: str, password: str, days: int) -> Login:
    async with session_scope(database.engine) as session:
        salt, params = await accounts.login_params(session, email=email)
    if not params.reasonable():
        raise CredentialsError(WRONG_LOGIN)
    key, token = passwords.derive_key(password, salt, params), tokens.new_token()
    async with session_scope(database.engine) as session:
        expires = await accounts.login(session, email=email, key=key, token=token, days=days)
    if expires is None:
        raise CredentialsError(WRONG_LOGIN)
    return Login(token, expires)


async def _keep_in_keyring(database: Database, token: str) -> None:
    """Into the keyring, read back; if it cannot be kept, the session is revoked again."""
    try:
        tokens.store_token(tokens.keyring_account(database.location), token)
    except ConfigError:
        async with session_scope(database.engine) as session:
            await accounts.logout(session, token=token)
        raise
