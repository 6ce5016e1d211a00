"""The `todo` application and its single error boundary."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from todo_cli import __version__
from todo_cli.cli import accounts, config, db, state, tasks
from todo_cli.db.embedded import quiet_library
from todo_cli.errors import ExitCode, TodoError

PROG = "todo"


class TodoGroup(TyperGroup):
    """Every failure ends here: one line on stderr and the documented exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state.current = state.Invocation()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else ExitCode.OK
        except BaseException as exc:
            code = report(exc)
        if standalone_mode:
            sys.exit(int(code))
        return code


def report(exc: BaseException) -> int:
    """Print ``exc`` as the one line a user should see; the exit code it maps to."""
    if isinstance(exc, TodoError):
        return _fail(exc.message, exc.exit_code, exc)
    if isinstance(exc, typer.TyperException):  # Click's usage errors: exit 2
        return _fail(exc.format_message(), exc.exit_code, exc)
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt | typer.Abort):
        return _fail("interrupted; nothing was changed", ExitCode.INTERRUPTED, exc)
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else ExitCode.UNEXPECTED
    detail = f"unexpected error: {type(exc).__name__}: {exc}"
    hint = "" if state.current.debug else " (run with --debug for the traceback)"
    return _fail(detail + hint, ExitCode.UNEXPECTED, exc)


def _fail(text: str, code: int, exc: BaseException) -> int:
    if state.current.debug:
        traceback.print_exception(exc, file=sys.stderr)
    first_line = " ".join(str(text).split())
    sys.stderr.write(f"{PROG}: error: {first_line}\n")
    return code


app = typer.Typer(
    cls=TodoGroup,
    name=PROG,
    help="A task manager for the terminal, on PostgreSQL.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit()


def help_when_bare(ctx: typer.Context) -> None:
    """A bare group prints its help and succeeds (Click would exit 2 instead)."""
    if ctx.invoked_subcommand is None:
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and the database library's logs.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """A task manager for the terminal, on PostgreSQL."""
    state.current.debug = debug
    quiet_library(debug)
    help_when_bare(ctx)


tasks.register(app)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
accounts.register(app, db.app)


def main() -> None:
    app(prog_name=PROG)
