"""What a caller can ask of the task list and of an edit: plain values, no database.

Kept free of SQLAlchemy so the command line can use the same choices for its
options without importing the database stack for `--help`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from todo_cli.models import Priority


class Sort(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    ID = "id"


class StatusFilter(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DELETED = "deleted"
    ALL = "all"


@dataclass(frozen=True)
class TaskFilter:
    status: StatusFilter = StatusFilter.PENDING
    tags: Sequence[str] = ()
    project: str | None = None
    priority: Priority | None = None
    overdue_at: datetime | None = None  # set: only pending tasks due before this moment
    due_before: datetime | None = None
    search: str | None = None
    sort: Sort | None = None  # None: overdue first, then due, then priority
    limit: int | None = None
    active: bool = False  # only started tasks (`todo start`)


@dataclass(frozen=True)
class TagChanges:
    add: Sequence[str] = ()
    remove: Sequence[str] = ()
