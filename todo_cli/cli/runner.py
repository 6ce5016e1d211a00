"""Running a command's async work: one event loop, one engine, one unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.db.database import Database
    from todo_cli.models import User
    from todo_cli.settings import Settings

T = TypeVar("T")


def run_for_user(work: Callable[[AsyncSession, User], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction as the current user, on an up-to-date schema."""

    async def with_user(database: Database, settings: Settings) -> T:
        from todo_cli.db.engine import session_scope
        from todo_cli.service.users import ensure_local_user

        async with session_scope(database.engine) as session:
            return await work(session, await ensure_local_user(session))

    return run_with_database(with_user)


def run_with_database(
    work: Callable[[Database, Settings], Awaitable[T]],
    *,
    check_schema: bool = True,
    overrides: dict[str, Any] | None = None,
) -> T:
    """Open the database inside a fresh event loop and dispose of it before the loop ends.

    ``overrides`` replace settings for this run (migrations lift the statement timeout).
    """

    async def main() -> T:
        from todo_cli.db.database import open_database
        from todo_cli.db.errors import connection_errors
        from todo_cli.settings import load_settings

        settings = load_settings(**(overrides or {}))
        async with open_database(settings, check_schema=check_schema) as database:
            with connection_errors(database.host):
                return await work(database, settings)

    return asyncio.run(main())
