"""Recurring series: a template (status recurring) and the instances it makes.

A series is a template holding the period (``recur``), its type (``rtype``), the
first due date and every field its instances copy. Instance ``n`` (``occurrence``,
0 first, as Taskwarrior's imask) is a pending task naming its template:

- periodic: due at the template's due + ``n`` periods (todo_cli/recurrence.py);
- chained: due one period after the previous instance was done (or deleted).

``replenish`` keeps ``recurrence_limit`` pending instances per periodic series (one
per chained series). It runs in the housekeeping of every command, before and after
its work, so completing or deleting an instance makes the next one in the same
transaction and the same change (one `todo undo` reverts both). An instance is
inserted ``ON CONFLICT (template_id, occurrence) DO NOTHING``: however many clients
complete the same instance at once, its successor exists once. Templates are picked
``FOR UPDATE SKIP LOCKED``, so a listing never waits on another client's series.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import ConflictError, UsageError
from todo_cli.models import RecurrenceType, Status, Task, User, task_alias
from todo_cli.recurrence import at_wall_offset, nth_due, parse_period, wall_offset
from todo_cli.service import journal
from todo_cli.service.numbers import next_number

if TYPE_CHECKING:
    from todo_cli.settings import Settings

COMMAND = "recurrence"  # the journal's name for what a series did by itself
# What an instance takes from its template (due, wait and scheduled are computed).
COPIED = ("title", "description", "priority", "tags", "project", "udas", "recur", "until")
TIMES = ("wait", "scheduled")


# --- a new series ---------------------------------------------------------------------


def template_fields(values: dict[str, Any], rtype: RecurrenceType | None) -> dict[str, Any]:
    """What makes a new task a series' template, or nothing; refuses a series without due."""
    if values.get("recur") is None:
        if rtype is not None:
            raise UsageError(f"rtype:{rtype} needs recur:PERIOD (e.g. recur:weekly)")
        return {}
    if values.get("due") is None:
        raise UsageError(f"recur:{values['recur']} needs a due date (due:WHEN): the first one")
    return {"status": Status.RECURRING, "rtype": rtype or RecurrenceType.PERIODIC}


# --- keeping series going ---------------------------------------------------------------


async def replenish(session: AsyncSession, user: User, now: datetime, settings: Settings) -> None:
    """Make the instances every live series lacks (the housekeeping step); one indexed
    query over the user's templates when none lacks any."""
    made: list[Task] = []
    lacking = await _lacking(session, user, settings.recurrence_limit)
    before = journal.snapshots(lacking)
    for template in lacking:
        made += await _make_instances(session, template, user, now, settings.recurrence_limit)
    await session.flush()
    entries = journal.changes(lacking, before) + journal.changes(made, {})
    await journal.record(session, user=user, command=COMMAND, entries=entries)


# Made once: an alias made per call would bump SQLAlchemy's global creation counter
# on every command, state the agent's worker must not keep (tests/test_agent_state.py).
INSTANCE = task_alias("instance")


async def _lacking(session: AsyncSession, user: User, limit: int) -> list[Task]:
    """The user's live templates with fewer pending instances than they keep, locked."""
    instance = INSTANCE
    pending = (
        select(func.count())
        .where(instance.template_id == Task.id, instance.status == Status.PENDING.value)
        .scalar_subquery()
    )
    # A chained series cannot know its next due before the current one is done.
    keep = case((col(Task.rtype) == RecurrenceType.CHAINED.value, 1), else_=limit)
    statement = (
        select(Task)
        .where(Task.user_id == user.id, Task.status == Status.RECURRING.value, pending < keep)
        .order_by(col(Task.number))
        .with_for_update(of=Task, skip_locked=True)
    )
    return list((await session.exec(statement)).all())


async def _make_instances(
    session: AsyncSession, template: Task, user: User, now: datetime, limit: int
) -> list[Task]:
    """The instances ``template`` lacks; a series with no next occurrence has ended:
    its template is done (so no later command looks at it again)."""
    instances = await _instances(session, template)
    pending = sum(1 for task in instances if task.status == Status.PENDING)
    keep = 1 if template.rtype == RecurrenceType.CHAINED else limit
    made: list[Task] = []
    last = instances[-1] if instances else None
    for _ in range(keep - pending):
        occurrence = 0 if last is None else (last.occurrence or 0) + 1
        due = _due(template, occurrence, last)
        if due is None:  # past its until (or year 9999)
            template.status = Status.DONE
            template.completed_at = now
            break
        new = await insert_instance(session, user, template, occurrence, due)
        if new is None:
            break  # another client made it first: it exists once
        made.append(new)
        last = new
    return made


async def _instances(session: AsyncSession, template: Task) -> list[Task]:
    statement = select(Task).where(Task.template_id == template.id).order_by(col(Task.occurrence))
    return list((await session.exec(statement)).all())


def _due(template: Task, occurrence: int, previous: Task | None) -> datetime | None:
    """Occurrence ``occurrence``'s due, or None: the series ends before it."""
    assert template.due is not None
    assert template.recur is not None
    period = parse_period(template.recur)
    if template.rtype == RecurrenceType.CHAINED and previous is not None:
        left = previous.completed_at or previous.updated_at
        assert left is not None
        due = nth_due(left, period, 1)
    else:
        due = nth_due(template.due, period, occurrence)
    if due is None or (template.until is not None and due > template.until):
        return None
    return due


def _instance_fields(template: Task, due: datetime) -> dict[str, Any]:
    """The fields an instance due at ``due`` takes from its template."""
    fields = {name: getattr(template, name) for name in COPIED}
    assert template.due is not None
    for name in TIMES:
        moment = getattr(template, name)
        fields[name] = None if moment is None else _carried(moment, template.due, due)
    return fields | {"due": due}


def _carried(moment: datetime, template_due: datetime, due: datetime) -> datetime | None:
    """``wait:due-1d`` on the template is one day before every instance's due."""
    return at_wall_offset(due, wall_offset(moment, template_due))


async def insert_instance(
    session: AsyncSession, user: User, template: Task, occurrence: int, due: datetime
) -> Task | None:
    """Insert one instance unless it exists already (then None)."""
    fields = _instance_fields(template, due)
    number = await next_number(session, user=user)
    statement = (
        insert(Task)
        .values(
            **fields,
            user_id=user.id,
            number=number,
            status=Status.PENDING.value,
            template_id=template.id,
            occurrence=occurrence,
        )
        # The unique index is partial: naming its predicate lets PostgreSQL infer it.
        .on_conflict_do_nothing(
            index_elements=["template_id", "occurrence"],
            index_where=col(Task.template_id).is_not(None),
        )
        .returning(col(Task.id))
    )
    made = (await session.exec(statement)).first()
    if made is None:
        return None
    return (await session.exec(select(Task).where(Task.id == made[0]))).one()


# --- edits, deletes and purges of series ------------------------------------------------


def check_changes(tasks: Sequence[Task], values: dict[str, Any]) -> None:
    """A period or type changes a template only: a task cannot become a series later,
    and a series ends by deleting its template (``todo rm``), not by clearing recur."""
    for name in ("recur", "rtype"):
        if name not in values:
            continue
        if values[name] is None:
            raise UsageError(f"{name}: cannot be cleared; `todo rm` a template ends its series")
        plain = [task.number for task in tasks if task.rtype is None]
        if plain:
            raise ConflictError(
                f"task {plain[0]} is not a series' template; {name}: changes a template "
                "(a task becomes a series only when added with recur:)"
            )


async def templates_of(session: AsyncSession, user: User, tasks: Sequence[Task]) -> list[Task]:
    """``tasks`` with each instance replaced by its template (`todo edit --series`), locked."""
    wanted = [task.template_id for task in tasks if task.template_id is not None]
    statement = (
        select(Task).where(Task.user_id == user.id, col(Task.id).in_(wanted)).with_for_update()
    )
    templates = {task.id: task for task in (await session.exec(statement)).all()}
    chosen = [templates[task.template_id] if task.template_id else task for task in tasks]
    return list({task.number: task for task in chosen}.values())


async def propagate(session: AsyncSession, user: User, templates: Sequence[Task]) -> None:
    """Give the pending instances of edited templates the templates' fields (journaled)."""
    instances = await _pending_instances(session, templates)
    before = journal.snapshots(instances)
    by_id = {template.id: template for template in templates}
    for instance in instances:
        _follow(instance, by_id[instance.template_id])
    await session.flush()
    entries = journal.changes(instances, before)
    await journal.record(session, user=user, command=COMMAND, entries=entries)


def _follow(instance: Task, template: Task) -> None:
    assert instance.occurrence is not None
    assert instance.due is not None
    due = instance.due
    if template.rtype == RecurrenceType.PERIODIC or instance.occurrence == 0:
        due = _due(template, instance.occurrence, None) or instance.due
    for name, value in _instance_fields(template, due).items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)


async def stop(session: AsyncSession, user: User, templates: Sequence[Task]) -> None:
    """Deleting a template ends its series: its pending instances are deleted with it."""
    instances = await _pending_instances(session, templates)
    before = journal.snapshots(instances)
    for instance in instances:
        instance.status = Status.DELETED
        instance.started_at = None
    await session.flush()
    entries = journal.changes(instances, before)
    await journal.record(session, user=user, command=COMMAND, entries=entries)


async def _pending_instances(session: AsyncSession, templates: Sequence[Task]) -> list[Task]:
    ids = [template.id for template in templates if template.rtype is not None]
    if not ids:
        return []
    statement = (
        select(Task)
        .where(col(Task.template_id).in_(ids), Task.status == Status.PENDING.value)
        .order_by(col(Task.number))
        .with_for_update()
    )
    return list((await session.exec(statement)).all())


async def detach(session: AsyncSession, user: User, templates: Sequence[Task]) -> None:
    """Before a template is purged, its instances become plain tasks (journaled)."""
    ids = [template.id for template in templates if template.rtype is not None]
    if not ids:
        return
    statement = select(Task).where(col(Task.template_id).in_(ids)).with_for_update()
    instances = list((await session.exec(statement)).all())
    before = journal.snapshots(instances)
    for instance in instances:
        instance.series = None
        instance.occurrence = None
    await session.flush()
    entries = journal.changes(instances, before)
    await journal.record(session, user=user, command="purge", entries=entries)
