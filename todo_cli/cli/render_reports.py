"""Output of the reports: bars and grids fitted to the terminal, plain lines when
piped, the figures as JSON with --json.

Drawn as rich.text.Text lines (never markup: a project's name is untrusted text);
each bar is made of characters that carry its meaning without colour too
(Taskwarrior's no-colour charts: ``+`` added or pending, ``X`` completed or done,
``-`` deleted, ``>`` started), so NO_COLOR and a dumb terminal lose nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from todo_cli.cli import render
from todo_cli.cli.render_workflow import one_line
from todo_cli.cli.times import vague_duration

if TYPE_CHECKING:
    from rich.text import Text

    from todo_cli.cli.environment import Environment
    from todo_cli.service.reports import Burndown, DueDay, PeriodHistory, ProjectProgress

GAP = "  "
NO_PROJECT = "(none)"
# (character, style) of each bar segment.
ADDED, COMPLETED, DELETED = ("+", "red"), ("X", "green"), ("-", "yellow")
PENDING, STARTED, DONE = ("+", "red"), (">", "yellow"), ("X", "green")
COMPLETE = ("=", "green")  # summary's bar, as Taskwarrior draws it without colour
NARROWEST_BAR = 10


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _print_text(lines: Iterable[Text], env: Environment) -> None:
    console = env.console()
    for line in lines:
        console.print(line, crop=False, soft_wrap=True)


def _row(cells: Sequence[str], widths: Sequence[int], numeric: Sequence[bool]) -> str:
    """Cells padded to ``widths``: numbers to the right, text to the left."""
    padded = [
        " " * (width - cell_len(cell)) + cell if right else cell + " " * (width - cell_len(cell))
        for cell, width, right in zip(cells, widths, numeric, strict=True)
    ]
    return GAP.join(padded)


def _widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(cell_len(row[index]) for row in rows) for index in range(len(rows[0]))]


def _bar(segments: Sequence[tuple[int, tuple[str, str]]], scale: float, env: Environment) -> Text:
    """Stacked segments, ``scale`` characters per unit; a non-zero count shows at least one."""
    from rich.text import Text

    bar = Text()
    for count, (character, style) in segments:
        size = max(round(count * scale), 1) if count else 0
        if env.colour:
            bar.append(" " * size, style=f"on {style}")
        else:
            bar.append(character * size)
    return bar


def _scale(largest: int, room: int) -> float:
    return room / largest if largest else 0.0


# --- summary -------------------------------------------------------------------------


def summary_as_json(rows: Sequence[ProjectProgress]) -> list[dict[str, Any]]:
    return [
        {
            "project": row.project,
            "remaining": row.remaining,
            "done": row.done,
            "percent": row.percent,
            "average_age_seconds": round(row.average_age),
        }
        for row in rows
    ]


def print_summary(rows: Sequence[ProjectProgress], env: Environment) -> None:
    """Per project: remaining, average age, % complete and a bar (Taskwarrior's summary)."""
    cells = [_summary_cells(row) for row in rows]
    if not env.stdout_is_terminal:
        render.print_lines(("\t".join(row) for row in cells), env)
        return
    from rich.text import Text

    tree = [_indented(row.project) for row in rows]
    header = ("Project", "Remaining", "Avg age", "Complete")
    table = [header, *((name, *rest) for name, (_, *rest) in zip(tree, cells, strict=True))]
    widths = _widths(table)
    room = max(env.width - sum(widths) - len(GAP) * len(widths), NARROWEST_BAR)
    numeric = (False, True, True, True)
    lines = [Text(_row(header, widths, numeric) + GAP + _scale_label(room), style=_bold(env))]
    for row, cells_row in zip(rows, table[1:], strict=True):
        line = Text(_row(cells_row, widths, numeric) + GAP)
        done = row.percent * room // 100
        line.append_text(_bar([(done, COMPLETE)], 1.0, env))
        line.rstrip()
        lines.append(line)
    lines.append(Text(f"\n{len(rows)} project{'' if len(rows) == 1 else 's'}"))
    _print_text(lines, env)


def _summary_cells(row: ProjectProgress) -> tuple[str, ...]:
    age = vague_duration(row.average_age)
    return (_project(row.project), str(row.remaining), age, f"{row.percent}%")


def _project(name: str | None) -> str:
    return NO_PROJECT if name is None else one_line(name)


def _indented(project: str | None) -> str:
    """home.garden as "  garden" under home, as Taskwarrior's summary draws the tree."""
    if project is None:
        return NO_PROJECT
    *parents, name = project.split(".")
    return "  " * len(parents) + one_line(name)


def _scale_label(room: int) -> str:
    return "0%" + " " * max(room - 6, 1) + "100%"


def _bold(env: Environment) -> str:
    return "bold" if env.colour else ""


# --- history and ghistory ------------------------------------------------------------


def history_as_json(rows: Sequence[PeriodHistory]) -> list[dict[str, Any]]:
    return [
        {
            "period": row.label,
            "start": _iso(row.start),
            "added": row.added,
            "completed": row.completed,
            "deleted": row.deleted,
            "net": row.net,
        }
        for row in rows
    ]


def _history_cells(row: PeriodHistory) -> tuple[str, ...]:
    return (row.label, str(row.added), str(row.completed), str(row.deleted), str(row.net))


def print_history(rows: Sequence[PeriodHistory], env: Environment) -> None:
    """Added, completed, deleted and net per period, and the average (Taskwarrior's history)."""
    cells = [_history_cells(row) for row in rows]
    if not env.stdout_is_terminal:
        render.print_lines(("\t".join(row) for row in cells), env)
        return
    from rich.text import Text

    header = ("Period", "Added", "Completed", "Deleted", "Net")
    average = ("Average", *(_average(rows, index) for index in range(4)))
    table = [header, *cells, average] if rows else [header]
    widths = _widths(table)
    numeric = (False, True, True, True, True)
    lines = [Text(_row(header, widths, numeric), style=_bold(env))]
    lines += [Text(_row(row, widths, numeric)) for row in table[1:]]
    _print_text(lines, env)


def _average(rows: Sequence[PeriodHistory], index: int) -> str:
    values = [(row.added, row.completed, row.deleted, row.net)[index] for row in rows]
    return str(round(sum(values) / len(values))) if values else "0"


def print_ghistory(rows: Sequence[PeriodHistory], env: Environment) -> None:
    """History as bars: added, then completed and deleted, on one scale."""
    if not env.stdout_is_terminal:
        print_history(rows, env)
        return
    from rich.text import Text

    width = max((cell_len(row.label) for row in rows), default=6)
    room = max(env.width - width - len(GAP), NARROWEST_BAR)
    scale = _scale(max((row.added + row.completed + row.deleted for row in rows), default=0), room)
    lines = [Text("Period".ljust(width) + GAP + "Number Added/Completed/Deleted", style=_bold(env))]
    for row in rows:
        line = Text(row.label.ljust(width) + GAP)
        segments = [(row.added, ADDED), (row.completed, COMPLETED), (row.deleted, DELETED)]
        line.append_text(_bar(segments, scale, env))
        lines.append(line)
    lines.append(_legend([("Added", ADDED), ("Completed", COMPLETED), ("Deleted", DELETED)], env))
    _print_text(lines, env)


def _legend(items: Sequence[tuple[str, tuple[str, str]]], env: Environment) -> Text:
    from rich.text import Text

    legend = Text("\nLegend: ")
    for index, (name, part) in enumerate(items):
        legend.append_text(_bar([(1, part)], 1.0, env))
        legend.append(f" {name}" + (", " if index < len(items) - 1 else ""))
    return legend


# --- burndown ------------------------------------------------------------------------


def burndown_as_json(rows: Sequence[Burndown]) -> list[dict[str, Any]]:
    return [
        {
            "period": row.label,
            "start": _iso(row.start),
            "pending": row.pending,
            "started": row.started,
            "done": row.done,
        }
        for row in rows
    ]


def print_burndown(rows: Sequence[Burndown], env: Environment) -> None:
    """Done, started and pending stacked per period, one line each (oldest first)."""
    cells = [(row.label, str(row.pending), str(row.started), str(row.done)) for row in rows]
    if not env.stdout_is_terminal:
        render.print_lines(("\t".join(row) for row in cells), env)
        return
    from rich.text import Text

    width = max((cell_len(row.label) for row in rows), default=6)
    counts = [f"{row.pending}/{row.started}/{row.done}" for row in rows]
    count_width = max((len(text) for text in counts), default=5)
    room = max(env.width - width - count_width - 2 * len(GAP), NARROWEST_BAR)
    scale = _scale(max((row.pending + row.started + row.done for row in rows), default=0), room)
    header = "Period".ljust(width) + GAP + "P/S/D".rjust(count_width) + GAP
    lines = [Text(header + "Pending, Started, Done", style=_bold(env))]
    for row, count in zip(rows, counts, strict=True):
        line = Text(row.label.ljust(width) + GAP + count.rjust(count_width) + GAP)
        segments = [(row.done, DONE), (row.started, STARTED), (row.pending, PENDING)]
        line.append_text(_bar(segments, scale, env))
        lines.append(line)
    lines.append(_legend([("Done", DONE), ("Started", STARTED), ("Pending", PENDING)], env))
    _print_text(lines, env)


# --- calendar ------------------------------------------------------------------------

DAY_CELL = 3  # "26*": the day and its mark
MONTH_WIDTH = 7 * DAY_CELL
MONTH_GAP = 3
MARKS = {"overdue": ("!", "bold white on red"), "due": ("*", "bold black on yellow")}
TODAY = ("<", "reverse")


def calendar_as_json(
    months: Sequence[tuple[int, int]], days: Sequence[DueDay], today: date
) -> dict[str, Any]:
    return {
        "today": today.isoformat(),
        "months": [f"{year:04d}-{month:02d}" for year, month in months],
        "due": [
            {"date": day.day.date().isoformat(), "tasks": day.due, "overdue": day.overdue}
            for day in days
        ],
    }


def months_per_row(width: int) -> int:
    return max((width + MONTH_GAP) // (MONTH_WIDTH + MONTH_GAP), 1)


def print_calendar(
    months: Sequence[tuple[int, int]], days: Sequence[DueDay], today: date, env: Environment
) -> None:
    """Month grids, Monday first, rows of as many months as the width holds; a day with
    pending tasks due is marked ``*``, with one overdue ``!``, today ``<``."""
    from rich.text import Text

    marks = {day.day.date(): ("overdue" if day.overdue else "due") for day in days}
    per_row = months_per_row(env.width)
    lines: list[Text] = []
    for first in range(0, len(months), per_row):
        row = months[first : first + per_row]
        grids = [_month(year, month, marks, today, env) for year, month in row]
        for index in range(max(len(grid) for grid in grids)):
            line = Text()
            for number, grid in enumerate(grids):
                cell = grid[index] if index < len(grid) else Text(" " * MONTH_WIDTH)
                line.append(" " * MONTH_GAP if number else "")
                line.append_text(cell)
            line.rstrip()
            lines.append(line)
        lines.append(Text(""))
    lines.append(Text("Legend: * due, ! overdue, < today"))
    _print_text(lines, env)


def _month(
    year: int, month: int, marks: dict[date, str], today: date, env: Environment
) -> list[Text]:
    from rich.text import Text

    title = f"{calendar.month_name[month]} {year}".center(MONTH_WIDTH)
    names = Text("".join(f"{name[:2]:>2} " for name in calendar.day_abbr))
    lines = [Text(title, style=_bold(env)), names]
    for week in calendar.Calendar().monthdatescalendar(year, month):
        line = Text()
        for day in week:
            line.append_text(_day(day, month, marks, today, env))
        lines.append(line)
    return lines


def _day(day: date, month: int, marks: dict[date, str], today: date, env: Environment) -> Text:
    from rich.text import Text

    if day.month != month:
        return Text(" " * DAY_CELL)
    kind = marks.get(day)
    mark, style = MARKS[kind] if kind else (TODAY if day == today else (" ", ""))
    if day == today and kind:
        style += " underline"
    return Text(f"{day.day:>2}{mark}", style=style if env.colour else "")
