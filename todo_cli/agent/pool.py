"""The agent's workers: a small prefork pool with an idle worker always ready.

Each request goes to the most recently used idle worker (its pool and
compiled-statement cache are the warmest) over that worker's channel, a
socketpair carrying the request and, by SCM_RIGHTS, the client's connection,
stdin, stdout and stderr. When the last idle worker takes a request another
is forked (up to ``MAX_WORKERS``), so concurrent clients, or a prompt
waiting at one terminal, never wait behind a busy worker; with every worker
busy the request is declined and that client runs it in-process. Idle
workers beyond ``MIN_WORKERS`` exit after the spare timeout.

The agent keeps its own copy of each connection being served: a worker
killed mid-request cannot say so, the agent tells its client by which
signal (and forks a replacement).

gunicorn's two backstops: a worker retires after ``max_requests`` requests
plus a random jitter (so workers forked together do not all retire
together), and a worker stuck past ``timeout`` is killed and replaced. Stuck
means: its client has gone (the agent sees its connection hang up) and the
worker has not said it is done within ``timeout`` seconds. While its client
is there a command may run as long as it likes (a prompt, a migration, a
lock wait): its user can interrupt it, as a one-shot process.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from todo_cli.rendezvous import protocol, runtime

MAX_WORKERS = 8
MIN_WORKERS = 2  # the one serving and the one ready: a lone user never waits for a fork
CHANNEL_TIMEOUT = 5.0  # seconds; a worker always listens on its channel between requests


@dataclass(frozen=True)
class Backstops:
    """gunicorn's ``max_requests``, ``max_requests_jitter`` and ``timeout``, for our workers."""

    max_requests: int = 0  # 0: no limit
    jitter: int = 0
    timeout: float = 30.0  # seconds a worker may go on once its client has gone

    def budget(self, chance: random.Random) -> int:
        """How many requests one new worker serves (gunicorn: max + randint(0, jitter))."""
        if self.max_requests <= 0:
            return sys.maxsize
        return self.max_requests + chance.randint(0, max(self.jitter, 0))


@dataclass
class Handle:
    """The agent's side of one worker."""

    pid: int
    channel: socket.socket
    budget: int = sys.maxsize  # requests it serves before it retires
    busy: bool = False  # from the request handed over to its "done"
    client: socket.socket | None = None  # our copy of its client's connection, while there
    deadline: float | None = None  # busy with its client gone: done by then, or killed
    idle_since: float = field(default_factory=time.monotonic)
    served: int = 0
    leaving: bool = False  # told to go, or going: no more requests

    @property
    def idle(self) -> bool:
        return not self.busy and not self.leaving

    def describe(self) -> dict[str, Any]:
        return {"pid": self.pid, "busy": self.busy, "served": self.served}


class Pool:
    def __init__(
        self,
        start_worker: Callable[[socket.socket], NoReturn],
        spare_timeout: float,
        backstops: Backstops | None = None,
    ) -> None:
        self.start_worker = start_worker  # runs in the forked child
        self.spare_timeout = spare_timeout
        self.backstops = backstops or Backstops()
        self.chance = random.Random()  # the agent's own: forked workers would share one state
        self.workers: dict[int, Handle] = {}
        self.closing = False
        self.stop_requested = False  # a worker found `agent = false` in a request's config

    def live(self) -> list[Handle]:
        return [handle for handle in self.workers.values() if not handle.leaving]

    def busy(self) -> bool:
        return any(handle.busy for handle in self.workers.values())

    def channels(self) -> dict[int, Handle]:
        return {handle.channel.fileno(): handle for handle in self.live()}

    def clients(self) -> dict[int, Handle]:
        """Busy workers' client connections, watched for the client hanging up."""
        return {h.client.fileno(): h for h in self.workers.values() if h.client is not None}

    def fill(self) -> None:
        """At least ``MIN_WORKERS``, and one of them idle (within ``MAX_WORKERS``).

        Only where the agent holds no client's descriptors but those in
        ``Handle.client``: a worker forked with a client's stdout open would
        keep that pipe from ever reaching EOF.
        """
        while not self.closing:
            live = self.live()
            short = len(live) < MIN_WORKERS or not any(handle.idle for handle in live)
            if not short or len(live) >= MAX_WORKERS:
                return
            self.spawn()

    def spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the worker's life is in worker.run
            ours.close()
            self.start_worker(theirs)
        theirs.close()
        ours.settimeout(CHANNEL_TIMEOUT)
        self.workers[pid] = Handle(pid, ours, budget=self.backstops.budget(self.chance))

    def dispatch(self, connection: socket.socket, request: Any, fds: list[int]) -> bool:
        """Hand the request to an idle worker; False when every worker is busy."""
        while True:
            idle = [handle for handle in self.live() if handle.idle]
            if not idle:
                return False
            handle = max(idle, key=lambda each: each.idle_since)  # the warmest
            try:
                protocol.send(handle.channel, request, fds=(connection.fileno(), *fds))
            except OSError:  # it died while idle: reap() will see it
                self.leave(handle)
                continue
            handle.client, handle.busy, handle.deadline = connection, True, None
            return True

    def on_message(self, handle: Handle) -> None:
        """A worker is done with its request (or its channel broke: it is going)."""
        try:
            _done, retire, stop_agent = protocol.receive(handle.channel)
        except (OSError, protocol.ProtocolError, ValueError, TypeError):
            self.leave(handle)  # reap() tells its client, if it had one
            return
        self.forget_client(handle)
        handle.busy, handle.deadline = False, None
        handle.served += 1
        handle.idle_since = time.monotonic()
        self.stop_requested = self.stop_requested or bool(stop_agent)
        if retire or handle.served >= handle.budget:
            self.leave(handle)

    def forget_client(self, handle: Handle) -> None:
        if handle.client is not None:
            handle.client.close()
            handle.client = None

    def client_left(self, handle: Handle) -> None:
        """Its client hung up: from now on the worker has ``timeout`` seconds to be done."""
        self.forget_client(handle)
        if handle.busy and handle.deadline is None:
            handle.deadline = time.monotonic() + self.backstops.timeout

    def kill_stuck(self) -> None:
        """SIGKILL for every worker past its deadline (reap() then replaces it)."""
        now = time.monotonic()
        for handle in self.workers.values():
            if handle.deadline is not None and now > handle.deadline:
                runtime.log(
                    f"worker {handle.pid} still busy {self.backstops.timeout:g}s after its "
                    "client left; killed"
                )
                handle.deadline = None
                self.leave(handle)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGKILL)

    def leave(self, handle: Handle) -> None:
        """No more requests for this worker; an idle one sees its channel close and exits."""
        handle.leaving = True
        handle.channel.close()

    def reap(self) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            handle = self.workers.pop(pid, None)
            if handle is not None:
                handle.channel.close()
                report_death(handle.client, status)

    def retire_spares(self) -> None:
        """Idle workers beyond the minimum exit once idle for the spare timeout (oldest first)."""
        now = time.monotonic()
        idle = sorted((h for h in self.live() if h.idle), key=lambda each: each.idle_since)
        for handle in idle[:-1]:  # the most recently used one stays ready
            if len(self.live()) <= MIN_WORKERS or now - handle.idle_since < self.spare_timeout:
                return
            self.leave(handle)

    def close(self) -> None:
        """Every worker told to go: idle ones exit now, busy ones after their request."""
        self.closing = True
        for handle in self.workers.values():
            self.leave(handle)
            self.forget_client(handle)

    def forget_in_child(self) -> None:
        """In a new worker: the agent's sockets are not ours."""
        for handle in self.workers.values():
            handle.channel.close()
            if handle.client is not None:
                handle.client.close()

    def describe(self) -> list[dict[str, Any]]:
        return [handle.describe() for handle in self.live()]


def report_death(connection: socket.socket | None, status: int) -> None:
    """A worker killed by a signal sent no exit code: tell its client which signal."""
    if connection is None:
        return
    if os.WIFSIGNALED(status):
        runtime.log(f"a worker was killed by signal {os.WTERMSIG(status)}")
        with contextlib.suppress(OSError):
            protocol.send(connection, ("signal", os.WTERMSIG(status)))
    connection.close()
