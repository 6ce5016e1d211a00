"""The ``todo`` entry point: hand the command to the agent, or run it here.

Imports only interpreter built-ins (``_socket``, ``_signal``, ``marshal``,
``_struct``) plus ``todo_cli.rendezvous``'s runtime and protocol: interpreter
start-up is the floor of every command, so this module must add next to nothing to it.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found,unused-ignore]
import _socket
import os
import sys

from todo_cli.rendezvous import protocol, runtime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

HANDSHAKE_TIMEOUT = 5.0  # seconds; after the worker's pid arrives there is none
FALSE_WORDS = ("0", "false", "f", "no", "n", "off")
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGWINCH", "SIGUSR1", "SIGUSR2")
INTERRUPTED = 130


INTERRUPTED_LINE = "todo: error: interrupted; nothing was changed\n"  # as cli.app reports it
# Typer finds the shell to complete for in the process tree (shellingham): only
# the client's own process sits under the user's shell, a worker under the agent.
OWN_PROCESS_OPTIONS = ("--install-completion", "--show-completion")


def main() -> NoReturn:
    forwarder = Forwarder()  # first of all: a Ctrl-C from here on is noted, never a traceback
    argv = sys.argv[1:]
    paths = None if agent_disabled(os.environ) else runtime.paths()
    code = None
    if paths is not None and not needs_own_process(argv):
        try:
            code = through_agent(paths, argv, forwarder)
        except ForeignAgentError as found:
            warn(str(found))
            paths = None  # and start no agent of ours into that directory
    if code is None:
        if paths is not None and may_start_agent(argv):
            start_agent(paths)
        run_in_process(forwarder)
    sys.exit(code)


def needs_own_process(argv: list[str]) -> bool:
    """Shell completion's installation looks for the user's shell among our ancestors."""
    return any(arg.partition("=")[0] in OWN_PROCESS_OPTIONS for arg in argv)


def agent_disabled(environ: os._Environ[str]) -> bool:
    """``TODO_AGENT=0`` (any word pydantic reads as false) keeps everything in-process."""
    return environ.get("TODO_AGENT", "").strip().lower() in FALSE_WORDS


def run_in_process(forwarder: Forwarder) -> NoReturn:
    """The command here, as a one-shot process; a Ctrl-C before it began ends it with 130.

    Ctrl-C stays noted (not raised) while the application imports; the
    command's own watch takes it over from there, counting one noted before
    (``cli.interrupts.watching``).
    """
    forwarder.release()
    skip_collections_at_exit()
    if not forwarder.interrupted:
        from todo_cli.cli.app import main as app_main
    if forwarder.interrupted:
        sys.stderr.write(INTERRUPTED_LINE)
        sys.exit(INTERRUPTED)
    app_main()
    sys.exit(0)  # pragma: no cover - the app always exits


def skip_collections_at_exit() -> None:
    """At exit, move every object to the GC's permanent generation before shutdown collects.

    Interpreter shutdown runs full garbage collections over everything the
    imports made (SQLAlchemy, pydantic, Typer: about 0.15 s here, a third of
    an in-process command) only to free memory the OS takes back anyway.
    Frozen, those passes find nothing to scan. Registered first, so it runs
    after every other exit handler (atexit runs them last-in, first-out);
    the standard streams are still flushed and modules still torn down, only
    cyclic garbage left at exit is not finalized (Python never promised that).
    """
    import atexit
    import gc

    atexit.register(gc.freeze)


class Forwarder:
    """Passes the signals the client receives on to the worker (as ``chg`` does)."""

    def __init__(self) -> None:
        self.worker: int | None = None
        self.pending: list[int] = []
        self.received: list[int] = []
        for name in FORWARDED:
            _signal.signal(getattr(_signal, name), self.handle)

    def handle(self, signum: int, _frame: object) -> None:
        self.received.append(signum)
        if self.worker is None:
            self.pending.append(signum)  # re-sent to ourselves if we run the command here
        else:
            os.kill(self.worker, signum)

    @property
    def interrupted(self) -> bool:
        """Ctrl-C came (read by ``cli.interrupts.watching`` through our handler)."""
        return _signal.SIGINT in self.received

    def release(self) -> None:
        """The command runs here after all: default handlers again, pending signals re-sent.

        All but SIGINT, which stays noted: ``run_in_process`` answers it.
        """
        for name in FORWARDED:
            if name != "SIGINT":
                _signal.signal(getattr(_signal, name), _signal.SIG_DFL)
        for signum in self.pending:
            if signum != _signal.SIGINT:
                os.kill(os.getpid(), signum)
        self.pending.clear()

    def attach(self, worker: int) -> Forwarder:
        self.worker = worker
        for signum in self.pending:
            os.kill(worker, signum)
        self.pending.clear()
        return self

    def detach(self) -> None:
        """No worker serves us any more: later signals are ours alone (it serves others now)."""
        self.worker = None


class ForeignAgentError(Exception):
    """The socket in our private directory is served by another user: tell it nothing."""


def through_agent(paths: runtime.Paths, argv: list[str], forwarder: Forwarder) -> int | None:
    """The command's exit code from the agent; None when it must run in-process."""
    connection = connect(paths)
    if connection is None:
        return None
    try:
        worker = handshake(connection, argv)
        code = None if worker is None else outcome(connection, forwarder.attach(worker))
    finally:
        forwarder.detach()  # before we hang up: the worker waits for that to serve others
        connection.close()
    return code


def connect(paths: runtime.Paths) -> _socket.socket | None:
    """A connection to our own agent, or None; ForeignAgentError when another user's answers.

    The directory is opened and checked first and the socket reached through
    that descriptor, so a directory renamed into its place meanwhile is never
    the one we connect into; then the kernel says whose agent answered,
    before a single byte (argv, environment, our stdio) goes out.
    """
    directory = runtime.open_private(paths.directory)
    if directory is None:
        return None
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    connection.settimeout(HANDSHAKE_TIMEOUT)
    try:
        connection.connect(runtime.address_in(directory, paths.socket))
        owner = runtime.peer_uid(connection)
    except OSError:  # no socket, refused (a dead agent), timeout
        connection.close()
        return None
    finally:
        os.close(directory)
    if owner != os.geteuid():
        connection.close()
        raise ForeignAgentError(
            f"the agent socket {paths.socket} is served by uid {owner}, not by you; "
            "running without the agent"
        )
    return connection


def handshake(connection: _socket.socket, argv: list[str]) -> int | None:
    """Send the request; the worker's pid once it waits for our go-ahead."""
    try:
        protocol.send(connection, request(argv), fds=(0, 1, 2))
        reply = protocol.receive(connection)
        if reply[0] != "pid" or not isinstance(reply[1], int) or reply[1] <= 1:
            return None  # never signal pid 0, -1 or init on anyone's word
        connection.sendall(protocol.GO)
    except (OSError, protocol.ProtocolError, IndexError, TypeError):
        return None  # the worker never starts without GO: safe to run in-process
    connection.settimeout(None)
    return int(reply[1])


def request(argv: list[str]) -> dict[str, object]:
    return {
        "version": protocol.VERSION,
        "kind": "run",
        "argv": argv,
        "env": dict(os.environb),
        "cwd": os.getcwdb(),
        "umask": current_umask(),
    }


def current_umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def outcome(connection: _socket.socket, forwarder: Forwarder) -> int | None:
    try:
        kind, value = protocol.receive(connection)
    except (OSError, protocol.ProtocolError, ValueError, TypeError):
        return died("the agent's worker vanished without an exit code")
    if kind == "exit":
        return int(value)
    if kind == "declined":
        return None
    return killed(int(value), forwarder)


def killed(signum: int, forwarder: Forwarder) -> int:
    if signum == _signal.SIGINT:
        return INTERRUPTED
    if signum in forwarder.received:  # die the way a one-shot process would have
        _signal.signal(signum, _signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    return died(f"the command's process was killed by signal {signum}")


def died(reason: str) -> int:
    sys.stderr.write(f"todo: error: {reason}\n")
    return 1


def warn(text: str) -> None:
    sys.stderr.write(f"todo: warning: {text}\n")


# Commands that stop things: starting an agent for the next command would
# undo what the user just did (`todo agent stop; todo db stop`).
STOPPING = (("agent",), ("db", "stop"))


def may_start_agent(argv: list[str]) -> bool:
    """Not for a command that stops things (``STOPPING``), nor with ``agent = false``."""
    words = [arg for arg in argv if not arg.startswith("-")]
    if any(tuple(words[: len(command)]) == command for command in STOPPING):
        return False
    from todo_cli.errors import TodoError
    from todo_cli.settings import load_settings

    try:
        return load_settings().agent
    except TodoError:
        return False  # the command itself will report the configuration


def start_agent(paths: runtime.Paths) -> None:
    """A detached agent for the next command; this one does not wait for it.

    The log is appended to: a live agent (one that did not answer us) may be
    writing it. Only a dead agent's log is emptied first.
    """
    import subprocess

    from todo_cli import notices
    from todo_cli.rendezvous.control import agent_alive

    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
    log = os.open(paths.log, flags, 0o600)
    try:
        if not agent_alive(paths.lock):
            os.ftruncate(log, 0)
        subprocess.Popen(
            [*agent_command(), paths.install, paths.directory, paths.environment],
            env=runtime.agent_environment(os.environ),  # none of our secrets: see agent_command
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd="/",
            start_new_session=True,
            close_fds=True,
        )
    finally:
        os.close(log)
    notices.agent_started()


def agent_command() -> list[str]:
    """The agent's interpreter, started as ours was: same UTF-8 mode, same interpreter variables.

    Our ``LC_CTYPE`` may be coerced already (C locale -> C.UTF-8), which alone
    would not turn UTF-8 mode on in the agent as it did here: so ``-X utf8``.
    """
    utf8 = f"utf8={sys.flags.utf8_mode}"
    return [sys.executable, "-X", utf8, "-P", "-m", "todo_cli.agent.server"]
