"""Tasks: adding, listing, editing and moving them between states."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    not_,
    or_,
    true,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli import clock
from todo_cli.errors import ConflictError, NotFoundError, UsageError
from todo_cli.models import (
    RecurrenceType,
    Status,
    Task,
    TaskCreate,
    TaskUpdate,
    User,
    task_alias,
)
from todo_cli.offsets import TASK_DATES, Offset, resolve
from todo_cli.service import attribute_filters, journal, recurrence, states, term_filters
from todo_cli.service.dependencies import (
    change_dependencies,
    forget,
    pending_dependencies,
    reload_numbers,
    unblocked_by,
)
from todo_cli.service.filters import (
    BULK_LIMIT,
    ConfirmationNeededError,
    DependencyChanges,
    Junction,
    Sort,
    StatusFilter,
    Substitution,
    TagChanges,
    TaskFilter,
    by_numbers,
)
from todo_cli.service.numbers import next_number
from todo_cli.service.term_filters import PRIORITY_RANK, escape_like, in_project
from todo_cli.service.validation import (
    clean_description,
    clean_project,
    clean_search,
    clean_tags,
    clean_text,
    clean_title,
)

# Short numbers are an int4 column: a larger one names no task (it is not a bad query).
NUMBER_MAX = 2**31 - 1


@dataclass
class Outcome:
    """Every task a multi-ID verb was given, and the numbers of those already there."""

    tasks: list[Task] = field(default_factory=list)
    unchanged: set[int] = field(default_factory=set)
    # Pending tasks that waited for one of these and now wait for nothing: (ID, title).
    unblocked: list[tuple[int, str]] = field(default_factory=list)
    # The tasks done or deleted while they waited: ID -> the pending ones they waited for.
    was_blocked_by: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


class Purged(list[Task]):
    """The purged tasks; ``released``: (ID, title) of the tasks that waited for one of
    them, whose ``depends`` lost it."""

    released: list[tuple[int, str]]


async def add_task(
    session: AsyncSession,
    *,
    user: User,
    task: TaskCreate,
    rtype: RecurrenceType | None = None,
    command: str = "add",
    dependencies: DependencyChanges | None = None,
) -> Task:
    """Store a new task under the user's next short number (waiting for ``dependencies``).

    With ``recur`` it is a series' template (status recurring): housekeeping makes
    its instances in the same transaction (service/recurrence.py)."""
    values = _cleaned(task.model_dump())
    series = recurrence.template_fields(values, rtype)
    number = await next_number(session, user=user)
    new = Task(**values, **series, user_id=_id(user), number=number, notes=[])
    session.add(new)
    await session.flush()
    if dependencies is not None:
        await _change_dependencies(session, user, [new], dependencies)
    await journal.record(session, user=user, command=command, entries=journal.changes([new], {}))
    return new


async def duplicate_tasks(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    copy: Callable[[Task], TaskCreate],
    command: str = "duplicate",
) -> list[tuple[Task, Task]]:
    """Each task ``where`` picks, and the new pending task ``copy`` makes of it (added as
    `todo add` adds one, journalled)."""
    sources = await select_tasks(session, user=user, where=where)
    return [
        (source, await add_task(session, user=user, task=copy(source), command=command))
        for source in sources
    ]


async def list_tasks(session: AsyncSession, *, user: User, where: TaskFilter) -> list[Task]:
    """One indexed query; ordered as ``where.sort`` asks."""
    await term_filters.check_patterns(session, where)
    return list((await session.exec(_listed(select(Task), user, where))).all())


def list_statement(user: User, where: TaskFilter, *columns: Any) -> Select[Any]:
    """The query `list_tasks` runs, for plain ``columns`` instead of ORM objects."""
    return _listed(sa_select(*columns).select_from(Task), user, where)


SelectT = TypeVar("SelectT", bound=Select[Any])


def owned_where(user: User, where: TaskFilter) -> list[ColumnElement[bool]]:
    """The WHERE clause of every query over the tasks ``where`` picks: the owner's, then
    the filter's conditions (one list, ANDed; bound parameters only)."""
    return [col(Task.user_id) == _id(user), *_conditions(where, _id(user))]


def _listed(statement: SelectT, user: User, where: TaskFilter) -> SelectT:
    """``statement`` narrowed to the user's tasks ``where`` picks, in its order, up to its limit."""
    statement = statement.where(col(Task.user_id) == _id(user), *_conditions(where, _id(user)))
    return statement.order_by(*_order(where.sort)).limit(where.limit)


async def get_task(session: AsyncSession, *, user: User, number: int) -> Task:
    return (await get_tasks(session, user=user, numbers=[number]))[0]


async def get_tasks(
    session: AsyncSession, *, user: User, numbers: Sequence[int], lock: bool = False
) -> list[Task]:
    """The tasks with these numbers, in the order given; all of them or NotFoundError."""
    wanted = list(dict.fromkeys(numbers))
    possible = [number for number in wanted if 0 < number <= NUMBER_MAX]
    statement = select(Task).where(Task.user_id == _id(user), col(Task.number).in_(possible))
    if lock:
        statement = statement.with_for_update()
    found = {task.number: task for task in (await session.exec(statement)).all()}
    missing = [number for number in wanted if number not in found]
    if missing:
        raise NotFoundError(_describe_missing(missing))
    return [found[number] for number in wanted]


async def select_tasks(
    session: AsyncSession, *, user: User, where: TaskFilter, lock: bool = False
) -> list[Task]:
    """The tasks ``where`` picks, by ID; IDs it names must exist (NotFoundError), in that order,
    except those named only through a range (``where.in_ranges``).

    One indexed query; a second one only to tell a missing ID from one the
    other conditions left out.
    """
    await term_filters.check_patterns(session, where)
    statement = select(Task).where(Task.user_id == _id(user), *_conditions(where, _id(user)))
    statement = statement.order_by(col(Task.number)).limit(where.limit)
    if lock:
        statement = statement.with_for_update()
    tasks = list((await session.exec(statement)).all())
    if not where.numbers:
        return tasks
    found = {task.number: task for task in tasks}
    named = (n for n in where.numbers if n not in found and n not in where.in_ranges)
    await _require(session, user, list(named))
    return [found[number] for number in dict.fromkeys(where.numbers) if number in found]


async def instances_among(session: AsyncSession, *, user: User, where: TaskFilter) -> list[Task]:
    """The instances of series among the tasks ``where`` picks (`todo edit` asks about them)."""
    tasks = await select_tasks(session, user=user, where=where)
    return [task for task in tasks if task.template_id is not None]


async def pick_tasks(
    session: AsyncSession, *, user: User, where: TaskFilter, confirmed: bool = True
) -> list[Task]:
    """``select_tasks``, locked; a filter picking more than BULK_LIMIT needs ``confirmed``."""
    tasks = await select_tasks(session, user=user, where=where, lock=True)
    if not confirmed and not where.numbers and len(tasks) > BULK_LIMIT:
        raise ConfirmationNeededError([(task.number, task.title) for task in tasks])
    return tasks


async def _require(session: AsyncSession, user: User, numbers: Sequence[int]) -> None:
    if not numbers:
        return
    statement = select(Task.number).where(Task.user_id == _id(user), _numbered(numbers))
    existing = set((await session.exec(statement)).all())
    missing = [number for number in numbers if number not in existing]
    if missing:
        raise NotFoundError(_describe_missing(missing))


async def edit_task(
    session: AsyncSession,
    *,
    user: User,
    number: int,
    changes: TaskUpdate,
    tags: TagChanges = TagChanges(),
    command: str = "edit",
    dependencies: DependencyChanges | None = None,
) -> Outcome:
    """``edit_tasks`` on the task numbered ``number``."""
    where = by_numbers([number])
    return await edit_tasks(
        session,
        user=user,
        where=where,
        changes=changes,
        tags=tags,
        command=command,
        dependencies=dependencies,
    )


async def edit_tasks(
    session: AsyncSession,
    *,
    user: User,
    where: TaskFilter,
    changes: TaskUpdate,
    tags: TagChanges = TagChanges(),
    substitutions: Sequence[Substitution] = (),
    offsets: Mapping[str, Offset] = MappingProxyType({}),
    confirmed: bool = True,
    series: bool = False,
    command: str = "edit",
    dependencies: DependencyChanges | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Outcome:
    """Apply the fields ``changes`` sets (None clears), the dates ``offsets`` give from
    each task's own (``wait:due-1d``), the tag changes, then the substitutions and the
    ``dependencies`` changes to every task ``where`` picks, all or none, journaled as
    one change.
    ``attributes``: user-defined attributes' stored values by name (None clears one).

    Values a task already has are no change: a task where nothing differs is not
    written (its updated_at stays) and its number is in ``Outcome.unchanged``.
    A template's pending instances follow its changes; ``series`` changes the
    template of each picked instance instead of the instance.
    """
    values = _cleaned(changes.model_dump(exclude_unset=True))
    attributes = attributes or {}
    wanted = (values, tags.add, tags.remove, substitutions, offsets, dependencies, attributes)
    if not any(wanted):
        raise UsageError("nothing to change; give at least one change (see `todo edit --help`)")
    added, removed = _tag_changes(tags)
    tasks = await pick_tasks(session, user=user, where=where, confirmed=confirmed)
    if series:
        if "due" in values:
            raise UsageError("to move a series' dates, edit its template's due (not --series)")
        tasks = await recurrence.templates_of(session, user, tasks)
    recurrence.check_changes(tasks, values)
    before = journal.snapshots(tasks)
    unchanged = {
        task.number
        for task in tasks
        if not _apply_changes(
            task,
            _with_attributes(
                task, _substituted(task, _dated(task, values, offsets), substitutions), attributes
            ),
            added,
            removed,
        )
    }
    if dependencies is not None:
        unchanged -= await _change_dependencies(session, user, tasks, dependencies)
    await session.flush()
    entries = journal.changes(tasks, before)
    await journal.record(session, user=user, command=command, entries=entries)
    edited = [task for task in tasks if task.number not in unchanged]
    await recurrence.propagate(session, user, edited)
    return Outcome(tasks=tasks, unchanged=unchanged)


async def _change_dependencies(
    session: AsyncSession, user: User, tasks: list[Task], changes: DependencyChanges
) -> set[int]:
    """service.dependencies on ``tasks``, with the tasks ``changes`` names (all must exist)."""
    wanted = [*changes.add, *changes.remove]
    named = {task.number: task for task in await get_tasks(session, user=user, numbers=wanted)}
    return await change_dependencies(session, user=user, tasks=tasks, changes=changes, named=named)


def _dated(task: Task, values: dict[str, Any], offsets: Mapping[str, Offset]) -> dict[str, Any]:
    """``values`` and the dates ``offsets`` give from this task's dates after the change."""
    if not offsets:
        return values
    known = {name: values.get(name, getattr(task, name)) for name in TASK_DATES}
    try:
        return values | resolve(known, offsets)
    except UsageError as refused:
        raise UsageError(f"task {task.number}: {refused}") from None


def _substituted(
    task: Task, values: dict[str, Any], substitutions: Sequence[Substitution]
) -> dict[str, Any]:
    """``values`` with the task's title and description after the substitutions; what
    they change is cleaned as typed text is (emptying the title is refused)."""
    if not substitutions:
        return values
    texts = {name: values.get(name, getattr(task, name)) for name in ("title", "description")}
    title, description = texts["title"], texts["description"]
    for substitution in substitutions:
        title, description = substitution.apply(title, description)
    changed = {
        name: text
        for name, text in (("title", title), ("description", description))
        if text != texts[name]
    }
    return values | _cleaned(changed)


def _with_attributes(
    task: Task, values: dict[str, Any], attributes: Mapping[str, Any]
) -> dict[str, Any]:
    """``values`` with the task's user-defined attributes set or cleared as asked."""
    if not attributes:
        return values
    udas = {name: value for name, value in task.udas.items() if name not in attributes}
    udas |= {name: value for name, value in attributes.items() if value is not None}
    return values | {"udas": udas}


def _apply_changes(
    task: Task, values: dict[str, Any], added: list[str], removed: list[str]
) -> bool:
    """Set on ``task`` what differs from what it has; whether anything did."""
    wanted = dict(values)
    if added or removed:
        wanted["tags"] = _retag(task.tags, added, removed)
    differing = {name: value for name, value in wanted.items() if getattr(task, name) != value}
    for name, value in differing.items():
        setattr(task, name, value)
    return bool(differing)


def _tag_changes(tags: TagChanges) -> tuple[list[str], list[str]]:
    """The cleaned tags to add and remove; a tag in both is a contradiction."""
    added, removed = clean_tags(tags.add), clean_tags(tags.remove)
    both = [tag for tag in added if tag in removed]
    if both:
        raise UsageError(f"tag {both[0]!r} given to both --tag and --untag; give one")
    return added, removed


async def complete_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "done",
) -> Outcome:
    """Mark pending tasks done: the IDs given, or what ``where`` picks."""
    tasks = await pick_tasks(
        session, user=user, where=where or by_numbers(numbers), confirmed=confirmed
    )
    return await _transition(session, user, tasks, TRANSITIONS["done"], command)


async def reopen_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "reopen",
) -> Outcome:
    tasks = await pick_tasks(
        session, user=user, where=where or by_numbers(numbers), confirmed=confirmed
    )
    return await _transition(session, user, tasks, TRANSITIONS["reopen"], command)


async def remove_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "rm",
) -> Outcome:
    tasks = await pick_tasks(
        session, user=user, where=where or by_numbers(numbers), confirmed=confirmed
    )
    outcome = await _transition(session, user, tasks, TRANSITIONS["rm"], command)
    # A template deleted: its series ends, and its pending instances go with it.
    await recurrence.stop(
        session, user, [task for task in tasks if task.number not in outcome.unchanged]
    )
    return outcome


async def restore_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    confirmed: bool = True,
    command: str = "restore",
) -> Outcome:
    tasks = await pick_tasks(
        session, user=user, where=where or by_numbers(numbers), confirmed=confirmed
    )
    return await _transition(session, user, tasks, TRANSITIONS["restore"], command)


async def purge_tasks(
    session: AsyncSession,
    *,
    user: User,
    numbers: Sequence[int] = (),
    where: TaskFilter | None = None,
    command: str = "purge",
) -> Purged:
    """Delete for good; only tasks already deleted (``rm``), else nothing is purged."""
    tasks = await pick_tasks(session, user=user, where=where or by_numbers(numbers))
    live = [task.number for task in tasks if task.status != Status.DELETED]
    if live:
        raise ConflictError(
            f"{_describe_numbers(live)} not deleted; run `todo rm` first, then purge"
        )
    await recurrence.detach(session, user, tasks)
    before = journal.snapshots(tasks)
    dependants, dependants_before = await forget(session, user=user, purged=tasks)
    for task in tasks:
        await session.delete(task)
    await reload_numbers(session, dependants)
    entries = journal.purged(before) + journal.changes(dependants, dependants_before)
    await journal.record(session, user=user, command=command, entries=entries)
    purged = Purged(tasks)
    purged.released = [(task.number, task.title) for task in dependants]
    return purged


@dataclass(frozen=True)
class Transition:
    """A state change: where it starts from, where it lands, what it does to completed_at."""

    sources: frozenset[Status]
    target: Status | None  # None: back to the state the task had before it was deleted
    completion: Literal["set", "clear", "keep"] = "keep"
    blocked_hint: str = "nothing changed"

    def landing(self, task: Task) -> Status:
        if self.target is not None:
            return self.target
        if task.rtype is not None:  # a series' template recurs again
            return Status.RECURRING
        return Status.DONE if task.completed_at is not None else Status.PENDING


LIVE = frozenset({Status.PENDING, Status.DONE})
TRANSITIONS = {
    "done": Transition(frozenset({Status.PENDING}), Status.DONE, "set", "restore it first"),
    "reopen": Transition(frozenset({Status.DONE}), Status.PENDING, "clear", "restore it first"),
    "rm": Transition(LIVE | {Status.RECURRING}, Status.DELETED),
    "restore": Transition(frozenset({Status.DELETED}), None),
}


async def _transition(
    session: AsyncSession,
    user: User,
    tasks: list[Task],
    transition: Transition,
    command: str,
) -> Outcome:
    _refuse_blocked(tasks, transition)
    before = journal.snapshots(tasks)
    now = await session.scalar(select(func.now()))
    outcome = Outcome(tasks=tasks)
    for task in tasks:
        if task.status in transition.sources:
            _apply(task, transition, now)
        else:
            outcome.unchanged.add(task.number)
    await session.flush()
    entries = journal.changes(tasks, before)
    await journal.record(session, user=user, command=command, entries=entries)
    if transition.target in (Status.DONE, Status.DELETED):
        moved = [task for task in tasks if task.number not in outcome.unchanged]
        outcome.unblocked = await unblocked_by(session, user=user, tasks=moved)
        outcome.was_blocked_by = await pending_dependencies(session, user=user, tasks=moved)
    return outcome


def _refuse_blocked(tasks: Sequence[Task], transition: Transition) -> None:
    """A task in neither a source state nor the landing state cannot move: nothing does."""
    templates = [task.number for task in tasks if task.rtype is not None]
    if templates and transition.target in (Status.DONE, Status.PENDING):
        number = templates[0]
        raise ConflictError(
            f"task {number} is the template of a recurring series: its instances are done"
            f" one by one; `todo rm {number}` ends the series"
        )
    blocked = [
        task.number
        for task in tasks
        if task.status not in transition.sources and transition.landing(task) != task.status
    ]
    if blocked:
        raise ConflictError(f"{_describe_numbers(blocked)} deleted; {transition.blocked_hint}")


def _apply(task: Task, transition: Transition, now: datetime | None) -> None:
    task.status = transition.landing(task)
    if task.status != Status.PENDING:
        task.started_at = None  # nobody works on a finished or deleted task
    if transition.completion == "set":
        task.completed_at = now
    elif transition.completion == "clear":
        task.completed_at = None


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    cleaners: dict[str, Any] = {
        "title": clean_title,
        "description": clean_description,
        "project": clean_project,
        "tags": clean_tags,
    }
    return {name: cleaners.get(name, _same)(value) for name, value in values.items()}


def _same(value: Any) -> Any:
    return value


def _retag(current: Sequence[str], add: Sequence[str], remove: Sequence[str]) -> list[str]:
    kept = [tag for tag in current if tag not in remove]
    return kept + [tag for tag in add if tag not in kept]


def _conditions(where: TaskFilter, owner: int) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.status is StatusFilter.WAITING:
        conditions.append(states.waiting(_moment(where)))
    elif where.status is not StatusFilter.ALL:
        conditions.append(col(Task.status) == where.status.value)
    if where.tags:
        conditions.append(col(Task.tags).contains(clean_tags(where.tags)))
    if where.project:
        conditions.append(in_project(where.project))
    if where.priority:
        conditions.append(col(Task.priority) == where.priority.value)
    if where.overdue_at:
        # A finished or deleted task is never overdue, whatever --status asks for.
        conditions.append(col(Task.status) == Status.PENDING.value)
        conditions.append(col(Task.due) < where.overdue_at)
    if where.due_before:
        conditions.append(col(Task.due) < where.due_before)
    search = clean_search(where.search)
    if search:
        conditions.append(_matches(search))
    if where.active:
        conditions.append(col(Task.started_at).is_not(None))
    if where.context is not None:
        conditions.append(_junction(where.context, owner))
    conditions += _word_conditions(where, owner) + _state_conditions(where, owner)
    return conditions + _series_conditions(where) + _language_conditions(where, owner)


def _language_conditions(where: TaskFilter, owner: int) -> list[ColumnElement[bool]]:
    """What the filter language adds: terms (``project.not:home``, ``/bank/``) and groups."""
    at, sensitive = _moment(where), where.case_sensitive
    conditions = [
        term_filters.condition(term, case_sensitive=sensitive, at=at) for term in where.terms
    ]
    return conditions + [_junction(group, owner) for group in where.groups]


def _state_conditions(where: TaskFilter, owner: int) -> list[ColumnElement[bool]]:
    """Virtual tags (`+READY -WAITING`) and date bounds (`wait.after:friday`)."""
    at = _moment(where)
    conditions = [states.condition(name, at, owner) for name in where.states]
    conditions += [not_(states.condition(name, at, owner)) for name in where.without_states]
    for name, side, moment in where.date_bounds:
        column = col(getattr(Task, name))
        conditions.append(column < moment if side == "before" else column > moment)
    return conditions


def _moment(where: TaskFilter) -> datetime:
    return where.at or clock.now()


def _junction(junction: Junction[TaskFilter], owner: int) -> ColumnElement[bool]:
    """``and`` / ``or`` / ``xor`` / ``not`` of filters, each filter's conditions all holding."""
    parts = [
        _junction(part, owner)
        if isinstance(part, Junction)
        else and_(true(), *_conditions(part, owner))
        for part in junction.parts
    ]
    if junction.kind == "not":
        return term_filters.denied(parts[0])
    if junction.kind == "xor":
        return term_filters.xor(parts)
    return and_(*parts) if junction.kind == "and" else or_(*parts)


def _series_conditions(where: TaskFilter) -> list[ColumnElement[bool]]:
    """What +TEMPLATE, +INSTANCE, recur: and rtype: add."""
    conditions: list[ColumnElement[bool]] = []
    if where.template:
        conditions.append(states.template())
    if where.instance:
        conditions.append(states.instance())
    if where.recur:
        conditions.append(col(Task.recur) == where.recur)
    if where.rtype:
        conditions.append(_series_type() == where.rtype)
    return conditions


# Made once (see service/recurrence.py INSTANCE).
SERIES_TEMPLATE = task_alias("template")


def _series_type() -> ColumnElement[str]:
    """The type of the series a task belongs to: its own (a template) or its template's."""
    template = SERIES_TEMPLATE
    rtype: Any = template.rtype  # a column of the alias (SQLModel types it as the value)
    found = sa_select(rtype).where(col(template.id) == col(Task.template_id))
    return func.coalesce(col(Task.rtype), found.scalar_subquery())


def _word_conditions(where: TaskFilter, owner: int) -> list[ColumnElement[bool]]:
    """What the filter words (`todo list 1-3 -waiting project: pri:none milk`) add."""
    conditions: list[ColumnElement[bool]] = []
    if where.numbers:
        conditions.append(_numbered(where.numbers))
    if where.without_tags:
        conditions.append(not_(_tags_column().overlap(clean_tags(where.without_tags))))
    if where.no_project:
        conditions.append(col(Task.project).is_(None))
    if where.no_priority:
        conditions.append(col(Task.priority).is_(None))
    if where.due_after:
        conditions.append(col(Task.due) > where.due_after)
    conditions.extend(_matches(clean_text(word, "search text")) for word in where.words)
    conditions.extend(attribute_filters.condition(test) for test in where.attributes)
    return conditions + _dependency_conditions(where, owner)


def _dependency_conditions(where: TaskFilter, owner: int) -> list[ColumnElement[bool]]:
    """`depends:1,2`, `depends:`, +BLOCKED, +UNBLOCKED, +BLOCKING."""
    conditions: list[ColumnElement[bool]] = []
    if where.depends_on:
        conditions.append(states.waits_for(where.depends_on))
    if where.no_depends:
        conditions.append(func.cardinality(col(Task.depends)) == 0)
    if where.blocked:
        conditions.append(states.blocked(owner))
    if where.unblocked:
        conditions.append(states.unblocked(owner))
    if where.blocking:
        conditions.append(states.blocking(owner))
    return conditions


def _tags_column() -> Any:
    """``tasks.tags`` with its ARRAY comparator (``overlap`` is ``&&``), which mypy cannot see."""
    return col(Task.tags)


def _numbered(numbers: Sequence[int]) -> ColumnElement[bool]:
    """``number = ANY(:numbers)``: one parameter however many IDs, and the index still works."""
    # The column is an int4: a larger number names no task (and would not bind).
    storable = [number for number in dict.fromkeys(numbers) if number <= NUMBER_MAX]
    wanted = bindparam("numbers", storable, type_=ARRAY(Integer), unique=True)
    return col(Task.number) == any_(wanted)


def _matches(text: str) -> ColumnElement[bool]:
    """Case-insensitive, and in NFC on both sides: rows other clients wrote may be NFD."""
    pattern = f"%{escape_like(text)}%"
    return or_(
        _nfc(col(Task.title)).ilike(pattern, escape="\\"),
        _nfc(col(Task.description)).ilike(pattern, escape="\\"),
    )


def _nfc(column: Any) -> ColumnElement[str]:
    # normalize(text, NFC): the form is a keyword in PostgreSQL's grammar, not a string.
    return func.normalize(column, literal_column("NFC"))


def _order(sort: Sort | None) -> list[Any]:
    due = col(Task.due).asc().nulls_last()
    by_number = col(Task.number).asc()
    orders: dict[Sort | None, list[Any]] = {
        # Earliest due first puts overdue tasks on top, then what is due next.
        None: [due, PRIORITY_RANK.desc(), by_number],
        Sort.DUE: [due, by_number],
        Sort.PRIORITY: [PRIORITY_RANK.desc(), due, by_number],
        Sort.CREATED: [col(Task.created_at).asc(), by_number],
        Sort.ID: [by_number],
    }
    return orders[sort]


def _id(user: User) -> int:
    assert user.id is not None, "the user must be stored before its tasks"
    return user.id


def _describe_numbers(numbers: Sequence[int]) -> str:
    joined = ", ".join(str(number) for number in numbers)
    return f"task {joined} is" if len(numbers) == 1 else f"tasks {joined} are"


def _describe_missing(numbers: Sequence[int]) -> str:
    joined = ", ".join(str(number) for number in numbers[:MISSING_SHOWN])
    if len(numbers) > MISSING_SHOWN:
        joined += f" and {len(numbers) - MISSING_SHOWN} more"
    return f"no task {joined}" if len(numbers) == 1 else f"no tasks {joined}"


MISSING_SHOWN = 10  # a range such as 1-100000 must not print a screenful
