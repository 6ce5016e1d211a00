"""The task table a terminal shows: fitted to its width, linear in the number of rows.

ID, (Status,) Pri, Due, Project, Tags, Title. Every line fits the width: the
columns before the title keep their natural width up to a cap (one long tag
must not pad every row) and give up more when the title would get too narrow,
ending cut cells with an ellipsis; titles wrap at word boundaries with a hanging
indent under the title column. A Status column appears whenever a listed task
is not pending, so done and deleted tasks stand out without colour (NO_COLOR).

Built as one styled Text, not a rich.table.Table: the Table measures and wraps
every cell and takes seconds at 10,000 rows; this stays linear.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from todo_cli.cli.render import relative
from todo_cli.text import visible

if TYPE_CHECKING:
    from rich.text import Text

    from todo_cli.models import Task

GAP = "  "
ELLIPSIS = "…"
# The most a column other than the title takes before anything needs shrinking.
CAPS = {"Project": 20, "Tags": 24}
# The capped columns shrink (not below NARROWEST_CELL) until the title has
# TITLE_ROOM; then, on a narrow terminal, all but the ID until it has
# NARROWEST_TITLE. Only a terminal narrower than about 50 columns gets longer lines.
TITLE_ROOM = 30
NARROWEST_CELL = 5
NARROWEST_TITLE = 10


@dataclass(frozen=True)
class Layout:
    headers: tuple[str, ...]  # every column but the title
    widths: list[int]
    title_width: int

    @property
    def indent(self) -> int:
        """Where the title column starts."""
        return sum(self.widths) + len(GAP) * len(self.widths)

    def start(self, header: str) -> int:
        column = self.headers.index(header)
        return sum(self.widths[:column]) + len(GAP) * column


def task_table(tasks: Sequence[Task], *, now: datetime, width: int) -> Text:
    """Aligned columns fitted to ``width``; overdue dates red, finished tasks dim."""
    from rich.text import Text

    with_status = any(task.status != "pending" for task in tasks)
    headers: tuple[str, ...] = ("ID", "Status", "Pri", "Due", "Project", "Tags")
    headers = headers if with_status else tuple(h for h in headers if h != "Status")
    rows = [_cells(task, now, with_status) for task in tasks]
    layout = _layout(headers, [(*headers, "Title"), *rows], width)
    # NO_COLOR: Rich drops colours but keeps bold and dim; we promise no escapes.
    styled = not os.environ.get("NO_COLOR")
    text = Text(no_wrap=True, overflow="ignore")
    text.append(_lines((*headers, "Title"), layout), style="bold" if styled else "")
    for task, cells in zip(tasks, rows, strict=True):
        row_start = len(text)
        text.append(_lines(cells, layout))
        if styled:
            _style_row(text, task, now, row_start, layout)
    return text


def _cells(task: Task, now: datetime, with_status: bool) -> tuple[str, ...]:
    status = (task.status,) if with_status else ()
    due = relative(task.due, now=now) if task.due else ""
    tags = visible(" ".join(task.tags))
    project = visible(task.project or "")
    return (str(task.number), *status, task.priority or "", due, project, tags, visible(task.title))


def _layout(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], width: int) -> Layout:
    from rich.cells import cell_len

    natural = [max(cell_len(row[column]) for row in rows) for column in range(len(headers))]
    pairs = zip(headers, natural, strict=True)
    widths = [min(size, CAPS.get(header, size)) for header, size in pairs]
    capped = [headers.index(header) for header in CAPS if header in headers]
    _shrink(widths, capped, floor=NARROWEST_CELL, until=TITLE_ROOM, width=width)
    # A narrow terminal: every column but the ID gives up room before the title does.
    _shrink(widths, range(1, len(headers)), floor=3, until=NARROWEST_TITLE, width=width)
    title_width = max(_title_room(widths, width), NARROWEST_TITLE)
    return Layout(headers, widths, title_width)


def _shrink(
    widths: list[int], columns: Sequence[int], *, floor: int, until: int, width: int
) -> None:
    """Narrow the widest of ``columns`` a cell at a time until the title has ``until``."""
    while columns and _title_room(widths, width) < until:
        widest = max(columns, key=lambda column: widths[column])
        if widths[widest] <= floor:
            return
        widths[widest] -= 1


def _title_room(widths: list[int], width: int) -> int:
    return width - sum(widths) - len(GAP) * len(widths)


def _lines(cells: tuple[str, ...], layout: Layout) -> str:
    """One row: its cells on the first line, the rest of the title below, indented."""
    number, *middle, title = cells
    padded = [number.rjust(layout.widths[0])]
    padded += [_fit(cell, size) for cell, size in zip(middle, layout.widths[1:], strict=True)]
    first, *rest = wrap(title, layout.title_width)
    indent = " " * layout.indent
    return "".join([GAP.join([*padded, first]), "\n", *(indent + line + "\n" for line in rest)])


def _fit(cell: str, size: int) -> str:
    """``cell`` padded to ``size`` cells, or cut to it ending in an ellipsis."""
    from rich.cells import cell_len, set_cell_size

    length = cell_len(cell)
    if length <= size:
        return cell + " " * (size - length)
    return set_cell_size(cell, size - 1) + ELLIPSIS


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, broken between words (inside one only if it
    is longer than a line). Counts cells, not characters: 日本 takes four."""
    from rich.cells import cell_len, chop_cells

    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split():
        for piece in chop_cells(word, width) if cell_len(word) > width else [word]:
            joined = f"{line} {piece}" if line else piece
            if cell_len(joined) <= width:
                line = joined
            else:
                lines.append(line)
                line = piece
    return [*lines, line]


def _style_row(text: Text, task: Task, now: datetime, start: int, layout: Layout) -> None:
    if task.status != "pending":
        text.stylize("dim", start, len(text) - 1)
    elif task.due is not None and task.due < now:
        due_start = start + layout.start("Due")
        text.stylize("red", due_start, due_start + layout.widths[layout.headers.index("Due")])
