"""The daily workflow: undo, log, note, start, stop, next, projects, tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from todo_cli import clock
from todo_cli.cli import render, render_workflow, word_args
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import (
    ColumnsOption,
    FieldsOption,
    FilterArgument,
    IdArgument,
    JsonLinesOption,
    JsonOption,
    YesOption,
)
from todo_cli.cli.runner import run_for_user
from todo_cli.cli.selection import (
    NO_VOCABULARY,
    hiding_waiting,
    in_context,
    run_with_vocabulary,
    selection_filter,
)
from todo_cli.errors import UsageError
from todo_cli.service.filters import StatusFilter, TaskFilter, Vocabulary
from todo_cli.words import read_filter

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.models import Task, User
    from todo_cli.service.tasks import Outcome

LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N.")]


def register(app: typer.Typer) -> None:
    for command in (undo, log, note, projects, tags):
        app.command(command.__name__.rstrip("_"))(command)
    app.command("annotate", help="Taskwarrior's name for `todo note`: the same words and options.")(
        note
    )
    app.command("denotate")(denotate)
    for selecting in (start, stop, next_):
        app.command(selecting.__name__.rstrip("_"), cls=word_args.WordsCommand)(selecting)


def undo(ctx: typer.Context, json: JsonOption = False) -> None:
    """Revert your most recent change (again: the one before). Exit 4 if nothing can be undone."""
    from todo_cli.service.undo import undo_last

    env = invocation(ctx)
    # No housekeeping first: an expiry made now would be the change this undo takes.
    undone = run_for_user(
        lambda session, user: undo_last(session, user=user), env, housekeeping=False
    )
    render_workflow.report_undo(undone.group, env)
    if json:
        render.print_tasks_json(undone.tasks, env)


def log(ctx: typer.Context, limit: LimitOption = 20, json: JsonOption = False) -> None:
    """Recent changes, newest first: when, which command, what changed."""
    from todo_cli.service.journal import recent_changes

    env = invocation(ctx)
    groups = run_for_user(
        lambda session, user: recent_changes(session, user=user, limit=limit), env
    )
    if json:
        render.print_json(render_workflow.changes_as_json(groups), env)
    else:
        render_workflow.print_changes(groups, env)


def note(
    ctx: typer.Context,
    number: IdArgument,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TEXT]...", help="The note: every word after the ID.", show_default=False
        ),
    ] = None,
    delete: Annotated[
        int | None,
        typer.Option("--delete", min=1, help="Remove note N (as `todo show` numbers them)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Add a timestamped note to a task (`todo note 4 called, waiting`), or --delete N."""
    from todo_cli.service import notes

    env = invocation(ctx)
    command = env.command_line()
    if delete is not None:
        if words:
            raise UsageError("give a note's text or --delete N, not both")
        task = run_for_user(
            lambda session, user: notes.delete_note(
                session, user=user, number=number, position=delete, command=command
            ),
            env,
        )
        verb = f"Deleted note {delete} from"
    else:
        text = " ".join(words or [])
        task = run_for_user(
            lambda session, user: notes.add_note(
                session, user=user, number=number, text=text, command=command
            ),
            env,
        )
        verb = f"Added note {len(task.notes)} to"
    text = f"{verb} task {task.number}: {render_workflow.one_line(task.title)}"
    render.print_task(task, text, env)


def denotate(
    ctx: typer.Context,
    number: IdArgument,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT|N...",
            help="The note's text (or a part of it), or its number as `todo show` shows it.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Taskwarrior's denotate: remove the first note whose text is (else holds) TEXT."""
    from todo_cli.service import notes

    pattern = " ".join(words or [])
    if not pattern:
        raise UsageError("denotate needs the note's text or number")
    env = invocation(ctx)
    command = env.command_line()
    task = run_for_user(
        lambda session, user: notes.delete_note(
            session, user=user, number=number, position=pattern, command=command
        ),
        env,
    )
    text = f"Deleted a note from task {task.number}: {render_workflow.one_line(task.title)}"
    render.print_task(task, text, env)


def start(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Mark pending tasks active (`todo list --active`, `todo list +ACTIVE`)."""
    from todo_cli.cli.tasks import change_picked, picked
    from todo_cli.service.activity import start_tasks

    env = invocation(ctx)
    where = picked(words, "start", StatusFilter.PENDING)
    outcome: Outcome = change_picked(start_tasks, where, yes=yes, name="start", env=env)
    render_workflow.report_activity(outcome, verb="Started", unchanged="already active", env=env)


def stop(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Mark active tasks inactive again (a filter picks among active tasks)."""
    from dataclasses import replace

    from todo_cli.cli.tasks import change_picked, picked
    from todo_cli.service.activity import stop_tasks

    env = invocation(ctx)
    build = picked(words, "stop", StatusFilter.PENDING)

    def among_active(vocabulary: Vocabulary) -> TaskFilter:
        where = build(vocabulary)
        return where if where.numbers else replace(where, active=True)

    outcome: Outcome = change_picked(stop_tasks, among_active, yes=yes, name="stop", env=env)
    render_workflow.report_activity(outcome, verb="Stopped", unchanged="not active", env=env)


def next_(
    ctx: typer.Context,
    words: FilterArgument = None,
    limit: LimitOption = 10,
    json: JsonOption = False,
    columns: ColumnsOption = None,
    jsonl: JsonLinesOption = False,
    fields: FieldsOption = None,
) -> None:
    """Pending tasks, most urgent first (the urgency formula is in the README)."""
    from todo_cli.cli.documents import json_shape, task_keys
    from todo_cli.cli.tasks import table_columns
    from todo_cli.columns import read_columns
    from todo_cli.service.urgency import Coefficients, next_tasks

    now = clock.now()
    typed = word_args.words(words)

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_filter(typed, vocabulary.attributes)
        if selection.status not in (None, "pending"):
            hint = f"try `todo list status:{selection.status}`"
            raise UsageError(f"next lists pending tasks only; {hint}")
        where = selection_filter(
            selection, now=now, default=StatusFilter.PENDING, vocabulary=vocabulary
        )
        return in_context(hiding_waiting(where), vocabulary, now=now)

    build(NO_VOCABULARY)  # usage errors before the database opens
    chosen = read_columns(columns) if columns is not None else None
    keys = (*task_keys(), "urgency")
    shape = json_shape(json=json, jsonl=jsonl, fields=fields, keys=keys)
    env = invocation(ctx)
    coefficients = Coefficients.from_settings(env.settings())

    async def scored_in_context(
        session: AsyncSession, user: User, vocabulary: Vocabulary
    ) -> tuple[list[tuple[Task, float]], str | None]:
        where = build(vocabulary)
        found = await next_tasks(
            session, user=user, now=now, limit=limit, where=where, coefficients=coefficients
        )
        return found, vocabulary.context

    scored, context = run_with_vocabulary(scored_in_context, env)
    if shape is not None:
        scored_json = render_workflow.scored_as_json(scored)
        documents = [render.pick(document, shape.keys) for document in scored_json]
        render.print_documents(documents, lines=shape.lines, env=env)
    else:
        render.print_tasks(
            [task for task, _ in scored],
            now=now,
            env=env,
            context=context,
            columns=table_columns(chosen, env),
            urgencies={task.number: score for task, score in scored},
        )


def projects(ctx: typer.Context, json: JsonOption = False) -> None:
    """Pending and done tasks per project, sub-projects counted in their parents too."""
    from todo_cli.service.summaries import project_summaries

    env = invocation(ctx)
    rows = run_for_user(lambda session, user: project_summaries(session, user=user), env)
    if json:
        render.print_json(render_workflow.projects_as_json(rows), env)
    else:
        render_workflow.print_projects(rows, env)


def tags(ctx: typer.Context, json: JsonOption = False) -> None:
    """How many pending tasks carry each tag."""
    from todo_cli.service.summaries import tag_summaries

    env = invocation(ctx)
    rows = run_for_user(lambda session, user: tag_summaries(session, user=user), env)
    if json:
        render.print_json([{"tag": row.tag, "pending": row.pending} for row in rows], env)
    else:
        render_workflow.print_tags(rows, env)


def help_when_bare(ctx: typer.Context) -> None:
    """A bare `todo` runs the `default_command` setting (`next` unless set; `help` prints this);
    a bare group (`todo db`, `todo config`, `todo agent`) prints its help, as `gh repo` does."""
    if ctx.invoked_subcommand is not None:
        return
    if ctx.parent is None:
        run_default_command(ctx)
    else:
        typer.echo(ctx.get_help())
    raise typer.Exit()


def run_default_command(ctx: typer.Context) -> None:
    """What a bare `todo` does: the `default_command` setting (next, list or help)."""
    from todo_cli.cli import tasks

    chosen = invocation(ctx).settings().default_command
    if chosen == "help":
        typer.echo(ctx.get_help())
    elif chosen == "list":
        tasks.list_(ctx)
    else:
        next_(ctx)
