"""Taskwarrior's named reports (`todo active`, `todo completed` ...): `todo list` with the
report's filter (as `task show report.NAME.filter` prints it in 2.6.2) and its sort where
todo has one. Each is `todo list` itself, called with the preset words in front."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from todo_cli.cli import word_args
from todo_cli.cli.tasks import list_
from todo_cli.service.filters import Sort

# name: (Taskwarrior's filter in todo's words, a conjunction at the top level;
# todo's nearest sort or None; help)
PRESETS: dict[str, tuple[tuple[str, ...], Sort | None, str]] = {
    "active": (("+ACTIVE",), None, "Started tasks (`todo list +ACTIVE`)."),
    "completed": (("status:done",), None, "Done tasks (`todo list status:done`)."),
    "waiting": (("+WAITING",), Sort.DUE, "Tasks waiting to be seen (`todo list +WAITING`)."),
    "all": (("status:all",), Sort.CREATED, "Tasks of every status (`todo list status:all`)."),
    "overdue": (("+OVERDUE",), Sort.DUE, "Pending tasks past due (`todo list +OVERDUE`)."),
    "ready": (("+READY",), None, "Tasks one can start now (`todo list +READY`)."),
    "blocked": (("+BLOCKED",), Sort.DUE, "Tasks waiting for others (`todo list +BLOCKED`)."),
    "recurring": (
        # status:all first: a status word inside an `or` narrows, it does not widen.
        ("status:all", "(", "(", "+INSTANCE", "status.is:pending", ")", "or", "+TEMPLATE", ")"),
        Sort.DUE,
        "Pending instances of recurring series, and the series themselves.",
    ),
}


def register(app: typer.Typer) -> None:
    for name, (preset, sort, summary) in PRESETS.items():
        help_text = f"{summary} The same FILTER words and options as `todo list`."
        app.command(name, cls=word_args.WordsCommand, help=help_text)(preset_list(preset, sort))


def preset_list(preset: tuple[str, ...], sort: Sort | None) -> Callable[..., None]:
    """`todo list` with ``preset`` ANDed with the user's words (in parentheses, so an `or`
    among them stays inside, as Taskwarrior combines a report's filter with the command
    line's) and ``sort`` unless --sort is given. Same signature, so the same options."""

    @functools.wraps(list_)
    def listed(**options: Any) -> None:
        options["words"] = preset_words(preset, options.get("words"))
        options["sort"] = options.get("sort") or sort
        list_(**options)

    return listed


def preset_words(preset: tuple[str, ...], typed: list[str] | None) -> list[str]:
    """The preset, then the user's plain words in parentheses; words after `--` stay last."""
    values = list(typed or [])
    at = values.index(word_args.LITERAL) if word_args.LITERAL in values else len(values)
    plain, literal = values[:at], values[at:]
    grouped = ["(", *plain, ")"] if plain else []
    return [*preset, *grouped, *literal]
