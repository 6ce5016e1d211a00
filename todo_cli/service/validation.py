"""Rules for the text people type: titles, tags, projects, priorities, search text.

Text is stored in NFC, so one character has one spelling whatever the keyboard
sent, and no field may hold a control character (see todo_cli.text): only a
description may hold newlines and tabs.
"""

from __future__ import annotations

from collections.abc import Iterable

from todo_cli.errors import UsageError
from todo_cli.models import PROJECT_MAX_LENGTH, TAG_MAX_LENGTH, TITLE_MAX_LENGTH, Priority
from todo_cli.text import escape, first_control, nfc

PRIORITY_ALIASES = {"l": Priority.LOW, "m": Priority.MEDIUM, "h": Priority.HIGH}


def clean_title(title: str) -> str:
    return clean_line(title, "title", TITLE_MAX_LENGTH)


def clean_line(text: str, what: str, limit: int) -> str:
    """One line of typed text: stripped, not empty, at most ``limit`` characters."""
    cleaned = clean_text(text.strip(), what)
    if not cleaned:
        raise UsageError(f"the {what} is empty")
    return within_limit(cleaned, what, limit)


def clean_text(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` in NFC; UsageError if it holds a control character (NUL included:
    PostgreSQL text cannot hold it, and the others would reach someone's terminal).

    Callers strip first: surrounding whitespace, newlines included, is dropped anyway.
    """
    normal = nfc(text)
    control = first_control(normal, multiline=multiline)
    if control is not None and is_surrogate(control):
        raise UsageError(f"the {what} is not valid UTF-8 ({escape(control)})")
    if control is not None:
        allowed = " (newlines and tabs are fine)" if multiline else ""
        raise UsageError(f"the {what} contains control character {escape(control)}{allowed}")
    return normal


def is_surrogate(char: str) -> bool:
    # How Python hands over argv bytes that did not decode as UTF-8.
    return "\ud800" <= char <= "\udfff"


def within_limit(text: str, what: str, limit: int) -> str:
    if len(text) > limit:
        raise UsageError(f"the {what} is {len(text)} characters long; the limit is {limit}")
    return text


def clean_description(description: str | None) -> str | None:
    if description is None or not description.strip():
        return None
    return clean_text(description.strip(), "description", multiline=True)


def clean_search(text: str | None) -> str | None:
    return None if text is None else clean_text(text, "search text")


def parse_priority(text: str) -> Priority:
    key = text.strip().lower()
    priority = PRIORITY_ALIASES.get(key) or next((p for p in Priority if p.value == key), None)
    if priority is None:
        raise UsageError(f"priority {text!r} is not one of low, medium, high (or l, m, h)")
    return priority


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags without a leading '+' (Taskwarrior style), without repeats, in given order."""
    cleaned: list[str] = []
    for tag in tags:
        name = clean_tag(tag)
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


def clean_tag(tag: str) -> str:
    """One word without commas: a piped line joins a task's tags with ','."""
    name = clean_text(tag.strip(), "tag").removeprefix("+")
    if not name or any(char.isspace() for char in name):
        raise UsageError(f"tag {tag!r} must be one word")
    if "," in name:
        raise UsageError(f"tag {tag!r} contains ','; give each tag its own --tag")
    return within_limit(name, "tag", TAG_MAX_LENGTH)


def clean_project(project: str | None) -> str | None:
    if project is None:
        return None
    name = clean_text(project.strip(), "project")
    if not name or any(not part or part != part.strip() for part in name.split(".")):
        raise UsageError(f"project {project!r} must be dotted names, e.g. home.garden")
    return within_limit(name, "project", PROJECT_MAX_LENGTH)
