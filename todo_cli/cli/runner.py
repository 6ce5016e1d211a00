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
    """Run ``work`` in one transaction as the session's user, on an up-to-date schema.

    The token comes from TODO_SESSION_TOKEN or the keyring, read for this
    invocation only; with no account on the database, the local user acts.
    """

    async def with_user(database: Database, settings: Settings) -> T:
        from todo_cli.accounts import tokens
        from todo_cli.db.engine import session_scope
        from todo_cli.service.accounts import identify

        account = tokens.keyring_account(database.location)
        async with session_scope(database.engine) as session:
            user = await identify(
                session, token=tokens.token_from_env(), stored=lambda: tokens.stored_token(account)
            )
            return await work(session, user)

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
