"""The change journal and undo (todo_cli.service.journal / undo) against real PostgreSQL.

Each step runs in its own transaction (``in_scope``), as separate commands do.
"""

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from todo_cli.db.engine import session_scope
from todo_cli.errors import ConflictError, NotFoundError
from todo_cli.models import JournalEntry, Priority, Task, TaskCreate, TaskUpdate
from todo_cli.service.activity import start_tasks
from todo_cli.service.journal import recent_changes, task_history
from todo_cli.service.notes import add_note, delete_note
from todo_cli.service.tasks import (
    TagChanges,
    add_task,
    complete_tasks,
    edit_task,
    get_task,
    purge_tasks,
    remove_tasks,
)
from todo_cli.service.undo import undo_last
from todo_cli.service.users import ensure_user, local_user

WAIT = 10.0  # seconds; only so a broken lock cannot hang the suite


async def in_scope(engine, work):
    async with session_scope(engine) as session:
        return await work(session)


@pytest.fixture
async def owner(engine):
    return await in_scope(engine, local_user)


async def add(engine, owner, title="Task", **fields) -> Task:
    return await in_scope(
        engine, lambda s: add_task(s, user=owner, task=TaskCreate(title=title, **fields))
    )


async def journal_rows(engine) -> list[JournalEntry]:
    async def read(session):
        statement = select(JournalEntry).order_by(col(JournalEntry.id))
        return list((await session.exec(statement)).all())

    return await in_scope(engine, read)


async def state(engine, owner, number) -> dict:
    from todo_cli.service.journal import snapshot

    return await in_scope(engine, lambda s: _snapshot(s, owner, number, snapshot))


async def _snapshot(session, owner, number, snapshot):
    return snapshot(await get_task(session, user=owner, number=number))


def without_updated_at(snapshot: dict) -> dict:
    return {key: value for key, value in snapshot.items() if key != "updated_at"}


# --- recording ------------------------------------------------------------------


async def test_add_records_one_row_with_no_before(engine, owner):
    task = await add(engine, owner, "Buy milk", tags=["errand"])
    [row] = await journal_rows(engine)
    assert (row.task_number, row.task_id, row.command, row.before) == (1, task.id, "add", None)
    assert row.after["title"] == "Buy milk"
    assert row.after["tags"] == ["errand"]
    assert row.after["id"] == 1  # the short number, as in the JSON contract
    assert row.changed_at == task.created_at  # the same transaction's now()


async def test_one_command_is_one_change_group(engine, owner):
    for title in ("a", "b", "c"):
        await add(engine, owner, title)
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1, 2, 3]))
    rows = await journal_rows(engine)
    done = [row for row in rows if row.command == "done"]
    assert [row.task_number for row in done] == [1, 2, 3]
    assert len({row.change_id for row in done}) == 1
    assert len({row.change_id for row in rows}) == 4


async def test_a_task_left_as_it_was_is_not_recorded(engine, owner):
    await add(engine, owner, "a")
    await add(engine, owner, "b")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    await in_scope(
        engine, lambda s: complete_tasks(s, user=owner, numbers=[1, 2], command="done 1 2")
    )
    last = (await journal_rows(engine))[-1]
    assert (last.command, last.task_number) == ("done 1 2", 2)


async def test_a_refused_command_records_nothing(engine, owner):
    await add(engine, owner)
    with pytest.raises(NotFoundError):
        await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1, 9]))
    assert [row.command for row in await journal_rows(engine)] == ["add"]


async def test_snapshots_hold_the_state_before_and_after(engine, owner):
    await add(engine, owner, "a", priority=Priority.LOW)
    await in_scope(
        engine,
        lambda s: edit_task(
            s,
            user=owner,
            number=1,
            changes=TaskUpdate(priority=Priority.HIGH),
            tags=TagChanges(add=["x"]),
        ),
    )
    row = (await journal_rows(engine))[-1]
    assert (row.before["priority"], row.after["priority"]) == ("low", "high")
    assert (row.before["tags"], row.after["tags"]) == ([], ["x"])
    assert row.after == await state(engine, owner, 1)


async def test_purge_keeps_the_history_with_task_id_cleared(engine, owner):
    await add(engine, owner, "old")
    await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[1]))
    await in_scope(engine, lambda s: purge_tasks(s, user=owner, numbers=[1]))
    rows = await journal_rows(engine)
    assert [row.command for row in rows] == ["add", "rm", "purge"]
    assert rows[-1].after is None
    assert rows[-1].before["status"] == "deleted"
    assert all(row.task_id is None for row in rows)


async def test_log_groups_newest_first_and_history_is_per_task(engine, owner):
    await add(engine, owner, "a")
    await add(engine, owner, "b")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1, 2]))
    groups = await in_scope(engine, lambda s: recent_changes(s, user=owner, limit=2))
    assert [group.command for group in groups] == ["done", "add"]
    assert [entry.number for entry in groups[0].entries] == [1, 2]
    history = await in_scope(engine, lambda s: task_history(s, user=owner, number=1))
    assert [group.command for group in history] == ["add", "done"]


# --- undo -------------------------------------------------------------------------


async def test_undo_reverts_the_last_command_then_the_one_before(engine, owner):
    await add(engine, owner, "a")
    added = await state(engine, owner, 1)
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    with pytest.raises(ConflictError):  # refused (done): journals nothing, undo skips it
        await in_scope(engine, lambda s: start_tasks(s, user=owner, numbers=[1]))
    undone = await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert undone.group.command == "done"
    assert [task.number for task in undone.tasks] == [1]
    after_undo = await state(engine, owner, 1)
    assert without_updated_at(after_undo) == without_updated_at(added)
    assert after_undo["updated_at"] > added["updated_at"]  # an undo is a change too
    undone = await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert (undone.group.command, undone.tasks) == ("add", [])
    with pytest.raises(NotFoundError):
        await state(engine, owner, 1)
    with pytest.raises(ConflictError, match="nothing to undo"):
        await in_scope(engine, lambda s: undo_last(s, user=owner))


async def test_undone_groups_are_marked_and_an_undone_add_keeps_its_number(engine, owner):
    await add(engine, owner, "a")
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    [row] = await journal_rows(engine)
    assert row.undone_at is not None
    assert (await add(engine, owner, "b")).number == 2


async def test_undo_brings_back_a_purged_task_with_its_notes(engine, owner):
    task = await add(engine, owner, "old", tags=["x"])
    await in_scope(engine, lambda s: add_note(s, user=owner, number=1, text="first"))
    await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[1]))
    before_purge = await state(engine, owner, 1)
    await in_scope(engine, lambda s: purge_tasks(s, user=owner, numbers=[1]))
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    back = await state(engine, owner, 1)
    assert without_updated_at(back) == without_updated_at(before_purge)
    assert back["uuid"] == str(task.uuid)
    assert back["notes"][0]["text"] == "first"


async def test_undo_of_a_note_removes_it_and_of_a_deletion_restores_it(engine, owner):
    await add(engine, owner, "a")
    await in_scope(engine, lambda s: add_note(s, user=owner, number=1, text="one"))
    await in_scope(engine, lambda s: add_note(s, user=owner, number=1, text="two"))
    with_both = await state(engine, owner, 1)
    await in_scope(engine, lambda s: delete_note(s, user=owner, number=1, position=1))
    assert [note["text"] for note in (await state(engine, owner, 1))["notes"]] == ["two"]
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert (await state(engine, owner, 1))["notes"] == with_both["notes"]
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert [note["text"] for note in (await state(engine, owner, 1))["notes"]] == ["one"]


async def test_a_change_outside_the_journal_blocks_the_undo(engine, owner):
    await add(engine, owner, "a")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))

    async def sneak(session):
        await session.exec(update(Task).where(col(Task.number) == 1).values(title="elsewhere"))

    await in_scope(engine, sneak)
    with pytest.raises(ConflictError, match="task 1 changed since `done`"):
        await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert (await state(engine, owner, 1))["status"] == "done"
    assert all(row.undone_at is None for row in await journal_rows(engine))


async def test_undo_is_all_or_nothing(engine, owner):
    for title in ("a", "b"):
        await add(engine, owner, title)
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1, 2]))

    async def sneak(session):
        await session.exec(update(Task).where(col(Task.number) == 2).values(title="elsewhere"))

    await in_scope(engine, sneak)
    with pytest.raises(ConflictError, match="task 2"):
        await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert (await state(engine, owner, 1))["status"] == "done"


async def test_undo_only_touches_the_users_own_changes(engine, owner):
    await add(engine, owner, "mine")
    other = await in_scope(engine, lambda s: ensure_user(s, email="other@example.com"))
    await in_scope(engine, lambda s: add_task(s, user=other, task=TaskCreate(title="theirs")))
    undone = await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert undone.group.command == "add"
    with pytest.raises(NotFoundError):
        await state(engine, owner, 1)
    assert (await state(engine, other, 1))["title"] == "theirs"


async def wait_for_lock_wait(engine) -> None:
    """Until some backend of this database waits on a row lock."""
    deadline = asyncio.get_running_loop().time() + WAIT
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while asyncio.get_running_loop().time() < deadline:
        async with engine.connect() as connection:
            if await connection.scalar(query):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the undo never waited for the other session's lock")


async def test_a_change_committed_by_another_session_blocks_the_undo(engine, owner):
    """Session B edits the task while the undo runs: the undo waits, then refuses."""
    await add(engine, owner, "shared")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    async with session_scope(engine) as other:
        await edit_task(other, user=owner, number=1, changes=TaskUpdate(title="from B"))
        undo = asyncio.create_task(in_scope(engine, lambda s: undo_last(s, user=owner)))
        await wait_for_lock_wait(engine)
        assert not undo.done()
    # B has committed; the undo now sees a task that changed since `done`.
    with pytest.raises(ConflictError, match="task 1 changed since `done`"):
        await asyncio.wait_for(undo, WAIT)
    now = await state(engine, owner, 1)
    assert (now["title"], now["status"]) == ("from B", "done")
    # The next undo takes B's change, the newest.
    undone = await in_scope(engine, lambda s: undo_last(s, user=owner))
    assert undone.group.command == "edit"
    assert (await state(engine, owner, 1))["title"] == "shared"


async def test_an_edit_during_an_undo_waits_for_it(engine, owner):
    """The undo holds the task's row lock: a concurrent edit applies after it, on top."""
    await add(engine, owner, "a")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    async with session_scope(engine) as undoing:
        await undo_last(undoing, user=owner)
        edit = asyncio.create_task(
            in_scope(
                engine,
                lambda s: edit_task(s, user=owner, number=1, changes=TaskUpdate(title="later")),
            )
        )
        await wait_for_lock_wait(engine)
    await asyncio.wait_for(edit, WAIT)
    now = await state(engine, owner, 1)
    assert (now["title"], now["status"]) == ("later", "pending")


async def test_two_concurrent_undos_take_one_change_each(engine, owner):
    await add(engine, owner, "a")
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    results = await asyncio.gather(
        in_scope(engine, lambda s: undo_last(s, user=owner)),
        in_scope(engine, lambda s: undo_last(s, user=owner)),
        return_exceptions=True,
    )
    undone = [result for result in results if not isinstance(result, BaseException)]
    assert [result.group.command for result in undone] in (
        ["done"],
        ["done", "add"],
        ["add", "done"],
    )
    rows = await journal_rows(engine)
    assert sum(row.undone_at is not None for row in rows) == len(undone)


async def test_a_task_due_keeps_its_instant_through_undo(engine, owner):
    due = datetime(2026, 12, 1, 17, 0).astimezone()
    await add(engine, owner, "a", due=due)
    await in_scope(
        engine,
        lambda s: edit_task(s, user=owner, number=1, changes=TaskUpdate(due=due + timedelta(1))),
    )
    await in_scope(engine, lambda s: undo_last(s, user=owner))
    task = await in_scope(engine, lambda s: get_task(s, user=owner, number=1))
    assert task.due == due
