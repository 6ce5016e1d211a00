"""Shared ``Annotated`` parameters, so every command spells an option the same way."""

from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout for scripts.")]
IdArgument = Annotated[int, typer.Argument(min=1, help="The task's short ID.", show_default=False)]
IdsArgument = Annotated[
    list[int], typer.Argument(min=1, help="One or more short task IDs.", show_default=False)
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
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]
DescriptionOption = Annotated[
    str | None, typer.Option("--description", "-d", help="Longer text.", show_default=False)
]
PriorityOption = Annotated[
    str | None,
    typer.Option("--priority", "-p", help="low, medium or high (l, m, h).", show_default=False),
]
DueOption = Annotated[
    str | None,
    typer.Option(
        "--due",
        help="WHEN: 2026-12-01, 'tomorrow 5pm', 'in 3 days', eod. A date alone is end of day.",
        show_default=False,
    ),
]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).", show_default=False)
]
ProjectOption = Annotated[
    str | None,
    typer.Option("--project", "-P", help="Dotted project, e.g. home.garden.", show_default=False),
]
