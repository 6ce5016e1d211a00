"""todo.txt lines to Records and back (github.com/todotxt/todo.txt; todo.txt-cli 2.11).

A line is ``[x [COMPLETED] [CREATED] | (P) [CREATED]] BODY``. The body's words are the
title, except tokens: ``+project`` (the first valid one is the task's project, further
ones are kept), ``@context`` (a tag), ``due:YYYY-MM-DD`` (the due date) and other
``key:value`` pairs (kept). (A) is high, (B) medium, (C)-(Z) low with the letter kept.
A completed line may carry its priority either way the spec shows: ``x (A) DATE ...``
(its quick-reference picture) or ``pri:A`` (its text, which this writer uses, since
todo.txt-cli drops the ``(A)`` when it completes a task and its ``listpri`` must not
list done tasks).

What todo does not act on goes to ``extra["todotxt"]``, so an unchanged task is
written back as it was read: ``priority`` (a letter D-Z), ``projects`` (further ones),
``contexts`` (those todo cannot hold as a tag), ``keys`` ([[key, value], ...], in line
order) and ``text`` (the body as written, only when its tokens were not in the order
this writer puts them: title, +projects, @contexts, key:values, due:, pri:). Once the
task changes in todo, the body is written in that order from the task's fields.

Normalisations (to go in the README's import and export section): trailing
whitespace is dropped; ``uuid:`` (read back on import, so re-importing an export
updates instead of duplicating) is written last; deleted tasks are written as
completed lines; dates are days in the local time zone (due: the end of that day, as
``todo add due:DATE``; created and completed: its start); a description, notes,
wait/scheduled/until and dependencies have no place in todo.txt; control characters
another client stored are escaped as in plain lines (``\\n``: one task, one line), and
its tags or projects that are not one word are left out. Words of a title
that look like tokens (``+x``, ``@y``, ``k:v``), or a title that starts like a prefix
(``x ``, ``(A) ``, a date) where no creation date precedes it, are read as such when
the line comes back: todo.txt has no way to escape them.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from todo_cli.interchange.records import InvalidRecord, PriorityName, Record
from todo_cli.text import visible

PRIORITY_OF: dict[str, PriorityName] = {"A": "high", "B": "medium"}  # C-Z: low
LETTER_OF: dict[str, str] = {"high": "A", "medium": "B", "low": "C"}
DONE_STATUSES = frozenset({"done", "deleted"})
END_OF_DAY = time(23, 59, 59)
_PRIORITY = re.compile(r"\(([A-Z])\)(?: |$)")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?: |$)")
# The spec's key:value: non-whitespace, no colon on either side. A key starts with a
# letter and a value not with // so that 10:30 and https://example.com stay title words.
_KEY_VALUE = re.compile(r"([A-Za-z][^\s:]*):((?!//)[^\s:]+)")
_LETTER = re.compile(r"[A-Z]")
_UUID_WORD = re.compile(r"uuid:[^\s:]+")


@dataclass(frozen=True)
class Body:
    """What a body says, as todo holds it; equal bodies write the same task."""

    title: str
    project: str | None
    projects: tuple[str, ...]  # further +projects, and any todo cannot hold as its project
    tags: tuple[str, ...]
    contexts: tuple[str, ...]  # @contexts todo cannot hold as a tag
    keys: tuple[tuple[str, str], ...]
    due: date | None
    letter: str | None  # pri:X on a completed line
    uuid: str | None


def parse_todotxt(lines: Iterable[str], *, first_line: int = 1) -> Iterator[Record]:
    """One Record per non-blank line; InvalidRecord names the first line todo cannot read."""
    for line_no, line in enumerate(lines, start=first_line):
        text = line.rstrip()
        if line_no == 1:
            text = text.removeprefix("\ufeff")  # a byte order mark some editors write
        if text.strip():
            yield _record(text, line_no)


def format_todotxt(task: Record) -> str:
    """One todo.txt line (no newline) for an exported task (every Record key present)."""
    done = task.get("status") in DONE_STATUSES
    letter = _letter(task)
    body = _written_body(task, done=done, letter=letter)
    uuid = task.get("uuid")
    suffix = [f"uuid:{uuid}"] if uuid else []
    # Text another client wrote may hold a newline: escaped, it cannot start a new task.
    return visible(" ".join([*_prefix(task, done=done, letter=letter), body, *suffix]))


# Reading


def _record(text: str, line_no: int) -> Record:
    done = text.startswith("x ")
    rest = text[2:] if done else text
    letter, rest = _take(_PRIORITY, rest)
    first, rest = _take_date(rest, line_no)
    second, rest = _take_date(rest, line_no) if done and first else (None, rest)
    body = _read_body(rest, done=done, line_no=line_no)
    if not body.title:
        raise InvalidRecord(line_no, "the task has no title, only +projects, @contexts, key:value")
    record = _fields(body, done=done, line_no=line_no)
    record |= _priority(letter or body.letter)
    created = second if done else first
    if created is not None:
        record["created_at"] = _local(created, time(), line_no)
    if done and first is not None:
        record["completed_at"] = _local(first, time(), line_no)
    record["extra"] = {"todotxt": _extra(body, letter or body.letter, _without_uuid(rest))}
    return record


def _take(pattern: re.Pattern[str], text: str) -> tuple[str | None, str]:
    found = pattern.match(text)
    return (None, text) if found is None else (found[1], text[found.end() :])


def _take_date(text: str, line_no: int) -> tuple[date | None, str]:
    found, rest = _take(_DATE, text)
    return (None, rest) if found is None else (_day(found, line_no), rest)


def _day(text: str, line_no: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRecord(line_no, f"{text} is not a date (YYYY-MM-DD)") from None


def _read_body(text: str, *, done: bool, line_no: int) -> Body:
    words: list[str] = []
    projects: list[str] = []
    contexts: list[str] = []
    keys: list[tuple[str, str]] = []
    found: dict[str, str] = {}  # due, uuid, pri: each at most once
    for word in text.split():
        if len(word) > 1 and word[0] in "+@":
            (projects if word[0] == "+" else contexts).append(word[1:])
        elif (pair := _KEY_VALUE.fullmatch(word)) is None:
            words.append(word)
        elif not _special(pair[1], pair[2], done=done, found=found, line_no=line_no):
            keys.append((pair[1], pair[2]))
    return _body(" ".join(words), projects, contexts, tuple(keys), found, line_no)


def _special(key: str, value: str, *, done: bool, found: dict[str, str], line_no: int) -> bool:
    """Whether ``key:value`` is one todo acts on (then it is in ``found``)."""
    if key == "pri" and not (done and _LETTER.fullmatch(value)):
        return False  # pri: means a priority only where (A) cannot stand: on completed lines
    if key not in ("due", "uuid", "pri"):
        return False
    if key in found:
        raise InvalidRecord(line_no, f"{key}: is given twice")
    found[key] = value
    return True


def _body(
    title: str,
    projects: list[str],
    contexts: list[str],
    keys: tuple[tuple[str, str], ...],
    found: dict[str, str],
    line_no: int,
) -> Body:
    project = next((name for name in projects if _is_project(name)), None)
    further = list(projects)
    if project is not None:
        further.remove(project)
    tags = tuple(dict.fromkeys(name for name in contexts if _is_tag(name)))
    return Body(
        title=title,
        project=project,
        projects=tuple(further),
        tags=tags,
        contexts=tuple(name for name in contexts if not _is_tag(name)),
        keys=keys,
        due=_day(found["due"], line_no) if "due" in found else None,
        letter=found.get("pri"),
        uuid=_uuid(found["uuid"], line_no) if "uuid" in found else None,
    )


def _is_project(name: str) -> bool:
    """What todo can hold as a project: dotted names (home.garden), none of them empty."""
    return all(name.split("."))


def _is_tag(name: str) -> bool:
    """What todo can hold as a tag: a piped `todo list` line joins tags with commas."""
    return "," not in name


def _uuid(text: str, line_no: int) -> str:
    try:
        return str(uuid_module.UUID(text))
    except ValueError:
        raise InvalidRecord(line_no, f"uuid:{text} is not a UUID") from None


def _fields(body: Body, *, done: bool, line_no: int) -> Record:
    record: Record = {
        "line": line_no,
        "title": body.title,
        "status": "done" if done else "pending",
        "project": body.project,
        "tags": list(body.tags),
        "due": None if body.due is None else _local(body.due, END_OF_DAY, line_no),
    }
    if not done:
        record["completed_at"] = None
    if body.uuid is not None:
        record["uuid"] = body.uuid
    return record


def _priority(letter: str | None) -> Record:
    if letter is None:
        return {"priority": None}
    return {"priority": PRIORITY_OF.get(letter, "low")}


def _extra(body: Body, letter: str | None, text: str) -> dict[str, Any]:
    """What the line holds that todo does not act on; ``text`` only when needed to write
    the line back as it was."""
    kept: dict[str, Any] = {}
    if letter is not None and letter not in LETTER_OF.values():
        kept["priority"] = letter
    if body.projects:
        kept["projects"] = list(body.projects)
    if body.contexts:
        kept["contexts"] = list(body.contexts)
    if body.keys:
        kept["keys"] = [list(pair) for pair in body.keys]
    if _canonical(body) != text:
        kept["text"] = text
    return kept


def _without_uuid(text: str) -> str:
    """The body as written, but for its uuid: (written last, after the body, on export)."""
    return " ".join(word for word in text.split(" ") if not _UUID_WORD.fullmatch(word))


def _local(day: date, at: time, line_no: int) -> datetime:
    """``day`` at ``at`` in the local zone, as `todo add` reads a date."""
    try:
        return datetime.combine(day, at).astimezone()
    except (OverflowError, ValueError, OSError):  # year 1 or 9999 west or east of UTC
        raise InvalidRecord(line_no, f"{day.isoformat()} is out of range here") from None


# Writing


def _letter(task: Record) -> str | None:
    priority = task.get("priority")
    if priority is None:
        return None
    kept = _kept(task).get("priority")
    if priority == "low" and isinstance(kept, str) and _LETTER.fullmatch(kept) and kept > "B":
        return kept
    return LETTER_OF[priority]


def _kept(task: Record) -> dict[str, Any]:
    kept = (task.get("extra") or {}).get("todotxt")
    return kept if isinstance(kept, dict) else {}


def _prefix(task: Record, *, done: bool, letter: str | None) -> list[str]:
    created = _local_day(task.get("created_at"))
    if not done:
        return [word for word in (f"({letter})" if letter else None, created) if word]
    completed = _local_day(task.get("completed_at") or task.get("updated_at"))
    if completed is None:
        return ["x"]  # a creation date alone would be read as the completion date
    return ["x", completed, *([created] if created else [])]


def _local_day(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone().date().isoformat()


def _written_body(task: Record, *, done: bool, letter: str | None) -> str:
    """The body as it was read while the task still says the same, else in canonical order."""
    body = _body_of(task, done=done, letter=letter)
    text = _kept(task).get("text")
    if isinstance(text, str) and _still_says(text, body, done=done):
        return text
    return _canonical(body)


def _still_says(text: str, body: Body, *, done: bool) -> bool:
    try:
        return _read_body(text, done=done, line_no=0) == body
    except InvalidRecord:
        return False


def _body_of(task: Record, *, done: bool, letter: str | None) -> Body:
    kept = _kept(task)
    due = task.get("due")
    project = _kept_word(task.get("project"))
    projects = _kept_names(kept.get("projects"))
    return Body(
        title=task["title"],
        project=project,
        # Without a project, a further one would come back as the project.
        projects=tuple(name for name in projects if project or not _is_project(name)),
        tags=_kept_names(task.get("tags")),
        contexts=_kept_names(kept.get("contexts")),
        keys=tuple(pair for pair in _kept_keys(kept.get("keys")) if not _special_pair(pair, done)),
        due=None if due is None else due.astimezone().date(),
        letter=letter if done else None,
        uuid=None,
    )


# extra comes from the database, where a JSON import may have put anything: only what
# reads back as the same token is written (the rest would change meaning or break a line).


def _kept_names(names: Any) -> tuple[str, ...]:
    words = names if isinstance(names, list) else []
    return tuple(name for name in words if _kept_word(name))


def _kept_word(name: Any) -> str | None:
    """``name`` if it is one word (the only way a +project or @context reads back)."""
    return name if isinstance(name, str) and name and name.split() == [name] else None


def _special_pair(pair: tuple[str, str], done: bool) -> bool:
    """A kept key:value that would read back as a field of its own (or twice)."""
    key, value = pair
    return key in ("due", "uuid") or (key == "pri" and done and bool(_LETTER.fullmatch(value)))


def _kept_keys(pairs: Any) -> tuple[tuple[str, str], ...]:
    kept = pairs if isinstance(pairs, list) else []
    words = (f"{pair[0]}:{pair[1]}" for pair in kept if _is_pair(pair))
    return tuple((found[1], found[2]) for word in words if (found := _KEY_VALUE.fullmatch(word)))


def _is_pair(pair: Any) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)


def _canonical(body: Body) -> str:
    """Title, +projects, @contexts, key:values, due:, pri: (this writer's order)."""
    projects = [body.project] if body.project else []
    words = [body.title, *(f"+{name}" for name in [*projects, *body.projects])]
    words += [f"@{name}" for name in [*body.tags, *body.contexts]]
    words += [f"{key}:{value}" for key, value in body.keys]
    words += [f"due:{body.due.isoformat()}"] if body.due else []
    words += [f"pri:{body.letter}"] if body.letter else []
    return " ".join(words)
