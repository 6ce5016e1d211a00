"""From a command's words and options to the tasks it acts on, asking first when many."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from todo_cli.cli import prompts
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import UsageError
from todo_cli.service.filters import (
    ConfirmationNeededError,
    Junction,
    StatusFilter,
    TaskFilter,
    TermTest,
    Vocabulary,
)
from todo_cli.words import Expression, Selection, Words, read_expression

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.cli.environment import Environment
    from todo_cli.models import User

T = TypeVar("T")
# A date without a time is the start of the day for these, the end for due and until.
START_OF_DAY_DATES = ("wait", "scheduled")
# Work on the picked tasks: (session, user, filter, confirmed, vocabulary) -> result.
Work = Callable[["AsyncSession", "User", TaskFilter, bool, Vocabulary], Awaitable[T]]
# A command's filter, once the user's words are known (their attributes, their context).
Build = Callable[[Vocabulary], TaskFilter]
NO_VOCABULARY = Vocabulary()


def run_with_vocabulary(
    work: Callable[[AsyncSession, User, Vocabulary], Awaitable[T]], env: Environment
) -> T:
    """``run_for_user``, with the user's vocabulary read first in the same transaction."""

    case_sensitive = env.settings().search_case_sensitive

    async def with_vocabulary(session: AsyncSession, user: User) -> T:
        from todo_cli.service.contexts import vocabulary

        words = await vocabulary(session, user=user)
        return await work(session, user, replace(words, case_sensitive=case_sensitive))

    return run_for_user(with_vocabulary, env)


def in_context(where: TaskFilter, vocabulary: Vocabulary, *, now: datetime) -> TaskFilter:
    """``where`` narrowed by the active context, as Taskwarrior 2.6 narrows a filter:
    tasks named by ID are picked whatever the context."""
    if vocabulary.context is None or where.numbers:
        return where
    return replace(where, context=context_filter(vocabulary, now=now))


def context_filter(vocabulary: Vocabulary, *, now: datetime) -> Junction[TaskFilter]:
    """The active context's words as a filter; words that no longer read (an attribute
    removed since) are exit 2 naming the context, with the way out."""
    try:
        return expression_filter(Words(vocabulary.context_words), vocabulary, now=now)
    except UsageError as unreadable:
        raise UsageError(
            f"the active context {vocabulary.context!r} does not read: {unreadable.message};"
            " redefine it or run `todo context none`"
        ) from unreadable


def expression_filter(
    words: Words, vocabulary: Vocabulary, *, now: datetime
) -> Junction[TaskFilter]:
    """A context's filter words (words.read_expression) as a filter."""
    selection = read_expression(words, vocabulary.attributes)
    return Junction("and", (_leaf(selection, vocabulary, now),))


def _leaf(selection: Selection, vocabulary: Vocabulary, now: datetime) -> TaskFilter:
    return selection_filter(selection, now=now, default=StatusFilter.ALL, vocabulary=vocabulary)


def _group(group: Junction[Selection], vocabulary: Vocabulary, now: datetime) -> Junction[Any]:
    """A group of filter words (``+a or +b``) as a group of filters, each of any status."""
    parts = tuple(
        _leaf(part, vocabulary, now)
        if isinstance(part, Selection)
        else _group(part, vocabulary, now)
        for part in group.parts
    )
    return Junction(group.kind, parts)


def context_additions(vocabulary: Vocabulary) -> Selection:
    """What the active context gives a new task (Taskwarrior's write context): the
    tags and project of a context that only ANDs its words; one with an ``or`` gives
    nothing (which side would it be?)."""
    if vocabulary.context is None:
        return Selection()
    return writable(read_expression(Words(vocabulary.context_words), vocabulary.attributes))


def writable(expression: Expression) -> Selection:
    """The +tags and project: of the words that are only ANDed (no ``or``, ``xor``, ``not``)."""
    parts = [Selection(tags=expression.tags, project=expression.project)]
    for group in expression.groups:
        if group.kind == "and":
            parts += [writable(part) for part in group.parts if isinstance(part, Selection)]
    tags = tuple(tag for part in parts for tag in part.tags)
    projects = [part.project for part in parts if part.project]
    return Selection(tags=tags, project=projects[0] if len(projects) == 1 else None)


def selection_filter(
    selection: Selection,
    *,
    now: datetime,
    default: StatusFilter,
    status: StatusFilter | None = None,
    vocabulary: Vocabulary = NO_VOCABULARY,
) -> TaskFilter:
    """The TaskFilter for filter words; ``status`` is the --status option, if given;
    ``vocabulary`` types the user's attributes.

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
        depends_on=selection.depends,
        no_depends=selection.no_depends,
        blocked=selection.blocked,
        unblocked=selection.unblocked,
        blocking=selection.blocking,
        attributes=_attribute_tests(selection, vocabulary, now),
        states=selection.states,
        without_states=selection.without_states,
        date_bounds=tuple(_bound(bound, now) for bound in selection.date_bounds),
        at=now,
        template=selection.template,
        instance=selection.instance,
        recur=selection.recur,
        rtype=selection.rtype,
        terms=_term_tests(selection, now),
        groups=tuple(_group(group, vocabulary, now) for group in selection.groups),
        limit=selection.limit,
        case_sensitive=vocabulary.case_sensitive,
    )


def _term_tests(selection: Selection, now: datetime) -> tuple[TermTest, ...]:
    from todo_cli.term_values import term_test

    return tuple(term_test(term, now) for term in selection.terms)


def _attribute_tests(
    selection: Selection, vocabulary: Vocabulary, now: datetime
) -> tuple[Any, ...]:
    from todo_cli.attribute_values import filter_test

    return tuple(
        filter_test(vocabulary.attributes[name], modifier, value, now=now)
        for name, modifier, value in selection.attributes
    )


def _bound(bound: tuple[str, str, str], now: datetime) -> tuple[str, str, datetime]:
    """``wait.before:friday``: a wait or scheduled date read as it is set (start of day)."""
    from todo_cli.dates import parse_when

    name, side, text = bound
    return name, side, parse_when(text, now=now, day_start=name in START_OF_DAY_DATES)


def hiding_waiting(where: TaskFilter) -> TaskFilter:
    """What `list` and `next` show: waiting tasks left out, as Taskwarrior's reports do
    (``status:pending -WAITING``), unless IDs or the filter itself speak of them."""
    asked = (*where.states, *where.without_states)
    if where.status is not StatusFilter.PENDING or where.numbers or "WAITING" in asked:
        return where
    return replace(where, without_states=(*where.without_states, "WAITING"))


def _status(
    selection: Selection, option: StatusFilter | None, default: StatusFilter
) -> StatusFilter:
    word = StatusFilter(selection.status) if selection.status else None
    if word and option and word != option:
        raise UsageError(f"status:{word} and --status {option} disagree; give one")
    if word or option:
        return word or option  # type: ignore[return-value]
    if any(term.field == "status" for term in selection.terms):
        return StatusFilter.ALL  # status.not:done says which statuses itself
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


def run_picked(work: Work[T], build: Build, *, yes: bool, verb: str, env: Environment) -> T:
    """Run ``work`` in one transaction on what ``build`` picks, in the user's words.

    A filter picking more than BULK_LIMIT tasks refuses (exit 2) unless --yes;
    at a terminal it lists them and asks, then changes exactly those it
    listed that still match.
    """
    try:
        return run_with_vocabulary(
            lambda session, user, words: work(session, user, build(words), yes, words), env
        )
    except ConfirmationNeededError as refused:
        if not prompts.stdin_is_terminal(env):
            raise
        _ask(refused.picked, verb, env)
        numbers = tuple(number for number, _ in refused.picked)
        return run_with_vocabulary(
            lambda session, user, words: work(
                session, user, replace(build(words), numbers=numbers), True, words
            ),
            env,
        )


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
