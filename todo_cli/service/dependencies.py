"""Dependencies: the tasks a task waits for (Taskwarrior's ``depends``), kept acyclic.

``tasks.depends`` holds the uuids of the tasks a task waits for; people name
them by short ID. Every change runs under one lock per person and checks, in
SQL, that no task now waits for itself through a chain: two edits at once (1
waits for 2, 2 waits for 1) queue on the lock, and the second sees the first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, Uuid, and_, bindparam, literal_column, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import ConflictError
from todo_cli.models import Status, Task, User
from todo_cli.service import journal, states
from todo_cli.service.filters import DependencyChanges

# Transaction-scoped, so it holds through PgBouncer's transaction pooling and
# ends with the commit; keyed per person, so people never wait for each other.
LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('todo.depends:' || CAST(:user_id AS bigint), 0))"
)

# Every path from the tasks that now wait for more (``starts``), one row per edge
# walked: (start, node, via). UNION drops repeated rows, so each edge is walked
# once per start and a web of dependencies cannot blow up the walk. Only the
# rows of starts that reach themselves come back: those name a cycle.
CYCLES = text(
    """
    WITH RECURSIVE reach(start, node, via) AS (
        SELECT waiting.number, dependency.number, waiting.number
        FROM tasks AS waiting
        JOIN tasks AS dependency
          ON dependency.user_id = waiting.user_id AND dependency.uuid = ANY(waiting.depends)
        WHERE waiting.user_id = :user_id AND waiting.number = ANY(:starts)
      UNION
        SELECT reach.start, dependency.number, reach.node
        FROM reach
        JOIN tasks AS waiting ON waiting.user_id = :user_id AND waiting.number = reach.node
        JOIN tasks AS dependency
          ON dependency.user_id = waiting.user_id AND dependency.uuid = ANY(waiting.depends)
        WHERE reach.node <> reach.start
    )
    SELECT start, node, via FROM reach
    WHERE start = (SELECT min(start) FROM reach WHERE node = start)
    """
).bindparams(bindparam("starts", type_=ARRAY(Integer)))


async def change_dependencies(
    session: AsyncSession,
    *,
    user: User,
    tasks: Sequence[Task],
    changes: DependencyChanges,
    named: Mapping[int, Task],
) -> set[int]:
    """Apply ``changes`` to every task's ``depends``; the numbers of the tasks it changed.

    ``named``: the tasks ``changes`` names, by number (the caller found them all). A
    dependency must not be deleted and must not be the task itself or lead back to
    it (ConflictError naming the cycle)."""
    added = [named[number] for number in changes.add]
    _refuse_deleted(added)
    _refuse_self(tasks, changes.add)
    removed = {named[number].uuid for number in changes.remove}
    changed = {
        task.number
        for task in tasks
        if _set_depends(task, _merged(task, [dep.uuid for dep in added], removed, changes.clear))
    }
    if changes.add and changed:
        await (await session.connection()).execute(LOCK, {"user_id": user.id})
        await _refuse_cycles(session, user, sorted(changed))
    await reload_numbers(session, tasks)
    return changed


def _merged(task: Task, added: list[UUID], removed: set[UUID], clear: bool) -> list[UUID]:
    """Taskwarrior's modify: the new ones are added after those kept."""
    kept = [] if clear else [uuid for uuid in task.depends if uuid not in removed]
    return kept + [uuid for uuid in dict.fromkeys(added) if uuid not in kept]


def _set_depends(task: Task, depends: list[UUID]) -> bool:
    if depends == list(task.depends):
        return False
    task.depends = depends
    return True


def _refuse_deleted(dependencies: Iterable[Task]) -> None:
    for dependency in dependencies:
        if dependency.status == Status.DELETED:
            raise ConflictError(
                f"task {dependency.number} is deleted; a task cannot wait for it"
                " (restore it first); nothing changed"
            )


def _refuse_self(tasks: Iterable[Task], numbers: Sequence[int]) -> None:
    for task in tasks:
        if task.number in numbers:
            raise ConflictError(f"task {task.number} cannot depend on itself; nothing changed")


async def _refuse_cycles(session: AsyncSession, user: User, starts: list[int]) -> None:
    """Refuse when one of ``starts`` now waits for itself, naming the shortest such cycle."""
    await session.flush()  # the walk must see the new dependencies
    connection = await session.connection()
    rows = await connection.execute(CYCLES, {"user_id": user.id, "starts": starts})
    edges = [(row.start, row.via, row.node) for row in rows.all()]
    if edges:
        cycle = _shortest_cycle(edges[0][0], [(via, node) for _, via, node in edges])
        shown = " -> ".join(str(number) for number in cycle)
        raise ConflictError(
            f"circular dependency: {shown} (each waits for the next); nothing changed"
        )


def _shortest_cycle(start: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """The shortest way from ``start`` back to it along ``edges`` (breadth first)."""
    following: dict[int, list[int]] = {}
    for via, node in edges:
        following.setdefault(via, []).append(node)
    came_from: dict[int, int] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(following.get(node, [])):
            if successor == start:
                return [*_path_to(node, start, came_from), start]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError("the walk found a cycle that is not there")  # pragma: no cover


def _path_to(node: int, start: int, came_from: Mapping[int, int]) -> list[int]:
    path = [node]
    while path[-1] != start:
        path.append(came_from[path[-1]])
    return path[::-1]


async def reload_numbers(session: AsyncSession, tasks: Iterable[Task]) -> None:
    """Load again the dependency numbers (JSON ``depends``) of tasks whose ``depends``
    may have changed; one query for all of them."""
    await session.flush()
    by_id: dict[int | None, Task] = {task.id: task for task in tasks if task.id is not None}
    if not by_id:
        return
    numbers_of: Any = Task.loaded_dependency_numbers  # type: ignore[attr-defined]
    statement = select(col(Task.id), numbers_of).where(col(Task.id).in_(list(by_id)))
    for task_id, numbers in (await session.exec(statement)).all():
        set_committed_value(by_id[task_id], "loaded_dependency_numbers", list(numbers))


async def unblocked_by(
    session: AsyncSession, *, user: User, tasks: Sequence[Task]
) -> list[tuple[int, str]]:
    """The pending tasks that waited for one of ``tasks`` and now wait for nothing pending
    (Taskwarrior's "Unblocked 3 'Write report'."), as (ID, title)."""
    uuids = [task.uuid for task in tasks]
    if not uuids:
        return []
    assert user.id is not None, "the user owns these tasks, so it is stored"
    statement = (
        select(col(Task.number), col(Task.title))
        .where(
            col(Task.user_id) == user.id,
            col(Task.status) == Status.PENDING.value,
            _overlaps(uuids),
            states.unblocked(user.id),
        )
        .order_by(col(Task.number))
    )
    return [(number, title) for number, title in (await session.exec(statement)).all()]


async def pending_dependencies(
    session: AsyncSession, *, user: User, tasks: Sequence[Task]
) -> dict[int, list[tuple[int, str]]]:
    """For each of ``tasks`` that waits for pending tasks: those, as (ID, title).

    Taskwarrior completes or deletes a blocked task without asking, and reminds
    "Task 3 is blocked by: ..."; the caller says so."""
    waiting = {uuid: task.number for task in tasks for uuid in task.depends}
    if not waiting:
        return {}
    statement = (
        select(col(Task.uuid), col(Task.number), col(Task.title))
        .where(
            col(Task.user_id) == user.id,
            col(Task.status) == Status.PENDING.value,
            col(Task.uuid).in_(list(waiting)),
        )
        .order_by(col(Task.number))
    )
    found: dict[int, list[tuple[int, str]]] = {}
    for uuid, number, title in (await session.exec(statement)).all():
        for task in tasks:
            if uuid in task.depends:
                found.setdefault(task.number, []).append((number, title))
    return found


async def forget(
    session: AsyncSession, *, user: User, purged: Sequence[Task]
) -> tuple[list[Task], dict[int, journal.Snapshot]]:
    """Drop the uuids of tasks about to be purged from every ``depends`` holding them:
    the tasks it changed, and their snapshots from before (to journal with the purge)."""
    gone = {task.uuid for task in purged}
    statement = (
        select(Task)
        .where(
            col(Task.user_id) == user.id,
            _overlaps(gone),
            col(Task.uuid).not_in(gone),
        )
        .order_by(col(Task.number))
        .with_for_update()
    )
    dependants = list((await session.exec(statement)).all())
    before = journal.snapshots(dependants)
    for task in dependants:
        task.depends = [uuid for uuid in task.depends if uuid not in gone]
    return dependants, before


def _overlaps(uuids: Iterable[UUID]) -> ColumnElement[bool]:
    """``depends && :uuids``: waits for any of them (the GIN index on depends answers it:
    it is partial, and the planner uses it only when the query states its predicate)."""
    wanted = bindparam("uuids", list(uuids), type_=ARRAY(Uuid), unique=True)
    depends: Any = col(Task.depends)  # ARRAY's comparator, which mypy cannot see
    condition: ColumnElement[bool] = and_(
        depends != literal_column("'{}'"), depends.overlap(wanted)
    )
    return condition


async def restore(
    session: AsyncSession, *, user: User, states: Sequence[tuple[Task, journal.Snapshot]]
) -> None:
    """Put back each task's ``depends`` as its snapshot names it (by short ID: numbers
    are never reused, and an undo runs newest first, so each still names its task)."""
    wanted = {number for _, state in states for number in state.get("depends") or []}
    statement = select(col(Task.number), col(Task.uuid)).where(
        col(Task.user_id) == user.id, col(Task.number).in_(wanted)
    )
    uuids = dict((await session.exec(statement)).all())
    for task, state in states:
        depends = [uuids[number] for number in state.get("depends") or [] if number in uuids]
        _set_depends(task, depends)
    await reload_numbers(session, [task for task, _ in states])
