"""A long-lived worker: one request at a time, then the process put back as it was.

Forked by the agent (see ``pool``) from the pre-imported parent. Between
requests it waits on its channel to the agent, which hands it a client's
connection and the client's stdin, stdout and stderr (SCM_RIGHTS). For each
request it takes on the request's environment, directory, umask, time zone
and streams, runs the same Click command ``todo`` runs in-process with
itself as the ``environment.Host`` (its event loop and engines: the pool stays
warm), answers the exit code, waits for the client to hang up (so no late
signal of that client can reach the next request), restores its clean
slate (``slate``) and tells the agent it is free again.

It retires, its engines disposed inside its loop, when the agent closes the
channel, on SIGTERM between requests, when its memory grew past the
``agent_memory_limit`` setting, when a client did not hang up, or when an
interrupted request left its event loop in doubt.
"""

from __future__ import annotations

import io
import locale
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from todo_cli.agent import helps
from todo_cli.agent.host import WorkerHost
from todo_cli.agent.slate import Slate
from todo_cli.rendezvous import protocol, runtime

if TYPE_CHECKING:
    from typer._click import Command

GO_TIMEOUT = 5.0  # seconds for the client's go-ahead after it learns our pid
HANGUP_TIMEOUT = 5.0  # seconds for the client to hang up after its exit code
FD_COUNT = 4  # the client's connection, stdin, stdout, stderr
# The agent's handlers do not apply here: a command's process dies of SIGHUP,
# SIGQUIT, SIGUSR1 and SIGUSR2 as a one-shot one would (the agent tells the client).
RESET_TO_DEFAULT = ("SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGWINCH")


def run(
    channel: socket.socket, command: Command, detach: Callable[[], None], memory_growth: int
) -> NoReturn:
    """The forked worker's whole life; it never returns into the agent's loop.

    ``memory_growth``: bytes of RSS over its start after which it retires.
    """
    code = 0
    try:
        detach()
        Worker(channel, command, memory_growth).serve()
    except SystemExit:
        pass
    except BaseException:  # never unwind into the agent's code
        code = 1
        traceback.print_exc()  # to the agent's log: stderr between requests
    os._exit(code)


class Worker:
    def __init__(self, channel: socket.socket, command: Command, memory_growth: int) -> None:
        self.channel = channel
        self.command = command
        self.memory_growth = memory_growth
        self.busy = False  # between the client's go-ahead and its exit code
        self.waiting = False  # blocked on the channel for the next request
        self.interrupted = False  # SIGINT came for this request
        self.stopping = False
        self.stop_agent = False
        self.install_signals()
        self.slate = Slate.take()
        self.host = WorkerHost()
        self.helps = helps.Helps()
        self.baseline = resident_bytes()

    def install_signals(self) -> None:
        signal.set_wakeup_fd(-1)
        for name in RESET_TO_DEFAULT:
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.signal(signal.SIGINT, self.on_sigint)
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        """Outside the command (whose own handler raises), Ctrl-C is only noted."""
        self.interrupted = True

    def on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        if self.busy:  # the command's process: it dies of it, as a one-shot one would
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)
        self.stopping = True
        if self.waiting:
            raise SystemExit(0)

    def serve(self) -> None:
        try:
            while not self.stopping:
                job = self.next_job()
                if job is None:
                    return
                retire = self.handle(*job)
                if not self.report_done(retire) or retire:
                    return
        finally:
            self.host.close()

    def report_done(self, retire: bool) -> bool:
        """Tell the agent we are free; False when it has gone (it closed our channel to stop)."""
        try:
            protocol.send(self.channel, ("done", retire, self.stop_agent))
        except OSError:  # e.g. BrokenPipeError after `todo agent stop`, which we served
            return False
        return True

    def next_job(self) -> tuple[socket.socket, dict[str, Any], list[int]] | None:
        """The next request from the agent; None when it closed our channel."""
        self.waiting = True
        try:
            request, fds = protocol.receive_with_fds(self.channel, FD_COUNT)
        except (OSError, protocol.ProtocolError):
            return None
        finally:
            self.waiting = False
        if len(fds) != FD_COUNT or not isinstance(request, dict):
            protocol.close_all(fds)
            return None
        return socket.socket(fileno=fds[0]), request, fds[1:]

    def handle(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> bool:
        """Serve one request; whether this worker should retire afterwards."""
        self.interrupted = False
        hung_up = True
        try:
            if go_ahead(connection):
                self.busy = True
                reply = self.serve_request(request, fds)
                self.busy = False
                self.slate.release_streams()  # the client's pipes see EOF with its exit
                hung_up = answer(connection, reply) and wait_for_hangup(connection)
        finally:
            self.busy = False
            protocol.close_all(fds)
            connection.close()
            self.slate.restore()
        return self.stopping or self.host.spoiled or not hung_up or self.grew()

    def serve_request(self, request: dict[str, Any], fds: list[int]) -> tuple[str, Any]:
        try:
            take_on(request)
        except OSError as exc:
            return ("declined", f"cannot take on the request: {exc}")
        if not agent_enabled():
            self.stop_agent = self.stopping = True
            return ("declined", "agent = false")
        argv = [os.fsdecode(arg) for arg in request["argv"]]
        recorders = adopt_streams(fds, record=bool(argv) and argv[-1] in helps.HELP_FLAGS)
        key = helps.help_key(self.command, argv, request["env"]) if recorders else None
        if key is None:
            return ("exit", self.run_command(argv))
        return ("exit", self.run_help(key, argv, recorders))

    def run_help(self, key: helps.Key, argv: list[str], recorders: list[helps.Recorder]) -> int:
        """A help screen: as rendered last time for exactly this key, or rendered and kept."""
        kept = self.helps.get(key)
        if kept is not None:
            helps.write_all(1, kept)
            return 0
        code = self.run_command(argv)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        stdout, stderr = recorders
        if code == 0 and not stderr.written:
            self.helps.keep(key, bytes(stdout.written))
        return code

    def run_command(self, argv: list[str]) -> int:
        """What ``todo`` does in-process: the root group's ``main``, with us as its host."""
        if self.interrupted:  # Ctrl-C before the command began: it never starts
            from todo_cli.cli.app import report
            from todo_cli.cli.environment import Environment

            return int(report(KeyboardInterrupt(), Environment.from_process()))
        sys.argv = ["todo", *argv]
        try:
            self.command.main(args=argv, prog_name="todo", obj=self.host)
        except SystemExit as exit:
            return exit_status(exit.code)
        return 0

    def grew(self) -> bool:
        growth = resident_bytes() - self.baseline
        if growth <= self.memory_growth:
            return False
        runtime.log(f"grew by {growth / 2**20:.1f} MiB; a fresh worker takes over")
        return True


def go_ahead(connection: socket.socket) -> bool:
    """Tell the client our pid; serve only once it commits (it may have given up)."""
    try:
        connection.settimeout(GO_TIMEOUT)
        protocol.send(connection, ("pid", os.getpid()))
        answer = connection.recv(1)
        connection.settimeout(None)
    except OSError:
        return False
    return answer == protocol.GO


def answer(connection: socket.socket, reply: tuple[str, Any]) -> bool:
    """The outcome to the client; False when it cannot be sent (the client is gone)."""
    try:
        protocol.send(connection, reply)
    except (OSError, protocol.ProtocolError) as exc:
        runtime.log(f"could not answer {reply!r}: {exc!r}")
        return False
    return True


def wait_for_hangup(connection: socket.socket) -> bool:
    """Whether the client hung up in time: until it has, it may still forward a signal to us."""
    connection.settimeout(HANGUP_TIMEOUT)
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
    except OSError:
        return False


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
    # Typer's import-time reads (rich_utils) are set per invocation by the root:
    # see todo_cli.cli.environment.configure_typer.


def agent_enabled() -> bool:
    """The ``agent`` setting of this request's configuration (invalid: the command says so)."""
    from todo_cli.errors import TodoError
    from todo_cli.settings import load_settings

    try:
        return load_settings().agent
    except TodoError:
        return True


def adopt_streams(fds: list[int], record: bool = False) -> list[helps.Recorder]:
    """The client's stdin, stdout and stderr become ours, as a fresh interpreter would wrap them.

    ``fds`` is emptied: the descriptors are 0, 1 and 2 now, nothing to close later.
    With ``record``, stdout and stderr keep a copy of what is written (returned).
    """
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    fds.clear()
    encoding, errors = stdio_codec()
    recorders = [helps.Recorder(1), helps.Recorder(2)] if record else []
    raw_out, raw_err = recorders or (None, None)
    sys.stdin = text_stream(0, "rb", encoding, errors)
    sys.stdout = text_stream(1, "wb", encoding, errors, raw=raw_out)
    sys.stderr = text_stream(2, "wb", encoding, "backslashreplace", lines=True, raw=raw_err)
    return recorders


def stdio_codec() -> tuple[str, str]:
    """The encoding and error handler of a fresh interpreter's stdin and stdout.

    Exactly what this interpreter chose when the agent started: UTF-8 mode,
    ``PYTHONIOENCODING``, the locale (C, coerced or not) are part of the
    agent's identity (``runtime.environment_hash``), so every client it serves
    started its own interpreter with the same. Not ``locale`` now: under
    ``LC_ALL=C`` it says ASCII, where Python's UTF-8 mode writes UTF-8.
    """
    started = sys.__stdout__
    if started is not None:
        return started.encoding, started.errors or "strict"
    encoding, _, errors = os.environ.get("PYTHONIOENCODING", "").partition(":")
    return encoding or locale.getpreferredencoding(False), errors or "strict"


def text_stream(
    fd: int,
    mode: str,
    encoding: str,
    errors: str,
    lines: bool = False,
    raw: helps.Recorder | None = None,
) -> io.TextIOWrapper:
    """As CPython's ``create_stdio`` makes them: ``-u``/PYTHONUNBUFFERED writers write through
    (as this interpreter's own stdout does: that is fixed at start, like the encoding)."""
    unbuffered = bool(getattr(sys.__stdout__, "write_through", False))
    buffered = not (unbuffered and "w" in mode)
    binary: Any = io.open(fd, mode, -1 if buffered else 0, closefd=False) if raw is None else raw  # noqa: SIM115, UP020 - closed by the slate
    if raw is not None and buffered:
        binary = io.BufferedWriter(raw)
    line_buffering = buffered and (lines or os.isatty(fd))
    return io.TextIOWrapper(
        binary,
        encoding,
        errors,
        newline="\n",
        line_buffering=line_buffering,
        write_through=not buffered,
    )


def exit_status(code: object) -> int:
    """A plain int (``marshal`` refuses an IntEnum such as ``ExitCode``)."""
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1


def resident_bytes() -> int:
    """This process's resident set size (``/proc/self/statm``: pages)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
