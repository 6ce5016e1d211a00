"""todo_cli.service.tasks against real PostgreSQL.

Most tests work inside the ``session`` fixture's one open transaction. Tests
about what survives a failed call, or what moves between two commands, use
``engine`` and a separate ``session_scope`` per step, as separate commands do.
"""

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from todo_cli.db.engine import session_scope
from todo_cli.errors import ConflictError, NotFoundError, UsageError
from todo_cli.models import Priority, Status, Task, TaskCreate, TaskUpdate
from todo_cli.service.tasks import (
    Sort,
    StatusFilter,
    TagChanges,
    TaskFilter,
    add_task,
    complete_tasks,
    edit_task,
    get_task,
    get_tasks,
    list_tasks,
    purge_tasks,
    remove_tasks,
    reopen_tasks,
    restore_tasks,
)
from todo_cli.service.users import ensure_user, local_user

NOW = datetime(2026, 11, 26, 9, 30).astimezone()
DAY = timedelta(days=1)


async def add(session, user, title="Task", **fields) -> Task:
    return await add_task(session, user=user, task=TaskCreate(title=title, **fields))


async def listed(session, user, **where) -> list[int]:
    tasks = await list_tasks(session, user=user, where=TaskFilter(**where))
    return [task.number for task in tasks]


async def in_scope(engine, work):
    """``work(session)`` in its own transaction, committed unless it raises."""
    async with session_scope(engine) as session:
        return await work(session)


async def snapshot(engine, owner) -> list[tuple]:
    """Every task of ``owner`` as comparable tuples, read in a fresh transaction."""

    async def read(session):
        tasks = await list_tasks(
            session, user=owner, where=TaskFilter(status=StatusFilter.ALL, sort=Sort.ID)
        )
        return [
            (t.number, t.status, t.title, t.priority, t.due, t.tags, t.project, t.updated_at)
            for t in tasks
        ]

    return await in_scope(engine, read)


@pytest.fixture
async def owner(engine):
    """The local user, committed, for tests that span several transactions."""
    return await in_scope(engine, local_user)


# --- add -------------------------------------------------------------------


async def test_add_stores_every_field(session, user):
    due = NOW + DAY
    task = await add(
        session,
        user,
        "  Buy milk ",
        description=" two litres ",
        priority=Priority.HIGH,
        due=due,
        tags=["+errand", "shop", "errand"],
        project="home.kitchen",
    )
    stored = await get_task(session, user=user, number=task.number)
    assert (stored.title, stored.description) == ("Buy milk", "two litres")
    assert (stored.priority, stored.due, stored.project) == (Priority.HIGH, due, "home.kitchen")
    assert stored.tags == ["errand", "shop"]
    assert (stored.status, stored.completed_at) == (Status.PENDING, None)
    assert stored.uuid is not None


async def test_add_timestamps_come_from_the_database(session, user):
    task = await add(session, user)
    assert task.created_at is not None
    assert task.created_at.tzinfo is not None
    assert task.created_at == task.updated_at


async def test_numbers_start_at_one_and_count_up(session, user):
    tasks = [await add(session, user, f"Task {i}") for i in range(3)]
    assert [task.number for task in tasks] == [1, 2, 3]


async def test_numbers_are_per_user(session, user):
    other = await ensure_user(session, email="other@example.com")
    await add(session, user)
    await add(session, user)
    assert (await add(session, other)).number == 1
    assert (await add(session, user)).number == 3


@pytest.mark.parametrize("title", ["", "   ", "x" * 501, "a\x00b"])
async def test_add_refuses_bad_titles(session, user, title):
    with pytest.raises(UsageError):
        await add(session, user, title)
    assert await listed(session, user, status=StatusFilter.ALL) == []


async def test_concurrent_adds_get_unique_contiguous_numbers(engine, owner):
    async def add_one(i: int) -> int:
        async def work(session):
            task = await add_task(session, user=owner, task=TaskCreate(title=f"Racer {i}"))
            return task.number

        return await in_scope(engine, work)

    numbers = await asyncio.gather(*(add_one(i) for i in range(8)))
    assert sorted(numbers) == list(range(1, 9))


# --- list: filters ---------------------------------------------------------


async def test_list_shows_pending_by_default(session, user):
    pending, done, deleted = [await add(session, user, t) for t in ("p", "d", "x")]
    await complete_tasks(session, user=user, numbers=[done.number])
    await remove_tasks(session, user=user, numbers=[deleted.number])
    assert await listed(session, user) == [pending.number]
    assert await listed(session, user, status=StatusFilter.DONE) == [done.number]
    assert await listed(session, user, status=StatusFilter.DELETED) == [deleted.number]
    assert await listed(session, user, status=StatusFilter.ALL, sort=Sort.ID) == [1, 2, 3]


async def test_list_by_tag_needs_every_tag(session, user):
    await add(session, user, "a", tags=["home", "errand"])
    await add(session, user, "b", tags=["home"])
    await add(session, user, "c")
    assert await listed(session, user, tags=["home"], sort=Sort.ID) == [1, 2]
    assert await listed(session, user, tags=["home", "+errand"]) == [1]
    assert await listed(session, user, tags=["nope"]) == []


async def test_list_by_project_includes_sub_projects_only(session, user):
    for project in ("home", "home.garden", "homework", "work.home", None):
        await add(session, user, str(project), project=project)
    assert await listed(session, user, project="home", sort=Sort.ID) == [1, 2]
    assert await listed(session, user, project="home.garden") == [2]
    assert await listed(session, user, project="homework") == [3]


async def test_list_project_with_like_characters_is_literal(session, user):
    await add(session, user, "a", project="a_b.c")
    await add(session, user, "b", project="axb.c")
    assert await listed(session, user, project="a_b") == [1]


async def test_list_by_priority(session, user):
    for priority in (Priority.LOW, Priority.HIGH, None, Priority.HIGH):
        await add(session, user, priority=priority)
    assert await listed(session, user, priority=Priority.HIGH, sort=Sort.ID) == [2, 4]
    assert await listed(session, user, priority=Priority.MEDIUM) == []


async def test_list_overdue_only_past_due(session, user):
    await add(session, user, "late", due=NOW - timedelta(minutes=1))
    await add(session, user, "later today", due=NOW + timedelta(hours=2))
    await add(session, user, "undated")
    assert await listed(session, user, overdue_at=NOW) == [1]


async def test_overdue_leaves_out_done_tasks(session, user):
    await add(session, user, "late", due=NOW - DAY)
    await add(session, user, "late but done", due=NOW - DAY)
    await complete_tasks(session, user=user, numbers=[2])
    assert await listed(session, user, status=StatusFilter.ALL, overdue_at=NOW) == [1]


async def test_list_due_before(session, user):
    await add(session, user, "soon", due=NOW + DAY)
    await add(session, user, "later", due=NOW + 5 * DAY)
    await add(session, user, "undated")
    assert await listed(session, user, due_before=NOW + 2 * DAY) == [1]


async def test_search_is_case_insensitive_over_title_and_description(session, user):
    await add(session, user, "Buy MILK")
    await add(session, user, "Shopping", description="oat milk and bread")
    await add(session, user, "Walk the dog")
    assert await listed(session, user, search="milk", sort=Sort.ID) == [1, 2]
    assert await listed(session, user, search="DOG") == [3]


@pytest.mark.parametrize(("search", "expected"), [("0%", [1]), ("a_b", [3]), ("\\", [5])])
async def test_search_treats_like_wildcards_literally(session, user, search, expected):
    for title in ("100% done", "1000 done", "a_b", "axb", "back\\slash"):
        await add(session, user, title)
    assert await listed(session, user, search=search) == expected


async def test_search_finds_unicode(session, user):
    await add(session, user, "Café au lait")
    await add(session, user, "Cafe")
    assert await listed(session, user, search="CAFÉ") == [1]


async def test_filters_combine(session, user):
    await add(session, user, "a", tags=["x"], project="home", priority=Priority.HIGH)
    await add(session, user, "b", tags=["x"], project="home")
    await add(session, user, "c", tags=["x"], project="work", priority=Priority.HIGH)
    assert await listed(session, user, tags=["x"], project="home", priority=Priority.HIGH) == [1]


async def test_list_never_shows_another_users_tasks(session, user):
    other = await ensure_user(session, email="other@example.com")
    await add(session, other, "theirs")
    assert await listed(session, user, status=StatusFilter.ALL) == []
    with pytest.raises(NotFoundError):
        await get_task(session, user=user, number=1)


# --- list: order and limit ---------------------------------------------------


@pytest.fixture
async def mixed(session, user):
    """1: undated high; 2: +2d low; 3: overdue, no priority; 4: +2d high; 5: undated."""
    await add(session, user, "1", priority=Priority.HIGH)
    await add(session, user, "2", due=NOW + 2 * DAY, priority=Priority.LOW)
    await add(session, user, "3", due=NOW - DAY)
    await add(session, user, "4", due=NOW + 2 * DAY, priority=Priority.HIGH)
    await add(session, user, "5")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, [3, 4, 2, 1, 5]),  # overdue first, then due, then priority
        (Sort.DUE, [3, 2, 4, 1, 5]),
        (Sort.PRIORITY, [4, 1, 2, 3, 5]),
        (Sort.ID, [1, 2, 3, 4, 5]),
    ],
)
async def test_sort_orders(session, user, mixed, sort, expected):
    assert await listed(session, user, sort=sort) == expected


async def test_sort_created_follows_created_at_not_number(session, user, mixed):
    for number in range(1, 6):
        created = NOW - timedelta(hours=number)  # task 5 is the oldest
        statement = update(Task).where(col(Task.number) == number).values(created_at=created)
        await session.exec(statement)
    assert await listed(session, user, sort=Sort.CREATED) == [5, 4, 3, 2, 1]


async def test_limit_keeps_the_first_n_in_order(session, user, mixed):
    assert await listed(session, user, limit=2) == [3, 4]
    assert await listed(session, user, sort=Sort.ID, limit=1) == [1]


# --- transitions -------------------------------------------------------------


async def test_done_sets_completed_at_and_reopen_clears_it(session, user):
    task = await add(session, user)
    outcome = await complete_tasks(session, user=user, numbers=[task.number])
    assert (task.status, outcome.unchanged) == (Status.DONE, set())
    assert task.completed_at is not None
    await reopen_tasks(session, user=user, numbers=[task.number])
    assert (task.status, task.completed_at) == (Status.PENDING, None)


async def test_rm_is_soft_and_restore_brings_it_back(session, user):
    task = await add(session, user)
    await remove_tasks(session, user=user, numbers=[task.number])
    assert task.status == Status.DELETED
    assert await listed(session, user, status=StatusFilter.DELETED) == [1]
    await restore_tasks(session, user=user, numbers=[task.number])
    assert task.status == Status.PENDING


async def test_restore_returns_a_completed_task_to_done(session, user):
    task = await add(session, user)
    await complete_tasks(session, user=user, numbers=[1])
    completed_at = task.completed_at
    await remove_tasks(session, user=user, numbers=[1])
    await restore_tasks(session, user=user, numbers=[1])
    assert (task.status, task.completed_at) == (Status.DONE, completed_at)


@pytest.mark.parametrize(
    ("prepare", "verb", "status"),
    [
        (complete_tasks, complete_tasks, Status.DONE),
        (None, reopen_tasks, Status.PENDING),
        (remove_tasks, remove_tasks, Status.DELETED),
        (None, restore_tasks, Status.PENDING),
    ],
)
async def test_repeating_a_verb_leaves_the_task_and_says_so(session, user, prepare, verb, status):
    await add(session, user, "one")
    await add(session, user, "two")
    if prepare:
        await prepare(session, user=user, numbers=[1])
    outcome = await verb(session, user=user, numbers=[1])
    assert outcome.unchanged == {1}
    assert [task.status for task in outcome.tasks] == [status]


async def test_multi_id_verb_reports_each_task_once_in_given_order(session, user):
    for title in ("a", "b", "c"):
        await add(session, user, title)
    outcome = await complete_tasks(session, user=user, numbers=[3, 1, 3])
    assert [task.number for task in outcome.tasks] == [3, 1]
    assert await listed(session, user) == [2]


@pytest.mark.parametrize("verb", [complete_tasks, reopen_tasks])
async def test_done_or_reopen_on_a_deleted_task_is_a_conflict(engine, owner, verb):
    await in_scope(engine, lambda s: add(s, owner, "kept"))
    await in_scope(engine, lambda s: add(s, owner, "deleted"))
    await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[2]))
    before = await snapshot(engine, owner)
    with pytest.raises(ConflictError, match="2"):
        await in_scope(engine, lambda s: verb(s, user=owner, numbers=[1, 2]))
    assert await snapshot(engine, owner) == before


@pytest.mark.parametrize("verb", [complete_tasks, reopen_tasks, remove_tasks, restore_tasks])
async def test_any_missing_id_changes_nothing_and_names_the_missing(engine, owner, verb):
    await in_scope(engine, lambda s: add(s, owner))
    await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    await in_scope(engine, lambda s: add(s, owner))
    await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[2]))
    before = await snapshot(engine, owner)
    with pytest.raises(NotFoundError) as raised:
        await in_scope(engine, lambda s: verb(s, user=owner, numbers=[1, 7, 2, 9]))
    assert "7" in raised.value.message
    assert "9" in raised.value.message
    assert await snapshot(engine, owner) == before


async def test_get_tasks_names_all_missing(session, user):
    await add(session, user)
    with pytest.raises(NotFoundError, match="no tasks 4, 5"):
        await get_tasks(session, user=user, numbers=[1, 4, 5])


# --- purge -------------------------------------------------------------------


async def test_purge_deletes_deleted_tasks_for_good(session, user):
    await add(session, user, "a")
    await add(session, user, "b")
    await remove_tasks(session, user=user, numbers=[1])
    purged = await purge_tasks(session, user=user, numbers=[1])
    assert [task.number for task in purged] == [1]
    assert await listed(session, user, status=StatusFilter.ALL) == [2]
    rows = (await session.exec(select(Task).where(col(Task.number) == 1))).all()
    assert rows == []


@pytest.mark.parametrize("make_live", [None, complete_tasks])
async def test_purge_refuses_tasks_not_deleted_and_purges_nothing(engine, owner, make_live):
    await in_scope(engine, lambda s: add(s, owner, "deleted"))
    await in_scope(engine, lambda s: add(s, owner, "live"))
    await in_scope(engine, lambda s: remove_tasks(s, user=owner, numbers=[1]))
    if make_live:
        await in_scope(engine, lambda s: make_live(s, user=owner, numbers=[2]))
    before = await snapshot(engine, owner)
    with pytest.raises(ConflictError, match="2"):
        await in_scope(engine, lambda s: purge_tasks(s, user=owner, numbers=[1, 2]))
    assert await snapshot(engine, owner) == before


async def test_purge_of_a_missing_task_is_not_found(session, user):
    with pytest.raises(NotFoundError, match="3"):
        await purge_tasks(session, user=user, numbers=[3])


async def test_numbers_are_never_reused_or_renumbered_after_purge(session, user):
    for title in ("a", "b", "c"):
        await add(session, user, title)
    await remove_tasks(session, user=user, numbers=[2, 3])
    await purge_tasks(session, user=user, numbers=[2, 3])
    assert (await add(session, user, "d")).number == 4
    tasks = await list_tasks(session, user=user, where=TaskFilter(sort=Sort.ID))
    assert [(t.number, t.title) for t in tasks] == [(1, "a"), (4, "d")]


# --- edit ----------------------------------------------------------------------


async def edit(session, user, number=1, tags=TagChanges(), **fields) -> Task:
    changes = TaskUpdate(**fields)
    outcome = await edit_task(session, user=user, number=number, changes=changes, tags=tags)
    return outcome.tasks[0]


async def test_edit_sets_fields(session, user):
    await add(session, user, "old")
    due = NOW + 3 * DAY
    task = await edit(
        session, user, title=" new ", description="more", priority=Priority.LOW, due=due
    )
    assert (task.title, task.description, task.priority, task.due) == (
        "new",
        "more",
        Priority.LOW,
        due,
    )


async def test_edit_leaves_unset_fields_alone(session, user):
    await add(session, user, "t", description="d", priority=Priority.HIGH, project="home")
    task = await edit(session, user, title="renamed")
    assert (task.description, task.priority, task.project) == ("d", Priority.HIGH, "home")


@pytest.mark.parametrize("field", ["description", "priority", "due", "project"])
async def test_edit_clears_a_field_with_none(session, user, field):
    await add(session, user, description="d", priority=Priority.HIGH, due=NOW + DAY, project="home")
    task = await edit(session, user, **{field: None})
    assert getattr(task, field) is None


async def test_edit_blank_description_clears_it(session, user):
    await add(session, user, description="d")
    assert (await edit(session, user, description="  ")).description is None


async def test_edit_adds_and_removes_tags(session, user):
    await add(session, user, tags=["a", "b"])
    task = await edit(session, user, tags=TagChanges(add=["+c", "a"], remove=["b", "zzz"]))
    assert task.tags == ["a", "c"]


async def test_edit_can_remove_every_tag(session, user):
    await add(session, user, tags=["a", "b"])
    assert (await edit(session, user, tags=TagChanges(remove=["a", "b"]))).tags == []


async def test_edit_project_is_validated(session, user):
    await add(session, user)
    with pytest.raises(UsageError):
        await edit(session, user, project="home..garden")


@pytest.mark.parametrize("title", ["", "  ", "x" * 501, "a\x00"])
async def test_edit_refuses_bad_titles(session, user, title):
    await add(session, user, "kept")
    with pytest.raises(UsageError):
        await edit(session, user, title=title)
    assert (await get_task(session, user=user, number=1)).title == "kept"


async def test_edit_with_nothing_to_change_is_a_usage_error(session, user):
    await add(session, user)
    with pytest.raises(UsageError, match="nothing to change"):
        await edit(session, user)


async def test_edit_missing_task_is_not_found(session, user):
    with pytest.raises(NotFoundError, match="5"):
        await edit(session, user, number=5, title="x")


# --- updated_at across commands -------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda s, u: edit(s, u, title="renamed"),
        lambda s, u: edit(s, u, tags=TagChanges(add=["new"])),
        lambda s, u: edit(s, u, due=None),
        lambda s, u: complete_tasks(s, user=u, numbers=[1]),
        lambda s, u: remove_tasks(s, user=u, numbers=[1]),
    ],
    ids=["title", "tag", "clear-due", "done", "rm"],
)
async def test_every_change_moves_updated_at(engine, owner, change):
    created = await in_scope(engine, lambda s: add(s, owner, "t", due=NOW))
    await in_scope(engine, lambda s: change(s, owner))
    after = await in_scope(engine, lambda s: get_task(s, user=owner, number=1))
    assert after.updated_at > created.updated_at
    assert after.created_at == created.created_at


async def test_reopen_and_restore_move_updated_at(engine, owner):
    await in_scope(engine, lambda s: add(s, owner))
    stamps = []
    for verb in (complete_tasks, reopen_tasks, remove_tasks, restore_tasks):
        await in_scope(engine, lambda s, verb=verb: verb(s, user=owner, numbers=[1]))
        task = await in_scope(engine, lambda s: get_task(s, user=owner, number=1))
        stamps.append(task.updated_at)
    assert stamps == sorted(set(stamps))


async def test_a_repeated_verb_does_not_move_updated_at(engine, owner):
    await in_scope(engine, lambda s: add(s, owner))
    done = await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    again = await in_scope(engine, lambda s: complete_tasks(s, user=owner, numbers=[1]))
    assert again.tasks[0].updated_at == done.tasks[0].updated_at
