"""Virtual tags (todo_cli.service.states), wait and until (service/expiry.py) on real PostgreSQL.

Every state is judged at a fixed moment (``NOW``), never the real clock.
"""

from datetime import datetime, timedelta

import pytest

from todo_cli.db.engine import session_scope
from todo_cli.errors import ConflictError, UsageError
from todo_cli.models import Status, TaskCreate, TaskUpdate
from todo_cli.offsets import read_offset
from todo_cli.service import expiry
from todo_cli.service.filters import StatusFilter, TaskFilter
from todo_cli.service.journal import recent_changes
from todo_cli.service.tasks import (
    add_task,
    complete_tasks,
    edit_task,
    edit_tasks,
    get_task,
    list_tasks,
    remove_tasks,
)
from todo_cli.service.undo import undo_last
from todo_cli.service.urgency import Coefficients, next_tasks
from todo_cli.service.users import local_user
from todo_cli.settings import Settings

# Thursday 2026-11-26 09:30 local time.
NOW = datetime(2026, 11, 26, 9, 30).astimezone()
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


async def add(session, user, title="Task", **fields):
    return await add_task(session, user=user, task=TaskCreate(title=title, **fields))


async def numbers(session, user, **where) -> list[int]:
    found = await list_tasks(session, user=user, where=TaskFilter(at=NOW, **where))
    return sorted(task.number for task in found)


@pytest.fixture
async def calendar(session, user):
    """1 due earlier today (overdue); 2 due yesterday; 3 due tonight; 4 due tomorrow;
    5 due Sunday; 6 due Monday; 7 due Dec 31; 8 due next year; 9 no due; 10 done, due today."""
    dues = [
        NOW - HOUR,
        NOW - DAY,
        local(2026, 11, 26, 23, 59, 59),
        local(2026, 11, 27, 12, 0),
        local(2026, 11, 29, 23, 0),
        local(2026, 11, 30, 0, 0),
        local(2026, 12, 31, 23, 0),
        local(2027, 1, 1, 0, 0),
        None,
        NOW + HOUR,
    ]
    for number, due in enumerate(dues, start=1):
        await add(session, user, f"Task {number}", due=due)
    await complete_tasks(session, user=user, numbers=[10])


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("OVERDUE", [1, 2]),
        ("TODAY", [1, 3]),  # the whole day, past hours too
        ("YESTERDAY", [2]),
        ("TOMORROW", [4]),
        ("DUE", [1, 3, 4, 5, 6]),  # today to 7 days on; earlier days are overdue, not due
        ("WEEK", [1, 2, 3, 4, 5]),  # Monday to Sunday
        ("MONTH", [1, 2, 3, 4, 5, 6]),  # Monday Nov 30 is next week, this month
        ("QUARTER", [1, 2, 3, 4, 5, 6, 7]),
        ("YEAR", [1, 2, 3, 4, 5, 6, 7]),
    ],
)
async def test_calendar_tags(session, user, calendar, tag, expected):
    assert await numbers(session, user, states=(tag,)) == expected


async def test_a_negated_tag_is_every_other_task(session, user, calendar):
    everything = await numbers(session, user)
    due = await numbers(session, user, states=("DUE",))
    not_due = await numbers(session, user, without_states=("DUE",))
    assert sorted(due + not_due) == everything
    assert 9 in not_due  # no due date: not due, and not NULL either


async def test_date_tags_ignore_done_tasks_even_with_status_all(session, user, calendar):
    assert 10 not in await numbers(session, user, status=StatusFilter.ALL, states=("TODAY",))


async def test_waiting_comes_back_by_itself(session, user):
    await add(session, user, "Hidden", wait=NOW + HOUR)
    await add(session, user, "Back", wait=NOW - HOUR)
    await add(session, user, "Plain")
    assert await numbers(session, user, states=("WAITING",)) == [1]
    assert await numbers(session, user, status=StatusFilter.WAITING) == [1]
    later = TaskFilter(at=NOW + 2 * HOUR, states=("WAITING",))
    assert await list_tasks(session, user=user, where=later) == []


async def test_a_done_task_is_never_waiting(session, user):
    await add(session, user, "Hidden", wait=NOW + HOUR)
    await complete_tasks(session, user=user, numbers=[1])
    assert await numbers(session, user, status=StatusFilter.ALL, states=("WAITING",)) == []


async def test_ready_scheduled_and_active(session, user):
    await add(session, user, "Plain")  # 1: ready
    await add(session, user, "Later", scheduled=NOW + DAY)  # 2: scheduled, not ready
    await add(session, user, "Begun", scheduled=NOW - DAY)  # 3: scheduled and ready
    await add(session, user, "Asleep", wait=NOW + DAY)  # 4: waiting, not ready
    blocker = await add(session, user, "Blocker")  # 5: ready
    blocked = await add(session, user, "Blocked")  # 6: waits for 5
    blocked.depends = [blocker.uuid]
    await session.flush()
    assert await numbers(session, user, states=("READY",)) == [1, 3, 5]
    assert await numbers(session, user, states=("SCHEDULED",)) == [2, 3]
    await complete_tasks(session, user=user, numbers=[5])  # no longer blocks 6
    assert await numbers(session, user, states=("READY",)) == [1, 3, 6]
    assert await numbers(session, user, states=("ACTIVE",)) == []


async def test_blocked_needs_a_pending_task_of_the_same_user(session, user):
    from todo_cli.service.users import ensure_user

    other = await ensure_user(session, email="other@example.com")
    theirs = await add(session, other, "Theirs")
    mine = await add(session, user, "Mine")
    mine.depends = [theirs.uuid]
    await session.flush()
    assert await numbers(session, user, states=("READY",)) == [1]


async def test_date_bounds(session, user):
    await add(session, user, "a", wait=NOW + DAY, scheduled=NOW - DAY, until=NOW + 3 * DAY)
    await add(session, user, "b", wait=NOW + 3 * DAY, until=NOW + DAY)
    assert await numbers(session, user, date_bounds=[("wait", "before", NOW + 2 * DAY)]) == [1]
    assert await numbers(session, user, date_bounds=[("until", "after", NOW + 2 * DAY)]) == [1]
    assert await numbers(session, user, date_bounds=[("scheduled", "before", NOW)]) == [1]


async def test_urgency_terms_for_scheduled_and_waiting(session, user):
    await add(session, user, "Plain")
    await add(session, user, "Begun", scheduled=NOW - HOUR)
    await add(session, user, "Soon", scheduled=NOW + HOUR)
    await add(session, user, "Asleep", wait=NOW + HOUR)
    scored = {task.number: score for task, score in await next_tasks(session, user=user, now=NOW)}
    assert scored == {1: 0.0, 2: 5.0, 3: 0.0, 4: -3.0}
    weights = Coefficients(scheduled=1.5, waiting=-10.0)
    scored = await next_tasks(session, user=user, now=NOW, coefficients=weights)
    assert {task.number: score for task, score in scored} == {1: 0.0, 2: 1.5, 3: 0.0, 4: -10.0}


async def test_edit_reads_offsets_from_each_tasks_own_dates(session, user):
    await add(session, user, "a", due=local(2026, 12, 10, 23, 59, 59))
    await add(session, user, "b", due=local(2026, 12, 20, 12, 0))
    offsets = {"wait": read_offset("due-1d"), "due": read_offset("due+1w")}
    await edit_tasks(
        session, user=user, where=TaskFilter(numbers=(1, 2)), changes=TaskUpdate(), offsets=offsets
    )
    first = await get_task(session, user=user, number=1)
    second = await get_task(session, user=user, number=2)
    assert first.due == local(2026, 12, 17, 23, 59, 59)
    assert first.wait == local(2026, 12, 16, 23, 59, 59)
    assert (second.due, second.wait) == (local(2026, 12, 27, 12, 0), local(2026, 12, 26, 12, 0))


async def test_an_offset_from_a_missing_date_names_the_task(session, user):
    await add(session, user, "no due")
    with pytest.raises(UsageError, match="task 1: wait:due-1d needs a due date"):
        await edit_tasks(
            session,
            user=user,
            where=TaskFilter(numbers=(1,)),
            changes=TaskUpdate(),
            offsets={"wait": read_offset("due-1d")},
        )


# --- until: expiry, journaled and undoable (own transactions, as commands) -------------


async def in_scope(engine, work):
    async with session_scope(engine) as session:
        return await work(session)


async def run_expiry(engine, owner, now):
    await in_scope(engine, lambda s: expiry.expire(s, owner, now, Settings()))


async def status_of(engine, owner, number):
    return (await in_scope(engine, lambda s: get_task(s, user=owner, number=number))).status


@pytest.fixture
async def owner(engine):
    return await in_scope(engine, local_user)


async def test_a_task_past_its_until_is_deleted_and_undo_brings_it_back(engine, owner):
    async def three(session):
        await add(session, owner, "Expires", until=NOW - HOUR)
        await add(session, owner, "Stays", until=NOW + HOUR)
        await add(session, owner, "Endless")

    await in_scope(engine, three)
    await run_expiry(engine, owner, NOW)
    assert [await status_of(engine, owner, n) for n in (1, 2, 3)] == [
        Status.DELETED,
        Status.PENDING,
        Status.PENDING,
    ]
    [latest, *_] = await in_scope(engine, lambda s: recent_changes(s, user=owner))
    assert latest.command == expiry.EXPIRED
    assert [entry.number for entry in latest.entries] == [1]
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert await status_of(engine, owner, 1) == Status.PENDING
    # The undone expiry is not made again for the same until...
    await run_expiry(engine, owner, NOW)
    assert await status_of(engine, owner, 1) == Status.PENDING
    # ...but a new until that passes expires it again.
    await in_scope(
        engine,
        lambda s: edit_task(s, user=owner, number=1, changes=TaskUpdate(until=NOW - 2 * HOUR)),
    )
    await run_expiry(engine, owner, NOW)
    assert await status_of(engine, owner, 1) == Status.DELETED


async def test_expiry_skips_done_and_deleted_tasks(engine, owner):
    await in_scope(engine, lambda s: add(s, owner, "Done", until=NOW - HOUR))
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    await run_expiry(engine, owner, NOW)
    assert await status_of(engine, owner, 1) == Status.DONE
    rows = await in_scope(engine, lambda s: recent_changes(s, user=owner))
    assert expiry.EXPIRED not in [group.command for group in rows]


async def test_an_expiry_and_an_edit_in_one_change_undo_together(engine, owner):
    await in_scope(engine, lambda s: add(s, owner, "Expires", until=NOW - HOUR))

    async def expire_then_edit(session):
        await expiry.expire(session, owner, NOW, Settings())
        await edit_task(session, user=owner, number=1, changes=TaskUpdate(title="Renamed"))

    await in_scope(engine, expire_then_edit)
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    task = await in_scope(engine, lambda s: get_task(s, user=owner, number=1))
    assert (task.title, task.status) == ("Expires", Status.PENDING)


async def test_a_row_another_transaction_holds_is_skipped_not_waited_for(engine, owner):
    from sqlmodel import select

    from todo_cli.models import Task

    await in_scope(engine, lambda s: add(s, owner, "Expires", until=NOW - HOUR))
    async with session_scope(engine) as holder:
        await holder.exec(select(Task).with_for_update())  # another client's lock
        await run_expiry(engine, owner, NOW)  # returns at once: SKIP LOCKED
    assert await status_of(engine, owner, 1) == Status.PENDING
    await run_expiry(engine, owner, NOW)  # the next command catches up
    assert await status_of(engine, owner, 1) == Status.DELETED


async def test_removing_an_expired_task_is_a_conflict_not_a_crash(engine, owner):
    await in_scope(engine, lambda s: add(s, owner, "Expires", until=NOW - HOUR))
    await run_expiry(engine, owner, NOW)
    outcome = await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[1]))
    assert outcome.unchanged == {1}
    with pytest.raises(ConflictError):
        await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
