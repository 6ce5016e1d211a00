"""Output: JSON for scripts, Rich tables on a terminal, plain lines through a pipe.

Data goes to stdout; every message goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from todo_cli.models import Task

NONE = "-"


def message(text: str) -> None:
    """A note for the person at the terminal: always stderr, never mixed with data."""
    sys.stderr.write(text + "\n")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def tasks_as_json(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    from pydantic import TypeAdapter

    from todo_cli.models import TaskRead

    adapter = TypeAdapter(list[TaskRead])
    result: list[dict[str, Any]] = adapter.dump_python(
        adapter.validate_python(tasks, from_attributes=True), mode="json"
    )
    return result


def print_task_json(task: Task) -> None:
    print_json(tasks_as_json([task])[0])


def print_tasks_json(tasks: Sequence[Task]) -> None:
    print_json(tasks_as_json(tasks))


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def print_tasks(tasks: Sequence[Task], *, now: datetime) -> None:
    """A table on a terminal; one stable tab-separated line per task when piped."""
    if stdout_is_terminal():
        _console().print(task_table(tasks, now=now))
    else:
        sys.stdout.writelines(plain_line(task) + "\n" for task in tasks)


def plain_line(task: Task) -> str:
    """id, status, priority, due, project, tags, title: fixed columns, title last."""
    fields = [
        str(task.number),
        task.status,
        task.priority or NONE,
        task.due.isoformat(timespec="seconds") if task.due else NONE,
        task.project or NONE,
        ",".join(task.tags) or NONE,
        _one_line(task.title),
    ]
    return "\t".join(fields)


def print_task_detail(task: Task, *, now: datetime) -> None:
    rows = {
        "id": str(task.number),
        "title": task.title,
        "status": task.status,
        "priority": task.priority or NONE,
        "due": describe_due(task.due, now=now) if task.due else NONE,
        "project": task.project or NONE,
        "tags": ", ".join(task.tags) or NONE,
        "description": task.description or NONE,
        "created": _timestamp(task.created_at),
        "updated": _timestamp(task.updated_at),
        "completed": _timestamp(task.completed_at),
        "uuid": str(task.uuid),
    }
    sys.stdout.writelines(f"{key:<12}{value}\n" for key, value in rows.items())


def task_table(tasks: Sequence[Task], *, now: datetime) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("ID", "Pri", "Due", "Title", "Project", "Tags"):
        table.add_column(name, justify="right" if name == "ID" else "left", no_wrap=name != "Title")
    for task in tasks:
        overdue = task.due is not None and task.due < now and task.status == "pending"
        due = Text(relative(task.due, now=now), style="red" if overdue else "") if task.due else ""
        style = "dim" if task.status != "pending" else ""
        cells = (str(task.number), task.priority or "", due, task.title, task.project or "")
        table.add_row(*cells, " ".join(task.tags), style=style)
    return table


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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)
