"""Checks shared by the codecs: one value in, the Record's value out, or ``InvalidRecord``.

Plain functions over JSON values, called once per field: a pydantic model per
record costs ~55 us, these a few hundred nanoseconds (an import of 100,000 tasks
is all about that difference).
"""

from __future__ import annotations

import functools
import re
import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any

from todo_cli.errors import UsageError
from todo_cli.interchange.records import InvalidRecord
from todo_cli.service import validation

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def text(value: object, name: str, line: int) -> str:
    if not isinstance(value, str):
        raise InvalidRecord(line, f"{name} must be a string, not {_kind(value)}")
    return value


def optional_text(value: object, name: str, line: int) -> str | None:
    return None if value is None else text(value, name, line)


def moment(value: object, name: str, line: int) -> datetime | None:
    """Taskwarrior's ``20261129T000000Z`` or extended ISO 8601; no offset means UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(text(value, name, line))
    except ValueError:
        raise InvalidRecord(line, f"{name} {value!r} is not a date") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def uuid(value: object, name: str, line: int) -> str:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value  # as `task export` writes them: no need to parse
    try:
        return str(uuid_module.UUID(text(value, name, line)))
    except ValueError:
        raise InvalidRecord(line, f"{name} {value!r} is not a uuid") from None


def string_list(value: object, name: str, line: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidRecord(line, f"{name} must be a list of strings")
    return value


def integer(value: object, name: str, line: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRecord(line, f"{name} must be an integer, not {_kind(value)}")
    return value


def mapping(value: object, name: str, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRecord(line, f"{name} must be an object, not {_kind(value)}")
    return value


def cleaned(line: int, clean: Any, *args: Any) -> Any:
    """The service's own rule for a field (validation.clean_*), its refusal named by line."""
    try:
        return clean(*args)
    except UsageError as error:
        raise InvalidRecord(line, error.message) from None


def title(value: object, line: int) -> str:
    return str(cleaned(line, validation.clean_title, text(value, "title", line)))


def tags(value: object, line: int) -> list[str]:
    return list(cleaned(line, _clean_tags, tuple(string_list(value, "tags", line))))


def project(value: object, line: int) -> str | None:
    return cleaned(line, _clean_project, optional_text(value, "project", line))  # type: ignore[no-any-return]


# A file has a few projects and tag sets, repeated on thousands of tasks: each is
# checked once (a refusal is not cached: it raises).
@functools.lru_cache(maxsize=4096)
def _clean_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(validation.clean_tags(tags))


@functools.lru_cache(maxsize=4096)
def _clean_project(project: str | None) -> str | None:
    return validation.clean_project(project)


def description(value: object, line: int) -> str | None:
    described = optional_text(value, "description", line)
    return cleaned(line, validation.clean_description, described)  # type: ignore[no-any-return]


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
