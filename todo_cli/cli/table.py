"""The task table a terminal shows: fitted to its width, linear in the number of rows.

ID, (Status,) Pri, Due, (Sched, Wait, Until,) Project, Tags, Title. Every line fits the width: the
columns before the title keep their natural width up to a cap (one long tag
must not pad every row) and give up more when the title would get too narrow,
ending cut cells with an ellipsis; titles wrap at word boundaries with a hanging
indent under the title column. A Status column appears whenever a listed task
is not pending, so done and deleted tasks stand out without colour (NO_COLOR);
Sched, Wait and Until columns whenever a listed task has that date.

Built as lines of styled pieces, not a rich.table.Table (which measures and wraps
every cell and takes seconds at 10,000 rows) nor one big Text (which Rich splits
and divides again): this stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style

from todo_cli.cli.times import relative
from todo_cli.text import visible

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions

    from todo_cli.models import Task

GAP = "  "
# Dates with a column only when a listed task has one: header and Task field.
OPTIONAL_DATES = (("Sched", "scheduled"), ("Wait", "wait"), ("Until", "until"))
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


Piece = tuple[str, str]  # text and a Rich style ("" for none)


@dataclass(frozen=True)
class TaskTable:
    """Lines of styled pieces, handed to Rich as segments: no measuring or re-wrapping
    on Rich's side, so printing stays one linear pass."""

    lines: list[list[Piece]]

    @property
    def plain(self) -> str:
        return "".join("".join(text for text, _ in line) + "\n" for line in self.lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        newline = Segment.line()
        for line in self.lines:
            for text, style in line:
                yield Segment(text, Style.parse(style) if style else None)
            yield newline


def task_table(
    tasks: Sequence[Task], *, now: datetime, width: int, styled: bool = True
) -> TaskTable:
    """Aligned columns fitted to ``width``; overdue dates red, finished tasks dim
    (unless not ``styled``: NO_COLOR, a dumb terminal)."""
    with_status = any(task.status != "pending" for task in tasks)
    dated = [(header, name) for header, name in OPTIONAL_DATES if _any(tasks, name)]
    headers: tuple[str, ...] = ("ID", "Status", "Pri", "Due")
    headers = headers if with_status else tuple(h for h in headers if h != "Status")
    headers += (*(header for header, _ in dated), "Project", "Tags")
    rows = [_cells(task, now, with_status, [name for _, name in dated]) for task in tasks]
    layout = _layout(headers, [(*headers, "Title"), *rows], width)
    lines = _row_lines((*headers, "Title"), layout, "bold" if styled else "")
    for task, cells in zip(tasks, rows, strict=True):
        lines += _row_lines(cells, layout, *(_styles(task, now) if styled else ("", "")))
    return TaskTable(lines)


def _any(tasks: Sequence[Task], name: str) -> bool:
    return any(getattr(task, name) is not None for task in tasks)


def _cells(task: Task, now: datetime, with_status: bool, dated: Sequence[str]) -> tuple[str, ...]:
    status = (task.status,) if with_status else ()
    due = _when(task.due, now)
    dates = [_when(getattr(task, name), now) for name in dated]
    tags = visible(" ".join(task.tags))
    project = visible(task.project or "")
    # Taskwarrior's mark for annotations: the note count after the title.
    title = f"{visible(task.title)} [{len(task.notes)}]" if task.notes else visible(task.title)
    return (str(task.number), *status, task.priority or "", due, *dates, project, tags, title)


def _when(moment: datetime | None, now: datetime) -> str:
    return relative(moment, now=now) if moment else ""


def _layout(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], width: int) -> Layout:
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


def _row_lines(
    cells: tuple[str, ...], layout: Layout, style: str, due_style: str = ""
) -> list[list[Piece]]:
    """One row: its cells on the first line, the rest of the title below, indented."""
    number, *middle, title = cells
    padded = [number.rjust(layout.widths[0])]
    padded += [_fit(cell, size) for cell, size in zip(middle, layout.widths[1:], strict=True)]
    first, *rest = wrap(title, layout.title_width)
    due = layout.headers.index("Due")
    head, tail = GAP.join(padded[:due]) + GAP, GAP + GAP.join([*padded[due + 1 :], first])
    indent = " " * layout.indent
    cells_line = [(head, style), (padded[due], due_style or style), (tail, style)]
    return [cells_line, *([(indent + line, style)] for line in rest)]


def _fit(cell: str, size: int) -> str:
    """``cell`` padded to ``size`` cells, or cut to it ending in an ellipsis."""
    length = cell_len(cell)
    if length <= size:
        return cell + " " * (size - length)
    return set_cell_size(cell, size - 1) + ELLIPSIS


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, broken between words (inside one only if it
    is longer than a line). Counts cells, not characters: 日本 takes four."""
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        for piece in chop_cells(word, width) if cell_len(word) > width else [word]:
            size = cell_len(piece)
            if line and used + 1 + size <= width:
                line, used = f"{line} {piece}", used + 1 + size
            elif line:
                lines.append(line)
                line, used = piece, size
            else:
                line, used = piece, size
    return [*lines, line]


def _styles(task: Task, now: datetime) -> tuple[str, str]:
    """The row's style and its Due cell's: finished tasks dim, overdue dates red."""
    if task.status != "pending":
        return "dim", ""
    return "", "red" if task.due is not None and task.due < now else ""
