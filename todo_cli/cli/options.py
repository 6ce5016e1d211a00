"""Shared ``Annotated`` parameters, so every command spells an option the same way.

Every parameter names its metavar (TEXT, WHEN, TAG, ID...): Typer would print
Python types (``<list[str]>``, ``<bool>``) in the help otherwise. Flags take an
empty one. ``plain_help`` does the same for parameters that name none, on every
command of the app (tests/test_docs.py walks them all).
"""

from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperOption

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


JsonLinesOption = Annotated[
    bool, flag("--jsonl", help="Print JSON Lines on stdout for scripts: one task per line.")
]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        help="With --json or --jsonl: only these keys, in this order (id,title,due).",
        metavar="KEYS",
        show_default=False,
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
        help="IDs (4, 1-3,7) or filter words: +tag -tag project:P project: pri:H pri:none "
        "status:done due.before:WHEN due.after:WHEN +ACTIVE +OVERDUE; other words are "
        "searched for, and so is every word after --. See README.",
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
        help="2026-12-01, 'tomorrow 5pm', 'in 3 days', 'dec 31', eod. Numeric dates are "
        "YYYY-MM-DD only. A date alone is end of day.",
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
    """An argument whose help shows its metavar alone, not ``<str>`` beside it, and whose
    usage reads as man pages write it: ``ID``, ``[REVISION]``, ``[ID|FILTER]...`` as
    given (not Typer's ``{ID}`` or ``[[ID|FILTER]...]...``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None if self.metavar else super().display_type_rich(ctx)

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if "[" in name or name.endswith("..."):
            return name
        return name if self.required else f"[{name}]"


class NamedOption(TyperOption):
    """An option whose help shows its metavar alone: no Click range (``[x>=1]``) after it."""

    def _get_number_range_help_str(self) -> str | None:
        return None


PLAIN_CLASSES: dict[type, type] = {TyperArgument: NamedArgument, TyperOption: NamedOption}


def plain_help(command: Any, ctx: Any) -> None:
    """Help in metavars (ID, EMAIL, N) for ``command`` and, for a group, every command
    under it: never Typer's Python types (``<bool>``, ``<list[str]>``, ``<int range>``)
    or Click's ranges. Typer builds the parameter objects itself, for every command
    however it is registered; this only changes how their help reads."""
    for param in command.get_params(ctx):  # with the help option Click adds
        plain_param(param)
    for subcommand in getattr(command, "commands", {}).values():
        plain_help(subcommand, ctx)


def plain_param(param: Any) -> None:
    """One parameter's help in its metavar (see ``plain_help``)."""
    param.__class__ = PLAIN_CLASSES.get(type(param), type(param))
    if param.metavar is None:
        param.metavar = _metavar(param)


def _metavar(param: Any) -> str | None:
    if isinstance(param, TyperArgument):
        return param.name.upper() + ("..." if param.nargs == -1 else "")
    if getattr(param, "is_flag", False):
        return ""  # a switch takes no value
    if param.type_descriptor.annotation is int:
        return "N"
    return None  # choices show themselves: <pending|done|deleted|all>


ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="The table's columns on a terminal, e.g. id,age,urgency,due,title (ID first and "
        "title last always); default: the report_columns setting, else the usual ones.",
        metavar="NAME,...",
        show_default=False,
    ),
]
