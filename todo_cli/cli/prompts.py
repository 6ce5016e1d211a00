"""Every question `todo` asks a person: confirmations and passwords (DESIGN.md: prompts
live in one module).

Nothing asks off a terminal: there a command needs --yes or --password-stdin, and
refuses (exit 2) without. Declining a confirmation is no error: "nothing changed",
exit 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from todo_cli.cli import render
from todo_cli.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from todo_cli.cli.environment import Environment

NO_PASSWORD_TERMINAL = "no terminal to ask for the password; give it on stdin with --password-stdin"


def stdin_is_terminal(env: Environment) -> bool:
    """Whether there is a person to ask: stdin is a terminal."""
    return env.stdin_is_terminal


def needs_confirmation(yes: bool, env: Environment) -> bool:
    """Whether to ask; off a terminal nothing asks, so without --yes it is exit 2."""
    if yes:
        return False
    if not stdin_is_terminal(env):
        raise UsageError("refusing without --yes (stdin is not a terminal)")
    return True


def confirm(question: str, env: Environment) -> None:
    """Ask; declining is no error (DESIGN.md): "nothing changed" and exit 0."""
    if not typer.confirm(question, err=True):
        render.message("nothing changed", env)
        raise typer.Exit(ExitCode.OK)


def ask(question: str, env: Environment) -> bool:
    """A yes/no question whose answer chooses between two changes (no means the other)."""
    return bool(typer.confirm(question, err=True))


def password(
    env: Environment,
    *,
    from_stdin: bool,
    label: str = "Password",
    twice: bool = False,
    off_terminal: str = NO_PASSWORD_TERMINAL,
) -> str:
    """One line of stdin (as `docker login --password-stdin` reads it), or a hidden
    prompt at a terminal (asked ``twice`` to confirm); ``off_terminal`` refuses otherwise."""
    if from_stdin:
        return _stdin_line(env)
    if not stdin_is_terminal(env):
        raise UsageError(off_terminal)
    return str(typer.prompt(label, hide_input=True, confirmation_prompt=twice, err=True))


def _stdin_line(env: Environment) -> str:
    """One line of stdin without its line end; it must be UTF-8 (the password is
    stretched as UTF-8 bytes), whether the stream fails to decode it or, under the C
    locale, smuggles the bad bytes in as surrogates."""
    try:
        line = env.stdin.readline().removesuffix("\n").removesuffix("\r")
        line.encode("utf-8")
    except UnicodeError:
        raise UsageError("the password on stdin is not valid UTF-8") from None
    return line
