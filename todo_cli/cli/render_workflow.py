"""Output of the workflow commands: the change log, notes, summaries, urgency.

Same rules as render.py: data on stdout, messages on stderr, JSON with the
exact text, and text from the database never reaches a terminal with its
control characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from todo_cli.cli import render
from todo_cli.text import visible

if TYPE_CHECKING:
    from todo_cli.cli.environment import Environment
    from todo_cli.models import Task
    from todo_cli.service.history import InFull
    from todo_cli.service.journal import Change, ChangeGroup, Snapshot
    from todo_cli.service.summaries import ProjectSummary, TagSummary
    from todo_cli.service.tasks import Outcome
    from todo_cli.service.urgency import Breakdown

# What `todo log` shows of a change, in the JSON contract's order (jsonb keeps
# its own key order); identity and updated_at, which every change moves, stay out.
SHOWN = (
    "title",
    "description",
    "status",
    "priority",
    "due",
    "tags",
    "project",
    "completed_at",
    "started_at",
    "depends",
    "wait",
    "scheduled",
    "until",
)
TIMESTAMPS = frozenset({"due", "completed_at", "started_at", "wait", "scheduled", "until"})
ARROW = "→"


def one_line(text: str) -> str:
    """Text from the database made safe for one terminal line: no control characters."""
    return visible(" ".join(text.split()))


def changes_as_json(groups: Sequence[ChangeGroup]) -> list[dict[str, Any]]:
    return [
        {
            "change": group.change_id,
            "at": group.at.astimezone(UTC).isoformat(),
            "command": group.command,
            "undone": group.undone,
            "tasks": [
                {"id": entry.number, "before": entry.before, "after": entry.after}
                for entry in group.entries
            ],
        }
        for group in groups
    ]


def print_changes(groups: Sequence[ChangeGroup], env: Environment, *, indent: str = "") -> None:
    lines = (
        line
        for group in groups
        for line in (
            indent + describe_group(group),
            *(f"{indent}  {entry}" for entry in describe_entries(group.entries)),
        )
    )
    render.print_lines(lines, env)


def describe_group(group: ChangeGroup) -> str:
    undone = "  (undone)" if group.undone else ""
    return f"{_local(group.at)}  {one_line(group.command)}{undone}"


def describe_entries(entries: Sequence[Change]) -> list[str]:
    return [_describe_entry(entry) for entry in entries]


def _describe_entry(entry: Change) -> str:
    from todo_cli.service.journal import imported_numbers

    numbers = imported_numbers(entry)
    if numbers is not None:
        return f"tasks {numbers.start}-{numbers.stop - 1}: imported ({len(numbers)} new)"
    return f"task {entry.number}: {describe_change(entry)}"


def describe_change(entry: Change) -> str:
    """``status: pending → done; note added: called`` — only what differs."""
    if entry.before is None:
        return f"added {one_line(_title(entry.after))!r}"
    if entry.after is None:
        return f"purged {one_line(_title(entry.before))!r}"
    before, after = entry.before, entry.after
    parts = [
        f"{key}: {_value(key, before.get(key))} {ARROW} {_value(key, after.get(key))}"
        for key in SHOWN
        if before.get(key) != after.get(key)
    ]
    parts += _note_changes(before.get("notes", []), after.get("notes", []))
    parts += _attribute_changes(before.get("udas") or {}, after.get("udas") or {})
    return "; ".join(parts) or "no visible change"


def _attribute_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """User-defined attributes that differ: ``estimate: - → 7``."""
    return [
        f"{one_line(name)}: {_value(name, old)} {ARROW} {_value(name, new)}"
        for name in sorted(before.keys() | after.keys())
        if (old := before.get(name)) != (new := after.get(name))
    ]


def _note_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    added = [f"note added: {one_line(note['text'])}" for note in after if note not in before]
    removed = [f"note removed: {one_line(note['text'])}" for note in before if note not in after]
    return added + removed


def _title(state: Snapshot | None) -> str:
    return str((state or {}).get("title", ""))


def _value(key: str, value: Any) -> str:
    if value is None or value == []:
        return render.NONE
    if key in TIMESTAMPS:
        return _local(datetime.fromisoformat(value))
    if isinstance(value, list):
        return one_line(",".join(str(item) for item in value))
    return one_line(str(value))


def _local(moment: datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def print_tasks_in_full(shown: Sequence[InFull], *, now: datetime, env: Environment) -> None:
    """`todo show`: each task's rows, its urgency term by term, notes and history; a blank
    line between tasks (`todo show 1-3`)."""
    if not shown:
        render.message("no tasks match", env)
    for index, each in enumerate(shown):
        if index:
            render.print_lines([""], env)
        render.print_task_detail(each.task, now=now, env=env)
        if each.urgency is not None:
            print_urgency(each.urgency, env)
        print_notes_and_history(each.task, each.history, env)


def print_urgency(breakdown: Breakdown, env: Environment) -> None:
    """The score, then its terms as `task info` lays them out (name, factor * coefficient
    = product) and their total under the products: the score `todo next` and `list` show.
    A term's line starts with `+`, the total's with `=`: no line of the block starts with
    a field's name (`tags`, `due`), so `todo show`'s lines stay one field each."""
    width = max((len(term.name) for term in breakdown.terms), default=0)
    lines = [
        f"+ {term.name:<{width}} {_figure(term.factor):>6} * {_figure(term.coefficient):>4}"
        f" = {_figure(term.product):>6}"
        for term in breakdown.terms
    ]
    if lines:
        lines.append(f"= {'total':<{width + 17}}{breakdown.total:>6g}")
    _print_section("urgency", [f"{breakdown.total:g}", *lines], env)


def _figure(value: float) -> str:
    """A term's number as Taskwarrior writes it: 3 significant digits, at most 3 decimals."""
    return f"{round(value, 3):.3g}"


def print_notes_and_history(task: Task, history: Sequence[ChangeGroup], env: Environment) -> None:
    """The lines `todo show` adds under the task, in its column layout: notes, then history."""
    notes = [
        f"{position}. {_local(note.created_at)}  {one_line(note.text)}"
        for position, note in enumerate(task.notes, start=1)
        if note.created_at is not None
    ]
    changes = [
        describe_group(group)
        + ": "
        + "; ".join(
            describe_change(entry) for entry in group.entries if entry.number == task.number
        )
        for group in history
    ]
    _print_section("notes", notes, env)
    _print_section("history", changes, env)


def _print_section(name: str, lines: Sequence[str], env: Environment) -> None:
    render.print_lines(
        (f"{name if index == 0 else '':<12}{line}" for index, line in enumerate(lines)), env
    )


def report_undo(group: ChangeGroup, env: Environment) -> None:
    from todo_cli.service.journal import imported_numbers

    numbers = ", ".join(
        f"{found.start}-{found.stop - 1}"
        if (found := imported_numbers(entry))
        else str(entry.number)
        for entry in group.entries
    )
    render.message(f"Undid `{one_line(group.command)}` (task {numbers})", env)


def report_activity(outcome: Outcome, *, verb: str, unchanged: str, env: Environment) -> None:
    """A note per task on stderr; the tasks on stdout with --json (like `todo done`)."""
    render.report_changes(
        outcome.tasks,
        outcome.unchanged,
        changed_note=lambda task: f"{verb} task {task.number}: {one_line(task.title)}",
        unchanged_note=lambda task: f"task {task.number} is {unchanged}; left as it was",
        env=env,
    )


def scored_as_json(scored: Sequence[tuple[Task, float]]) -> list[dict[str, Any]]:
    """Each task's JSON plus ``urgency`` (the only place the score appears)."""
    from todo_cli.models import TaskRead

    return [
        TaskRead.model_validate(task).model_dump(mode="json") | {"urgency": urgency}
        for task, urgency in scored
    ]


def projects_as_json(rows: Sequence[ProjectSummary]) -> list[dict[str, Any]]:
    return [
        {"project": row.project, "pending": row.pending, "done": row.done, "percent": row.percent}
        for row in rows
    ]


def print_projects(rows: Sequence[ProjectSummary], env: Environment) -> None:
    cells = [(one_line(r.project), str(r.pending), str(r.done), f"{r.percent}%") for r in rows]
    print_columns(("Project", "Pending", "Done", "Complete"), cells, env)


def print_tags(rows: Sequence[TagSummary], env: Environment) -> None:
    cells = [(one_line(row.tag), str(row.pending)) for row in rows]
    print_columns(("Tag", "Pending"), cells, env)


def print_columns(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], env: Environment
) -> None:
    """Aligned, with a header, on a terminal; tab-separated lines when piped."""
    if not env.stdout_is_terminal:
        render.print_lines(("\t".join(row) for row in rows), env)
        return
    from rich.cells import cell_len

    table = [header, *rows]
    widths = [max(cell_len(row[index]) for row in table) for index in range(len(header))]
    padded = (
        [cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths, strict=True)]
        for row in table
    )
    render.print_lines(("  ".join(cells).rstrip() for cells in padded), env)
