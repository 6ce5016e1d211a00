"""The task table a terminal shows: fitted to its width, linear in the number of rows.

ID, (Status,) Pri, Due, (Sched, Wait, Until,) Project, Tags, Title by default; or the
columns `list --columns` / the report_columns setting name (Age and Urg among them).
Every line fits the width: the columns before the title keep their natural width
up to a cap (one long tag must not pad every row) and give up more when the title
would get too narrow, ending cut cells with an ellipsis; titles wrap at word
boundaries with a hanging indent under the title column. A Status column appears
whenever a listed task is not pending, so done and deleted tasks stand out without
colour (NO_COLOR); Sched, Wait and Until columns whenever a listed task has that date.

Built as lines of styled pieces, not a rich.table.Table (which measures and wraps
every cell and takes seconds at 10,000 rows) nor one big Text (which Rich splits
and divides again): this stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style

from todo_cli.cli.times import relative, vague_duration
from todo_cli.columns import COLUMNS
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


def default_columns(tasks: Sequence[Task]) -> tuple[str, ...]:
    """Without --columns: a Status column when a listed task is not pending, Sched/Wait/
    Until when one has that date."""
    with_status = any(task.status != "pending" for task in tasks)
    dated = [name for _, name in OPTIONAL_DATES if _any(tasks, name)]
    status = ("status",) if with_status else ()
    return ("id", *status, "priority", "due", *dated, "project", "tags", "title")


def task_table(
    tasks: Sequence[Task],
    *,
    now: datetime,
    width: int,
    styled: bool = True,
    columns: Sequence[str] | None = None,
    urgencies: Mapping[int, float] | None = None,
) -> TaskTable:
    """Aligned ``columns`` (names of COLUMNS; default_columns when None) fitted to
    ``width``; overdue dates red, finished tasks dim (unless not ``styled``: NO_COLOR,
    a dumb terminal). ``urgencies`` by task number fill the urgency column."""
    names = tuple(columns) if columns is not None else default_columns(tasks)
    headers = tuple(COLUMNS[name] for name in names[:-1])
    rows = [_cells(task, names, now, urgencies or {}) for task in tasks]
    layout = _layout(headers, [(*headers, "Title"), *rows], width)
    lines = _row_lines((*headers, "Title"), layout, "bold" if styled else "")
    for task, cells in zip(tasks, rows, strict=True):
        lines += _row_lines(cells, layout, *(_styles(task, now) if styled else ("", "")))
    return TaskTable(lines)


def _any(tasks: Sequence[Task], name: str) -> bool:
    return any(getattr(task, name) is not None for task in tasks)


def _cells(
    task: Task, names: Sequence[str], now: datetime, urgencies: Mapping[int, float]
) -> tuple[str, ...]:
    return tuple(_cell(task, name, now, urgencies) for name in names)


def _cell(task: Task, name: str, now: datetime, urgencies: Mapping[int, float]) -> str:
    if name == "id":
        return str(task.number)
    if name == "priority":
        return task.priority or ""
    if name in ("due", "scheduled", "wait", "until"):
        return _when(getattr(task, name), now)
    if name in ("project", "status"):
        return visible(getattr(task, name) or "")
    if name == "tags":
        return visible(" ".join(task.tags))
    if name == "age":
        return vague_duration((now - task.created_at).total_seconds()) if task.created_at else ""
    if name == "urgency":
        score = urgencies.get(task.number)
        return "" if score is None else f"{score:.1f}"
    # Taskwarrior's mark for annotations: the note count after the title.
    return f"{visible(task.title)} [{len(task.notes)}]" if task.notes else visible(task.title)


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
    indent = " " * layout.indent
    rest_lines = [[(indent + line, style)] for line in rest]
    if "Due" not in layout.headers:
        return [[(GAP.join([*padded, first]), style)], *rest_lines]
    due = layout.headers.index("Due")
    head, tail = GAP.join(padded[:due]) + GAP, GAP + GAP.join([*padded[due + 1 :], first])
    cells_line = [(head, style), (padded[due], due_style or style), (tail, style)]
    return [cells_line, *rest_lines]


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
