"""Taskwarrior's bare forms: `todo 5` is `todo show 5` (`todo 1-3,7` shows each of them,
as `task 1-3` runs `info`), `todo +phone` (any other filter) is `todo list +phone`. Only
for a first word that is no command's name and reads as filter syntax; a plain word stays
an unknown command (exit 2)."""

from __future__ import annotations

from todo_cli.words import kind


def implied_command(word: str) -> str | None:
    """``show`` for task IDs (``5``, ``1-3,7``), ``list`` for other filter words, else None."""
    if kind(word) == "ids":
        return "show"
    if kind(word) in ("tag", "attribute") or _regex(word):
        return "list"
    return None


def _regex(word: str) -> bool:
    return len(word) > 2 and word[0] == word[-1] == "/"
