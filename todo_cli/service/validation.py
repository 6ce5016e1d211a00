"""Rules for the text people type: titles, tags, projects, priorities."""

from __future__ import annotations

from collections.abc import Iterable

from todo_cli.errors import UsageError
from todo_cli.models import TITLE_MAX_LENGTH, Priority

PRIORITY_ALIASES = {"l": Priority.LOW, "m": Priority.MEDIUM, "h": Priority.HIGH}


def clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise UsageError("the title is empty")
    if len(cleaned) > TITLE_MAX_LENGTH:
        raise UsageError(
            f"the title is {len(cleaned)} characters long; the limit is {TITLE_MAX_LENGTH}"
        )
    return no_nul(cleaned, "title")


def no_nul(text: str, what: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here, not as a driver error.
    if "\x00" in text:
        raise UsageError(f"the {what} contains a NUL byte")
    return text


def clean_description(description: str | None) -> str | None:
    if description is None or not description.strip():
        return None
    return no_nul(description.strip(), "description")


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
        name = no_nul(tag.strip().removeprefix("+"), "tag")
        if not name or any(char.isspace() for char in name):
            raise UsageError(f"tag {tag!r} must be one word")
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


def clean_project(project: str | None) -> str | None:
    if project is None:
        return None
    name = no_nul(project.strip(), "project")
    if not name or any(not part or part != part.strip() for part in name.split(".")):
        raise UsageError(f"project {project!r} must be dotted names, e.g. home.garden")
    return name
