"""Session tokens: made here, kept in the system keyring, never in a file.

``TODO_SESSION_TOKEN`` overrides the keyring (read per invocation, never
cached: the agent serves each request with that request's environment).
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import TYPE_CHECKING

from todo_cli.db.secrets import SERVICE
from todo_cli.errors import ConfigError

if TYPE_CHECKING:
    from todo_cli.db.database import Location

ENV_VARIABLE = "TODO_SESSION_TOKEN"
NO_KEYRING = (
    "no usable system keyring to keep the session in, so you are not logged in; "
    f"use `export {ENV_VARIABLE}=$(todo login EMAIL --print-token)` instead"
)
log = logging.getLogger(__name__)


def new_token() -> str:
    """256 random bits; the database keeps only their SHA-256."""
    return secrets.token_urlsafe(32)


def token_from_env() -> str | None:
    return os.environ.get(ENV_VARIABLE, "").strip() or None


def keyring_account(location: Location) -> str:
    """One session per database (not per role: a token names a person, not a connection)."""
    if location.mode == "embedded":
        return f"session:{location.address}"
    from todo_cli.db.urls import parse_url

    url = parse_url(location.address)
    host = url.host or url.query.get("host") or ""
    return f"session:{host}:{url.port or 5432}/{url.database or ''}"


def stored_token(account: str) -> str | None:
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE, account)
    except keyring.errors.KeyringError as exc:
        log.debug("no session token from the keyring (%s)", exc)
        return None


def store_token(account: str, token: str) -> None:
    """Keep ``token`` or raise ConfigError; reading it back catches a backend that drops it."""
    import keyring
    import keyring.errors

    try:
        keyring.set_password(SERVICE, account, token)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(NO_KEYRING) from exc
    if stored_token(account) != token:
        forget_token(account)
        raise ConfigError(NO_KEYRING)


def forget_token(account: str) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(SERVICE, account)
    except keyring.errors.KeyringError as exc:  # PasswordDeleteError: nothing was there
        log.debug("no session token to delete (%s)", exc)
