"""Engine and session scope over ``create_async_engine`` + asyncpg."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from todo_cli.db.urls import ConnectTarget
    from todo_cli.settings import Settings


def build_engine(target: ConnectTarget, settings: Settings) -> AsyncEngine:
    """An engine with the configured pool; safe behind PgBouncer when asked."""
    connect_args = dict(target.connect_args)
    options: dict[str, Any] = {"echo": settings.echo, "pool_pre_ping": settings.pool_pre_ping}
    if settings.transaction_pooling or target.transaction_pooling:
        connect_args.update(transaction_pooling_args())
        # Each server connection is shared with other clients between
        # transactions, so keeping our own pool buys nothing (SQLAlchemy's
        # PgBouncer advice).
        options["poolclass"] = NullPool
    else:
        options.update(
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_recycle=settings.pool_recycle,
            pool_timeout=settings.pool_timeout,
        )
    return create_async_engine(target.url, connect_args=connect_args, **options)


def transaction_pooling_args() -> dict[str, Any]:
    """No statement outlives its transaction, and no two share a name."""
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    }


@asynccontextmanager
async def session_scope(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any exception.

    The connection goes back to the pool either way (``async with`` closes the
    session). ``expire_on_commit=False`` keeps loaded objects usable after the
    commit without a lazy load, which async sessions cannot do.
    """
    async with AsyncSession(engine, expire_on_commit=False) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
