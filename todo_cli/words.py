"""Taskwarrior-style words: what `todo add`, `todo list`, the verbs and `todo edit` read.

Pure text in, plain values out: no database, no dates resolved (a WHEN stays
text until the command reads it against its clock). Every mistake is a
``UsageError`` naming the word.

One word, one meaning (README, "Words"):

=====================  ===============================  ==============================
word                   as a change (add, edit)          as a filter (list, verbs, edit)
=====================  ===============================  ==============================
``4`` ``1-3,7``        (title text on add)              those task IDs
``+tag`` ``@context``  add the tag                      has the tag
``-tag``               remove the tag (title on add)    has not the tag
``project:NAME``       set (``project:`` clears)        in NAME or below (``project:``: none)
``pri:H|M|L``          set (``pri:`` clears)            that priority (``pri:none``: none)
``due:WHEN``           set (``due:`` clears)            due that day (a Term)
``wait:`` ``sched:``   set, as due: (also ``due-1d``)   on that day, as due:
``until:WHEN``         set, as due:                     on that day, as due:
``attr.modifier:X``    (refused)                        a Term (filter_language)
``/regex/``            (title text on add)              title or description matches
``limit:N``            (refused)                        at most N tasks
``due.before:WHEN``    (refused)                        due before WHEN (also wait.,
``due.after:WHEN``     (refused)                        due after WHEN  scheduled., until.)
``status:S``           (refused)                        pending, waiting, done, deleted, all
``+ACTIVE`` ``+DUE``…  (refused)                        in that state (a virtual tag)
``-ACTIVE`` ``-DUE``…  (refused)                        not in that state
``depends:1,2``        also wait for 1 and 2            waits for 1 and for 2
``depends:-2``         no longer wait for 2             (refused)
``depends:``           wait for nothing                 waits for nothing
``+BLOCKED``           (refused)                        waits for a pending task
``+UNBLOCKED``         (refused)                        waits for no pending task
``+BLOCKING``          (refused)                        a pending task waits for it
``recur:PERIOD``       make a series (needs due:)       series with that period as written
``rtype:periodic|chained``  how the series recurs       series of that type
``+TEMPLATE``          (refused)                        series templates (status recurring)
``+INSTANCE``          (refused)                        tasks made by a series
``status:recurring``   (refused)                        series templates
``/old/new/[g]``       (title text on add) substitute   the pattern ``old/new``
anything else          title text                       text in title or description
=====================  ===============================  ==============================

Attribute names are read as Taskwarrior reads them: in full, or abbreviated to
at least two letters that start only one name (``pri:``, ``proj:``, ``du:``).
Its other attributes (``uuid:``, ``entry:``, ...) are
refused by name until todo acts on them, never stored as title text.
Everything after ``--`` is title text on a change and search text on a filter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from todo_cli import filter_language
from todo_cli.errors import UsageError
from todo_cli.filter_language import Term
from todo_cli.recurrence import parse_period
from todo_cli.service.filters import DependencyChanges, Junction, Substitution

MAX_IDS = 100_000  # per command; a range past this is surely a typo
ID_WORD = re.compile(r"[0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*")
ATTRIBUTE = re.compile(r"([A-Za-z_.][A-Za-z0-9_.]*):(.*)", re.DOTALL)
# Taskwarrior 2.6's attribute names (its src/columns, the `priority` UDA of its
# default taskrc and the `limit` pseudo-attribute), and the shortest abbreviation it
# takes (rc.abbreviation.minimum): `name:value` with one of these is never text.
TASKWARRIOR_ATTRIBUTES = (
    *("depends", "description", "due", "end", "entry", "id", "imask", "last", "limit"),
    *("mask", "modified", "parent", "priority", "project", "recur", "rtype", "scheduled"),
    *("start", "status", "tags", "template", "until", "urgency", "uuid", "wait"),
)
# todo's own names for some of them (title is Taskwarrior's description): in full only.
TODO_ATTRIBUTES = ("title", "created", "updated", "completed")
ABBREVIATION_MINIMUM = 2
# Taskwarrior's substitution: /old/new/ or /old/new/g; `\/` is a slash inside either part.
SUBSTITUTION = re.compile(r"/((?:[^/\\]|\\.)+)/((?:[^/\\]|\\.)*)/(g?)", re.DOTALL)
# The dates a change sets (``wait:due-1d``) and a filter compares (``wait.before:``).
DATES = ("due", "wait", "scheduled", "until")
DATE_BOUNDS = tuple(f"{name}.{side}" for name in DATES for side in ("before", "after"))
ATTRIBUTES = {"project", "priority", "status", "depends", *DATES, *DATE_BOUNDS}  # todo's
# Read in any case, as they always were (`PRI:H`); names added later only in lower
# case, as Taskwarrior reads them, so `Re: the invoice` stays a title.
ANY_CASE = frozenset(ATTRIBUTES)
ATTRIBUTES |= {"recur", "rtype"}
# Taskwarrior's virtual tags that todo knows (service/states.py says what each means).
VIRTUAL_TAGS: tuple[str, ...] = ("ACTIVE", "OVERDUE", "WAITING", "SCHEDULED", "READY")
VIRTUAL_TAGS += ("DUE", "TODAY", "TOMORROW", "YESTERDAY", "WEEK", "MONTH", "QUARTER", "YEAR")
VIRTUAL_TAGS += ("BLOCKED", "UNBLOCKED", "BLOCKING", "TEMPLATE", "INSTANCE")
# Kept as flags of their own (they came first); the others go to Selection.states.
FLAG_TAGS = ("ACTIVE", "OVERDUE", "BLOCKED", "UNBLOCKED", "BLOCKING", "TEMPLATE", "INSTANCE")
PRIORITIES = {"h": "high", "m": "medium", "l": "low", "high": "high", "medium": "medium"}
PRIORITIES |= {"low": "low"}
NO_PRIORITY = "none"
STATUSES = {"pending", "waiting", "done", "deleted", "all", "completed", "recurring"}
# What a user-defined attribute's name may be followed by in a filter (`estimate.any:`).
ATTRIBUTE_MODIFIERS = {"", "any", "none", "before", "after"}
# A user-defined attribute's name: a word that fits `name:value` and is no built-in.
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
Names = Collection[str]  # the user's own attribute names (service.attributes), lower case
# How a series finds its next due (models.RecurrenceType): `chained` is todo's spelling
# of "from the moment the previous instance was done", which Taskwarrior cannot do.
RECURRENCE_TYPES = ("periodic", "chained")

Kind = Literal["ids", "tag", "untag", "attribute", "text"]


@dataclass(frozen=True)
class Words:
    """The words after a command: ``plain`` ones are read, ``literal`` ones came after ``--``."""

    plain: tuple[str, ...] = ()
    literal: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """A filter as typed; dates are still text (``due_before``), resolved by the caller."""

    numbers: tuple[int, ...] = ()
    # IDs named only through a range (`3-5`): picked when they exist, no error when not.
    in_ranges: frozenset[int] = frozenset()
    tags: tuple[str, ...] = ()
    without_tags: tuple[str, ...] = ()
    project: str | None = None
    no_project: bool = False
    priority: str | None = None  # high, medium, low or "none"
    due_before: str | None = None
    due_after: str | None = None
    status: str | None = None  # pending, waiting, done, deleted, recurring or all
    active: bool = False
    overdue: bool = False
    template: bool = False  # +TEMPLATE
    instance: bool = False  # +INSTANCE
    recur: str | None = None  # a period as stored (checked: `weekly`, `3d`)
    rtype: str | None = None
    text: tuple[str, ...] = ()
    depends: tuple[int, ...] = ()  # waits for every one of these
    no_depends: bool = False  # `depends:`
    blocked: bool = False
    unblocked: bool = False
    blocking: bool = False
    # User-defined attributes: (name, modifier, value as typed): ("estimate", "any", "").
    attributes: tuple[tuple[str, str, str], ...] = ()
    states: tuple[str, ...] = ()  # virtual tags asked for: +WAITING, +READY ...
    without_states: tuple[str, ...] = ()  # and against: -WAITING, -ACTIVE ...
    # wait.before:WHEN and the like, as (field, "before"|"after", WHEN as typed).
    date_bounds: tuple[tuple[str, str, str], ...] = ()
    terms: tuple[Term, ...] = ()  # project.not:home, /bank/ ... (filter_language)
    # Parts joined by or, xor, not or parentheses, each of which must hold too.
    groups: tuple[Junction[Selection], ...] = ()
    limit: int | None = None  # limit:N

    @property
    def filters(self) -> bool:
        """Whether anything but IDs selects: such a selection may grow, so it can need --yes."""
        return self != Selection(numbers=self.numbers, in_ranges=self.in_ranges)


@dataclass(frozen=True)
class Changes:
    """Changes as typed: ``cleared`` names the fields a bare ``project:`` etc. clears."""

    title: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    untags: tuple[str, ...] = ()
    project: str | None = None
    priority: str | None = None  # high, medium or low
    due: str | None = None
    wait: str | None = None
    scheduled: str | None = None
    until: str | None = None
    recur: str | None = None  # checked, as stored
    rtype: str | None = None
    cleared: frozenset[str] = field(default_factory=frozenset)
    substitutions: tuple[Substitution, ...] = ()
    depends: DependencyChanges | None = None
    # User-defined attributes: (name, value as typed), None clears (`estimate:`).
    attributes: tuple[tuple[str, str | None], ...] = ()

    @property
    def title_text(self) -> str:
        return " ".join(self.title)


def kind(word: str, names: Names = ()) -> Kind:
    """What a word is, before its command gives it a meaning (``names``: the user's
    own attributes, so ``estimate:3`` is an attribute, not text, for its owner)."""
    if ID_WORD.fullmatch(word):
        return "ids"
    if len(word) > 1 and word[0] in "+@" and not _spaced(word):
        return "tag"
    if len(word) > 1 and word[0] == "-" and not _spaced(word):
        return "untag"
    match = ATTRIBUTE.fullmatch(word)
    if match and _canonical(match.group(1), names) is not None:
        return "attribute"
    return "text"


def _canonical(name: str, names: Names = ()) -> str | None:
    """``pri`` as ``priority``, ``du.before`` as ``due.before``: the Taskwarrior name a word's
    attribute name stands for (in full or a prefix of only one), or None: not an attribute.

    The names todo acts on are read in any case, as they always were (``PRI:H``); the
    others only as Taskwarrior reads them, in lower case, so ``Re: the invoice`` is a title.
    """
    canonical = _taskwarrior_name(name.lower())
    if canonical is None:
        return name.lower() if name.lower().partition(".")[0] in names else None
    if name.islower():
        return canonical
    return canonical if canonical.partition(".")[0] in ANY_CASE else None


def builtin(name: str) -> str | None:
    """The Taskwarrior attribute ``name`` is or abbreviates (``pri``: ``priority``), or None:
    a user-defined attribute must not take such a name."""
    return _taskwarrior_name(name.lower())


def _taskwarrior_name(name: str) -> str | None:
    base, dot, modifier = name.partition(".")
    if base in TASKWARRIOR_ATTRIBUTES or base in TODO_ATTRIBUTES:
        return name
    starting = [full for full in TASKWARRIOR_ATTRIBUTES if full.startswith(base)]
    if len(base) < ABBREVIATION_MINIMUM or len(starting) != 1:
        return None
    return starting[0] + dot + modifier


def _spaced(word: str) -> bool:
    """A tag is one word: a quoted '+1 for this' is text."""
    return any(char.isspace() for char in word)


def attribute(word: str, names: Names = ()) -> tuple[str, str]:
    """``pri:H`` as ``("priority", "H")``: the canonical name and the value as typed.

    A Taskwarrior attribute todo does not act on yet (``recur:weekly``) is refused by
    name rather than kept as text nobody asked for."""
    match = ATTRIBUTE.fullmatch(word)
    assert match is not None, word
    name = _canonical(match.group(1), names)
    assert name is not None, word
    if name.partition(".")[0] in names:
        return name, match.group(2)
    if name not in ATTRIBUTES:
        raise UsageError(
            f"{word}: Taskwarrior's {name}: is not supported yet;"
            " to keep the word as text, put it after --"
        )
    return name, match.group(2)


# --- IDs ---------------------------------------------------------------------------


def read_ids(word: str) -> list[int]:
    """``1-3,7`` as ``[1, 2, 3, 7]``; refuses 0, backwards ranges and absurd sizes."""
    return [number for numbers, _ in _id_parts(word) for number in numbers]


def _id_parts(word: str) -> list[tuple[range, bool]]:
    """Each comma-separated part of an ID word, and whether it was written as a range."""
    parts: list[tuple[range, bool]] = []
    count = 0
    for part in word.split(","):
        first, dash, last = part.partition("-")
        start, end = _id(first), _id(last or first)
        if end < start:
            raise UsageError(f"the range {part} runs backwards; write {end}-{start}")
        count += end - start + 1
        if count > MAX_IDS:
            raise UsageError(f"{word} names more than {MAX_IDS} tasks")
        parts.append((range(start, end + 1), bool(dash)))
    return parts


def read_task_id(text: str) -> int:
    """One task ID, as `todo show` and `todo note` take it; anything else is a usage
    error in todo's words, with the command that reads filter words."""
    if not text.isascii() or not text.strip().isdigit():
        raise _not_an_id(text)
    return _id(text.strip())


def check_id_words(words: Sequence[str]) -> None:
    """Words that must all be task IDs (`todo show 4 1-3,7`); any other is a usage error
    in todo's words, as read_task_id's."""
    for word in words:
        if not ID_WORD.fullmatch(word):
            raise _not_an_id(word)


def _not_an_id(text: str) -> UsageError:
    return UsageError(
        f"{text!r} is not a task ID (a number such as 4); "
        f"to pick tasks by IDs or filter words, try `todo list {text}`"
    )


def _id(text: str) -> int:
    # A number past any stored one is a well-formed ID that names no task: the
    # service reports it as not found (exit 3), as `todo show` does.
    number = int(text)
    if number < 1:
        raise UsageError(f"task ID {text} is out of range (IDs start at 1)")
    return number


def _unique(values: list[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(values))


# --- filters -------------------------------------------------------------------------


def read_filter(words: Words, names: Names = ()) -> Selection:
    """The filter the words describe; words after ``--`` are text to search for.

    Words side by side must all hold; ``or``, ``xor``, ``not`` and parentheses group
    them (filter_language). ``names`` are the user's own attributes (``estimate:3``);
    without them such a word is text, so a caller that has not read them yet sees no
    error it would not."""
    tree = filter_language.parse(words.plain)
    return _selection_of(tree, names, words.literal, top=True)


def _selection_of(
    node: filter_language.Node | None, names: Names, literal: tuple[str, ...] = (), *, top: bool
) -> Selection:
    """A node as one Selection: its ANDed words read together, its other parts as groups."""
    if node is None:
        parts: tuple[filter_language.Node, ...] = ()
    elif isinstance(node, Junction) and node.kind == "and":
        parts = node.parts
    else:
        parts = (node,)
    flat = tuple(part for part in parts if isinstance(part, str))
    groups = tuple(_group(part, names) for part in parts if isinstance(part, Junction))
    selection = _read_words(Words(flat, literal), names)
    if selection.limit is not None and not top:
        raise UsageError(f"limit:{selection.limit} applies to the whole filter, not inside a group")
    return replace(selection, groups=groups)


def _group(node: Junction[str], names: Names) -> Junction[Selection]:
    if node.kind == "and":
        return Junction("and", (_selection_of(node, names, top=False),))
    return Junction(node.kind, tuple(_selection_of(part, names, top=False) for part in node.parts))


def _read_words(words: Words, names: Names) -> Selection:
    """Words that must all hold, as one Selection."""
    found: dict[str, object] = {}
    ids: list[tuple[range, bool]] = []
    lists: dict[str, list[str]] = {"tags": [], "without_tags": [], "text": []}
    attributes: list[tuple[str, str, str]] = []
    terms: list[Term] = []
    lists |= {"states": [], "without_states": []}
    for word in (_bound_alias(each, names) for each in words.plain):
        if filter_language.is_pattern(word):
            terms.append(filter_language.pattern_term(word))
        elif kind(word, names) == "attribute" and _attribute_name(word, names) == "limit":
            _once(found, "limit", _limit(word), word)
        elif kind(word, names) == "attribute" and _is_term(word, names):
            terms.append(_term(word, names))
        elif kind(word, names) == "attribute" and attribute(word, names)[0] not in ATTRIBUTES:
            attributes.append(_attribute_test(word, *attribute(word, names)))
        else:
            _read_filter_word(word, found, ids, lists)
    lists["text"] += words.literal
    if sum(len(part) for part, _ in ids) > MAX_IDS:
        raise UsageError(f"the words name more than {MAX_IDS} tasks")
    text = tuple(unicodedata.normalize("NFC", word) for word in lists["text"])
    return Selection(
        numbers=_unique([number for part, _ in ids for number in part]),
        in_ranges=_only_in_ranges(ids),
        tags=tuple(lists["tags"]),
        without_tags=tuple(lists["without_tags"]),
        text=text,
        attributes=tuple(attributes),
        states=tuple(dict.fromkeys(lists["states"])),
        without_states=tuple(dict.fromkeys(lists["without_states"])),
        terms=tuple(terms),
        **found,  # type: ignore[arg-type]
    )


# The words the older readers below answer: bare `project:`, `pri:` ... and the date
# bounds; under/below/over/above are their other names.
OLDER_BARE = ("project", "priority", "status", "depends", "recur", "rtype", "limit")
BOUND_NAMES = {"before": "before", "under": "before", "below": "before"}
BOUND_NAMES |= {"after": "after", "over": "after", "above": "after"}


def _is_term(word: str, names: Names) -> bool:
    """Whether a ``name[.modifier]:value`` word is a filter_language Term."""
    base, _, modifier = _attribute_name(word, names).partition(".")
    if base in names:
        return filter_language.modifier_of(word, modifier) not in filter_language.TYPED_MODIFIERS
    if base not in filter_language.FIELDS:
        return False
    if not modifier:
        return base not in OLDER_BARE
    return not (base in DATES and modifier in BOUND_NAMES)


def _term(word: str, names: Names) -> Term:
    base, _, modifier = _attribute_name(word, names).partition(".")
    value = _split_attribute(word)[1]
    if base in names:
        return filter_language.uda_term(word, base, modifier, value)
    return filter_language.field_term(word, base, modifier, value)


def _attribute_name(word: str, names: Names) -> str:
    name = _canonical(_split_attribute(word)[0], names)
    assert name is not None, word
    return name


def _bound_alias(word: str, names: Names) -> str:
    """``due.under:friday`` as ``due.before:friday``: one spelling for the older readers."""
    if kind(word, names) != "attribute":
        return word
    base, _, modifier = _attribute_name(word, names).partition(".")
    if modifier not in BOUND_NAMES or (base not in DATES and base not in names):
        return word
    return f"{base}.{BOUND_NAMES[modifier]}:{_split_attribute(word)[1]}"


def _limit(word: str) -> int:
    """``limit:5``: at most five tasks (Taskwarrior's limit: pseudo-attribute)."""
    value = _split_attribute(word)[1].strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_IDS:
        raise UsageError(f"{word}: limit: takes a number of tasks, e.g. limit:10")
    return int(value)


def _split_attribute(word: str) -> tuple[str, str]:
    match = ATTRIBUTE.fullmatch(word)
    assert match is not None, word
    return match.group(1), match.group(2)


def _attribute_test(word: str, name: str, value: str) -> tuple[str, str, str]:
    """``estimate.before:3`` as ``("estimate", "before", "3")``: a user-defined attribute."""
    base, _, modifier = name.partition(".")
    modifier = BOUND_NAMES.get(modifier, modifier)
    if modifier not in ATTRIBUTE_MODIFIERS:
        known = ", ".join(f"{base}.{each}:" for each in sorted(ATTRIBUTE_MODIFIERS) if each)
        raise UsageError(f"{word}: .{modifier} is not a modifier todo knows; try {known}")
    if modifier in ("before", "after") and not value.strip():
        raise UsageError(f"{word}: needs a value, e.g. {base}.{modifier}:friday")
    return base, modifier, value


def _read_filter_word(
    word: str,
    found: dict[str, object],
    ids: list[tuple[range, bool]],
    lists: dict[str, list[str]],
) -> None:
    sort = kind(word)
    if sort == "ids":
        ids.extend(_id_parts(word))
    elif sort == "tag":
        _read_filter_tag(word[1:], found, lists)
    elif sort == "untag":
        tag = word[1:]
        lists["without_states" if tag in VIRTUAL_TAGS else "without_tags"].append(tag)
    elif sort == "attribute":
        name, value = attribute(word)
        if name in DATE_BOUNDS and not name.startswith("due."):
            _date_bound(found, name, value, word)
        else:
            _once(found, *_filter_attribute(name, value), word)
    else:
        lists["text"].append(word)


def _only_in_ranges(ids: list[tuple[range, bool]]) -> frozenset[int]:
    """The IDs named only through a range: `todo start 3-5` starts the tasks that exist
    in 3-5 (as Taskwarrior does), but `todo start 4` needs task 4 (exit 3 without it)."""
    ranged = {number for part, is_range in ids if is_range for number in part}
    return frozenset(ranged.difference(*(part for part, is_range in ids if not is_range)))


def _read_filter_tag(tag: str, found: dict[str, object], lists: dict[str, list[str]]) -> None:
    if tag in FLAG_TAGS:
        found[tag.lower()] = True
    else:
        lists["states" if tag in VIRTUAL_TAGS else "tags"].append(tag)


def _date_bound(found: dict[str, object], name: str, value: str, word: str) -> None:
    """``wait.before:friday``: one more (field, side, WHEN) bound; each name once."""
    if not value.strip():
        raise UsageError(f"{name}: needs a date, e.g. {name}:friday")
    field_name, side = name.split(".")
    bounds: tuple[tuple[str, str, str], ...] = found.get("date_bounds", ())  # type: ignore[assignment]
    if any((bound[0], bound[1]) == (field_name, side) for bound in bounds):
        raise UsageError(f"{word}: {name} is given twice")
    found["date_bounds"] = (*bounds, (field_name, side, value))


def _filter_attribute(name: str, value: str) -> tuple[str, object]:
    """The Selection field a filter attribute sets, and to what."""
    if name == "project":
        return ("project", value) if value else ("no_project", True)
    if name == "priority":
        return "priority", _priority(value, allow_none=True)
    if name == "status":
        return "status", _status(value)
    if name == "depends":
        return ("depends", _dependency_ids(value)) if value else ("no_depends", True)
    if name in ("recur", "rtype"):
        return name, _series_word(name, value, clearing=False)
    if not value.strip():
        raise UsageError(f"{name}: needs a date, e.g. {name}:friday")
    return name.replace(".", "_"), value


def _once(found: dict[str, object], key: str, value: object, word: str) -> None:
    """An attribute given twice with different values is a mistake, not an AND."""
    label = key.removeprefix("no_")
    if label in found or f"no_{label}" in found:
        raise UsageError(f"{word}: {label.replace('_', '.')} is given twice")
    found[key] = value


def _priority(value: str, *, allow_none: bool) -> str | None:
    key = value.strip().lower()
    if not key or key == NO_PRIORITY:  # `pri:` or `pri:none`: no priority
        return NO_PRIORITY if allow_none else None
    if key not in PRIORITIES:
        raise UsageError(f"priority {value!r} is not one of H, M, L (high, medium, low)")
    return PRIORITIES[key]


def _status(value: str) -> str:
    key = value.strip().lower()
    if key not in STATUSES:
        raise UsageError(
            f"status {value!r} is not one of pending, waiting, done, deleted, recurring, all"
        )
    return "done" if key == "completed" else key


# --- changes -------------------------------------------------------------------------


def read_changes(words: Words, *, adding: bool, names: Names = ()) -> Changes:
    """The changes the words describe; bare words (and all after ``--``) are the title.

    On add (``adding``) an ID-like or ``-word`` word is title text: ``Buy 2 apples``.
    ``names``: the user's own attributes, as for ``read_filter``.
    """
    found: dict[str, object] = {}
    lists: dict[str, list[str]] = {"title": [], "tags": [], "untags": []}
    cleared: set[str] = set()
    substitutions: list[Substitution] = []
    attributes: dict[str, str | None] = {}
    for word in words.plain:
        if not adding and SUBSTITUTION.fullmatch(word):
            substitutions.append(read_substitution(word))
        elif kind(word, names) == "attribute" and attribute(word, names)[0] not in ATTRIBUTES:
            _read_attribute_change(word, *attribute(word, names), attributes)
        else:
            _read_change_word(word, found, lists, cleared, adding=adding)
    lists["title"] += words.literal
    return Changes(
        title=tuple(lists["title"]),
        tags=tuple(lists["tags"]),
        untags=tuple(lists["untags"]),
        cleared=frozenset(cleared),
        substitutions=tuple(substitutions),
        attributes=tuple(attributes.items()),
        **found,  # type: ignore[arg-type]
    )


def _read_attribute_change(
    word: str, name: str, value: str, attributes: dict[str, str | None]
) -> None:
    if "." in name:
        raise UsageError(f"{word}: {name}: selects tasks; it cannot be set")
    if name in attributes:
        raise UsageError(f"{word}: {name} is given twice")
    attributes[name] = value if value.strip() else None


def read_substitution(word: str) -> Substitution:
    """``/tyre/tire/`` as ``Substitution("tyre", "tire")``; a trailing ``g``: every match."""
    match = SUBSTITUTION.fullmatch(word)
    assert match is not None, word
    old, new = (
        unicodedata.normalize("NFC", part.replace("\\/", "/")) for part in match.groups()[:2]
    )
    return Substitution(old, new, every=bool(match.group(3)))


def _read_change_word(
    word: str,
    found: dict[str, object],
    lists: dict[str, list[str]],
    cleared: set[str],
    *,
    adding: bool,
) -> None:
    sort = kind(word)
    if sort == "tag":
        lists["tags"].append(_settable_tag(word))
    elif sort == "untag" and not adding:
        lists["untags"].append(_settable_tag(word))
    elif sort == "attribute":
        name, value = _change_attribute(*attribute(word))
        if name in found or name in cleared:
            raise UsageError(f"{word}: {name} is given twice")
        if value is None:
            cleared.add(name)
        else:
            found[name] = value
    else:
        lists["title"].append(word)


def _settable_tag(word: str) -> str:
    tag = word[1:]
    if tag in VIRTUAL_TAGS:
        raise UsageError(f"{tag} is a virtual tag, set by todo itself; it cannot be {word[0]}'d")
    return tag


def _change_attribute(name: str, value: str) -> tuple[str, object]:
    """The field a change attribute sets and its value; None clears it."""
    if name in DATE_BOUNDS or name == "status":
        raise UsageError(f"{name}: selects tasks; it cannot be set")
    if name == "depends":
        return name, _dependency_changes(value)
    if name == "priority":
        return name, _priority(value, allow_none=False)
    if name in ("recur", "rtype"):
        return name, _series_word(name, value, clearing=True)
    return name, value if value.strip() else None


def _dependency_changes(value: str) -> DependencyChanges:
    """``1,2-4,-5`` as: add 1 to 4, remove 5 (Taskwarrior's depends list); empty: clear."""
    if not value:
        return DependencyChanges(clear=True)
    added: list[int] = []
    removed: list[int] = []
    for part in value.split(","):
        target = removed if part.startswith("-") else added
        target.extend(_dependency_ids(part.removeprefix("-"), word=f"depends:{value}"))
    both = sorted(set(added) & set(removed))
    if both:
        raise UsageError(f"depends:{value} both adds and removes {both[0]}; give one")
    return DependencyChanges(add=_unique(added), remove=_unique(removed))


def _dependency_ids(value: str, *, word: str | None = None) -> tuple[int, ...]:
    """The task IDs of a ``depends:`` value (``1,2``, ``3-5``); anything else is refused."""
    if not ID_WORD.fullmatch(value):
        shown = word or f"depends:{value}"
        raise UsageError(
            f"{shown}: depends: takes task IDs (depends:1,2 or 1-3; -2 removes, depends: clears)"
        )
    return _unique(read_ids(value))


def _series_word(name: str, value: str, *, clearing: bool) -> str | None:
    """``recur:3d`` as ``3d`` (a period todo can read), ``rtype:chained`` as ``chained``.

    Empty clears on a change (the service says whether that can be), and is refused
    in a filter: +TEMPLATE and +INSTANCE pick the tasks of series."""
    if not value.strip():
        if clearing:
            return None
        raise UsageError(f"{name}: needs a value, e.g. recur:weekly (or use +TEMPLATE, +INSTANCE)")
    if name == "recur":
        return parse_period(value).text
    if value.strip().lower() not in RECURRENCE_TYPES:
        raise UsageError(f"rtype:{value} is not one of periodic, chained")
    return value.strip().lower()


# --- edit ------------------------------------------------------------------------------


def read_edit(words: Words, names: Names = ()) -> tuple[Selection, Changes]:
    """Which tasks `todo edit` changes, and how.

    Leading IDs (``4``, ``1-3,7``, ``1 2 5-6``) select, and every word after them
    is a change. Without leading IDs the words are a filter, except ``pri:`` and
    date words (``due:``, ``wait:``, ``sched:``, ``until:``) and ``/old/new/``
    substitutions, which change; other changes go
    through options (``-t``, ``--untag``, ``-P``, ``--title``). Words after ``--``
    are the new title.
    """
    leading = _leading_ids(words.plain)
    if leading:
        rest = Words(words.plain[leading:], words.literal)
        changes = read_changes(rest, adding=False, names=names)
        return read_filter(Words(words.plain[:leading])), changes
    selecting = tuple(word for word in words.plain if not _changes_on_a_filter(word))
    changing = tuple(word for word in words.plain if _changes_on_a_filter(word))
    changes = read_changes(Words(changing, words.literal), adding=False, names=names)
    return read_filter(Words(selecting), names), changes


def _leading_ids(words: tuple[str, ...]) -> int:
    count = 0
    while count < len(words) and kind(words[count]) == "ids":
        count += 1
    return count


def _changes_on_a_filter(word: str) -> bool:
    if SUBSTITUTION.fullmatch(word):
        return True
    return kind(word) == "attribute" and _attribute_name(word, ()) in ("priority", *DATES)


# --- expressions (a context's filter) ---------------------------------------------------

Expression = Selection  # its groups hold what or, xor, not and parentheses join


def read_expression(words: Words, names: Names = ()) -> Expression:
    """A context's filter: the filter language (read_filter) without IDs, ``limit:`` or
    words after ``--`` (a context selects by what tasks are), and never empty."""
    if words.literal:
        raise UsageError("a context's filter takes no words after --")
    if not filter_language.split(words.plain):
        raise UsageError("the filter is empty; give words such as +work or project:office")
    selection = read_filter(words, names)
    for leaf in leaves(selection):
        _context_leaf(leaf)
    return selection


def leaves(selection: Selection) -> list[Selection]:
    """The selection and every selection inside its groups."""
    found = [selection]
    for group in selection.groups:
        for part in group.parts:
            found += leaves(part) if isinstance(part, Selection) else []
    return found


def _context_leaf(selection: Selection) -> None:
    if selection.numbers:
        raise UsageError("a context selects by tags, project and other attributes, not by IDs")
    if selection.limit is not None:
        raise UsageError("a context takes no limit:; give it to list")
    # A stored context is read again at every use: an attribute word whose attribute is
    # gone must not quietly become a text search that matches nothing.
    for word in selection.text:
        match = ATTRIBUTE.fullmatch(word)
        if match:
            name = match.group(1)
            raise UsageError(f"{word}: no attribute {name} (`todo uda add {name} ...` defines one)")
