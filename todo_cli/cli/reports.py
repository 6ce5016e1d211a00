"""The reports that draw: summary, history, ghistory, burndown, calendar.

Each takes filter words as `todo list` reads them (the same parser, the active
context applied) but counts every status unless the words name one; each prints
Rich bars on a terminal, tab-separated lines when piped, and its figures with --json.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli import clock
from todo_cli.cli import word_args
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import FilterArgument, JsonOption
from todo_cli.cli.selection import (
    NO_VOCABULARY,
    Build,
    in_context,
    run_with_vocabulary,
    selection_filter,
)
from todo_cli.errors import UsageError
from todo_cli.periods import Period
from todo_cli.service.filters import StatusFilter, TaskFilter, Vocabulary
from todo_cli.words import read_filter

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.models import User

PeriodOption = Annotated[
    Period,
    typer.Option("--period", help="How long a row is.", metavar="daily|weekly|monthly|annual"),
]
# A default that fits a terminal's height (rows are periods) whatever is asked of it:
# the terminal's own height is not the agent's to read.
PeriodsOption = Annotated[
    int,
    typer.Option("--periods", min=1, max=1000, help="How many periods, up to now.", metavar="N"),
]
MONTHS_IN_YEAR = 12


def register(app: typer.Typer) -> None:
    for command in (summary, history, ghistory, burndown):
        app.command(command.__name__, cls=word_args.WordsCommand)(command)
    app.command("calendar")(calendar)


def report_filter(words: list[str] | None, now: datetime) -> Build:
    """The words as a filter over every status (unless they name one), in the context;
    read once without the user's vocabulary so usage errors come before the database."""
    typed = word_args.words(words)

    def build(vocabulary: Vocabulary) -> TaskFilter:
        selection = read_filter(typed, vocabulary.attributes)
        where = selection_filter(
            selection, now=now, default=StatusFilter.ALL, vocabulary=vocabulary
        )
        return in_context(where, vocabulary, now=now)

    build(NO_VOCABULARY)
    return build


def summary(ctx: typer.Context, words: FilterArgument = None, json: JsonOption = False) -> None:
    """Per project: tasks remaining, their average age, % complete, and a bar."""
    from todo_cli.cli import render, render_reports
    from todo_cli.service import reports

    now = clock.now()
    build = report_filter(words, now)
    env = invocation(ctx)
    rows = run_with_vocabulary(
        lambda session, user, vocabulary: reports.summary(
            session, user=user, where=build(vocabulary), now=now
        ),
        env,
    )
    if json:
        render.print_json(render_reports.summary_as_json(rows), env)
    else:
        render_reports.print_summary(rows, env)


def _history_rows(ctx: typer.Context, words: list[str] | None, period: Period) -> Any:
    from todo_cli.service import reports

    now = clock.now()
    build = report_filter(words, now)
    return run_with_vocabulary(
        lambda session, user, vocabulary: reports.history(
            session, user=user, where=build(vocabulary), period=period, now=now
        ),
        invocation(ctx),
    )


def history(
    ctx: typer.Context,
    words: FilterArgument = None,
    period: PeriodOption = Period.MONTHLY,
    json: JsonOption = False,
) -> None:
    """Tasks added, completed and deleted per month (or --period), and the net change."""
    _show_history(ctx, words, period, json=json, drawn=False)


def ghistory(
    ctx: typer.Context,
    words: FilterArgument = None,
    period: PeriodOption = Period.MONTHLY,
    json: JsonOption = False,
) -> None:
    """`todo history` as bars: added, completed, deleted per month (or --period)."""
    _show_history(ctx, words, period, json=json, drawn=True)


def _show_history(
    ctx: typer.Context, words: list[str] | None, period: Period, *, json: bool, drawn: bool
) -> None:
    """history's rows as JSON (the same for both), a table, or bars (ghistory)."""
    from todo_cli.cli import render, render_reports

    rows = _history_rows(ctx, words, period)
    env = invocation(ctx)
    if json:
        render.print_json(render_reports.history_as_json(rows), env)
    elif drawn:
        render_reports.print_ghistory(rows, env)
    else:
        render_reports.print_history(rows, env)


def burndown(
    ctx: typer.Context,
    words: FilterArgument = None,
    period: PeriodOption = Period.WEEKLY,
    periods: PeriodsOption = 20,
    json: JsonOption = False,
) -> None:
    """Pending, started and done tasks at the end of each week (or --period), stacked."""
    from todo_cli.cli import render, render_reports
    from todo_cli.periods import last_periods
    from todo_cli.service import reports

    now = clock.now()
    build = report_filter(words, now)
    env = invocation(ctx)
    edges = last_periods(now, period, periods)

    async def counted(session: AsyncSession, user: User, vocabulary: Vocabulary) -> Any:
        where = build(vocabulary)
        return await reports.burndown(session, user=user, where=where, edges=edges, period=period)

    rows = run_with_vocabulary(counted, env)
    if json:
        render.print_json(render_reports.burndown_as_json(rows), env)
    else:
        render_reports.print_burndown(rows, env)


def calendar(
    ctx: typer.Context,
    when: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[due|YEAR|MONTH YEAR]",
            help="`due`: from the month of the earliest due task; 2027: that year; 3 2027: "
            "that month on. Default: this month on, as many months as fit.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Month grids marking the days pending tasks are due (* due, ! overdue, < today)."""
    from todo_cli.cli import render, render_reports
    from todo_cli.service import reports

    now = clock.now()
    choice = _calendar_choice(when or [])
    env = invocation(ctx)
    count = render_reports.months_per_row(env.width)
    base = in_context_pending(now)

    async def marked(session: AsyncSession, user: User, vocabulary: Vocabulary) -> Any:
        where = base(vocabulary)
        if choice == "due":
            first_due = await reports.earliest_due(session, user=user, where=where)
            year, month, months = (*_month_of(first_due or now), None)
        else:
            year, month, months = choice or (*_month_of(now), None)
        shown = _months(year, month, months or count)
        first, last = _month_start(*shown[0]), _month_start(*_after(*shown[-1]))
        days = await reports.due_days(
            session, user=user, where=where, first=first, last=last, now=now
        )
        return shown, days

    shown, days = run_with_vocabulary(marked, env)
    today = now.date()
    if json:
        render.print_json(render_reports.calendar_as_json(shown, days, today), env)
    else:
        render_reports.print_calendar(shown, days, today, env)


def in_context_pending(now: datetime) -> Build:
    return lambda vocabulary: in_context(TaskFilter(at=now), vocabulary, now=now)


def _calendar_choice(words: list[str]) -> Any:
    """``due``; a year (its twelve months); a month and year (from it on); or None."""
    if not words:
        return None
    if words == ["due"]:
        return "due"
    if len(words) == 1 and _year(words[0]):
        return (int(words[0]), 1, MONTHS_IN_YEAR)
    if len(words) == 2 and words[0].isdigit() and 1 <= int(words[0]) <= 12 and _year(words[1]):
        return (int(words[1]), int(words[0]), None)
    raise UsageError(
        f"calendar: cannot read {' '.join(words)!r};"
        " give due, a year (2027) or a month and year (3 2027)"
    )


def _year(word: str) -> bool:
    return word.isdigit() and len(word) == 4 and 1900 <= int(word) <= 9998


def _month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone()
    return local.year, local.month


def _months(year: int, month: int, count: int) -> list[tuple[int, int]]:
    shown = [(year, month)]
    while len(shown) < count:
        shown.append(_after(*shown[-1]))
    return shown


def _after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == MONTHS_IN_YEAR else (year, month + 1)


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1).astimezone()
