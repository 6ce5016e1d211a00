"""A filter_language ``Term``'s value read for SQL: dates against the clock, priorities
as ranks, statuses checked. No database; the exit-2 mistakes name the word."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from todo_cli.errors import UsageError
from todo_cli.filter_language import Term
from todo_cli.service.filters import StatusFilter, TermTest

# The order `pri.below:M` compares by (Taskwarrior: H > M > L > none).
PRIORITY_RANKS = {"high": 3, "medium": 2, "low": 1}
# A date without a time is the end of its day for these, as `due.before:` always read it.
END_OF_DAY_FIELDS = ("due", "until")
DAY = timedelta(days=1)
# With no value, the bare colon and .is mean "has none"; .not and .isnt "has one".
EMPTY = {"equals": "none", "is": "none", "not": "any", "isnt": "any"}
STATUSES = {status.value for status in StatusFilter} - {"all"} | {"completed"}


def term_test(term: Term, now: datetime) -> TermTest:
    """The test ``term`` asks, its value typed for the column it reads."""
    modifier = term.modifier
    if term.field != "text" and not term.value.strip() and modifier in EMPTY:
        modifier = EMPTY[modifier]
    if modifier in ("any", "none") or term.uda or term.field in ("text", "title", "project"):
        return TermTest(term.field, modifier, _text(term, modifier), uda=term.uda)
    return TermTest(term.field, modifier, _typed(term, modifier, now))


def _text(term: Term, modifier: str) -> str | None:
    if modifier in ("any", "none"):
        return None
    from todo_cli.service.validation import clean_text

    return clean_text(term.value, f"{term.field} value")


def _typed(term: Term, modifier: str, now: datetime) -> Any:
    if term.field == "priority":
        return _rank(term.value)
    if term.field == "status":
        return _status(term.value)
    if term.field == "tags":
        from todo_cli.service.validation import clean_tag

        return clean_tag(term.value.strip().removeprefix("+"))
    return _date(term, modifier, now)


def _rank(text: str) -> int:
    from todo_cli.service.validation import parse_priority

    return 0 if text.strip().lower() == "none" else PRIORITY_RANKS[parse_priority(text).value]


def _status(text: str) -> str:
    key = text.strip().lower()
    if key not in STATUSES:
        raise UsageError(
            f"status {text!r} is not one of pending, waiting, done, deleted, recurring"
        )
    return "done" if key == "completed" else key


def _date(term: Term, modifier: str, now: datetime) -> Any:
    """A moment for before/after/by; the whole local day for :, .is, .not and .isnt."""
    from todo_cli.dates import parse_when, start_of_day

    if modifier in ("before", "after", "by"):
        return parse_when(term.value, now=now, day_start=term.field not in END_OF_DAY_FIELDS)
    start = start_of_day(parse_when(term.value, now=now, day_start=True).astimezone().date())
    return (start, start_of_day(start.date() + DAY))
