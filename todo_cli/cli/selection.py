"""From a command's words and options to the tasks it acts on, asking first when many."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from todo_cli.cli import prompts
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import UsageError
from todo_cli.service.filters import ConfirmationNeededError, StatusFilter, TaskFilter
from todo_cli.words import Selection

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.cli.environment import Environment
    from todo_cli.models import User

T = TypeVar("T")
# Work on the picked tasks: (session, user, filter, confirmed) -> result.
Work = Callable[["AsyncSession", "User", TaskFilter, bool], Awaitable[T]]


def selection_filter(
    selection: Selection,
    *,
    now: datetime,
    default: StatusFilter,
    status: StatusFilter | None = None,
) -> TaskFilter:
    """The TaskFilter for filter words; ``status`` is the --status option, if given.

    Without a status word or option, IDs mean any status (you named them) and a
    filter means the command's ``default`` (pending for most).
    """
    return TaskFilter(
        status=_status(selection, status, default),
        numbers=selection.numbers,
        in_ranges=selection.in_ranges,
        tags=selection.tags,
        without_tags=selection.without_tags,
        project=selection.project,
        no_project=selection.no_project,
        priority=_priority(selection.priority),
        no_priority=selection.priority == "none",
        overdue_at=now if selection.overdue else None,
        due_before=_when(selection.due_before, now),
        due_after=_when(selection.due_after, now),
        words=selection.text,
        active=selection.active,
        template=selection.template,
        instance=selection.instance,
        recur=selection.recur,
        rtype=selection.rtype,
    )


def _status(
    selection: Selection, option: StatusFilter | None, default: StatusFilter
) -> StatusFilter:
    word = StatusFilter(selection.status) if selection.status else None
    if word and option and word != option:
        raise UsageError(f"status:{word} and --status {option} disagree; give one")
    if word or option:
        return word or option  # type: ignore[return-value]
    if selection.template and not selection.numbers:
        return StatusFilter.RECURRING  # a live template's status: `+TEMPLATE` lists them
    return StatusFilter.ALL if selection.numbers else default


def _priority(text: str | None) -> Any:
    from todo_cli.service.validation import parse_priority

    return None if text in (None, "none") else parse_priority(text)


def _when(text: str | None, now: datetime) -> datetime | None:
    from todo_cli.dates import parse_when

    return None if text is None else parse_when(text, now=now)


def combined(options: TaskFilter, words: TaskFilter) -> TaskFilter:
    """Options and words together (AND); one value given both ways must agree."""
    merged = {
        field.name: _merge(field.name, getattr(options, field.name), getattr(words, field.name))
        for field in fields(TaskFilter)
    }
    return TaskFilter(**merged)


def _merge(name: str, first: Any, second: Any) -> Any:
    if isinstance(first, list | tuple):
        return (*first, *second)
    empty = getattr(TaskFilter(), name)
    if second == empty or first == second:
        return first
    if first == empty:
        return second
    label = name.replace("_", " ")
    raise UsageError(f"the {label} is given twice ({first}, {second}); give it once")


def run_picked(work: Work[T], where: TaskFilter, *, yes: bool, verb: str, env: Environment) -> T:
    """Run ``work`` in one transaction on what ``where`` picks.

    A filter picking more than BULK_LIMIT tasks refuses (exit 2) unless --yes;
    at a terminal it lists them and asks, then changes exactly those it
    listed that still match.
    """
    try:
        return run_for_user(lambda session, user: work(session, user, where, yes), env)
    except ConfirmationNeededError as refused:
        if not prompts.stdin_is_terminal(env):
            raise
        _ask(refused.picked, verb, env)
        numbers = tuple(number for number, _ in refused.picked)
        chosen = replace(where, numbers=numbers)
        return run_for_user(lambda session, user: work(session, user, chosen, True), env)


def _ask(picked: Sequence[tuple[int, str]], verb: str, env: Environment) -> None:
    from todo_cli.text import visible

    # Titles are untrusted text: no control character reaches the terminal.
    lines = "".join(f"  {number}  {visible(title)}\n" for number, title in picked)
    question = f"The filter selects {len(picked)} tasks:\n{lines}`todo {verb}` all {len(picked)}?"
    prompts.confirm(question, env)


def need_words(selection: Selection, command: str) -> None:
    """A verb needs to be told which tasks: acting on every pending task by default is a trap."""
    if selection == Selection():
        raise UsageError(f"which tasks? give IDs (4, 1-3,7) or a filter (+tag ...) to {command}")
