"""The forked child that becomes one command's process.

It takes on the request's environment, directory, umask, time zone and
streams, undoes what was snapshotted from the agent's environment at import
time, runs the same Click command ``todo`` runs in-process, and reports the
exit code. It never returns into the agent's loop: it ends in ``os._exit``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import locale
import os
import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Any, NoReturn

from todo_cli.agent import protocol

if TYPE_CHECKING:
    from typer._click import Command

GO_TIMEOUT = 5.0  # seconds for the client's go-ahead after it learns our pid
RESET_TO_DEFAULT = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGCHLD", "SIGUSR1", "SIGUSR2", "SIGWINCH")


def run(
    connection: socket.socket,
    request: dict[str, Any],
    fds: list[int],
    command: Command,
    inherited: list[int],
    agent_socket: str,
) -> NoReturn:
    """Serve ``request`` in this (forked) process, then exit without returning."""
    try:
        detach_from_agent(inherited)
        if go_ahead(connection):
            serve(connection, request, fds, command, agent_socket)
    except BaseException:  # a crash here must never unwind into the agent's loop
        pass
    os._exit(0)


def detach_from_agent(inherited: list[int]) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in RESET_TO_DEFAULT:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    protocol.close_all(inherited)


def go_ahead(connection: socket.socket) -> bool:
    """Tell the client our pid; run only once it commits (it may have given up)."""
    connection.settimeout(GO_TIMEOUT)
    protocol.send(connection, ("pid", os.getpid()))
    answer = connection.recv(1)
    connection.settimeout(None)
    return answer == protocol.GO


def serve(
    connection: socket.socket,
    request: dict[str, Any],
    fds: list[int],
    command: Command,
    agent_socket: str,
) -> None:
    try:
        take_on(request)
    except OSError as exc:
        protocol.send(connection, ("declined", f"cannot take on the request: {exc}"))
        return
    if not agent_enabled():
        protocol.send(connection, ("declined", "agent = false"))
        retire_agent(agent_socket)
        return
    adopt_streams(fds)
    code = run_command(command, [os.fsdecode(arg) for arg in request["argv"]])
    finish()
    protocol.send(connection, ("exit", code))


def retire_agent(agent_socket: str) -> None:
    """Nobody wants the agent any more: ask it to stop, the way ``todo agent stop`` does."""
    from todo_cli.agent import control

    control.ask(agent_socket, "stop")


def take_on(request: dict[str, Any]) -> None:
    """The request's environment, directory, umask and time zone: exactly, nothing of ours."""
    os.environb.clear()
    os.environb.update(request["env"])
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    time.tzset()
    try:
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        locale.setlocale(locale.LC_CTYPE, "C")
    refresh_import_time_settings()


def refresh_import_time_settings() -> None:
    """Typer reads a few variables at import; read them again from this request's env."""
    import typer.core
    import typer.main
    import typer.rich_utils as rich_utils
    from typer.utils import parse_boolean_env_var

    width = os.environ.get("TERMINAL_WIDTH")
    rich_utils.MAX_WIDTH = int(width) if width and width.isdigit() else None
    forced = any(os.environ.get(name) for name in ("GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS"))
    rich_utils.FORCE_TERMINAL = True if forced else None
    if os.environ.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        rich_utils.FORCE_TERMINAL = False
    has_rich = parse_boolean_env_var(os.environ.get("TYPER_USE_RICH"), default=True)
    typer.core.HAS_RICH = has_rich
    typer.main.HAS_RICH = has_rich  # type: ignore[attr-defined]


def agent_enabled() -> bool:
    """The ``agent`` setting of this request's configuration (invalid: the command says so)."""
    from todo_cli.errors import TodoError
    from todo_cli.settings import load_settings

    try:
        return load_settings().agent
    except TodoError:
        return True


def adopt_streams(fds: list[int]) -> None:
    """The client's stdin, stdout and stderr become ours, as a fresh interpreter would wrap them."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    encoding, _, errors = os.environ.get("PYTHONIOENCODING", "").partition(":")
    encoding = encoding or locale.getpreferredencoding(False)
    sys.stdin = text_stream(0, "rb", encoding, errors or "strict")
    sys.stdout = text_stream(1, "wb", encoding, errors or "strict")
    sys.stderr = text_stream(2, "wb", encoding, "backslashreplace", lines=True)


def text_stream(
    fd: int, mode: str, encoding: str, errors: str, lines: bool = False
) -> io.TextIOWrapper:
    binary = io.open(fd, mode, closefd=False)  # noqa: SIM115, UP020 - lives as long as we do
    line_buffering = lines or os.isatty(fd)
    return io.TextIOWrapper(binary, encoding, errors, line_buffering=line_buffering)


def run_command(command: Command, argv: list[str]) -> int:
    """What ``todo`` does in-process: the root group's ``main``, which ends in ``sys.exit``."""
    sys.argv = ["todo", *argv]
    try:
        command.main(args=argv, prog_name="todo")
    except SystemExit as exit:
        return exit_status(exit.code)
    return 0


def exit_status(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def finish() -> None:
    """Interpreter shutdown's visible part: atexit handlers, then flushed streams."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
