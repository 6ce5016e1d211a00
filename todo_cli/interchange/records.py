"""The one shape every codec reads into and writes from: a plain dict per task.

Plain dicts, not models: an import of 100,000 tasks cannot afford a pydantic model
per record (~55 us each); codecs check types themselves and the importer checks
the whole batch once (service/imports.py).

A codec's parser yields ``Record`` dicts with only the keys its format carried
(absent key: the column's default on insert, left unchanged on re-import by uuid).
The exporter hands every codec's formatter a ``Record`` with every key present
(None / [] / {} when empty), read from the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

StatusName = Literal["pending", "done", "deleted", "recurring"]
PriorityName = Literal["low", "medium", "high"]


class Note(TypedDict):
    """A task's timestamped note (Taskwarrior's annotation)."""

    text: str
    created_at: datetime | None  # None: the import's time


class Record(TypedDict, total=False):
    """One task on its way in or out. Datetimes are timezone-aware (UTC preferred)."""

    line: int  # where the record started in its file (1-based), for error messages
    number: int  # export only: the task's short id
    uuid: str  # canonical lower-case text; absent on import: a new task
    title: str  # required on import
    description: str | None
    status: StatusName
    priority: PriorityName | None
    project: str | None
    tags: list[str]
    due: datetime | None
    wait: datetime | None
    scheduled: datetime | None
    until: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None
    started_at: datetime | None
    recur: str | None  # the period as Taskwarrior/todo types it: "weekly", "3d"
    rtype: Literal["periodic", "chained"] | None
    parent: str | None  # an instance's template, by uuid (resolved after the whole file)
    occurrence: int | None  # an instance's place in its series (Taskwarrior's imask)
    depends: list[str]  # uuids of the tasks this one waits for (resolved after the file)
    udas: dict[str, Any]  # user-defined attributes by name
    notes: list[Note]
    # What the format carried that todo does not act on, under the format's name so
    # each exporter finds its own: {"taskwarrior": {"mask": "--"}},
    # {"todotxt": {"priority": "D", "projects": ["more"], "keys": {"t": "2026-01-01"}}}.
    extra: dict[str, Any]


class InvalidRecord(ValueError):  # noqa: N818 - the name the codecs share (issue 16)
    """A record that cannot be imported; ``line_no`` names it (1-based) for the message."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason
