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

from todo_cli.errors import UsageError

if TYPE_CHECKING:
    from todo_cli.models import Priority

# A filter (not a list of IDs) that picks more tasks than this asks first, or needs --yes.
BULK_LIMIT = 3


class Sort(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    ID = "id"


class StatusFilter(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DELETED = "deleted"
    RECURRING = "recurring"  # series templates
    ALL = "all"


@dataclass(frozen=True)
class TaskFilter:
    """Every condition holds (AND); the empty filter is every pending task."""

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
    numbers: Sequence[int] = ()  # only these short IDs; each must exist (NotFoundError)...
    in_ranges: frozenset[int] = frozenset()  # ...but these, from a range (`3-5`), may not
    without_tags: Sequence[str] = ()  # none of these tags (`-tag`)
    no_project: bool = False  # `project:`
    no_priority: bool = False  # `pri:none`
    due_after: datetime | None = None
    words: Sequence[str] = ()  # each in the title or description, any case
    template: bool = False  # +TEMPLATE: series templates
    instance: bool = False  # +INSTANCE: tasks a series made
    recur: str | None = None  # series with this period, as stored
    rtype: str | None = None  # series of this type (periodic, chained)


def by_numbers(numbers: Sequence[int]) -> TaskFilter:
    """Tasks named by their IDs, whatever their status."""
    return TaskFilter(status=StatusFilter.ALL, numbers=tuple(numbers))


class ConfirmationNeededError(UsageError):
    """A filter picked more than BULK_LIMIT tasks and nobody said yes: nothing changed."""

    def __init__(self, picked: Sequence[tuple[int, str]]) -> None:
        super().__init__(
            f"the filter selects {len(picked)} tasks; add --yes to change them all"
            " (nothing changed)"
        )
        self.picked = list(picked)  # (ID, title) of each, to ask about at a terminal


@dataclass(frozen=True)
class TagChanges:
    add: Sequence[str] = ()
    remove: Sequence[str] = ()


@dataclass(frozen=True)
class Substitution:
    """``/old/new/``: the first ``old`` in the title, or else in the description, becomes
    ``new``; ``/old/new/g`` (``every``): all of them in both. As Taskwarrior's modify does,
    but plain text (todo has no regular expressions), matched case-sensitively."""

    old: str
    new: str
    every: bool = False

    def apply(self, title: str, description: str | None) -> tuple[str, str | None]:
        if self.every:
            return title.replace(self.old, self.new), self._all(description)
        if self.old in title:
            return title.replace(self.old, self.new, 1), description
        if description is not None:
            return title, description.replace(self.old, self.new, 1)
        return title, description

    def _all(self, text: str | None) -> str | None:
        return None if text is None else text.replace(self.old, self.new)
