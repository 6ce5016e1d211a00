"""Shared ``Annotated`` parameters, so every command spells an option the same way.

Every parameter names its metavar (TEXT, WHEN, TAG, ID...): Typer would print
Python types (``<list[str]>``, ``<bool>``) in the help otherwise. Flags take an
empty one.
"""

from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand

# Short numbers are int4 in the database; --limit stops well before that.
LIMIT_MAX = 1_000_000


def flag(*names: str, help: str) -> Any:
    """A yes/no switch: no metavar, so the help does not print ``<bool>``."""
    return typer.Option(*names, help=help, metavar="")


def _json_chosen(ctx: typer.Context, value: bool) -> bool:
    """--json is the invocation's, so output helpers know without being told each time."""
    from todo_cli.cli.environment import invocation

    invocation(ctx).json = value
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print JSON on stdout for scripts.", metavar="", callback=_json_chosen
    ),
]
def _task_id(text: str) -> int:
    from todo_cli.words import read_task_id

    return read_task_id(text)


IdArgument = Annotated[
    int,
    typer.Argument(parser=_task_id, help="The task's short ID.", metavar="ID", show_default=False),
]
FilterArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[ID|FILTER]...",
        help="IDs (4, 1-3,7) or filter words: +tag -tag project:P pri:H status:done "
        "due.before:WHEN +ACTIVE, other words searched. See README.",
        show_default=False,
    ),
]
YesOption = Annotated[bool, flag("--yes", "-y", help="Do it without asking.")]
DescriptionOption = Annotated[
    str | None,
    typer.Option("--description", "-d", help="Longer text.", metavar="TEXT", show_default=False),
]
PriorityOption = Annotated[
    str | None,
    typer.Option(
        "--priority",
        "-p",
        help="low, medium or high (l, m, h).",
        metavar="PRIO",
        show_default=False,
    ),
]
DueOption = Annotated[
    str | None,
    typer.Option(
        "--due",
        help="2026-12-01, 'tomorrow 5pm', 'in 3 days', eod. A date alone is end of day.",
        metavar="WHEN",
        show_default=False,
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", help="A tag (repeatable).", metavar="TAG", show_default=False),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-P",
        help="Dotted project, e.g. home.garden.",
        metavar="PROJECT",
        show_default=False,
    ),
]


class NamedArgument(TyperArgument):
    """An argument whose help shows its metavar alone, not ``<str>`` beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None if self.metavar else super().display_type_rich(ctx)


class Command(TyperCommand):
    """Help in metavars only: arguments without their Python type, --help without <bool>."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                # Typer builds its own argument objects; this only changes their help.
                param.__class__ = NamedArgument

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option
