"""One invocation's output environment, after httpie's ``Environment``.

Built once per invocation by the root (``TodoGroup.main``) from the process as
it is then: in the agent that is the request's environment and streams, so
nothing one request saw can serve another. It travels in the root Click
context's ``meta``; each command takes it from its context once and hands it
down as an argument (as httpie hands ``env`` down), and it dies with the
invocation: streams, whether they are terminals, colour and width, ``--json``
and ``--debug``, the warnings already shown, the settings, and the ``Host``
(the agent's worker) that lends the invocation its event loop and engines.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TextIO, TypeVar, runtime_checkable

from todo_cli.cli.interrupts import InterruptWatch

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence

    from rich.console import Console
    from typer._click import Context

    from todo_cli.db.database import Databases
    from todo_cli.settings import Settings

META_KEY = "todo_cli.environment"
DEFAULT_WIDTH = 80
T = TypeVar("T")


@runtime_checkable
class Host(Protocol):
    """What a long-lived process lends an invocation: its event loop and its engines."""

    databases: Databases

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``main()`` to completion in the host's event loop."""
        ...


@dataclass
class Environment:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_is_terminal: bool
    stdout_is_terminal: bool
    colour: bool  # styles and colours on stdout: NO_COLOR, FORCE_COLOR, TERM=dumb honoured
    width: int  # COLUMNS, else the terminal's, else 80
    environ: dict[str, str]  # as it was when the invocation began
    argv: tuple[str, ...] = ()  # the words after `todo`, for the change journal
    debug: bool = False
    json: bool = False  # the command's --json
    warned: set[str] = field(default_factory=set)  # warnings already printed, printed once
    loaded: Settings | None = None
    interrupts: InterruptWatch = field(default_factory=InterruptWatch)  # Ctrl-C, noted
    host: Host | None = None  # the agent's worker; None in a one-shot process

    @classmethod
    def from_process(cls, argv: Sequence[str] = (), host: object = None) -> Environment:
        """The environment of the invocation starting now, read from ``sys`` and ``os``;
        ``host`` is what the caller passed as the root context's ``obj``, if a ``Host``."""
        environ = dict(os.environ)
        stdout_is_terminal = _isatty(sys.stdout)
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_is_terminal=_isatty(sys.stdin),
            stdout_is_terminal=stdout_is_terminal,
            colour=wants_colour(environ, terminal=stdout_is_terminal),
            width=terminal_width(environ, sys.stdout),
            environ=environ,
            argv=tuple(argv),
            host=host if isinstance(host, Host) else None,
        )

    def command_line(self) -> str:
        """The command as typed (quoted where needed), e.g. ``done 1 2``."""
        return shlex.join(self.argv)

    def settings(self, **overrides: Any) -> Settings:
        """The settings, loaded once per invocation (``overrides`` load a variant, not kept)."""
        from todo_cli.settings import load_settings

        if overrides:
            return load_settings(warn=self.warn, **overrides)
        if self.loaded is None:
            self.loaded = load_settings(warn=self.warn)
        return self.loaded

    def warn(self, text: str) -> None:
        """One warning line on stderr, once per invocation however often it comes up."""
        if text not in self.warned:
            self.warned.add(text)
            self.stderr.write(f"todo: warning: {text}\n")

    def console(self) -> Console:
        """A Rich console on stdout, sized and coloured as this invocation asks."""
        from rich.console import Console

        return Console(
            file=self.stdout,
            width=self.width,
            force_terminal=self.stdout_is_terminal,
            color_system="auto" if self.colour else None,
            highlight=False,
        )


def wants_colour(environ: Mapping[str, str], *, terminal: bool) -> bool:
    """no-color.org first, then FORCE_COLOR; a dumb terminal or a pipe gets none."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return terminal and environ.get("TERM") != "dumb"


def terminal_width(environ: Mapping[str, str], stream: TextIO) -> int:
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        return DEFAULT_WIDTH


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or no real stream
        return False


def invocation(context: Context) -> Environment:
    """The environment of the invocation ``context`` belongs to (any context in it: they
    share ``meta``); outside ``TodoGroup.main`` (a bare Click call) one read now."""
    found = context.meta.get(META_KEY)
    return found if isinstance(found, Environment) else Environment.from_process()


def configure_typer(environment: Environment) -> None:
    """Typer reads these variables once, at import; a long-lived process (the agent)
    serves many environments, so each invocation sets them from its own.

    A module not imported yet reads them itself when it is, during this invocation.
    """
    from typer.utils import parse_boolean_env_var

    environ = environment.environ
    core, main = sys.modules.get("typer.core"), sys.modules.get("typer.main")
    use_rich = parse_boolean_env_var(environ.get("TYPER_USE_RICH"), default=True)
    for module in (core, main):
        if module is not None:
            module.HAS_RICH = use_rich  # type: ignore[attr-defined]
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is None:
        return
    width = environ.get("TERMINAL_WIDTH", "")
    rich_utils.MAX_WIDTH = int(width) if width.isdigit() else None  # type: ignore[attr-defined]
    forced = any(environ.get(name) for name in ("GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS"))
    disabled = bool(environ.get("_TYPER_FORCE_DISABLE_TERMINAL"))
    rich_utils.FORCE_TERMINAL = False if disabled else True if forced else None  # type: ignore[attr-defined]
    # NO_COLOR means no escapes at all, as in our own output (Rich would keep bold and dim).
    rich_utils.COLOR_SYSTEM = None if environ.get("NO_COLOR") else "auto"  # type: ignore[attr-defined]
