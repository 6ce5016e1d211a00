"""Taskwarrior 2.6's ``task export`` JSON, read into Records (the export is SQL: exports.py).

Field by field as `task` writes it: description->title, entry->created_at,
modified->updated_at, end->completed_at, start->started_at, annotations->notes,
imask->occurrence, parent->the template (by uuid). Statuses waiting and pending are
both pending (waiting is only a future ``wait``). ``id`` and ``urgency`` are
computed by `task` and dropped; a key named as one of the user's attributes is a
UDA; any other key is kept in ``extra["taskwarrior"]`` and written back on export.
todo's own long text (``description`` in todo, which Taskwarrior has no field for)
travels as ``todo_description``: `task import` keeps an unknown key as an orphan UDA
and writes it back, so a file through Taskwarrior and back to todo loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

from todo_cli.interchange import fields
from todo_cli.interchange.jsonstream import json_values
from todo_cli.interchange.records import InvalidRecord, Note, Record
from todo_cli.recurrence import parse_period

FORMAT = "taskwarrior"
STATUSES = {
    "pending": "pending",
    "waiting": "pending",
    "completed": "done",
    "deleted": "deleted",
    "recurring": "recurring",
}
PRIORITIES = {"H": "high", "M": "medium", "L": "low"}
DATES = {
    "due": "due",
    "wait": "wait",
    "scheduled": "scheduled",
    "until": "until",
    "entry": "created_at",
    "modified": "updated_at",
    "end": "completed_at",
    "start": "started_at",
}
DESCRIPTION = "todo_description"  # the key of todo's description, besides the title
COMPUTED = frozenset({"id", "urgency"})  # `task` works them out again on import
RTYPES = ("periodic", "chained")


def parse_taskwarrior(
    data: str, *, attributes: Collection[str] = ()
) -> Iterator[Record | InvalidRecord]:
    """One Record per task in ``data``, or the InvalidRecord naming a bad one (in order)."""
    for item in json_values(data):
        if isinstance(item, InvalidRecord):
            yield item
            continue
        line, value = item
        try:
            yield task_record(fields.mapping(value, "a task", line), line, attributes)
        except InvalidRecord as invalid:
            yield invalid


def task_record(task: dict[str, Any], line: int, attributes: Collection[str]) -> Record:
    if "description" not in task:
        raise InvalidRecord(line, "the task has no description")
    record: Record = {"line": line, "title": fields.title(task["description"], line), "tags": []}
    extra: dict[str, Any] = {}
    udas: dict[str, Any] = {}
    for key, value in task.items():
        reader = _READERS.get(key)
        if reader is not None:
            reader(record, value, line)
        elif key in attributes:
            udas[key] = value
        elif key not in COMPUTED:
            extra[key] = value
    if record.get("parent") is not None and record.get("occurrence") is None:
        raise InvalidRecord(line, "an instance (parent) needs its imask")
    if record.get("status") != "recurring" and "rtype" in record:  # a template's own field
        extra["rtype"] = record.pop("rtype")
    record["udas"] = udas
    record["extra"] = {FORMAT: extra} if extra else {}
    return record


def _status(record: Record, value: object, line: int) -> None:
    status = STATUSES.get(fields.text(value, "status", line))
    if status is None:
        raise InvalidRecord(line, f"status {value!r} is not one of {', '.join(STATUSES)}")
    record["status"] = status  # type: ignore[typeddict-item]


def _priority(record: Record, value: object, line: int) -> None:
    if value is None or value == "":
        return
    priority = PRIORITIES.get(fields.text(value, "priority", line))
    if priority is None:
        raise InvalidRecord(line, f"priority {value!r} is not one of H, M, L")
    record["priority"] = priority  # type: ignore[typeddict-item]


def _tags(record: Record, value: object, line: int) -> None:
    if isinstance(value, str):  # Taskwarrior before 2.6: one comma-separated string
        value = [tag for tag in value.split(",") if tag]
    record["tags"] = fields.tags(value, line)


def _depends(record: Record, value: object, line: int) -> None:
    if isinstance(value, str):  # Taskwarrior before 2.6: one comma-separated string
        value = [uuid for uuid in value.split(",") if uuid]
    uuids = fields.string_list(value, "depends", line)
    record["depends"] = [fields.uuid(uuid, "depends", line) for uuid in uuids]


def _annotations(record: Record, value: object, line: int) -> None:
    if not isinstance(value, list):
        raise InvalidRecord(line, "annotations must be a list")
    record["notes"] = [_note(annotation, line) for annotation in value]


def _note(annotation: object, line: int) -> Note:
    found = fields.mapping(annotation, "an annotation", line)
    words = fields.text(found.get("description"), "an annotation's description", line)
    note = fields.cleaned(line, _one_note, words)
    return {"text": note, "created_at": fields.moment(found.get("entry"), "entry", line)}


def _one_note(words: str) -> str:
    from todo_cli.service.notes import clean_note

    return clean_note(words)


def _recur(record: Record, value: object, line: int) -> None:
    period = fields.text(value, "recur", line)
    fields.cleaned(line, parse_period, period)  # refused here if todo cannot follow it
    record["recur"] = period


def _rtype(record: Record, value: object, line: int) -> None:
    if value not in RTYPES:
        raise InvalidRecord(line, f"rtype {value!r} is not one of {', '.join(RTYPES)}")
    record["rtype"] = value  # type: ignore[typeddict-item]


def _date(target: str) -> Callable[[Record, object, int], None]:
    def read(record: Record, value: object, line: int) -> None:
        record[target] = fields.moment(value, target, line)  # type: ignore[literal-required]

    return read


def _plain(
    target: str, read: Callable[[object, int], Any]
) -> Callable[[Record, object, int], None]:
    def store(record: Record, value: object, line: int) -> None:
        record[target] = read(value, line)  # type: ignore[literal-required]

    return store


_READERS: dict[str, Callable[[Record, Any, int], None]] = {
    "description": lambda record, value, line: None,  # read first: every message names it
    "status": _status,
    "priority": _priority,
    "tags": _tags,
    "depends": _depends,
    "annotations": _annotations,
    "recur": _recur,
    "rtype": _rtype,
    "uuid": _plain("uuid", lambda value, line: fields.uuid(value, "uuid", line)),
    "parent": _plain("parent", lambda value, line: fields.uuid(value, "parent", line)),
    "imask": _plain("occurrence", lambda value, line: _imask(value, line)),
    "project": _plain("project", fields.project),
    DESCRIPTION: _plain("description", fields.description),
    **{key: _date(target) for key, target in DATES.items()},
}


def _imask(value: object, line: int) -> int:
    # `task` writes imask as a JSON number; some versions wrote it as a string.
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return fields.integer(value, "imask", line)
