"""The task commands people type all day: add, list, show, done, edit, rm..."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli import clock
from todo_cli.cli import prompts, render, word_args
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import (
    LIMIT_MAX,
    ColumnsOption,
    DescriptionOption,
    DueOption,
    FieldsOption,
    FilterArgument,
    JsonLinesOption,
    JsonOption,
    PriorityOption,
    ProjectOption,
    TagOption,
    YesOption,
    flag,
)
from todo_cli.cli.runner import run_for_user
from todo_cli.cli.selection import (
    NO_VOCABULARY,
    START_OF_DAY_DATES,
    Build,
    combined,
    context_additions,
    hiding_waiting,
    in_context,
    need_words,
    run_picked,
    run_with_vocabulary,
    selection_filter,
)
from todo_cli.columns import read_columns
from todo_cli.errors import UsageError
from todo_cli.service.filters import Affix, Sort, StatusFilter, TagChanges, TaskFilter, Vocabulary
from todo_cli.text import visible
from todo_cli.words import check_id_words, read_changes, read_edit, read_filter

NO_MATCH = "no tasks match; nothing changed"
PLACING = "todo.placing"  # ctx.meta: `append` or `prepend`, run through edit

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.cli.documents import JsonShape
    from todo_cli.cli.environment import Environment
    from todo_cli.models import Task, TaskCreate, User
    from todo_cli.offsets import Offset
    from todo_cli.service.tasks import Outcome
    from todo_cli.words import Changes


def register(app: typer.Typer) -> None:
    for command in (add, list_, show, done, reopen, rm, restore, purge, edit):
        name = command.__name__.rstrip("_")
        app.command(name, cls=word_args.WordsCommand)(command)
    # Taskwarrior's names for the same commands, so its users' hands keep working.
    for alias, command in (("modify", edit), ("delete", rm), ("info", show)):
        summary = f"Taskwarrior's name for `todo {command.__name__}`: the same words and options."
        app.command(alias, cls=word_args.WordsCommand, help=summary)(command)
    app.command("duplicate", cls=word_args.WordsCommand)(duplicate)
    for placing in ("append", "prepend"):
        app.command(placing, cls=word_args.WordsCommand, help=_PLACING_HELP[placing])(
            _placing_edit(placing)
        )


_PLACING_HELP = {
    "append": "Add words to the end of tasks' titles: `todo append 4 by friday` (as edit).",
    "prepend": "Add words to the start of tasks' titles: `todo prepend 4 Urgent:` (as edit).",
}


def _placing_edit(placing: str) -> Callable[..., None]:
    """`todo edit` itself, its title words added to the title (Taskwarrior's append and
    prepend), so the change is journalled and `todo undo` takes it back."""

    @functools.wraps(edit)
    def placed(**options: Any) -> None:
        options["ctx"].meta[PLACING] = placing
        edit(**options)

    return placed


def add(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="WORDS...",
            help="The title, every word; +tag @context project:P due:WHEN pri:H "
            "recur:PERIOD rtype:chained set fields. Words after -- are title text as typed.",
            show_default=False,
        ),
    ] = None,
    description: DescriptionOption = None,
    priority: PriorityOption = None,
    due: DueOption = None,
    tag: TagOption = None,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Add a task: `todo add Call the bank +phone project:home due:friday pri:H`."""
    from todo_cli.service import tasks as service

    env = invocation(ctx)
    typed = word_args.words(words)
    options: dict[str, Any] = {"description": description, "priority": priority, "due": due}
    options |= {"project": project, "tag": tag}
    _new_task(read_changes(typed, adding=True), options, NO_VOCABULARY)  # usage errors first
    command = env.command_line()

    def make(session: AsyncSession, user: User, vocabulary: Vocabulary) -> Any:
        changes = read_changes(typed, adding=True, names=vocabulary.attributes)
        return service.add_task(
            session,
            user=user,
            task=_new_task(changes, options, vocabulary),
            rtype=_rtype(changes.rtype),
            command=command,
            dependencies=changes.depends,
        )

    _rtype(read_changes(typed, adding=True).rtype)
    task = run_with_vocabulary(make, env)
    render.print_task(task, _created_note(task), env)


def _created_note(task: Task) -> str:
    if task.rtype is None:
        return f"Created task {task.number}: {task.title}"
    return (
        f"Created task {task.number} (the template of a {task.rtype} series, recur:{task.recur}):"
        f" {task.title}; its instances are in `todo list`"
    )


def _rtype(text: str | None) -> Any:
    from todo_cli.models import RecurrenceType

    return None if text is None else RecurrenceType(text)


def _new_task(changes: Changes, options: dict[str, Any], vocabulary: Vocabulary) -> TaskCreate:
    """The task `todo add` makes: its words and options, and what the active context
    gives (its tags; its project unless the command names one)."""
    from todo_cli.models import TaskCreate
    from todo_cli.offsets import resolve

    context = context_additions(vocabulary)
    project = _once("project", options["project"], changes.project)
    given, offsets = _dates(changes, due_option=options["due"])
    dated: dict[str, Any] = given | resolve(given, offsets)
    return TaskCreate(
        title=changes.title_text,
        description=options["description"],
        priority=_priority(_once("priority", options["priority"], changes.priority)),
        **dated,
        tags=[*(options["tag"] or []), *changes.tags, *context.tags],
        project=project if project is not None else context.project,
        udas=_attribute_values(changes, vocabulary, clearing=False),
        recur=changes.recur,
    )


def _attribute_values(
    changes: Changes, vocabulary: Vocabulary, *, clearing: bool
) -> dict[str, Any]:
    """The user-defined attributes the words set, typed as stored (None: cleared)."""
    from todo_cli.attribute_values import stored

    now = clock.now()
    values: dict[str, Any] = {}
    for name, text in changes.attributes:
        if text is None and not clearing:
            raise UsageError(f"{name}: clears a value; a new task has none to clear")
        spec = vocabulary.attributes[name]
        values[name] = None if text is None else stored(spec, text, now=now)
    return values


def list_(
    ctx: typer.Context,
    words: FilterArgument = None,
    status: Annotated[
        StatusFilter | None,
        typer.Option(
            help="Which tasks (default: pending; any status for IDs).", show_default=False
        ),
    ] = None,
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
    columns: ColumnsOption = None,
    jsonl: JsonLinesOption = False,
    fields: FieldsOption = None,
) -> None:
    """List tasks: `todo list +phone -waiting project:home` (pending ones unless told)."""
    from todo_cli.cli.documents import json_shape, task_keys
    from todo_cli.service import tasks as service

    now = clock.now()
    typed = word_args.words(words)

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_filter(typed, vocabulary.attributes)
        from_words = selection_filter(
            selection, now=now, default=StatusFilter.PENDING, status=status, vocabulary=vocabulary
        )
        both = combined(_list_options(from_words.status), from_words)
        return in_context(hiding_waiting(both), vocabulary, now=now)

    def _list_options(status: StatusFilter) -> TaskFilter:
        return TaskFilter(
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

    build(NO_VOCABULARY)  # usage errors before the database opens
    chosen = read_columns(columns) if columns is not None else None
    shape = json_shape(json=json, jsonl=jsonl, fields=fields, keys=task_keys())
    env = invocation(ctx)
    if shape is not None or not env.stdout_is_terminal:
        _stream_list(build, shape=shape, env=env)
        return
    shown = table_columns(chosen, env)

    async def listed(session: AsyncSession, user: User, vocabulary: Vocabulary) -> Listed:
        where = build(vocabulary)
        found = await service.list_tasks(session, user=user, where=where)
        scores = await scored(session, user, where, shown, now, env)
        return found, vocabulary.context, scores

    tasks, context, scores = run_with_vocabulary(listed, env)
    render.print_tasks(tasks, now=now, env=env, context=context, columns=shown, urgencies=scores)


# A terminal's list: the tasks, the active context's name, urgencies when shown.
Listed = tuple["list[Task]", "str | None", "dict[int, float] | None"]


def table_columns(chosen: tuple[str, ...] | None, env: Environment) -> tuple[str, ...] | None:
    """--columns, else the report_columns setting, else None (the usual columns)."""
    if chosen is not None:
        return chosen
    setting = env.settings().report_columns
    return read_columns(setting) if setting else None


async def scored(
    session: AsyncSession,
    user: User,
    where: TaskFilter,
    shown: tuple[str, ...] | None,
    now: datetime,
    env: Environment,
) -> dict[int, float] | None:
    """The urgency of every listed task, only when the table shows that column."""
    if shown is None or "urgency" not in shown:
        return None
    from todo_cli.service.urgency import Coefficients, urgencies

    coefficients = Coefficients.from_settings(env.settings())
    return await urgencies(session, user=user, where=where, now=now, coefficients=coefficients)


def _stream_list(build: Build, *, shape: JsonShape | None, env: Environment) -> None:
    """Piped lines, JSON or JSON Lines, written while the rows arrive (cli.stream)."""
    from todo_cli.cli import stream
    from todo_cli.service import listing

    out = env.stdout
    out.flush()

    async def work(session: AsyncSession, user: User, vocabulary: Vocabulary) -> None:
        where = build(vocabulary)
        if shape is None:
            columns = listing.PLAIN_COLUMNS
            rows = listing.stream_rows(session, user=user, where=where, columns=columns)
            await stream.write_plain_lines(rows, out.buffer)
            return
        column = listing.task_json(shape.keys)
        write = stream.write_json_lines if shape.lines else stream.write_json_array
        await write(
            lambda sink: listing.copy_documents(
                session, user=user, where=where, column=column, sink=sink
            ),
            out.buffer,
        )

    run_with_vocabulary(work, env)


def show(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID...",
            help="Task IDs: 4, 1-3,7 (a range shows the tasks it holds).",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
    jsonl: JsonLinesOption = False,
    fields: FieldsOption = None,
) -> None:
    """Show tasks in full, with their urgency term by term: `todo show 4`, `todo show 1-3,7`.

    One ID prints one JSON object, several IDs or a range an array.
    """
    from todo_cli.cli import render_workflow
    from todo_cli.cli.documents import json_shape, task_keys
    from todo_cli.service import history
    from todo_cli.service.urgency import Coefficients

    check_id_words(words or [])
    where = picked(words, "show", StatusFilter.ALL)
    shape = json_shape(json=json, jsonl=jsonl, fields=fields, keys=task_keys())
    env = invocation(ctx)
    now = clock.now()
    coefficients = Coefficients.from_settings(env.settings())
    shown = run_with_vocabulary(
        lambda session, user, vocabulary: history.tasks_in_full(
            session,
            user=user,
            where=where(vocabulary),
            now=now,
            coefficients=coefficients,
            detailed=shape is None,
        ),
        env,
    )
    if shape is None:
        render_workflow.print_tasks_in_full(shown, now=now, env=env)
    elif _only_an_id(words):  # one task: its JSON Lines are its JSON document
        render.print_task_json(shown[0].task, env, keys=shape.keys)
    else:
        render.print_tasks_picked_json([each.task for each in shown], shape, env)


def _only_an_id(words: list[str] | None) -> bool:
    """`todo show 4`: one task named by its ID and nothing else (so it exists, or exit 3),
    printed as one JSON object, as it always was."""
    return words is not None and len(words) == 1 and words[0].isascii() and words[0].isdigit()


def done(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Mark tasks done: `todo done 4`, `todo done 1-3,7`, `todo done +errand`."""
    from todo_cli.service import tasks as service

    where = picked(words, "done", StatusFilter.PENDING)
    _change(
        service.complete_tasks, where, yes=yes, verb="Completed", name="done", env=invocation(ctx)
    )


def reopen(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Mark done tasks pending again (a filter picks among done tasks)."""
    from todo_cli.service import tasks as service

    where = picked(words, "reopen", StatusFilter.DONE)
    _change(
        service.reopen_tasks, where, yes=yes, verb="Reopened", name="reopen", env=invocation(ctx)
    )


def rm(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Delete tasks (recoverable with `todo restore`)."""
    from todo_cli.service import tasks as service

    where = picked(words, "rm", StatusFilter.PENDING)
    _change(service.remove_tasks, where, yes=yes, verb="Deleted", name="rm", env=invocation(ctx))


def restore(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Bring deleted tasks back (a filter picks among deleted tasks)."""
    from todo_cli.service import tasks as service

    where = picked(words, "restore", StatusFilter.DELETED)
    _change(
        service.restore_tasks, where, yes=yes, verb="Restored", name="restore", env=invocation(ctx)
    )


def purge(
    ctx: typer.Context,
    words: FilterArgument = None,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Delete deleted tasks for good (asks first, naming them, unless --yes)."""
    from todo_cli.service import tasks as service

    env = invocation(ctx)
    where = picked(words, "purge", StatusFilter.DELETED)
    if prompts.needs_confirmation(yes, env):
        doomed = run_with_vocabulary(
            lambda session, user, vocabulary: service.select_tasks(
                session, user=user, where=where(vocabulary)
            ),
            env,
        )
        if not doomed:
            render.message(NO_MATCH, env)
            _report([], set(), verb="Purged", env=env)
            return
        prompts.confirm(_purge_question(doomed), env)
        # Exactly the tasks named in the question, if they still match.
        numbers = tuple(task.number for task in doomed)
        where = _with_numbers(where, numbers)
    command = env.command_line()
    tasks = run_with_vocabulary(
        lambda session, user, vocabulary: service.purge_tasks(
            session, user=user, where=where(vocabulary), command=command
        ),
        env,
    )
    if not tasks:
        render.message(NO_MATCH, env)
    _report(tasks, set(), verb="Purged", env=env)
    for number, title in tasks.released:
        render.message(f"task {number} '{title}' no longer waits for a purged task", env)


def picked(words: list[str] | None, command: str, default: StatusFilter) -> Build:
    """The filter a verb's words describe, in the user's words and context; at least one
    word is needed (checked at once, before the database opens)."""
    typed = word_args.words(words)
    now = clock.now()

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_filter(typed, vocabulary.attributes)
        need_words(selection, command)
        where = selection_filter(selection, now=now, default=default, vocabulary=vocabulary)
        return in_context(where, vocabulary, now=now)

    build(NO_VOCABULARY)
    return build


def _with_numbers(build: Build, numbers: tuple[int, ...]) -> Build:
    """``build``, narrowed to exactly these tasks (still matching the rest of it)."""
    return lambda vocabulary: replace(build(vocabulary), numbers=numbers)


def _purge_question(tasks: list[Task]) -> str:
    # Titles are untrusted text: no control character reaches the terminal.
    lines = "".join(f"  {task.number}  {visible(task.title)}\n" for task in tasks)
    return f"These tasks will be deleted for good:\n{lines}Purge {len(tasks)} task(s)?"


def edit(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID|FILTER... [CHANGES...]",
            help="IDs then changes (`4 pri:H +urgent new title`, `4 /tyre/tire/`), or a "
            "filter then pri:/due: changes, /old/new/[g] and options (`+phone pri:M`). "
            "See README.",
            show_default=False,
        ),
    ] = None,
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
    series: Annotated[
        bool,
        flag(
            "--series",
            help="On an instance of a recurring series: change the series (its template "
            "and pending instances). At a terminal todo asks; otherwise the instance only.",
        ),
    ] = False,
    yes: YesOption = False,
    json: JsonOption = False,
) -> None:
    """Change tasks: `todo edit 4 pri:H`, `todo edit 1-3 --due friday`, `todo edit +phone pri:M`.

    `/old/new/` replaces the first `old` in the title (or else the description) with
    `new`; `/old/new/g` every one in both, as Taskwarrior's modify does (plain text).
    """
    from todo_cli.models import TaskUpdate
    from todo_cli.service import tasks as service

    typed = word_args.words(words)
    now = clock.now()

    build = _picked_for_change(typed, "edit", now)

    build(NO_VOCABULARY)
    options = {"title": title, "description": description, "tag": tag, "untag": untag}
    options |= _clearable("priority", _priority(priority), clear=no_priority)
    options |= _clearable("due", _when(due), clear=no_due)
    options |= _clearable("project", project, clear=no_project)
    selection, typed_changes = read_edit(typed)
    placing = ctx.meta.get(PLACING)
    if placing is not None and not typed_changes.title_text:
        raise UsageError(f"{placing} needs the words to add to the title")
    env = invocation(ctx)
    series = series or _series_wanted(build(NO_VOCABULARY), env)
    command = env.command_line()

    def work(
        session: AsyncSession,
        user: User,
        chosen: TaskFilter,
        confirmed: bool,
        vocabulary: Vocabulary,
    ) -> Any:
        changes = read_edit(typed, vocabulary.attributes)[1]
        fields, tags, offsets = _edit_fields(changes, options)
        substitutions: tuple[Any, ...] = tuple(changes.substitutions)
        if placing is not None:  # the words join the title instead of replacing it
            fields.pop("title", None)
            substitutions += (Affix(changes.title_text, at_end=placing == "append"),)
        return service.edit_tasks(
            session,
            user=user,
            where=chosen,
            changes=TaskUpdate(**fields),
            tags=tags,
            substitutions=substitutions,
            offsets=offsets,
            confirmed=confirmed,
            series=series,
            command=command,
            dependencies=changes.depends,
            attributes=_attribute_values(changes, vocabulary, clearing=True),
        )

    edited = run_picked(work, build, yes=yes, verb="edit", env=env)
    _report_edit(edited, single=_one_id(words, selection), env=env)


def duplicate(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID|FILTER... [CHANGES...]",
            help="The tasks, then changes to make to the copies (`4 due:friday`), as on edit.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Copy tasks as new pending ones (title, description, project, tags, priority, dates,
    attributes; not notes, dependencies or status), as Taskwarrior's duplicate."""
    from todo_cli.service import tasks as service

    typed = word_args.words(words)
    now = clock.now()

    build = _picked_for_change(typed, "duplicate", now)

    build(NO_VOCABULARY)
    _refused_on_copies(read_edit(typed)[1])
    env = invocation(ctx)
    command = env.command_line()

    def work(session: AsyncSession, user: User, vocabulary: Vocabulary) -> Any:
        changes = read_edit(typed, vocabulary.attributes)[1]
        return service.duplicate_tasks(
            session,
            user=user,
            where=build(vocabulary),
            copy=lambda task: _copy(task, changes, vocabulary),
            command=command,
        )

    pairs = run_with_vocabulary(work, env)
    if not pairs:
        render.message(NO_MATCH, env)
    for source, new in pairs:
        note = f"Duplicated task {source.number} '{source.title}'. Created task {new.number}."
        render.message(note, env)
    if json:
        render.print_tasks_json([new for _, new in pairs], env)


def _refused_on_copies(changes: Changes) -> None:
    """What a copy cannot be given: relative dates, substitutions, series, dependencies."""
    if changes.substitutions or changes.depends is not None or changes.recur or changes.rtype:
        raise UsageError(
            "duplicate takes title words, tags, project, priority, dates and attributes"
        )


def _copy(task: Task, changes: Changes, vocabulary: Vocabulary) -> TaskCreate:
    """The new task `todo duplicate` makes of ``task``: its fields, with the changes."""
    from todo_cli.models import TaskCreate

    dates, offsets = _dates(changes)
    if offsets:
        raise UsageError("duplicate takes dates as WHEN, not relative to the task (due-1d)")
    fields: dict[str, Any] = {
        name: getattr(task, name)
        for name in ("title", "description", "priority", "due", "wait", "scheduled", "project")
    }
    fields = fields | _with_words({}, changes, dates)
    if changes.title_text:
        fields["title"] = changes.title_text
    kept = [tag for tag in task.tags if tag not in changes.untags]
    udas = dict(task.udas) | _attribute_values(changes, vocabulary, clearing=True)
    return TaskCreate(
        **fields,
        tags=[*kept, *changes.tags],
        udas={name: value for name, value in udas.items() if value is not None},
    )


def _edit_fields(
    changes: Changes, options: dict[str, Any]
) -> tuple[dict[str, Any], TagChanges, dict[str, Offset]]:
    """The fields, tags and date offsets (``wait:due-1d``) `todo edit` sets: its options
    and its change words."""
    given = {"title": _once("title", options["title"], changes.title_text or None)}
    if given["title"] is not None and changes.substitutions:
        raise UsageError("give a new title or a /old/new/ substitution, not both")
    given["description"] = options["description"]
    fields: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    fields |= {name: options[name] for name in ("priority", "due", "project") if name in options}
    dates, offsets = _dates(changes)
    fields = _with_words(fields, changes, dates)
    tags = TagChanges(
        add=[*(options["tag"] or []), *changes.tags],
        remove=[*(options["untag"] or []), *changes.untags],
    )
    return fields, tags, offsets


def _series_wanted(where: TaskFilter, env: Environment) -> bool:
    """At a terminal, asks whether an edit of recurring instances changes their series."""
    from todo_cli.service import tasks as service

    if not prompts.stdin_is_terminal(env):
        return False  # off a terminal: the instance only, unless --series
    instances = run_for_user(
        lambda session, user: service.instances_among(session, user=user, where=where), env
    )
    if not instances:
        return False
    named = ", ".join(f"{task.number} (series {task.template_number})" for task in instances)
    return prompts.ask(f"Task {named} belongs to a recurring series. Change the series?", env)


def _with_words(
    fields: dict[str, Any], changes: Changes, dates: dict[str, datetime]
) -> dict[str, Any]:
    """The options' fields plus what pri:/due:/wait:/project:/recur: ... words set or clear."""
    from_words: dict[str, Any] = dict.fromkeys(changes.cleared) | dates
    if changes.priority is not None:
        from_words["priority"] = _priority(changes.priority)
    if changes.project is not None:
        from_words["project"] = changes.project
    if changes.recur is not None:
        from_words["recur"] = changes.recur
    if changes.rtype is not None:
        from_words["rtype"] = _rtype(changes.rtype)
    for name in from_words.keys() & fields.keys():
        raise UsageError(f"the {name} is given twice (an option and a {name}: word); give it once")
    return fields | from_words


def _dates(
    changes: Changes, *, due_option: str | None = None
) -> tuple[dict[str, datetime], dict[str, Offset]]:
    """The dates the words (and ``--due`` on add) set: read now, or, relative to the
    task's own dates (``wait:due-1d``), kept as offsets for each task."""
    from todo_cli.dates import parse_when
    from todo_cli.offsets import task_offset

    texts = {
        "due": _once("due", due_option, changes.due),
        "wait": changes.wait,
        "scheduled": changes.scheduled,
        "until": changes.until,
    }
    given: dict[str, datetime] = {}
    offsets: dict[str, Offset] = {}
    now = clock.now()
    for name, text in texts.items():
        offset = None if text is None else task_offset(text)
        if offset is not None:
            offsets[name] = offset
        elif text is not None:
            given[name] = parse_when(text, now=now, day_start=name in START_OF_DAY_DATES)
    return given, offsets


def _one_id(words: list[str] | None, selection: Any) -> bool:
    """`todo edit 4 …` prints one object, as it always did; anything else an array."""
    return len(selection.numbers) == 1 and word_args.words(words).plain[:1] == (
        str(selection.numbers[0]),
    )


def _report_edit(outcome: Outcome, *, single: bool, env: Environment) -> None:
    if not outcome.tasks:
        render.message(NO_MATCH, env)
    render.report_changes(
        outcome.tasks,
        outcome.unchanged,
        changed_note=lambda task: f"Updated task {task.number}: {task.title}",
        unchanged_note=lambda task: f"task {task.number} unchanged: it already has those values",
        single=single,
        env=env,
    )


def _once(name: str, option: Any, word: Any) -> Any:
    """A field set by an option or by a word, not both."""
    if option is not None and word is not None:
        raise UsageError(f"the {name} is given twice (an option and a word); give it once")
    return word if option is None else option


def _clearable(name: str, value: Any, *, clear: bool) -> dict[str, Any]:
    if clear and value is not None:
        raise UsageError(f"give --{name} or --no-{name}, not both")
    if clear:
        return {name: None}
    return {} if value is None else {name: value}


def change_picked(
    verb_fn: Callable[..., Any], where: Build, *, yes: bool, name: str, env: Environment
) -> Outcome:
    """Run a verb on the tasks ``where`` picks (asking first when a filter picks many)."""
    command = env.command_line()
    outcome: Outcome = run_picked(
        lambda session, user, chosen, confirmed, _: verb_fn(
            session, user=user, where=chosen, confirmed=confirmed, command=command
        ),
        where,
        yes=yes,
        verb=name,
        env=env,
    )
    if not outcome.tasks:
        render.message(NO_MATCH, env)
    return outcome


def _change(
    verb_fn: Callable[..., Any],
    where: Build,
    *,
    yes: bool,
    verb: str,
    name: str,
    env: Environment,
) -> None:
    outcome = change_picked(verb_fn, where, yes=yes, name=name, env=env)
    _report(outcome.tasks, outcome.unchanged, verb=verb, env=env)
    for number, title in outcome.unblocked:
        render.message(f"unblocked {number} '{title}'", env)
    for number, blockers in outcome.was_blocked_by.items():
        named = ", ".join(f"{blocker} '{title}'" for blocker, title in blockers)
        render.message(f"note: task {number} was waiting for {named}", env)


def _report(tasks: list[Task], unchanged: set[int], *, verb: str, env: Environment) -> None:
    """Notes on stderr for every task; the tasks themselves on stdout with --json."""
    render.report_changes(
        tasks,
        unchanged,
        changed_note=lambda task: f"{verb} task {task.number}: {task.title}",
        unchanged_note=lambda task: f"task {task.number} is already {task.status}; left as it was",
        env=env,
    )


def _priority(text: str | None) -> Any:
    from todo_cli.service.validation import parse_priority

    return None if text is None else parse_priority(text)


def _when(text: str | None, *, now: datetime | None = None) -> datetime | None:
    from todo_cli.dates import parse_when

    return None if text is None else parse_when(text, now=now or clock.now())


def _picked_for_change(typed: Any, command: str, now: datetime) -> Build:
    """The tasks an edit-shaped command changes: its leading words, pending unless told."""

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_edit(typed, vocabulary.attributes)[0]
        need_words(selection, command)
        where = selection_filter(
            selection, now=now, default=StatusFilter.PENDING, vocabulary=vocabulary
        )
        return in_context(where, vocabulary, now=now)

    return build
