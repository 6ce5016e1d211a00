"""Which format a file is in, from its content (``--format`` overrides)."""

from __future__ import annotations

from enum import StrEnum

from todo_cli.errors import UsageError


class Format(StrEnum):
    TASKWARRIOR = "taskwarrior"
    TODOTXT = "todotxt"
    JSON = "json"
    JSONL = "jsonl"


def detect(data: str) -> Format:
    """JSON whose first task has a ``title`` is todo's own; other JSON is Taskwarrior's
    (its tasks have a ``description``); anything else is read as todo.txt lines."""
    from todo_cli.interchange.jsonstream import first_value

    start = data.lstrip()[:1]
    if start not in ("[", "{"):
        return Format.TODOTXT
    item = first_value(data)
    if item is None:
        return Format.TASKWARRIOR  # an empty array: `task export` of nothing
    if isinstance(item, tuple) and isinstance(item[1], dict):
        return Format.JSON if "title" in item[1] else Format.TASKWARRIOR
    raise UsageError(
        "the file starts as JSON but its first task is not a JSON object; give --format"
    )


def decoded(data: bytes, name: str) -> str:
    """The file as text: UTF-8 (a byte-order mark dropped), or a usage error naming the line."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UsageError(f"{name}: line {line} is not valid UTF-8; nothing imported") from None
