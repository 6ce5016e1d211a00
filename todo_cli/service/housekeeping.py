"""Time's effects on the task list, applied by whatever command runs next.

No daemon: a task whose ``until`` has passed expires, and a recurring series gets
its next instances, in the transaction of the next command the user runs, so
they are journaled with that command's change (one `todo undo` reverts both).

Every step must be cheap when there is nothing to do (one indexed query) and
must never wait on a lock: it picks its rows ``FOR UPDATE SKIP LOCKED``, so a
listing that runs it never waits for another client's transaction; a row
skipped now is caught up by the next command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import User
from todo_cli.service import expiry, journal, recurrence

if TYPE_CHECKING:
    from todo_cli.settings import Settings

# A step sees the settings: how many instances a series keeps ahead is one.
Step = Callable[[AsyncSession, User, datetime, "Settings"], Awaitable[None]]

# In order; each module that makes time matter adds its step here.
STEPS: tuple[Step, ...] = (expiry.expire, recurrence.replenish)
# After the work, only what the work itself set off (a completed instance's
# successor); time's other effects wait for the next command, as they would have.
AFTER_WORK: tuple[Step, ...] = (recurrence.replenish,)


async def catch_up(
    session: AsyncSession, *, user: User, settings: Settings, after_work: bool = False
) -> None:
    """Run every step at the transaction's ``now()``.

    The runner calls it before a command's work (what time did meanwhile) and after
    it (what the work set off: a completed instance's successor), in one transaction;
    after work that changed nothing there is nothing to catch up."""
    if after_work and not journal.changed(session):
        return
    steps = AFTER_WORK if after_work else STEPS
    now = await journal.transaction_now(session)
    for step in steps:
        await step(session, user, now, settings)
