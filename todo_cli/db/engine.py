"""Engine and session scope over ``create_async_engine`` + asyncpg."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal, Protocol
from uuid import uuid4

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from todo_cli.db.urls import ConnectTarget
    from todo_cli.settings import Settings


# The engine logs under its own name, so the SQL log (``echo``) reaches only
# the handler below (stderr) and never SQLAlchemy's default one (stdout).
LOGGING_NAME = "todo"


def build_engine(target: ConnectTarget, settings: Settings) -> AsyncEngine:
    """An engine with the configured pool and timeouts; safe behind PgBouncer when asked."""
    pooled_by_server = settings.transaction_pooling or target.transaction_pooling
    connect_args = {**target.connect_args, "command_timeout": client_timeout(settings)}
    if pooled_by_server:
        connect_args.update(transaction_pooling_args())
    if settings.echo:
        log_sql_to_stderr()
    engine = create_async_engine(
        target.url,
        connect_args=connect_args,
        echo=settings.echo,
        logging_name=LOGGING_NAME,
        pool_pre_ping=settings.pool_pre_ping,
        **pool_options(settings, pooled_by_server=pooled_by_server),
    )
    url_options = target.connect_args.get("server_settings", {}).get("options", "")
    values = server_settings(settings, url_options)
    apply_server_settings(engine, values, per_transaction=pooled_by_server)
    return engine


def pool_options(settings: Settings, *, pooled_by_server: bool) -> dict[str, Any]:
    if pooled_by_server:
        # Each server connection is shared with other clients between
        # transactions, so keeping our own pool buys nothing (SQLAlchemy's
        # PgBouncer advice).
        return {"poolclass": NullPool}
    return {
        "pool_size": settings.pool_size,
        "max_overflow": settings.max_overflow,
        "pool_recycle": settings.pool_recycle,
        "pool_timeout": settings.pool_timeout,
    }


def client_timeout(settings: Settings) -> float | None:
    """How long asyncpg waits for any answer: the server's own limit plus a round trip.

    The server ends a slow statement itself (statement_timeout); this guard
    is for a server or pooler that stops answering at all. None: wait forever.
    """
    if not settings.statement_timeout:
        return None
    return settings.statement_timeout + settings.connect_timeout


def server_settings(settings: Settings, url_options: str = "") -> dict[str, str]:
    """What every session sets: the statement and lock timeouts (ms, "0" disables), no JIT.

    JIT off: every query reads one person's rows through an index and takes
    milliseconds, but the planner's estimate grows with the whole table (other
    people's rows), and past jit_above_cost compiling costs 60-170 ms of a
    command that saves a few. One the URL already sets
    (``?options=-c statement_timeout=...`` or ``-c jit=on``) is left to it.
    """
    values = {
        "statement_timeout": _milliseconds(settings.statement_timeout),
        "lock_timeout": _milliseconds(settings.lock_timeout),
        "jit": "off",
    }
    return {name: value for name, value in values.items() if name not in url_options}


def _milliseconds(seconds: float) -> str:
    return str(max(1, round(seconds * 1000)) if seconds > 0 else 0)


def apply_server_settings(
    engine: AsyncEngine, values: dict[str, str], *, per_transaction: bool
) -> None:
    """Every session (or, behind a transaction pooler, every transaction) gets ``values``.

    Not as startup parameters: PgBouncer refuses unknown ones ("unsupported
    startup parameter"), in session mode too. A session ``SET`` would leak to
    other clients of a transaction pooler's shared server connection, so
    there each transaction sets them locally (one more round trip each).
    """
    if not values:
        return
    if per_transaction:
        local = ", ".join(
            f"set_config('{name}', '{value}', true)" for name, value in values.items()
        )
        event.listen(engine.sync_engine, "begin", _run_on_begin(f"SELECT {local}"))
    else:
        session = "; ".join(f"SET {name} = {value}" for name, value in values.items())
        event.listen(engine.sync_engine, "connect", _run_on_connect(session))


def _run_on_connect(statement: str) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # On the raw asyncpg connection, outside any transaction: it lasts the session.
        dbapi_connection.run_async(lambda connection: connection.execute(statement))

    return on_connect


def _run_on_begin(statement: str) -> Callable[[Connection], None]:
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(statement)

    return on_begin


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record arrives."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def log_sql_to_stderr() -> None:
    logger = logging.getLogger(f"sqlalchemy.engine.Engine.{LOGGING_NAME}")
    logger.propagate = False
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def transaction_pooling_args() -> dict[str, Any]:
    """No statement outlives its transaction, and no two share a name."""
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    }


# What a unit of work changed, noted by the service code in ``session.info``:
# "undoable" (journaled: `todo undo` reverts it) or "final" (anything else
# the user would miss, e.g. an undo itself). Absent: it changed nothing.
CHANGE_KEY = "todo.change"
Change = Literal["undoable", "final"]


def note_change(session: AsyncSession, change: Change) -> None:
    """This unit of work changes the user's data: an interrupt after its commit must say so."""
    if session.info.get(CHANGE_KEY) != "final":
        session.info[CHANGE_KEY] = change


class CommitWatch(Protocol):
    """Who must know when the commit has happened (the invocation's Ctrl-C watch)."""

    def committing(self, change: Change | None) -> AbstractContextManager[None]:
        """Around the COMMIT; leaving it normally means ``change`` stands in the database."""
        ...


@asynccontextmanager
async def session_scope(
    engine: AsyncEngine, watch: CommitWatch | None = None
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any exception.

    The connection goes back to the pool either way (``async with`` closes the
    session). ``expire_on_commit=False`` keeps loaded objects usable after the
    commit without a lazy load, which async sessions cannot do. ``watch``
    learns when the commit has happened, so an interrupt after it is not
    reported as one that changed nothing.
    """
    async with AsyncSession(engine, expire_on_commit=False) as session:
        try:
            yield session
            if watch is None:
                await session.commit()
            else:
                with watch.committing(session.info.get(CHANGE_KEY)):
                    await session.commit()
        except BaseException:
            await session.rollback()
            raise
