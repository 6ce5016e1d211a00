"""Taskwarrior's script helpers: `todo count`, `todo ids`, `todo uuids`, `todo _get`.

Each is one query through the agent (service/scripting.py) and prints one line
(``--json``: one document), as Taskwarrior 2.6.2's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli import clock
from todo_cli.cli import render, word_args
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import FilterArgument, JsonOption
from todo_cli.cli.selection import NO_VOCABULARY, in_context, run_with_vocabulary, selection_filter
from todo_cli.errors import UsageError
from todo_cli.service.filters import StatusFilter, TaskFilter, Vocabulary
from todo_cli.words import read_filter, read_task_id

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.models import TaskRead, User

# Taskwarrior's DOM names for todo's JSON keys (`1.description` is the title).
DOM_NAMES = {"description": "title", "entry": "created_at", "modified": "updated_at"}
DOM_NAMES |= {"end": "completed_at", "start": "started_at", "annotations": "notes"}
NOTE_NAMES = {"description": "text", "entry": "created_at"}
RefsArgument = Annotated[
    list[str],
    typer.Argument(metavar="ID.ATTRIBUTE...", help="e.g. 1.due 1.tags 1.annotations.0.description"),
]


def register(app: typer.Typer) -> None:
    for command in (count, ids, uuids):
        app.command(command.__name__, cls=word_args.WordsCommand)(command)
    app.command("_get")(get)


def count(ctx: typer.Context, words: FilterArgument = None, json: JsonOption = False) -> None:
    """How many tasks the filter picks, of any status unless told (as `task count`)."""
    from todo_cli.service.scripting import count_tasks

    found = _run(ctx, words, StatusFilter.ALL, count_tasks)
    render.print_data(found, [str(found)], invocation(ctx))


def ids(ctx: typer.Context, words: FilterArgument = None, json: JsonOption = False) -> None:
    """The IDs the filter picks, pending ones unless told, as ranges: `1-3 5` (as `task ids`)."""
    from todo_cli.service.scripting import task_numbers

    found = _run(ctx, words, StatusFilter.PENDING, task_numbers)
    render.print_data(found, [compressed(found)], invocation(ctx))


def uuids(ctx: typer.Context, words: FilterArgument = None, json: JsonOption = False) -> None:
    """The uuids of the tasks the filter picks, of any status unless told (as `task uuids`)."""
    from todo_cli.service.scripting import task_uuids

    found = _run(ctx, words, StatusFilter.ALL, task_uuids)
    render.print_data(found, [" ".join(found)], invocation(ctx))


def get(ctx: typer.Context, refs: RefsArgument, json: JsonOption = False) -> None:
    """A task's attribute for scripts: `todo _get 1.due 1.tags` (exit 3: no such task)."""
    from todo_cli.service.scripting import read_tasks

    paths = [_reference(ref) for ref in refs]
    numbers = [number for number, _ in paths]

    async def work(session: AsyncSession, user: User, vocabulary: Vocabulary) -> list[Any]:
        tasks = {task.id: task for task in await read_tasks(session, user=user, numbers=numbers)}
        return [_value(tasks[number], path, vocabulary, raw=json) for number, path in paths]

    values = run_with_vocabulary(work, invocation(ctx))
    plain = " ".join(_plain(value) for value in values)
    render.print_data(values, [plain], invocation(ctx))


def compressed(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` as ``1-3 5``: runs of consecutive IDs as ranges (Taskwarrior's
    CmdIDs::compressIds)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return " ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _run(ctx: typer.Context, words: list[str] | None, default: StatusFilter, query: Any) -> Any:
    now = clock.now()
    typed = word_args.words(words)

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_filter(typed, vocabulary.attributes)
        where = selection_filter(selection, now=now, default=default, vocabulary=vocabulary)
        return in_context(where, vocabulary, now=now)

    build(NO_VOCABULARY)  # usage errors before the database opens
    return run_with_vocabulary(
        lambda session, user, vocabulary: query(session, user=user, where=build(vocabulary)),
        invocation(ctx),
    )


def _reference(ref: str) -> tuple[int, list[str]]:
    """``1.annotations.0.description`` as ``(1, ["annotations", "0", "description"])``."""
    number, dot, path = ref.partition(".")
    if not dot or not path:
        raise UsageError(f"{ref}: give ID.attribute, e.g. 1.due or 1.tags")
    return read_task_id(number), path.split(".")


def _value(task: TaskRead, path: list[str], vocabulary: Vocabulary, *, raw: bool) -> Any:
    document = task.model_dump(mode="json" if raw else "python")
    name = DOM_NAMES.get(path[0], path[0])
    if name in document:
        return _within(document[name], path[1:], ".".join(path))
    if path[0] in vocabulary.attributes and len(path) == 1:
        return document["udas"].get(path[0])
    raise UsageError(f"{'.'.join(path)}: no such attribute (try due, tags, project, description)")


def _within(value: Any, rest: list[str], shown: str) -> Any:
    """``notes`` then ``0`` then ``description``: an element of a list, a key of a note."""
    for step in rest:
        if isinstance(value, list) and step.isdigit():
            value = value[int(step)] if int(step) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(NOTE_NAMES.get(step, step))
        elif value is not None:
            raise UsageError(f"{shown}: {step} is not part of it")
    return value


def _plain(value: Any) -> str:
    """As Taskwarrior prints a DOM value: local dates without offset, lists comma-joined."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return ",".join(_plain(each) for each in value)
    return str(value)
