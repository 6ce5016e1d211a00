"""Asking agents about themselves: ``todo agent status`` and ``todo agent stop``."""

from __future__ import annotations

import fcntl
import glob
import os
import socket
from typing import Any

from todo_cli.rendezvous import protocol, runtime

TIMEOUT = 5.0  # seconds


def ask(path: str, kind: str) -> dict[str, Any] | None:
    """The agent's status reply (``kind`` is status or stop), or None when none answers."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(TIMEOUT)
    try:
        with connection:
            connection.connect(path)
            if runtime.peer_uid(connection) != os.geteuid():
                return None  # another user's socket where ours should be: ask it nothing
            protocol.send(connection, {"version": protocol.VERSION, "kind": kind})
            reply = protocol.receive(connection)
    except (OSError, protocol.ProtocolError):
        return None
    return reply if isinstance(reply, dict) else None


def status(paths: runtime.Paths) -> dict[str, Any]:
    reply = ask(paths.socket, "status")
    base = {"running": reply is not None, "socket": paths.socket, "install": paths.install}
    return {**base, **(reply or {})}


def stop_all(directory: str) -> list[int]:
    """Stop every agent in ``directory`` (this install's and stale ones); their pids."""
    stopped = []
    for path in sorted(glob.glob(os.path.join(glob.escape(directory), "agent-*.sock"))):
        reply = ask(path, "stop")
        if reply is not None:
            stopped.append(int(reply["pid"]))
    return stopped


def agent_alive(lock: str) -> bool:
    """Whether an agent holds ``lock`` (``Paths.lock``): alive, whether it answers or not."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: assume the worst
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases our probe at once
    return False
