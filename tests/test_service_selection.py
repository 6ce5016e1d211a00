"""Picking tasks by filter (todo_cli.service.tasks.select_tasks and friends) on real PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from todo_cli.db.engine import session_scope
from todo_cli.errors import ConflictError, NotFoundError, UsageError
from todo_cli.models import JournalEntry, Priority, TaskCreate, TaskUpdate
from todo_cli.service.activity import start_tasks, stop_tasks
from todo_cli.service.filters import ConfirmationNeededError, StatusFilter, TaskFilter
from todo_cli.service.tasks import (
    add_task,
    complete_tasks,
    edit_tasks,
    list_tasks,
    pick_tasks,
    purge_tasks,
    remove_tasks,
    restore_tasks,
    select_tasks,
)
from todo_cli.service.undo import undo_last
from todo_cli.service.urgency import next_tasks
from todo_cli.service.users import local_user

NOW = datetime(2026, 11, 26, 9, 30).astimezone()
DAY = timedelta(days=1)


async def add(session, user, title="Task", **fields):
    return await add_task(session, user=user, task=TaskCreate(title=title, **fields))


async def picked(session, user, **where) -> list[int]:
    tasks = await select_tasks(session, user=user, where=TaskFilter(**where))
    return [task.number for task in tasks]


@pytest.fixture
async def board(session, user):
    """1 phone/home high due tomorrow; 2 phone+waiting home; 3 home.garden low;
    4 no project, no tags, 'Buy MILK'; 5 done, phone; 6 deleted."""
    await add(
        session,
        user,
        "Call bank",
        tags=["phone"],
        project="home",
        priority=Priority.HIGH,
        due=NOW + DAY,
    )
    await add(session, user, "Call plumber", tags=["phone", "waiting"], project="home")
    await add(
        session, user, "Rake leaves", project="home.garden", priority=Priority.LOW, due=NOW - DAY
    )
    await add(session, user, "Buy MILK", description="oat")
    await add(session, user, "Phone mum", tags=["phone"])
    await add(session, user, "Old", project="homework")
    await complete_tasks(session, user=user, numbers=[5])
    await remove_tasks(session, user=user, numbers=[6])


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({}, [1, 2, 3, 4]),
        ({"numbers": (4, 1)}, [4, 1]),  # IDs keep the order given
        ({"numbers": (1, 5), "status": StatusFilter.ALL}, [1, 5]),
        ({"tags": ("phone",)}, [1, 2]),
        ({"without_tags": ("waiting",)}, [1, 3, 4]),
        ({"tags": ("phone",), "without_tags": ("waiting",), "project": "home"}, [1]),
        ({"without_tags": ("phone", "waiting")}, [3, 4]),
        ({"project": "home"}, [1, 2, 3]),  # with sub-projects, not homework
        ({"no_project": True}, [4]),
        ({"priority": Priority.LOW}, [3]),
        ({"no_priority": True}, [2, 4]),
        ({"due_before": NOW}, [3]),
        ({"due_after": NOW}, [1]),
        ({"overdue_at": NOW}, [3]),
        ({"words": ("call",)}, [1, 2]),
        ({"words": ("call", "BANK")}, [1]),  # every word, any case
        ({"words": ("oat",)}, [4]),  # the description too
        ({"words": ("%",)}, []),  # LIKE characters are literal
        ({"status": StatusFilter.DONE}, [5]),
        ({"status": StatusFilter.DELETED}, [6]),
        ({"status": StatusFilter.ALL, "tags": ("phone",)}, [1, 2, 5]),
    ],
)
async def test_each_filter(session, user, board, where, expected):
    assert await picked(session, user, **where) == expected


async def test_list_and_select_agree(session, user, board):
    where = TaskFilter(tags=("phone",), without_tags=("waiting",), status=StatusFilter.ALL)
    listed = await list_tasks(session, user=user, where=where)
    assert {task.number for task in listed} == {1, 5}


async def test_active_filter(session, user, board):
    await start_tasks(session, user=user, numbers=[2])
    assert await picked(session, user, active=True) == [2]


async def test_a_missing_id_is_not_found_even_with_a_filter(session, user, board):
    with pytest.raises(NotFoundError, match="no tasks 8, 9"):
        await select_tasks(session, user=user, where=TaskFilter(numbers=(1, 8, 9)))


async def test_an_id_the_filter_leaves_out_is_no_error(session, user, board):
    assert await picked(session, user, numbers=(1, 3), tags=("phone",)) == [1]


async def test_a_long_missing_range_is_named_briefly(session, user, board):
    with pytest.raises(NotFoundError) as raised:
        await select_tasks(session, user=user, where=TaskFilter(numbers=tuple(range(1, 5000))))
    assert raised.value.message.endswith("and 4983 more")


async def test_bad_tag_in_a_filter_is_a_usage_error(session, user, board):
    with pytest.raises(UsageError):
        await picked(session, user, without_tags=("two words",))


async def test_next_takes_a_filter(session, user, board):
    scored = await next_tasks(session, user=user, now=NOW, where=TaskFilter(tags=("phone",)))
    assert [task.number for task, _ in scored] == [1, 2]


# --- bulk: confirmation, all or nothing, one journal change ------------------------------


async def test_a_filter_picking_more_than_three_needs_confirming(session, user, board):
    with pytest.raises(ConfirmationNeededError) as raised:
        await pick_tasks(session, user=user, where=TaskFilter(), confirmed=False)
    assert [number for number, _ in raised.value.picked] == [1, 2, 3, 4]
    assert "--yes" in raised.value.message
    assert len(await pick_tasks(session, user=user, where=TaskFilter(), confirmed=True)) == 4


async def test_three_or_explicit_ids_need_no_confirming(session, user, board):
    three = TaskFilter(project="home")
    assert len(await pick_tasks(session, user=user, where=three, confirmed=False)) == 3
    ids = TaskFilter(numbers=(1, 2, 3, 4), status=StatusFilter.ALL)
    assert len(await pick_tasks(session, user=user, where=ids, confirmed=False)) == 4


async def in_scope(engine, work):
    async with session_scope(engine) as session:
        return await work(session, await local_user(session))


async def journal_changes(engine) -> list[int]:
    async with session_scope(engine) as session:
        rows = (await session.exec(select(JournalEntry.change_id))).all()
    return sorted(set(rows))


@pytest.fixture
async def stored(engine):
    async def fill(session, user):
        for title in ("a", "b", "c", "d"):
            await add(session, user, title, tags=["x"])

    await in_scope(engine, fill)


async def test_a_refused_bulk_change_changes_nothing(engine, stored):
    before = await journal_changes(engine)
    with pytest.raises(ConfirmationNeededError):
        await in_scope(
            engine,
            lambda s, u: complete_tasks(s, user=u, where=TaskFilter(tags=("x",)), confirmed=False),
        )
    assert await in_scope(engine, lambda s, u: picked(s, u)) == [1, 2, 3, 4]
    assert await journal_changes(engine) == before


async def test_a_bulk_edit_is_one_change_and_one_undo(engine, stored):
    before = await journal_changes(engine)
    edited = await in_scope(
        engine,
        lambda s, u: edit_tasks(
            s, user=u, where=TaskFilter(tags=("x",)), changes=TaskUpdate(priority="medium")
        ),
    )
    assert [task.priority for task in edited.tasks] == ["medium"] * 4
    assert len(await journal_changes(engine)) == len(before) + 1
    undone = await in_scope(engine, lambda s, u: undo_last(s, user=u))
    assert sorted(task.number for task in undone.tasks) == [1, 2, 3, 4]
    assert await in_scope(engine, lambda s, u: picked(s, u, no_priority=True)) == [1, 2, 3, 4]


async def test_a_bulk_change_is_all_or_nothing(engine, stored):
    await in_scope(engine, lambda s, u: remove_tasks(s, user=u, numbers=[4]))
    where = TaskFilter(tags=("x",), status=StatusFilter.ALL)
    with pytest.raises(ConflictError, match="task 4"):
        await in_scope(engine, lambda s, u: complete_tasks(s, user=u, where=where))
    assert await in_scope(engine, lambda s, u: picked(s, u)) == [1, 2, 3]  # still pending


async def test_start_stop_restore_purge_take_a_filter(engine, stored):
    where = TaskFilter(words=("a",))
    started = await in_scope(engine, lambda s, u: start_tasks(s, user=u, where=where))
    assert [task.number for task in started.tasks] == [1]
    stopped = await in_scope(engine, lambda s, u: stop_tasks(s, user=u, where=where))
    assert stopped.tasks[0].started_at is None
    await in_scope(engine, lambda s, u: remove_tasks(s, user=u, where=where))
    deleted = TaskFilter(status=StatusFilter.DELETED)
    restored = await in_scope(engine, lambda s, u: restore_tasks(s, user=u, where=deleted))
    assert [task.number for task in restored.tasks] == [1]
    await in_scope(engine, lambda s, u: remove_tasks(s, user=u, numbers=[2]))
    purged = await in_scope(engine, lambda s, u: purge_tasks(s, user=u, where=deleted))
    assert [task.number for task in purged] == [2]


async def test_an_empty_pick_changes_and_records_nothing(engine, stored):
    before = await journal_changes(engine)
    outcome = await in_scope(
        engine, lambda s, u: complete_tasks(s, user=u, where=TaskFilter(tags=("nope",)))
    )
    assert outcome.tasks == []
    assert await journal_changes(engine) == before
