"""Running a command's async work: an event loop, an engine, one unit of work.

In a one-shot process each call gets a fresh event loop and an engine that
is disposed before the loop closes. A long-lived process that serves many
invocations (the agent's worker) passes itself as the root Click context's
``obj``, which the invocation's ``Environment`` keeps as its ``host``: a
``Host`` whose event loop and engines outlive the invocation, so the pool and
the compiled-statement cache are warm for the next one. Every caller hands
its Environment to these functions (library use and tests build one with
``Environment.from_process()``), so a command can never fall back to the
process's environment and lose its host by forgetting to pass it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from todo_cli.cli.environment import Environment

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.db.database import Database
    from todo_cli.models import User
    from todo_cli.settings import Settings

T = TypeVar("T")


def run_for_user(
    work: Callable[[AsyncSession, User], Awaitable[T]],
    env: Environment,
    *,
    housekeeping: bool = True,
) -> T:
    """Run ``work`` in one transaction as the session's user, on an up-to-date schema.

    The token comes from TODO_SESSION_TOKEN or the keyring, read for this
    invocation only; with no account on the database, the local user acts.
    The first such command of the day on the embedded server starts its daily
    backup in the background. Time's effects (service/housekeeping.py) are caught
    up first and again after the work (a completed instance's successor), in the
    same transaction, unless ``housekeeping`` is off (`todo undo`: it reverts the
    last change, not one it just made itself). The invocation's Ctrl-C watch
    learns when the commit has happened.
    """

    async def with_user(database: Database, settings: Settings) -> T:
        from todo_cli.accounts import tokens
        from todo_cli.db.engine import session_scope
        from todo_cli.service.accounts import identify
        from todo_cli.service.housekeeping import catch_up

        if database.location.mode == "embedded" and not database.location.created:
            from todo_cli.backups import automatic

            automatic.start_daily_when_due(settings.data_dir, settings.backup_keep)
        account = tokens.keyring_account(database.location)
        async with session_scope(database.engine, env.interrupts) as session:
            user = await identify(
                session, token=tokens.token_from_env(), stored=lambda: tokens.stored_token(account)
            )
            if not housekeeping:
                return await work(session, user)
            await catch_up(session, user=user, settings=settings)
            result = await work(session, user)
            await catch_up(session, user=user, settings=settings, after_work=True)
            return result

    return run_with_database(with_user, env)


def run_with_database(
    work: Callable[[Database, Settings], Awaitable[T]],
    env: Environment,
    *,
    check_schema: bool = True,
    overrides: dict[str, Any] | None = None,
) -> T:
    """Open the database and run ``work`` on it, in the host's loop or a fresh one.

    ``overrides`` replace settings for this run (migrations lift the statement timeout).
    """
    host = env.host

    async def main() -> T:
        from todo_cli import notices
        from todo_cli.db.database import open_database
        from todo_cli.db.errors import connection_errors

        env.interrupts.cancels(asyncio.current_task())
        settings = env.settings(**(overrides or {}))
        cache = None if host is None else host.databases
        async with open_database(settings, check_schema=check_schema, cache=cache) as database:
            if database.location.created:
                notices.embedded_created(settings.data_dir, env.stderr, agent=settings.agent)
            if database.location.upgraded:
                env.stderr.write(f"todo: {database.location.upgraded}\n")
            with connection_errors(database.host):
                return await work(database, settings)

    with env.interrupts.loop_running():
        return asyncio.run(main()) if host is None else host.run(main)
