"""todo's own JSON task contract (DESIGN.md), as an array or one task per line.

What `todo export --format json|jsonl` writes, and any subset of its keys
(``title`` required). ``depends`` and ``template`` hold the short ids of the file
the tasks came from: they are matched to the file's own ``id`` keys once the
whole file is read, so the tasks keep their links on another database.
``occurrence`` and ``extra`` (what another tool's import carried) are written by
the export beside the contract's keys so nothing is lost on the way.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable, Iterator
from typing import Any

from todo_cli.interchange import fields
from todo_cli.interchange.jsonstream import json_values
from todo_cli.interchange.records import InvalidRecord, Note, Record

STATUSES = ("pending", "done", "deleted", "recurring")
PRIORITIES = ("low", "medium", "high")
RTYPES = ("periodic", "chained")
DATES = ("due", "wait", "scheduled", "until", "created_at", "updated_at", "completed_at")
IGNORED = frozenset({"urgency"})  # computed on every read
NULLABLE = frozenset(
    {"description", "priority", "project", "recur", "rtype", "occurrence", "started_at", *DATES}
    - {"created_at", "updated_at"}
)
LISTS = frozenset({"tags", "notes"})


def parse_json(data: str) -> Iterator[Record | InvalidRecord]:
    """One Record per task, links resolved after the whole file (so in either order)."""
    found: list[Record | InvalidRecord] = []
    links: dict[int, tuple[list[int], int | None]] = {}  # position -> (depends, template)
    uuids: dict[int, str] = {}  # the file's id -> its task's uuid
    for item in json_values(data):
        if isinstance(item, InvalidRecord):
            found.append(item)
            continue
        line, value = item
        try:
            record, number, depends, template = _task(fields.mapping(value, "a task", line), line)
        except InvalidRecord as invalid:
            found.append(invalid)
            continue
        if number is not None:
            uuids[number] = record["uuid"]
        links[len(found)] = (depends, template)
        found.append(record)
    for position, (depends, template) in links.items():
        linked = found[position]
        if isinstance(linked, InvalidRecord):  # positions in links are records
            continue
        try:
            _link(linked, depends, template, uuids)
        except InvalidRecord as invalid:
            found[position] = invalid
    yield from found


def _link(record: Record, depends: list[int], template: int | None, uuids: dict[int, str]) -> None:
    line = record["line"]
    missing = [
        number for number in [*depends, template] if number is not None and number not in uuids
    ]
    if missing:
        raise InvalidRecord(line, f"links to id {missing[0]}, which is not in the file")
    if depends:
        record["depends"] = [uuids[number] for number in depends]
    if template is not None:
        record["parent"] = uuids[template]
        record.setdefault("occurrence", 0)


def _task(task: dict[str, Any], line: int) -> tuple[Record, int | None, list[int], int | None]:
    if "title" not in task:
        raise InvalidRecord(line, "the task has no title")
    record: Record = {"line": line}
    found: dict[str, Any] = record  # type: ignore[assignment]
    for key, value in task.items():
        if (value is None and key in NULLABLE) or (value == [] and key in LISTS):
            found[key] = value  # most keys of an exported task are empty: no checks needed
            continue
        reader = _READERS.get(key)
        if reader is not None:
            reader(record, value, line)
        elif key not in IGNORED and key not in ("id", "depends", "template"):
            raise InvalidRecord(line, f"unknown key {key!r}")
    if "uuid" not in record:  # (not setdefault: that would make a uuid for every task)
        record["uuid"] = str(uuid_module.uuid4())  # so other tasks can name it
    number = _optional_int(task.get("id"), "id", line)
    depends = [fields.integer(item, "depends", line) for item in _list(task.get("depends"), line)]
    return record, number, depends, _optional_int(task.get("template"), "template", line)


def _list(value: object, line: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(line, "depends must be a list of ids")
    return value


def _optional_int(value: object, name: str, line: int) -> int | None:
    return None if value is None else fields.integer(value, name, line)


def _choice(name: str, allowed: tuple[str, ...]) -> Callable[[Record, object, int], None]:
    def read(record: Record, value: object, line: int) -> None:
        if value is not None and value not in allowed:
            raise InvalidRecord(line, f"{name} {value!r} is not one of {', '.join(allowed)}")
        record[name] = value  # type: ignore[literal-required]

    return read


def _notes(record: Record, value: object, line: int) -> None:
    from todo_cli.service.notes import clean_note

    notes: list[Note] = []
    for note in _list(value, line):
        found = fields.mapping(note, "a note", line)
        text = fields.cleaned(line, clean_note, fields.text(found.get("text"), "a note", line))
        notes.append(
            {"text": text, "created_at": fields.moment(found.get("created_at"), "created_at", line)}
        )
    record["notes"] = notes


def _recur(record: Record, value: object, line: int) -> None:
    from todo_cli.recurrence import parse_period

    if value is not None:
        fields.cleaned(line, parse_period, fields.text(value, "recur", line))
    record["recur"] = value  # type: ignore[typeddict-item]


def _store(name: str, read: Callable[[object, int], Any]) -> Callable[[Record, object, int], None]:
    def store(record: Record, value: object, line: int) -> None:
        record[name] = read(value, line)  # type: ignore[literal-required]

    return store


def _date(name: str) -> Callable[[object, int], Any]:
    return lambda value, line: fields.moment(value, name, line)


_READERS: dict[str, Callable[[Record, Any, int], None]] = {
    "uuid": _store("uuid", lambda value, line: fields.uuid(value, "uuid", line)),
    "title": _store("title", fields.title),
    "description": _store("description", fields.description),
    "status": _choice("status", STATUSES),
    "priority": _choice("priority", PRIORITIES),
    "rtype": _choice("rtype", RTYPES),
    "tags": _store("tags", fields.tags),
    "project": _store("project", fields.project),
    "notes": _notes,
    "recur": _recur,
    "udas": _store("udas", lambda value, line: fields.mapping(value, "udas", line)),
    "extra": _store("extra", lambda value, line: fields.mapping(value, "extra", line)),
    "occurrence": _store(
        "occurrence", lambda value, line: _optional_int(value, "occurrence", line)
    ),
    "started_at": _store("started_at", _date("started_at")),
    **{name: _store(name, _date(name)) for name in DATES},
}
