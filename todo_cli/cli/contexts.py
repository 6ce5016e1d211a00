"""`todo context ...`: named filters (Taskwarrior's contexts), one of them active."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from todo_cli import clock
from todo_cli.cli import render, word_args
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption
from todo_cli.cli.runner import run_for_user
from todo_cli.cli.selection import expression_filter, run_with_vocabulary, writable
from todo_cli.service.filters import Vocabulary
from todo_cli.text import visible
from todo_cli.words import read_expression

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.models import User
    from todo_cli.service.contexts import Defined

NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The context's name.")]


class ContextGroup(TyperGroup):
    """`todo context work` activates `work`, as Taskwarrior's `task context work` does:
    a word that is no subcommand is the name of the context to use."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "use", self.commands["use"], args
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=ContextGroup,
    help="Named filters: `todo context define work +work or project:office`, "
    "`todo context work`, `todo context none`.",
    invoke_without_command=True,
)


@app.callback()
def group(ctx: typer.Context) -> None:
    """Named filters that narrow every listing and filter (Taskwarrior's contexts).

    `todo context NAME` makes one active: `list`, `next` and every verb given a
    filter then see only the tasks it selects (tasks named by ID are not
    narrowed), and `add` gives new tasks its +tags and project:.
    """
    from todo_cli.cli.workflow import help_when_bare

    help_when_bare(ctx)


@app.command(cls=word_args.WordsCommand)
def define(
    ctx: typer.Context,
    name: NameArgument,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILTER...",
            help="Filter words, joined by `and`/`or` and grouped by parentheses.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Define (or redefine) a context: `todo context define work +work or project:office`."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    typed = word_args.words(words)

    async def work(session: AsyncSession, user: User, vocabulary: Vocabulary) -> tuple[bool, bool]:
        expression_filter(typed, vocabulary, now=clock.now())  # dates and attributes read too
        _, existed = await contexts.define(session, user=user, name=name, words=typed.plain)
        writes = writable(read_expression(typed, vocabulary.attributes))
        return existed, bool(writes.tags or writes.project)

    existed, writes = run_with_vocabulary(work, env)
    verb = "redefined" if existed else "defined"
    note = (
        "" if writes else " (it gives `add` nothing: its words hold an `or`, or no +tag/project:)"
    )
    render.message(
        f"Context {name} {verb}{note}. Use `todo context {name}` to make it active.", env
    )


@app.command()
def use(ctx: typer.Context, name: NameArgument) -> None:
    """Make a context active (`todo context NAME` says the same)."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    run_for_user(lambda session, user: contexts.activate(session, user=user, name=name), env)
    render.message(f"Context {name} is active. Use `todo context none` to leave it.", env)


@app.command()
def none(ctx: typer.Context) -> None:
    """Leave the active context: listings show every task again."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    run_for_user(lambda session, user: contexts.activate(session, user=user, name=None), env)
    render.message("No context is active.", env)


@app.command("list")
def list_(ctx: typer.Context, json: JsonOption = False) -> None:
    """Every context: its name, its filter, and which one is active."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    defined = run_for_user(lambda session, user: contexts.listed(session, user=user), env)
    lines = (_line(context) for context in defined)
    render.print_data([_as_json(context) for context in defined], lines, env)
    if not defined and not json:
        render.message("No contexts; `todo context define NAME FILTER...` makes one.", env)


@app.command()
def show(ctx: typer.Context, json: JsonOption = False) -> None:
    """The active context and its filter (JSON: null when none is active)."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    defined = run_for_user(lambda session, user: contexts.listed(session, user=user), env)
    active = next((context for context in defined if context.active), None)
    if json:
        render.print_json(None if active is None else _as_json(active), env)
    elif active is None:
        render.message("No context is active.", env)
    else:
        render.print_lines([_line(active)], env)


@app.command()
def delete(ctx: typer.Context, name: NameArgument) -> None:
    """Delete a context (if it is the active one, no context is active after)."""
    from todo_cli.service import contexts

    env = invocation(ctx)
    was_active = run_for_user(
        lambda session, user: contexts.delete(session, user=user, name=name), env
    )
    render.message(f"Context {name} deleted{'; no context is active' if was_active else ''}.", env)


def _line(context: Defined) -> str:
    """name, filter, and `active` for the active one: tab-separated, text made visible."""
    state = "active" if context.active else "-"
    return "\t".join((visible(context.name), visible(" ".join(context.words)), state))


def _as_json(context: Defined) -> dict[str, Any]:
    return {"name": context.name, "filter": " ".join(context.words), "active": context.active}
