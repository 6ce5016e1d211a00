"""What --json, --jsonl and --fields ask of `list`, `show` and `next`: which keys, and
whether the tasks come as one array or one line each (JSON Lines).

Chosen once per invocation, before the database opens, so a misspelt field is exit 2
with nothing read. ``--fields`` stands beside ``--json`` rather than being its value
(``gh`` spells it ``--json id,title``): Typer's parser gives an option either always a
value or never one, and Click's optional values would read ``todo show --json 3`` as
the field list ``3``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from todo_cli.errors import UsageError


@dataclass(frozen=True)
class JsonShape:
    keys: tuple[str, ...] | None  # None: every key, as the contract orders them
    lines: bool  # JSON Lines: one task per line, no array around them


def json_shape(
    *, json: bool, jsonl: bool, fields: str | None, keys: Sequence[str]
) -> JsonShape | None:
    """The JSON the options ask for (``keys``: those the command's tasks have), or None
    when they ask for none (a table or plain lines)."""
    if json and jsonl:
        raise UsageError("--json and --jsonl: choose one")
    if not (json or jsonl):
        if fields is not None:
            raise UsageError("--fields chooses the keys of --json or --jsonl: add one of them")
        return None
    return JsonShape(keys=None if fields is None else chosen_keys(fields, keys), lines=jsonl)


def chosen_keys(fields: str, keys: Sequence[str]) -> tuple[str, ...]:
    """``id,title,due`` as keys, each once, in the order given; exit 2 naming a stranger."""
    names = tuple(dict.fromkeys(name.strip() for name in fields.split(",")))
    if "" in names:
        raise UsageError(f"--fields {fields!r} names an empty field; e.g. --fields id,title,due")
    for name in names:
        if name not in keys:
            raise UsageError(f"--fields: no field {name!r}; the fields are {', '.join(keys)}")
    return names


def task_keys() -> tuple[str, ...]:
    """The keys of a task in the JSON contract (DESIGN.md), in its order."""
    from todo_cli.models import TaskRead

    return tuple(TaskRead.model_fields)
