"""Notes, start/stop, urgency and summaries against real PostgreSQL."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from todo_cli.errors import ConflictError, NotFoundError, UsageError
from todo_cli.models import NOTE_MAX_LENGTH, Priority, Status, Task, TaskCreate
from todo_cli.service.activity import start_tasks, stop_tasks
from todo_cli.service.filters import TaskFilter
from todo_cli.service.notes import add_note, delete_note
from todo_cli.service.summaries import project_summaries, tag_summaries
from todo_cli.service.tasks import (
    add_task,
    complete_tasks,
    get_task,
    list_tasks,
    remove_tasks,
    reopen_tasks,
)
from todo_cli.service.urgency import next_tasks
from todo_cli.service.users import ensure_user

DAY = timedelta(days=1)


async def add(session, user, title="Task", **fields) -> Task:
    return await add_task(session, user=user, task=TaskCreate(title=title, **fields))


# --- notes ---------------------------------------------------------------------------


async def test_notes_keep_their_order_and_move_updated_at(session, user):
    task = await add(session, user)
    created = task.updated_at
    await add_note(session, user=user, number=1, text="  first  ")
    await add_note(session, user=user, number=1, text="second")
    task = await get_task(session, user=user, number=1)
    assert [note.text for note in task.notes] == ["first", "second"]
    assert all(note.created_at is not None for note in task.notes)
    assert task.updated_at >= created


async def test_delete_note_by_position(session, user):
    await add(session, user)
    for text in ("one", "two", "three"):
        await add_note(session, user=user, number=1, text=text)
    task = await delete_note(session, user=user, number=1, position=2)
    assert [note.text for note in task.notes] == ["one", "three"]


@pytest.mark.parametrize("position", [0, 2])
async def test_delete_a_missing_note_is_not_found(session, user, position):
    await add(session, user)
    await add_note(session, user=user, number=1, text="only")
    with pytest.raises(NotFoundError, match=f"no note {position}"):
        await delete_note(session, user=user, number=1, position=position)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a\x00b", r"control character \\x00"),
        ("x" * (NOTE_MAX_LENGTH + 1), "limit"),
    ],
)
async def test_bad_notes_are_refused(session, user, text, reason):
    await add(session, user)
    with pytest.raises(UsageError, match=reason):
        await add_note(session, user=user, number=1, text=text)


async def test_a_note_on_a_missing_task_is_not_found(session, user):
    with pytest.raises(NotFoundError):
        await add_note(session, user=user, number=7, text="hello")


async def test_list_loads_notes_for_every_task(session, user):
    for title in ("a", "b", "c"):
        await add(session, user, title)
    await add_note(session, user=user, number=2, text="on b")
    tasks = await list_tasks(session, user=user, where=TaskFilter())
    assert [len(task.notes) for task in tasks] == [0, 1, 0]


async def test_a_users_notes_stay_theirs(session, user):
    other = await ensure_user(session, email="other@example.com")
    await add(session, other)
    await add_note(session, user=other, number=1, text="theirs")
    await add(session, user)
    assert (await get_task(session, user=user, number=1)).notes == []


# --- start / stop --------------------------------------------------------------------


async def test_start_and_stop(session, user):
    await add(session, user)
    outcome = await start_tasks(session, user=user, numbers=[1])
    started = outcome.tasks[0].started_at
    assert started is not None
    assert (await start_tasks(session, user=user, numbers=[1])).unchanged == {1}
    assert outcome.tasks[0].started_at == started
    listed = await list_tasks(session, user=user, where=TaskFilter(active=True))
    assert [task.number for task in listed] == [1]
    await stop_tasks(session, user=user, numbers=[1])
    assert (await get_task(session, user=user, number=1)).started_at is None
    assert (await stop_tasks(session, user=user, numbers=[1])).unchanged == {1}
    assert await list_tasks(session, user=user, where=TaskFilter(active=True)) == []


@pytest.mark.parametrize("finish", [complete_tasks, remove_tasks])
async def test_done_and_rm_stop_an_active_task(session, user, finish):
    await add(session, user)
    await start_tasks(session, user=user, numbers=[1])
    await finish(session, user=user, numbers=[1])
    assert (await get_task(session, user=user, number=1)).started_at is None


@pytest.mark.parametrize("finish", [complete_tasks, remove_tasks])
async def test_start_refuses_finished_tasks_and_changes_nothing(session, user, finish):
    await add(session, user, "open")
    await add(session, user, "finished")
    await finish(session, user=user, numbers=[2])
    with pytest.raises(ConflictError, match="task 2 is not pending"):
        await start_tasks(session, user=user, numbers=[1, 2])
    assert (await get_task(session, user=user, number=1)).started_at is None


async def test_reopen_does_not_restart(session, user):
    await add(session, user)
    await start_tasks(session, user=user, numbers=[1])
    await complete_tasks(session, user=user, numbers=[1])
    await reopen_tasks(session, user=user, numbers=[1])
    assert (await get_task(session, user=user, number=1)).status == Status.PENDING
    assert (await get_task(session, user=user, number=1)).started_at is None


# --- next / urgency ------------------------------------------------------------------


async def aged(session, number: int, created: datetime) -> None:
    await session.exec(update(Task).where(col(Task.number) == number).values(created_at=created))


async def scores(session, user, now) -> dict[int, float]:
    scored = await next_tasks(session, user=user, now=now, limit=50)
    return {task.number: score for task, score in scored}


async def test_urgency_terms_follow_the_documented_coefficients(session, user):
    now = datetime.now().astimezone()
    await add(session, user, "plain")
    await add(session, user, "high", priority=Priority.HIGH)
    await add(session, user, "medium", priority=Priority.MEDIUM)
    await add(session, user, "low", priority=Priority.LOW)
    await add(session, user, "next", tags=["next"])  # 15 + one tag 0.8
    await add(session, user, "project", project="home")
    await add(session, user, "two tags", tags=["a", "b"])
    await add(session, user, "far due", due=now + 30 * DAY)
    await add(session, user, "due now", due=now)
    await add(session, user, "week late", due=now - 8 * DAY)
    await add(session, user, "active")
    await start_tasks(session, user=user, numbers=[11])
    await add(session, user, "old")
    await aged(session, 12, now - 400 * DAY)
    await add(session, user, "noted")
    for text in ("a", "b", "c"):
        await add_note(session, user=user, number=13, text=text)
    await add(session, user, "one note")
    await add_note(session, user=user, number=14, text="a")
    await add(session, user, "two notes")
    for text in ("a", "b"):
        await add_note(session, user=user, number=15, text=text)
    got = await scores(session, user, now)
    expected = {
        1: 0.0, 2: 6.0, 3: 3.9, 4: 1.8, 5: 15.8, 6: 1.0, 7: 0.9,
        8: 12 * 0.2, 9: 12 * (14 * 0.8 / 21 + 0.2), 10: 12.0, 11: 4.0, 12: 2.0, 13: 1.0,
        14: 0.8, 15: 0.9,
    }  # fmt: skip
    assert got == pytest.approx(expected, abs=0.01)  # age adds < 0.01 to brand-new tasks


async def test_next_orders_by_urgency_and_lists_only_pending(session, user):
    now = datetime.now().astimezone()
    await add(session, user, "low", priority=Priority.LOW)
    await add(session, user, "high", priority=Priority.HIGH)
    await add(session, user, "done", priority=Priority.HIGH)
    await complete_tasks(session, user=user, numbers=[3])
    await add(session, user, "tie with 1", priority=Priority.LOW)
    scored = await next_tasks(session, user=user, now=now)
    assert [task.number for task, _ in scored] == [2, 1, 4]
    assert [task.number for task, _ in await next_tasks(session, user=user, now=now, limit=1)] == [
        2
    ]


# --- summaries -----------------------------------------------------------------------


async def test_projects_roll_sub_projects_into_parents(session, user):
    await add(session, user, project="home.garden")
    await add(session, user, project="home.garden")
    await add(session, user, project="home")
    await add(session, user, project="work")
    await add(session, user, project="homework")
    await add(session, user, project="home.garden.shed")
    await add(session, user)  # no project
    await complete_tasks(session, user=user, numbers=[1, 4])
    await add(session, user, project="home")
    await remove_tasks(session, user=user, numbers=[8])  # deleted: not counted
    rows = await project_summaries(session, user=user)
    assert [(row.project, row.pending, row.done, row.percent) for row in rows] == [
        ("home", 3, 1, 25),
        ("home.garden", 2, 1, 33),
        ("home.garden.shed", 1, 0, 0),
        ("homework", 1, 0, 0),
        ("work", 0, 1, 100),
    ]


async def test_tags_count_pending_tasks(session, user):
    await add(session, user, tags=["errand", "phone"])
    await add(session, user, tags=["errand"])
    await add(session, user, tags=["errand", "later"])
    await complete_tasks(session, user=user, numbers=[3])
    rows = await tag_summaries(session, user=user)
    assert [(row.tag, row.pending) for row in rows] == [("errand", 2), ("phone", 1)]


async def test_summaries_are_per_user(session, user):
    other = await ensure_user(session, email="other@example.com")
    await add(session, other, tags=["theirs"], project="theirs")
    assert await project_summaries(session, user=user) == []
    assert await tag_summaries(session, user=user) == []
