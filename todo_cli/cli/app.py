"""The `todo` application and its single error boundary."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from todo_cli import __version__
from todo_cli.cli import (
    accounts,
    agent,
    attributes,
    bare_forms,
    config,
    contexts,
    db,
    interchange,
    interrupts,
    named_reports,
    reports,
    scripting,
    tasks,
    workflow,
)
from todo_cli.cli.environment import META_KEY, Environment, configure_typer, invocation
from todo_cli.cli.options import plain_help, plain_param
from todo_cli.embedded import quiet_library
from todo_cli.errors import ExitCode, TodoError
from todo_cli.text import visible

PROG = "todo"


class TodoContext(typer.Context):
    """The root context: it carries the invocation's ``Environment`` in ``meta``
    from the start, so eager options (--help, --version) see it too."""

    def __init__(self, *args: Any, environment: Environment | None = None, **extra: Any) -> None:
        super().__init__(*args, **extra)
        if environment is not None:
            self.meta[META_KEY] = environment


class TodoGroup(TyperGroup):
    """Every failure ends here: one line on stderr and the documented exit code."""

    context_class = TodoContext

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:  # --debug, --version, --help, completion
            plain_param(param)
        return params

    def get_command(self, ctx: Any, name: str) -> Any:
        """The command ``name`` (a group: with every command under it), its help in metavars."""
        command = super().get_command(ctx, name)
        if command is not None:
            plain_help(command, ctx)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """A first word that names no command but reads as an ID or a filter runs
        `show` or `list` (Taskwarrior's `task 5`, `task +phone`)."""
        if args and super().get_command(ctx, args[0]) is None:
            implied = bare_forms.implied_command(args[0])
            if implied is not None:
                args = [implied, *args]
        return super().resolve_command(ctx, args)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = sys.argv[1:] if args is None else args
        env = Environment.from_process(argv=argv, host=extra.get("obj"))
        configure_typer(env)
        with interrupts.watching(env.interrupts) as watch:
            failure: BaseException | None = None
            try:
                if watch.interrupted:  # Ctrl-C came before we listened: the command never starts
                    raise KeyboardInterrupt
                result = super().main(
                    args, prog_name, complete_var, standalone_mode=False, environment=env, **extra
                )
                code = result if isinstance(result, int) else ExitCode.OK
                env.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            except BaseException as exc:
                failure = exc
            watch.end()
            if watch.interrupted:  # however the libraries in between reported it
                failure = KeyboardInterrupt()
            if failure is not None:
                code = report(failure, env)
        if standalone_mode:
            sys.exit(int(code))
        return code


def report(exc: BaseException, env: Environment) -> int:
    """Print ``exc`` as the one line a user should see; the exit code it maps to."""
    if _caused_by(exc, KeyboardInterrupt) or isinstance(exc, typer.Abort):
        return _fail(interrupted(env.interrupts.saved), ExitCode.INTERRUPTED, exc, env)
    if _caused_by(exc, BrokenPipeError):
        # The reader has gone (`todo list | head -1`) and wanted no more: that is
        # no failure of ours, so end quietly with success (as ripgrep does), and
        # `set -o pipefail` scripts go on.
        _silence_stdout(env)
        return ExitCode.OK
    if isinstance(exc, TodoError):
        return _fail(exc.message, exc.exit_code, exc, env)
    if isinstance(exc, typer.TyperException):  # Click's usage errors: exit 2
        return _fail(exc.format_message(), exc.exit_code, exc, env)
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else ExitCode.UNEXPECTED
    from todo_cli.db.errors import describe_unexpected

    detail = f"unexpected error: {describe_unexpected(exc)}"
    hint = "" if env.debug else " (run with --debug for the traceback)"
    return _fail(detail + hint, ExitCode.UNEXPECTED, exc, env)


def interrupted(saved: str | None) -> str:
    """What an interrupt left behind: nothing, or a change saved before it came.

    Exit 130 either way: the output may be cut short, and a script must not
    take the command for a clean success; but a user told "nothing was
    changed" after the commit would repeat an ``add``.
    """
    if saved is None:
        return "interrupted; nothing was changed"
    if saved == "undoable":
        return "interrupted after the change was saved; `todo undo` reverts it"
    return "interrupted after the change was saved"


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is ``exc`` or anywhere in the chain that led to it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _silence_stdout(env: Environment) -> None:
    """Point stdout at /dev/null so the final flush cannot fail (Python's SIGPIPE advice)."""
    try:
        descriptor = env.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (CliRunner): nothing is flushed to a pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _fail(text: str, code: int, exc: BaseException, env: Environment) -> int:
    try:
        if env.debug:
            traceback.print_exception(exc, file=env.stderr)
        # One line, and text from the database (a server's message) cannot drive the terminal.
        first_line = visible(" ".join(str(text).split()))
        env.stderr.write(f"{PROG}: error: {first_line}\n")
        env.stderr.flush()
    except OSError:
        pass  # stderr is gone too: the exit code is all that is left to say it
    return code


app = typer.Typer(
    cls=TodoGroup,
    name=PROG,
    help="A task manager for the terminal, on PostgreSQL.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        invocation(ctx).stdout.write(f"{PROG} {__version__}\n")
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
    invocation(ctx).debug = debug
    quiet_library(debug)
    workflow.help_when_bare(ctx)


tasks.register(app)
workflow.register(app)
named_reports.register(app)
reports.register(app)
interchange.register(app)
scripting.register(app)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(agent.app, name="agent")
app.add_typer(contexts.app, name="context")
app.add_typer(attributes.app, name="uda")
accounts.register(app, db.app)


def main() -> None:
    """The one-shot process: run the command, then exit with its code come what may."""
    code = one_shot_command(sys.argv[1:])(prog_name=PROG, standalone_mode=False)
    interrupts.ignore()  # the outcome is decided; a late Ctrl-C must not overturn it
    sys.exit(int(code))


def one_shot_command(argv: Sequence[str]) -> Any:
    """The Click command for one process's ``argv``: when its first word names a
    command or a group, the root with only that one under it.

    Typer reads the signature and annotations of every command it builds: ~80 ms
    for all of them, paid by every command run without the agent (the agent builds
    the whole tree once). Anything else (no word, an option first, a typo, a bare
    ID or filter) gets the whole tree, so help, suggestions and bare forms see every
    command.
    """
    import copy

    import typer.main

    first = argv[0] if argv else ""
    lean = copy.copy(app)  # the attributes are shared; only the two lists below are new
    lean.registered_commands = [
        info
        for info in app.registered_commands
        if (info.name or typer.main.get_command_name(info.callback.__name__))  # type: ignore[union-attr]
        == first
    ]
    lean.registered_groups = [info for info in app.registered_groups if info.name == first]
    if not lean.registered_commands and not lean.registered_groups:
        lean = app
    return typer.main.get_command(lean)
