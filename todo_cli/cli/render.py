"""Output: JSON for scripts, Rich tables on a terminal, plain lines through a pipe.

Data goes to stdout; every message goes to stderr. Text from the database is
untrusted: everything but JSON shows it through ``visible`` (todo_cli.text), so no
control character reaches a terminal or a plain line; JSON escapes them itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from todo_cli.cli.environment import Environment
from todo_cli.cli.times import describe_due
from todo_cli.text import json_safe, visible

if TYPE_CHECKING:
    from todo_cli.cli.documents import JsonShape
    from todo_cli.models import Task

NONE = "-"


def message(text: str, env: Environment) -> None:
    """A note for the person at the terminal: always stderr, never mixed with data.

    Shown through ``visible``: a message that quotes a title quotes it harmlessly.
    """
    env.stderr.write(visible(text) + "\n")


def print_json(data: Any, env: Environment) -> None:
    """UTF-8 as UTF-8, compact, one document per line."""
    document = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    _write_bytes(document, env)


def print_documents(documents: Sequence[Any], *, lines: bool, env: Environment) -> None:
    """One JSON array, or with ``lines`` one document per line (JSON Lines)."""
    for document in documents if lines else [documents]:
        print_json(document, env)


def print_lines(lines: Iterable[str], env: Environment) -> None:
    """Plain data lines on stdout."""
    env.stdout.writelines(line + "\n" for line in lines)


def print_data(data: Any, lines: Iterable[str], env: Environment) -> None:
    """``data`` as JSON with --json, else ``lines`` (a generator: not built for JSON)."""
    if env.json:
        print_json(data, env)
    else:
        print_lines(lines, env)


def print_task(task: Task, text: str, env: Environment) -> None:
    """What a command that made or changed one task prints: the task with --json, else ``text``."""
    if env.json:
        print_task_json(task, env)
    else:
        message(text, env)


def report_changes(
    tasks: Sequence[Task],
    unchanged: set[int],
    *,
    changed_note: Callable[[Task], str],
    unchanged_note: Callable[[Task], str],
    single: bool = False,
    env: Environment,
) -> None:
    """A note per task on stderr (with --json only for those left as they were);
    with --json the tasks on stdout, one object when ``single``, else an array."""
    for task in tasks:
        if task.number in unchanged:
            message(unchanged_note(task), env)
        elif not env.json:
            message(changed_note(task), env)
    if env.json and single:
        print_task_json(tasks[0], env)
    elif env.json:
        print_tasks_json(tasks, env)


def tasks_as_json(tasks: Sequence[Task]) -> bytes:
    """The JSON contract for a list of tasks, serialised by pydantic-core in one pass."""
    from pydantic import TypeAdapter

    from todo_cli.models import TaskRead

    adapter = TypeAdapter(list[TaskRead])
    return adapter.dump_json(adapter.validate_python(tasks, from_attributes=True))


def print_task_json(task: Task, env: Environment, *, keys: Sequence[str] | None = None) -> None:
    """The task's JSON document; only ``keys``, in that order, when given (--fields)."""
    from todo_cli.models import TaskRead

    read = TaskRead.model_validate(task)
    if keys is None:
        _write_bytes(read.model_dump_json().encode(), env)
    else:
        print_json(pick(read.model_dump(mode="json"), keys), env)


def pick(document: dict[str, Any], keys: Sequence[str] | None) -> dict[str, Any]:
    """``document`` with only ``keys``, in that order (None: all of it)."""
    return document if keys is None else {key: document[key] for key in keys}


def print_tasks_picked_json(tasks: Sequence[Task], shape: JsonShape, env: Environment) -> None:
    """The tasks' JSON documents, only ``shape.keys`` of each when given, as an array or
    JSON Lines."""
    from todo_cli.models import TaskRead

    documents = [TaskRead.model_validate(task).model_dump(mode="json") for task in tasks]
    picked = [pick(document, shape.keys) for document in documents]
    print_documents(picked, lines=shape.lines, env=env)


def print_tasks_json(tasks: Sequence[Task], env: Environment) -> None:
    _write_bytes(tasks_as_json(tasks), env)


def _write_bytes(document: bytes, env: Environment) -> None:
    env.stdout.flush()
    env.stdout.buffer.write(json_safe(document) + b"\n")
    env.stdout.buffer.flush()


def print_tasks(
    tasks: Sequence[Task],
    *,
    now: datetime,
    env: Environment,
    context: str | None = None,
    columns: Sequence[str] | None = None,
    urgencies: Mapping[int, float] | None = None,
) -> None:
    """A table on a terminal; one stable tab-separated line per task when piped.

    On a terminal the active ``context`` heads the table, so a short list is never
    mistaken for all there is, and a count ends it (Taskwarrior's "3 tasks");
    ``columns`` and ``urgencies`` are the table's (cli.table). Piped lines and JSON
    stay as they are.
    """
    if env.stdout_is_terminal:
        from todo_cli.cli.table import task_table

        if context is not None:
            print_lines([f"Context: {visible(context)} (`todo context none` shows all)"], env)

        table = task_table(
            tasks,
            now=now,
            width=env.width,
            styled=env.colour,
            columns=columns,
            urgencies=urgencies,
        )
        env.console().print(table, crop=False, soft_wrap=True, end="")
        print_lines(["", count_line(len(tasks))], env)
    else:
        print_lines((plain_line(task) for task in tasks), env)


def count_line(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"


def plain_line(task: Task) -> str:
    """id, status, priority, due, project, tags, title: fixed columns, title last."""
    fields = [
        str(task.number),
        task.status,
        task.priority or NONE,
        task.due.isoformat(timespec="seconds") if task.due else NONE,
        visible(task.project or NONE),
        visible(",".join(task.tags) or NONE),
        visible(task.title),
    ]
    return "\t".join(fields)


DETAIL_KEY_WIDTH = 12


def print_task_detail(task: Task, *, now: datetime, env: Environment) -> None:
    rows = {
        "id": str(task.number),
        "title": visible(task.title),
        "status": task.status,
        "priority": task.priority or NONE,
        "due": describe_due(task.due, now=now) if task.due else NONE,
        "wait": describe_due(task.wait, now=now) if task.wait else NONE,
        "scheduled": describe_due(task.scheduled, now=now) if task.scheduled else NONE,
        "until": describe_due(task.until, now=now) if task.until else NONE,
        "project": visible(task.project or NONE),
        "tags": visible(", ".join(task.tags) or NONE),
        "description": _block(task.description or NONE),
        "created": _timestamp(task.created_at),
        "updated": _timestamp(task.updated_at),
        "completed": _timestamp(task.completed_at),
        "started": _timestamp(task.started_at),
        "uuid": str(task.uuid),
    } | _series_rows(task)
    if task.dependency_numbers:  # only then: the lines of every other task stay as they were
        rows["depends"] = ", ".join(str(number) for number in task.dependency_numbers)
    # User-defined attributes, by name, their values as stored (README, "UDAs").
    rows |= {visible(name): visible(str(value)) for name, value in sorted(task.udas.items())}
    print_lines((f"{key:<{DETAIL_KEY_WIDTH}}{value}" for key, value in rows.items()), env)


def _series_rows(task: Task) -> dict[str, str]:
    """A recurring task's period and place: only on tasks of a series (others unchanged)."""
    if task.recur is None:
        return {}
    if task.rtype is not None:
        return {"recur": f"{visible(task.recur)}, {task.rtype} (the series' template)"}
    if task.template_number is None:
        return {"recur": visible(task.recur)}
    return {"recur": f"{visible(task.recur)} (an instance of series {task.template_number})"}


def _block(text: str) -> str:
    """Several lines under one key: later lines indented to the value column."""
    return visible(text, multiline=True).replace("\n", "\n" + " " * DETAIL_KEY_WIDTH)


def _timestamp(moment: datetime | None) -> str:
    return moment.astimezone().isoformat(timespec="seconds") if moment else NONE
