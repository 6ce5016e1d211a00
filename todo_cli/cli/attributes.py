"""`todo uda ...`: user-defined attributes (Taskwarrior's UDAs), each person's own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli import clock
from todo_cli.cli import render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption, YesOption
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import UsageError
from todo_cli.text import visible

if TYPE_CHECKING:
    from todo_cli.models import AttributeDefinition

NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The attribute's name.")]
TYPES = ("string", "numeric", "date", "duration")

app = typer.Typer(
    help="User-defined attributes: `todo uda add estimate --type numeric`, then "
    "`todo add Paint the fence estimate:3`.",
    invoke_without_command=True,
)


@app.callback()
def group(ctx: typer.Context) -> None:
    """User-defined attributes (Taskwarrior's UDAs): NAME:value on add, edit and filters."""
    from todo_cli.cli.workflow import help_when_bare

    help_when_bare(ctx)


@app.command()
def add(
    ctx: typer.Context,
    name: NameArgument,
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="string, numeric, date or duration.", metavar="TYPE", show_default=False
        ),
    ],
    values: Annotated[
        str | None,
        typer.Option(
            help="The values a string may take, comma-separated.",
            metavar="A,B,C",
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            help="A longer name, as Taskwarrior's uda.NAME.label.",
            metavar="LABEL",
            show_default=False,
        ),
    ] = None,
    urgency: Annotated[
        float,
        typer.Option(help="Added to `todo next`'s urgency when a task has a value.", metavar="N"),
    ] = 0.0,
) -> None:
    """Define an attribute: `todo uda add size --type string --values S,M,L`."""
    from todo_cli.models import AttributeType
    from todo_cli.service import attributes

    if type_.strip().lower() not in TYPES:
        raise UsageError(f"--type {type_!r} is not one of {', '.join(TYPES)}")
    kind = AttributeType(type_.strip().lower())
    allowed = None if values is None else [value for value in values.split(",") if value.strip()]
    attributes.check_name(name)  # before the database opens
    env = invocation(ctx)
    definition = run_for_user(
        lambda session, user: attributes.define(
            session,
            user=user,
            name=name,
            type=kind,
            allowed=allowed,
            label=label,
            coefficient=urgency,
        ),
        env,
    )
    render.message(
        f"Attribute {definition.name} ({definition.type}) defined; "
        f"set it with {definition.name}:VALUE on `todo add` and `todo edit`.",
        env,
    )


@app.command("list")
def list_(ctx: typer.Context, json: JsonOption = False) -> None:
    """Your attributes: name, type, allowed values, label, urgency coefficients."""
    from todo_cli.service import attributes

    env = invocation(ctx)
    defined = run_for_user(lambda session, user: attributes.definitions(session, user=user), env)
    render.print_data([_as_json(each) for each in defined], (_line(each) for each in defined), env)
    if not defined and not json:
        render.message("No attributes; `todo uda add NAME --type TYPE` defines one.", env)


@app.command()
def remove(ctx: typer.Context, name: NameArgument, yes: YesOption = False) -> None:
    """Forget an attribute; tasks keep their values (as Taskwarrior keeps orphaned
    ones), and defining it again brings them back. Needs --yes while tasks hold values."""
    from todo_cli.service import attributes

    env = invocation(ctx)
    holding = run_for_user(
        lambda session, user: attributes.remove(session, user=user, name=name, confirmed=yes), env
    )
    kept = f"; {holding} task(s) keep their values" if holding else ""
    render.message(f"Attribute {name.strip().lower()} removed{kept}.", env)


@app.command()
def urgency(
    ctx: typer.Context,
    name: NameArgument,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="One value of it.")],
    coefficient: Annotated[
        float, typer.Argument(metavar="N", help="Added to the urgency; 0 removes it.")
    ],
) -> None:
    """Urgency for one value: `todo uda urgency size L 2.5` (Taskwarrior's
    urgency.uda.NAME.VALUE.coefficient)."""
    from todo_cli.service import attributes

    env = invocation(ctx)
    now = clock.now()
    definition = run_for_user(
        lambda session, user: attributes.set_value_urgency(
            session, user=user, name=name, value=value, coefficient=coefficient, now=now
        ),
        env,
    )
    render.message(f"Urgency of {definition.name}:{value} is now {coefficient:+g}.", env)


def _as_json(definition: AttributeDefinition) -> dict[str, Any]:
    return {
        "name": definition.name,
        "type": str(definition.type),
        "values": definition.allowed,
        "label": definition.label,
        "urgency": definition.coefficient,
        "value_urgency": definition.value_coefficients,
    }


def _line(definition: AttributeDefinition) -> str:
    """name, type, values, label, urgency, value urgencies: tab-separated, visible."""
    weights = ",".join(f"{value}={n:g}" for value, n in definition.value_coefficients.items())
    cells = (
        definition.name,
        str(definition.type),
        ",".join(definition.allowed or []) or "-",
        definition.label or "-",
        f"{definition.coefficient:g}",
        weights or "-",
    )
    return "\t".join(visible(cell) for cell in cells)
