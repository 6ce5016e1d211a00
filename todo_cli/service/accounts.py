"""Accounts through the database's SECURITY DEFINER functions (migration 0003).

The shared role reads no credential or session table; everything here goes
through ``todo_*`` functions, and task rows are filtered by row-level
security on the session the transaction presents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.accounts.passwords import KdfParams
from todo_cli.db import policies
from todo_cli.db.errors import GRANT_HINT, driver_message, sqlstate
from todo_cli.db.identity import present_token
from todo_cli.errors import ConflictError, CredentialsError, NotFoundError, TodoError, UsageError
from todo_cli.models import User

LOGIN_HINT = "run `todo login EMAIL`"


@dataclass(frozen=True)
class Registration:
    user_id: int
    adopted: bool
    local_tasks_left: int


@dataclass(frozen=True)
class Identity:
    email: str
    local: bool
    expires_at: datetime | None


async def session_user(session: AsyncSession, token: str | None) -> User | None:
    """The user ``token`` names (or the local user while no account exists)."""
    await present_token(session, token)
    current = select(func.todo_session_user()).scalar_subquery()
    with refused_access():
        return await session.scalar(select(User).where(User.id == current))


async def identify(
    session: AsyncSession, *, token: str | None, stored: Callable[[], str | None]
) -> User:
    """Who this transaction acts for; the keyring (``stored``) is asked only when needed."""
    user = await session_user(session, token)
    if user is None and token is None:
        token = stored()
        user = None if token is None else await session_user(session, token)
    if user is not None:
        return user
    raise CredentialsError(await _why_not(session, token))


async def _why_not(session: AsyncSession, token: str | None) -> str:
    if not await accounts_exist(session):
        return "this database has no local user; run `todo db upgrade`"
    if token is None:
        return f"this database has accounts and you are not logged in; {LOGIN_HINT}"
    return f"your session has expired or was revoked; {LOGIN_HINT}"


async def accounts_exist(session: AsyncSession) -> bool:
    with refused_access():
        return bool(await session.scalar(select(func.todo_accounts_exist())))


async def whoami(session: AsyncSession) -> Identity:
    """Who the presented session is (after ``identify``)."""
    columns = ("email", "is_local", "expires_at")
    rows = func.todo_whoami().table_valued(*columns)
    result = await session.exec(select(rows.c.email, rows.c.is_local, rows.c.expires_at))
    email, local, expires_at = result.one()
    return Identity(email=email, local=local, expires_at=expires_at)


async def register(
    session: AsyncSession,
    *,
    email: str,
    salt: bytes,
    params: KdfParams,
    key: bytes,
    adopt_local: bool,
) -> Registration:
    call = func.todo_register(
        email, salt, params.time_cost, params.memory_kib, params.parallelism, key, adopt_local
    ).table_valued("new_user_id", "adopted", "local_tasks_left")
    with refused_access(), account_errors(email):
        row = (
            await session.exec(select(call.c.new_user_id, call.c.adopted, call.c.local_tasks_left))
        ).one()
    return Registration(user_id=row[0], adopted=row[1], local_tasks_left=row[2])


async def login_params(session: AsyncSession, *, email: str) -> tuple[bytes, KdfParams]:
    """Salt and cost for ``email``; an unknown email gets a stable fake of the same shape."""
    call = func.todo_login_params(email).table_valued(
        "salt", "time_cost", "memory_kib", "parallelism"
    )
    with refused_access():
        row = (
            await session.exec(
                select(call.c.salt, call.c.time_cost, call.c.memory_kib, call.c.parallelism)
            )
        ).one()
    return bytes(row[0]), KdfParams(time_cost=row[1], memory_kib=row[2], parallelism=row[3])


async def login(
    session: AsyncSession, *, email: str, key: bytes, token: str, days: int
) -> datetime | None:
    """A new session for ``token`` until the returned time; None when the key is wrong."""
    with refused_access(), account_errors(email):
        expires: datetime | None = await session.scalar(
            select(func.todo_login(email, key, token, days))
        )
    return expires


async def logout(session: AsyncSession, *, token: str) -> bool:
    """Revoke the session of ``token``; False when it was not a live session."""
    await present_token(session, token)
    with refused_access():
        return bool(await session.scalar(select(func.todo_logout())))


async def grant_access(session: AsyncSession, *, role: str) -> list[str]:
    """Give ``role`` what the shared connection needs; the statements run."""
    connection = await session.connection()
    found = (
        await connection.execute(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :role"),
            {"role": role},
        )
    ).first()
    if found is None:
        raise NotFoundError(f"no role {role!r} on this server; create it first (CREATE ROLE)")
    if found[0]:
        raise ConflictError(
            f"role {role!r} bypasses row-level security (superuser or BYPASSRLS); "
            "grant a plain login role instead"
        )
    schema = await connection.scalar(text("SELECT current_schema()"))
    statements = policies.grant_statements(role, schema, _writable_columns())
    with refused_access():
        for statement in statements:
            await connection.execute(text(statement))
    return statements


def _writable_columns() -> dict[str, list[str]]:
    """Per personal table, the columns the shared role may write: all but the identity id."""
    tables = SQLModel.metadata.tables
    return {
        name: [column.name for column in tables[name].columns if column.identity is None]
        for name in policies.PERSONAL_TABLES
    }


@contextmanager
def refused_access() -> Iterator[None]:
    """A missing privilege (42501) is refused credentials, with who can fix it."""
    try:
        yield
    except DBAPIError as exc:
        if sqlstate(exc) == "42501":
            raise CredentialsError(f"{driver_message(exc)}; {GRANT_HINT}") from exc
        raise


@contextmanager
def account_errors(email: str) -> Iterator[None]:
    """The auth functions' refusals, as the exit codes they mean."""
    try:
        yield
    except DBAPIError as exc:
        error = _account_error(sqlstate(exc), email, exc)
        if error is None:
            raise
        raise error from exc


def _account_error(code: str | None, email: str, exc: DBAPIError) -> TodoError | None:
    if code == "23505":
        return ConflictError(f"an account for {email} already exists")
    if code == "TD004":
        return ConflictError(driver_message(exc))
    if code == "TD002":
        return UsageError(driver_message(exc))
    return None
