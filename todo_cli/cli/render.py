"""Output: JSON for scripts, Rich tables on a terminal, plain lines through a pipe.

Data goes to stdout; every message goes to stderr. Text from the database is
untrusted: everything but JSON shows it through ``visible`` (todo_cli.text), so no
control character reaches a terminal or a plain line; JSON escapes them itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from todo_cli.text import json_safe, visible

if TYPE_CHECKING:
    from rich.console import Console

    from todo_cli.models import Task

NONE = "-"


def message(text: str) -> None:
    """A note for the person at the terminal: always stderr, never mixed with data.

    Shown through ``visible``: a message that quotes a title quotes it harmlessly.
    """
    sys.stderr.write(visible(text) + "\n")


def print_json(data: Any) -> None:
    """UTF-8 as UTF-8, compact, one document per line."""
    _write_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def tasks_as_json(tasks: Sequence[Task]) -> bytes:
    """The JSON contract for a list of tasks, serialised by pydantic-core in one pass."""
    from pydantic import TypeAdapter

    from todo_cli.models import TaskRead

    adapter = TypeAdapter(list[TaskRead])
    return adapter.dump_json(adapter.validate_python(tasks, from_attributes=True))


def print_task_json(task: Task) -> None:
    from todo_cli.models import TaskRead

    _write_bytes(TaskRead.model_validate(task).model_dump_json().encode())


def print_tasks_json(tasks: Sequence[Task]) -> None:
    _write_bytes(tasks_as_json(tasks))


def _write_bytes(document: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(json_safe(document) + b"\n")
    sys.stdout.buffer.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def print_tasks(tasks: Sequence[Task], *, now: datetime) -> None:
    """A table on a terminal; one stable tab-separated line per task when piped."""
    if stdout_is_terminal():
        from todo_cli.cli.table import task_table

        console = _console()
        table = task_table(tasks, now=now, width=console.width)
        console.print(table, crop=False, soft_wrap=True, end="")
    else:
        sys.stdout.writelines(plain_line(task) + "\n" for task in tasks)


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


def print_task_detail(task: Task, *, now: datetime) -> None:
    rows = {
        "id": str(task.number),
        "title": visible(task.title),
        "status": task.status,
        "priority": task.priority or NONE,
        "due": describe_due(task.due, now=now) if task.due else NONE,
        "project": visible(task.project or NONE),
        "tags": visible(", ".join(task.tags) or NONE),
        "description": _block(task.description or NONE),
        "created": _timestamp(task.created_at),
        "updated": _timestamp(task.updated_at),
        "completed": _timestamp(task.completed_at),
        "started": _timestamp(task.started_at),
        "uuid": str(task.uuid),
    }
    sys.stdout.writelines(f"{key:<{DETAIL_KEY_WIDTH}}{value}\n" for key, value in rows.items())


def _block(text: str) -> str:
    """Several lines under one key: later lines indented to the value column."""
    return visible(text, multiline=True).replace("\n", "\n" + " " * DETAIL_KEY_WIDTH)


def describe_due(due: datetime, *, now: datetime) -> str:
    return f"{due.astimezone():%Y-%m-%d %H:%M} ({relative(due, now=now)})"


UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def relative(moment: datetime, *, now: datetime) -> str:
    """'in 2 days', '3 days ago', 'now': the largest whole unit, arithmetic only."""
    seconds = (moment - now).total_seconds()
    for name, size in UNITS:
        count = int(abs(seconds) // size)
        if count >= (2 if name in ("year", "month", "week") else 1):
            unit = name if count == 1 else name + "s"
            return f"in {count} {unit}" if seconds > 0 else f"{count} {unit} ago"
    return "now"


def _timestamp(moment: datetime | None) -> str:
    return moment.astimezone().isoformat(timespec="seconds") if moment else NONE


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)
