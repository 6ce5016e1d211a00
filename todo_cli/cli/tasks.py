"""The task commands people type all day: add, list, show, done, edit, rm..."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli import clock
from todo_cli.cli import render, state
from todo_cli.cli.options import (
    LIMIT_MAX,
    Command,
    DescriptionOption,
    DueOption,
    IdArgument,
    IdsArgument,
    JsonOption,
    PriorityOption,
    ProjectOption,
    TagOption,
    YesOption,
    flag,
)
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import ExitCode, UsageError
from todo_cli.service.filters import Sort, StatusFilter, TagChanges, TaskFilter
from todo_cli.text import visible

if TYPE_CHECKING:
    from todo_cli.models import Task
    from todo_cli.service.tasks import Outcome


def register(app: typer.Typer) -> None:
    for command in (add, list_, show, done, reopen, rm, restore, purge, edit):
        name = command.__name__.rstrip("_")
        app.command(name, cls=Command)(command)


def add(
    title: Annotated[str, typer.Argument(help="What to do.", metavar="TITLE", show_default=False)],
    description: DescriptionOption = None,
    priority: PriorityOption = None,
    due: DueOption = None,
    tag: TagOption = None,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Add a task."""
    from todo_cli.models import TaskCreate
    from todo_cli.service import tasks as service

    new = TaskCreate(
        title=title,
        description=description,
        priority=_priority(priority),
        due=_when(due),
        tags=tag or [],
        project=project,
    )
    task = run_for_user(
        lambda session, user: service.add_task(
            session, user=user, task=new, command=state.current.command_line()
        )
    )
    if json:
        render.print_task_json(task)
    else:
        render.message(f"Created task {task.number}: {task.title}")


def list_(
    status: Annotated[StatusFilter, typer.Option(help="Which tasks.")] = StatusFilter.PENDING,
    tag: TagOption = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-P",
            help="Project and its sub-projects.",
            metavar="PROJECT",
            show_default=False,
        ),
    ] = None,
    priority: PriorityOption = None,
    overdue: Annotated[bool, flag("--overdue", help="Only tasks past due.")] = False,
    due_before: Annotated[
        str | None,
        typer.Option(help="Only tasks due before WHEN.", metavar="WHEN", show_default=False),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            help="Text in title or description (any case).",
            metavar="TEXT",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        Sort | None,
        typer.Option(help="Order (default: overdue, then due, then priority).", show_default=False),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, max=LIMIT_MAX, help="At most N tasks.", metavar="N"),
    ] = None,
    json: JsonOption = False,
    active: Annotated[bool, flag("--active", help="Only started tasks.")] = False,
) -> None:
    """List tasks (pending ones unless --status says otherwise)."""
    from todo_cli.service import tasks as service

    now = clock.now()
    where = TaskFilter(
        status=status,
        tags=tag or (),
        project=project,
        priority=_priority(priority),
        overdue_at=now if overdue else None,
        due_before=_when(due_before, now=now),
        search=search,
        sort=sort,
        limit=limit,
        active=active,
    )
    tasks = run_for_user(lambda session, user: service.list_tasks(session, user=user, where=where))
    if json:
        render.print_tasks_json(tasks)
    else:
        render.print_tasks(tasks, now=now)


def show(number: IdArgument, json: JsonOption = False) -> None:
    """Show one task in full."""
    from todo_cli.cli import render_workflow
    from todo_cli.service import history

    task, changes = run_for_user(
        lambda session, user: history.task_with_history(
            session, user=user, number=number, with_history=not json
        )
    )
    if json:
        render.print_task_json(task)
    else:
        render.print_task_detail(task, now=clock.now())
        render_workflow.print_notes_and_history(task, changes)


def done(numbers: IdsArgument, json: JsonOption = False) -> None:
    """Mark tasks done."""
    from todo_cli.service import tasks as service

    _change(service.complete_tasks, numbers, json=json, verb="Completed")


def reopen(numbers: IdsArgument, json: JsonOption = False) -> None:
    """Mark done tasks pending again."""
    from todo_cli.service import tasks as service

    _change(service.reopen_tasks, numbers, json=json, verb="Reopened")


def rm(numbers: IdsArgument, json: JsonOption = False) -> None:
    """Delete tasks (recoverable with `todo restore`)."""
    from todo_cli.service import tasks as service

    _change(service.remove_tasks, numbers, json=json, verb="Deleted")


def restore(numbers: IdsArgument, json: JsonOption = False) -> None:
    """Bring deleted tasks back."""
    from todo_cli.service import tasks as service

    _change(service.restore_tasks, numbers, json=json, verb="Restored")


def purge(numbers: IdsArgument, yes: YesOption = False, json: JsonOption = False) -> None:
    """Delete deleted tasks for good (asks first, naming them, unless --yes)."""
    from todo_cli.service import tasks as service

    if needs_confirmation(yes):
        doomed = run_for_user(
            lambda session, user: service.get_tasks(session, user=user, numbers=numbers)
        )
        confirm(_purge_question(doomed))
    tasks = run_for_user(
        lambda session, user: service.purge_tasks(
            session, user=user, numbers=numbers, command=state.current.command_line()
        )
    )
    _report(tasks, set(), json=json, verb="Purged")


def _purge_question(tasks: list[Task]) -> str:
    # Titles are untrusted text: no control character reaches the terminal.
    lines = "".join(f"  {task.number}  {visible(task.title)}\n" for task in tasks)
    return f"These tasks will be deleted for good:\n{lines}Purge {len(tasks)} task(s)?"


def edit(
    number: IdArgument,
    title: Annotated[
        str | None, typer.Option(help="New title.", metavar="TITLE", show_default=False)
    ] = None,
    description: DescriptionOption = None,
    priority: PriorityOption = None,
    no_priority: Annotated[bool, flag("--no-priority", help="Clear it.")] = False,
    due: DueOption = None,
    no_due: Annotated[bool, flag("--no-due", help="Clear it.")] = False,
    tag: TagOption = None,
    untag: Annotated[
        list[str] | None,
        typer.Option(help="Remove a tag (repeatable).", metavar="TAG", show_default=False),
    ] = None,
    project: ProjectOption = None,
    no_project: Annotated[bool, flag("--no-project", help="Clear it.")] = False,
    json: JsonOption = False,
) -> None:
    """Change a task's fields."""
    from todo_cli.models import TaskUpdate
    from todo_cli.service import tasks as service

    given = {"title": title, "description": description}
    fields: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    fields |= _clearable("priority", _priority(priority), clear=no_priority)
    fields |= _clearable("due", _when(due), clear=no_due)
    fields |= _clearable("project", project, clear=no_project)
    changes = TaskUpdate(**fields)
    tags = TagChanges(add=tag or (), remove=untag or ())
    outcome: Outcome = run_for_user(
        lambda session, user: service.edit_task(
            session,
            user=user,
            number=number,
            changes=changes,
            tags=tags,
            command=state.current.command_line(),
        )
    )
    [task] = outcome.tasks
    if task.number in outcome.unchanged:
        render.message(f"task {task.number} unchanged: it already has those values")
    elif not json:
        render.message(f"Updated task {task.number}: {task.title}")
    if json:
        render.print_task_json(task)


def confirm_or_refuse(yes: bool, question: str) -> None:
    """Go on with --yes or a 'yes' typed at a terminal; refuse otherwise (exit 2)."""
    if needs_confirmation(yes):
        confirm(question)


def needs_confirmation(yes: bool) -> bool:
    """Whether to ask; off a terminal nothing asks, so without --yes it is exit 2."""
    if yes:
        return False
    if not sys.stdin.isatty():
        raise UsageError("refusing without --yes (stdin is not a terminal)")
    return True


def confirm(question: str) -> None:
    """Ask; declining is no error (DESIGN.md): "nothing changed" and exit 0."""
    if not typer.confirm(question, err=True):
        render.message("nothing changed")
        raise typer.Exit(ExitCode.OK)


def _clearable(name: str, value: Any, *, clear: bool) -> dict[str, Any]:
    if clear and value is not None:
        raise UsageError(f"give --{name} or --no-{name}, not both")
    if clear:
        return {name: None}
    return {} if value is None else {name: value}


def _change(verb_fn: Callable[..., Any], numbers: list[int], *, json: bool, verb: str) -> None:
    command = state.current.command_line()
    outcome: Outcome = run_for_user(
        lambda session, user: verb_fn(session, user=user, numbers=numbers, command=command)
    )
    _report(outcome.tasks, outcome.unchanged, json=json, verb=verb)


def _report(tasks: list[Task], unchanged: set[int], *, json: bool, verb: str) -> None:
    """Notes on stderr for every task; the tasks themselves on stdout with --json."""
    for task in tasks:
        if task.number in unchanged:
            render.message(f"task {task.number} is already {task.status}; left as it was")
        elif not json:
            render.message(f"{verb} task {task.number}: {task.title}")
    if json:
        render.print_tasks_json(tasks)


def _priority(text: str | None) -> Any:
    from todo_cli.service.validation import parse_priority

    return None if text is None else parse_priority(text)


def _when(text: str | None, *, now: datetime | None = None) -> datetime | None:
    from todo_cli.dates import parse_when

    return None if text is None else parse_when(text, now=now or clock.now())
