"""Dependencies (service/dependencies.py, service/states.py) against real PostgreSQL.

Most tests run in the ``session`` fixture's one transaction; the concurrency
test uses a database of its own and two sessions, as two clients would.
"""

import asyncio
import uuid
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select

from tests.test_listing import assert_same
from todo_cli.db.engine import session_scope
from todo_cli.errors import ConflictError, NotFoundError
from todo_cli.models import Task, TaskCreate, TaskRead, TaskUpdate
from todo_cli.service import journal
from todo_cli.service.filters import DependencyChanges, Sort, StatusFilter, TaskFilter
from todo_cli.service.tasks import (
    add_task,
    complete_tasks,
    edit_task,
    get_task,
    list_tasks,
    purge_tasks,
    remove_tasks,
    reopen_tasks,
)
from todo_cli.service.undo import undo_last
from todo_cli.service.urgency import Coefficients, next_statement, next_tasks
from todo_cli.service.users import local_user

NOW = datetime(2026, 11, 26, 9, 30).astimezone()
EVERY = TaskFilter(status=StatusFilter.ALL, sort=Sort.ID)


async def add(session, user, title="Task", *, depends=()) -> Task:
    changes = DependencyChanges(add=tuple(depends)) if depends else None
    return await add_task(session, user=user, task=TaskCreate(title=title), dependencies=changes)


async def depend(session, user, number, **changes):
    return await edit_task(
        session,
        user=user,
        number=number,
        changes=TaskUpdate(),
        dependencies=DependencyChanges(**changes),
    )


async def numbers(session, user, **where) -> list[int]:
    tasks = await list_tasks(session, user=user, where=TaskFilter(sort=Sort.ID, **where))
    return [task.number for task in tasks]


async def depends_of(session, user, number) -> list[int]:
    session.expunge_all()  # as the next command reads it
    return TaskRead.model_validate(await get_task(session, user=user, number=number)).depends


async def test_a_new_task_waits_for_the_ids_given_shown_as_short_ids(session, user):
    for title in ("one", "two", "three"):
        await add(session, user, title)
    report = await add(session, user, "Write report", depends=[3, 1])
    assert TaskRead.model_validate(report).depends == [1, 3]  # ascending
    stored = await get_task(session, user=user, number=4)
    assert set(stored.depends) == {
        (await get_task(session, user=user, number=n)).uuid for n in (1, 3)
    }
    assert await depends_of(session, user, 4) == [1, 3]
    assert await depends_of(session, user, 1) == []


async def test_depends_adds_removes_and_clears_as_taskwarrior_modify_does(session, user):
    for title in ("a", "b", "c", "d"):
        await add(session, user, title)
    await depend(session, user, 4, add=(1,))
    await depend(session, user, 4, add=(2, 3))  # adds to the list, as Taskwarrior does
    assert await depends_of(session, user, 4) == [1, 2, 3]
    await depend(session, user, 4, remove=(2,))
    assert await depends_of(session, user, 4) == [1, 3]
    outcome = await depend(session, user, 4, remove=(2,))  # not a dependency: no change
    assert outcome.unchanged == {4}
    await depend(session, user, 4, clear=True)
    assert await depends_of(session, user, 4) == []


async def test_a_missing_id_is_not_found(session, user):
    await add(session, user, "a")
    with pytest.raises(NotFoundError, match="no task 9"):
        await add(session, user, "b", depends=[9])
    with pytest.raises(NotFoundError, match="no task 7"):
        await depend(session, user, 1, remove=(7,))


async def test_a_task_cannot_wait_for_itself_or_for_a_deleted_task(session, user):
    await add(session, user, "a")
    await add(session, user, "b")
    with pytest.raises(ConflictError, match="task 1 cannot depend on itself"):
        await depend(session, user, 1, add=(1,))
    await remove_tasks(session, user=user, numbers=[2])
    with pytest.raises(ConflictError, match="task 2 is deleted"):
        await depend(session, user, 1, add=(2,))


async def test_a_cycle_of_three_is_refused_naming_it(session, user):
    for title in ("a", "b", "c"):
        await add(session, user, title)
    await depend(session, user, 1, add=(2,))
    await depend(session, user, 2, add=(3,))
    with pytest.raises(ConflictError, match=r"circular dependency: 3 -> 1 -> 2 -> 3"):
        await depend(session, user, 3, add=(1,))


async def test_the_shortest_cycle_is_named_in_a_web_of_dependencies(session, user):
    for title in "abcdefgh":
        await add(session, user, title)
    # 1 waits for 2..7 and each of them for 8: a diamond, no cycle.
    await depend(session, user, 1, add=tuple(range(2, 8)))
    for number in range(2, 8):
        await depend(session, user, number, add=(8,))
    assert await depends_of(session, user, 1) == [2, 3, 4, 5, 6, 7]
    with pytest.raises(ConflictError, match=r"circular dependency: 8 -> 1 -> 2 -> 8 "):
        await depend(session, user, 8, add=(1,))


async def test_blocked_unblocked_and_blocking_follow_pending_dependencies(session, user):
    for title in ("blocker", "waiting", "free", "done blocker", "waits for done"):
        await add(session, user, title)
    await depend(session, user, 2, add=(1,))
    await depend(session, user, 5, add=(4,))
    await complete_tasks(session, user=user, numbers=[4])
    assert await numbers(session, user, blocked=True) == [2]
    assert await numbers(session, user, unblocked=True) == [1, 3, 5]
    assert await numbers(session, user, blocking=True) == [1]
    # A done task is neither blocked nor blocking (Taskwarrior's dependency_scan).
    await complete_tasks(session, user=user, numbers=[2])
    assert await numbers(session, user, status=StatusFilter.ALL, blocked=True) == []
    assert await numbers(session, user, blocking=True) == []


async def test_depends_as_a_filter_picks_the_tasks_waiting_for_all_of_those(session, user):
    for title in ("a", "b", "c", "d"):
        await add(session, user, title)
    await depend(session, user, 3, add=(1, 2))
    await depend(session, user, 4, add=(1,))
    assert await numbers(session, user, depends_on=(1,)) == [3, 4]
    assert await numbers(session, user, depends_on=(1, 2)) == [3]
    assert await numbers(session, user, depends_on=(9,)) == []
    assert await numbers(session, user, no_depends=True) == [1, 2]


async def test_completing_the_last_blocker_names_the_tasks_it_unblocks(session, user):
    for title in ("a", "b", "Write report", "other"):
        await add(session, user, title)
    await depend(session, user, 3, add=(1, 2))
    await depend(session, user, 4, add=(1,))
    first = await complete_tasks(session, user=user, numbers=[1])
    assert first.unblocked == [(4, "other")]  # 3 still waits for 2
    second = await complete_tasks(session, user=user, numbers=[2])
    assert second.unblocked == [(3, "Write report")]
    again = await complete_tasks(session, user=user, numbers=[2])  # already done
    assert again.unblocked == []
    await reopen_tasks(session, user=user, numbers=[2])
    assert await numbers(session, user, blocked=True) == [3]


async def test_deleting_a_blocker_unblocks_too(session, user):
    await add(session, user, "blocker")
    await add(session, user, "waiting", depends=[1])
    outcome = await remove_tasks(session, user=user, numbers=[1])
    assert outcome.unblocked == [(2, "waiting")]


async def in_scope(engine, work):
    """``work(session, owner)`` in a transaction of its own, as one command: one change."""
    async with session_scope(engine) as session:
        return await work(session, await local_user(session))


async def test_purge_drops_the_uuid_from_depends_journaled_and_undo_brings_both_back(engine):
    await in_scope(engine, lambda s, u: add(s, u, "blocker"))
    await in_scope(engine, lambda s, u: add(s, u, "other"))
    await in_scope(engine, lambda s, u: add(s, u, "waiting", depends=[1, 2]))
    await in_scope(engine, lambda s, u: remove_tasks(s, user=u, numbers=[1]))
    purged = await in_scope(engine, lambda s, u: purge_tasks(s, user=u, numbers=[1]))
    assert purged.released == [(3, "waiting")]
    assert await in_scope(engine, lambda s, u: depends_of(s, u, 3)) == [2]
    [group] = await in_scope(engine, lambda s, u: journal.recent_changes(s, user=u, limit=1))
    assert {entry.number for entry in group.entries} == {1, 3}
    await in_scope(engine, lambda s, u: undo_last(s, user=u))
    assert await in_scope(engine, lambda s, u: depends_of(s, u, 3)) == [1, 2]
    deleted = await in_scope(engine, lambda s, u: numbers(s, u, status=StatusFilter.DELETED))
    assert deleted == [1]


async def test_undo_of_a_dependency_edit_restores_the_list(engine):
    for title in ("a", "b", "c"):
        await in_scope(engine, lambda s, u, title=title: add(s, u, title))
    await in_scope(engine, lambda s, u: depend(s, u, 3, add=(1,)))
    await in_scope(engine, lambda s, u: depend(s, u, 3, add=(2,)))
    await in_scope(engine, lambda s, u: undo_last(s, user=u))
    assert await in_scope(engine, lambda s, u: depends_of(s, u, 3)) == [1]
    await in_scope(engine, lambda s, u: undo_last(s, user=u))
    assert await in_scope(engine, lambda s, u: depends_of(s, u, 3)) == []


async def test_a_refused_dependency_changes_nothing(engine):
    for title in ("a", "b", "c"):
        await in_scope(engine, lambda s, u, title=title: add(s, u, title))
    await in_scope(engine, lambda s, u: depend(s, u, 1, add=(2,)))
    await in_scope(engine, lambda s, u: depend(s, u, 2, add=(3,)))
    with pytest.raises(ConflictError):
        await in_scope(engine, lambda s, u: depend(s, u, 3, add=(1,)))
    with pytest.raises(NotFoundError):
        await in_scope(engine, lambda s, u: add(s, u, "d", depends=[9]))
    every = await in_scope(engine, lambda s, u: list_tasks(s, user=u, where=EVERY))
    assert [TaskRead.model_validate(task).depends for task in every] == [[2], [3], []]


async def test_urgency_adds_blocking_and_blocked_terms_from_the_settings(session, user):
    await add(session, user, "blocker")
    await add(session, user, "waiting", depends=[1])
    await add(session, user, "alone")
    scored = {task.number: score for task, score in await next_tasks(session, user=user, now=NOW)}
    assert scored[1] - scored[3] == pytest.approx(8.0, abs=0.01)
    assert scored[2] - scored[3] == pytest.approx(-5.0, abs=0.01)
    tuned = Coefficients(blocking=1.5, blocked=0.0)
    rescored = {
        task.number: score
        for task, score in await next_tasks(session, user=user, now=NOW, coefficients=tuned)
    }
    assert rescored[1] - rescored[3] == pytest.approx(1.5, abs=0.01)
    assert rescored[2] == pytest.approx(rescored[3], abs=0.01)


def _subplans_over_tasks(node: dict) -> list[dict]:
    """The sub-plans whose own scans (not their nested sub-plans') read ``tasks``."""
    found = []
    for child in node.get("Plans", []):
        if child.get("Parent Relationship") in ("SubPlan", "InitPlan") and _reads_tasks(child):
            found.append(child)
        found += _subplans_over_tasks(child)
    return found


def _reads_tasks(node: dict) -> bool:
    own = [p for p in node.get("Plans", []) if p.get("Parent Relationship") != "SubPlan"]
    return node.get("Relation Name") == "tasks" or any(_reads_tasks(p) for p in own)


async def test_next_judges_blocked_and_blocking_once_per_query_not_per_task(session, user):
    """A probe per scored task made `todo next` slow at 100,000 tasks: the planner's
    estimate grew with the rows, and past jit_above_cost compiling took seconds."""
    await add(session, user, "blocker")
    for title in ("waits", "waits too", "plain", "plain too"):
        await add(session, user, title, depends=[1] if title.startswith("waits") else [])
    statement = next_statement(user, NOW, 1, TaskFilter(), Coefficients(), ())
    sql = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    explain = text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
    plan = (await (await session.connection()).execute(explain)).scalar_one()[0]["Plan"]
    loops = [subplan["Actual Loops"] for subplan in _subplans_over_tasks(plan)]
    assert loops  # the blocking term's pass at least
    assert max(loops) == 1


async def test_json_depends_streamed_matches_the_one_task_form(session, user):
    await add(session, user, "blocker")
    await add(session, user, "waiting", depends=[1])
    # Another client's uuid that names no task of this person: not shown, not blocking.
    await (await session.connection()).execute(
        text("UPDATE tasks SET depends = depends || CAST(:stray AS uuid) WHERE number = 2"),
        {"stray": str(uuid.uuid4())},
    )
    await assert_same(session, user)
    assert await depends_of(session, user, 2) == [1]


async def test_two_clients_closing_a_cycle_at_once_cannot_both_succeed(engine):
    """1 waits for 2 in one transaction, 2 for 1 in another: the lock queues the second,
    which then sees the first and refuses."""
    async with session_scope(engine) as session:
        owner = await local_user(session)
        await add(session, owner, "one")
        await add(session, owner, "two")
    first_done = asyncio.Event()

    async def one_waits_for_two():
        async with session_scope(engine) as session:
            await depend(session, await local_user(session), 1, add=(2,))
            await asyncio.sleep(0.3)  # holds the lock while the other client asks
            first_done.set()

    async def two_waits_for_one():
        await asyncio.sleep(0.1)
        async with session_scope(engine) as session:
            await depend(session, await local_user(session), 2, add=(1,))
            assert first_done.is_set()

    results = await asyncio.gather(one_waits_for_two(), two_waits_for_one(), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], ConflictError), results[1]
    assert "1 -> 2 -> 1" in str(results[1]) or "2 -> 1 -> 2" in str(results[1])
    async with session_scope(engine) as session:
        rows = await session.exec(select(Task.number, Task.depends).order_by(col(Task.number)))
        assert [len(depends) for _, depends in rows.all()] == [1, 0]
