"""What a caller can ask of the task list and of an edit: plain values, no database.

Kept free of SQLAlchemy so the command line can use the same choices for its
options without importing the database stack for `--help`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

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
    WAITING = "waiting"  # pending and hidden until its wait date (no stored status)
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
    # Dependencies (`depends:1,2`: waits for all of these; `depends:`: waits for none).
    depends_on: Sequence[int] = ()
    no_depends: bool = False
    blocked: bool = False  # +BLOCKED: waits for a pending task
    unblocked: bool = False  # +UNBLOCKED: waits for none
    blocking: bool = False  # +BLOCKING: a pending task waits for it
    attributes: Sequence[AttributeTest] = ()  # user-defined attributes (`estimate:3`)
    # The active context's filter (`todo context`), which must hold too.
    context: Junction[TaskFilter] | None = None

    states: Sequence[str] = ()  # virtual tags that must hold (service/states.py)
    without_states: Sequence[str] = ()  # virtual tags that must not
    # (field, "before" | "after", moment): wait.before:friday and the like.
    date_bounds: Sequence[tuple[str, str, datetime]] = ()
    at: datetime | None = None  # the moment states are judged at (None: the clock's now)

    template: bool = False  # +TEMPLATE: series templates
    instance: bool = False  # +INSTANCE: tasks a series made
    recur: str | None = None  # series with this period, as stored
    rtype: str | None = None  # series of this type (periodic, chained)

    terms: Sequence[TermTest] = ()  # project.not:home, due:tomorrow, /bank/ ...
    # Filters joined by or, xor, not or parentheses: each junction must hold too.
    groups: Sequence[Junction[TaskFilter]] = ()
    case_sensitive: bool = True  # the search_case_sensitive setting, for patterns and terms


@dataclass(frozen=True)
class TermTest:
    """One filter_language Term with its value read: a ``datetime`` for a date (a
    ``(start, end)`` day for ``due:tomorrow``), a rank (3 high ... 0 none) for a
    priority, else text. ``field`` is a tasks column, a user-defined attribute's name
    (``uda``) or ``text`` (title and description, for ``regex``)."""

    field: str
    modifier: str
    value: Any
    uda: bool = False


@dataclass(frozen=True)
class AttributeTest:
    """One test of a user-defined attribute's value, JSON-typed as it is stored.

    ``equals``: the value is ``value``; ``absent``/``present``: no value / any value;
    ``before``/``after``: a date, number or duration below / above ``value``;
    ``within``: a date in [``value``, ``until``) (a date word names a whole day).
    """

    name: str
    test: Literal["equals", "absent", "present", "before", "after", "within"]
    type: str = "string"
    value: Any = None
    until: Any = None


Leaf = TypeVar("Leaf")


@dataclass(frozen=True)
class Junction(Generic[Leaf]):
    """``and`` / ``or`` / ``xor`` / ``not`` over filters or other junctions: a filter as
    typed (``+work or project:office``), parentheses being nested junctions."""

    kind: Literal["and", "or", "xor", "not"]  # "not" has one part
    parts: tuple[Leaf | Junction[Leaf], ...]


@dataclass(frozen=True)
class AttributeSpec:
    """A user-defined attribute as the words need it: its type and allowed values."""

    name: str
    type: str  # string, numeric, date or duration (models.AttributeType)
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Vocabulary:
    """What a user's words mean beyond todo's own: their attributes, their context."""

    attributes: Mapping[str, AttributeSpec] = field(default_factory=dict)
    context: str | None = None  # the active context's name...
    context_words: tuple[str, ...] = ()  # ...and its filter as typed
    case_sensitive: bool = True  # the search_case_sensitive setting


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
class DependencyChanges:
    """``depends:1,2,-3``: wait for 1 and 2 as well, no longer for 3 (as Taskwarrior's
    modify adds to the list); ``clear`` (``depends:``): wait for nothing."""

    add: Sequence[int] = ()
    remove: Sequence[int] = ()
    clear: bool = False


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


@dataclass(frozen=True)
class Affix:
    """Taskwarrior's append/prepend: ``words`` added at the end (or start) of the title,
    applied where a substitution is, so the edit is journalled and undone as any other."""

    words: str
    at_end: bool

    def apply(self, title: str, description: str | None) -> tuple[str, str | None]:
        joined = f"{title} {self.words}" if self.at_end else f"{self.words} {title}"
        return joined, description
