"""Output: JSON for scripts, Rich tables on a terminal, plain lines through a pipe.

Data goes to stdout; every message goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from todo_cli.models import Task

NONE = "-"


def message(text: str) -> None:
    """A note for the person at the terminal: always stderr, never mixed with data."""
    sys.stderr.write(text + "\n")


def print_json(data: Any) -> None:
    """UTF-8 as UTF-8, compact, one document per line."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")


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
    sys.stdout.buffer.write(document + b"\n")
    sys.stdout.buffer.flush()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def print_tasks(tasks: Sequence[Task], *, now: datetime) -> None:
    """A table on a terminal; one stable tab-separated line per task when piped."""
    if stdout_is_terminal():
        _console().print(task_table(tasks, now=now), crop=False, soft_wrap=True)
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
        "started": _timestamp(task.started_at),
        "uuid": str(task.uuid),
    }
    sys.stdout.writelines(f"{key:<12}{value}\n" for key, value in rows.items())


TABLE_COLUMNS = ("ID", "Pri", "Due", "Project", "Tags", "Title")
GAP = "  "


def task_table(tasks: Sequence[Task], *, now: datetime) -> Text:
    """Aligned columns, title last; overdue dates red, finished tasks dim.

    Built as one styled Text, not a rich.table.Table: the Table measures and
    wraps every cell and takes seconds at 10,000 rows; this stays linear.
    """
    from rich.text import Text

    rows = [TABLE_COLUMNS, *(_table_cells(task, now) for task in tasks)]
    widths = _column_widths(rows)
    # NO_COLOR: Rich drops colours but keeps bold and dim; we promise no escapes.
    styled = not os.environ.get("NO_COLOR")
    text = Text(no_wrap=True, overflow="ignore")
    text.append(_aligned(rows[0], widths) + "\n", style="bold" if styled else "")
    for task, cells in zip(tasks, rows[1:], strict=True):
        line_start = len(text)
        text.append(_aligned(cells, widths) + "\n")
        if styled:
            _style_row(text, task, now, line_start, widths)
    return text


def _table_cells(task: Task, now: datetime) -> tuple[str, ...]:
    due = relative(task.due, now=now) if task.due else ""
    tags = " ".join(task.tags)
    # Taskwarrior's mark for annotations: the note count after the title.
    title = f"{task.title} [{len(task.notes)}]" if task.notes else task.title
    return (str(task.number), task.priority or "", due, task.project or "", tags, title)


def _column_widths(rows: Sequence[tuple[str, ...]]) -> list[int]:
    from rich.cells import cell_len

    return [max(cell_len(row[column]) for row in rows) for column in range(len(TABLE_COLUMNS))]


def _aligned(cells: tuple[str, ...], widths: list[int]) -> str:
    from rich.cells import cell_len

    number, *middle, title = cells
    padded = [number.rjust(widths[0])]
    pairs = zip(middle, widths[1:-1], strict=True)
    padded += [cell + " " * (width - cell_len(cell)) for cell, width in pairs]
    return GAP.join([*padded, _one_line(title)])


def _style_row(text: Text, task: Task, now: datetime, start: int, widths: list[int]) -> None:
    if task.status != "pending":
        text.stylize("dim", start, len(text) - 1)
    elif task.due is not None and task.due < now:
        due_start = start + widths[0] + widths[1] + 2 * len(GAP)
        text.stylize("red", due_start, due_start + widths[2])


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
