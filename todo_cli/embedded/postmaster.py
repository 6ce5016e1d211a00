"""Is the cluster's server running? Read from postmaster.pid, checked against the process table.

A postmaster killed with -9 leaves its postmaster.pid behind. The PID in it
may then be dead, a zombie, or reused by an unrelated process; PostgreSQL
itself refuses to start over a live PID. We count a postmaster as running
only when that PID is a live ``postgres`` process of the cluster's owner
whose working directory is the cluster (a postmaster works in its data dir).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from todo_cli.embedded.private_paths import SOCKET_NAME, read_text, remove_files
from todo_cli.errors import DatabaseUnreachableError

if TYPE_CHECKING:
    import psutil

PID_FILE = "postmaster.pid"
# Backends of a killed postmaster notice and exit within moments; until then
# they still hold the cluster, and a new postmaster must not start beside them.
LEFTOVER_GRACE_SECONDS = 10


@dataclass(frozen=True)
class Postmaster:
    pid: int
    socket_dir: Path | None
    tcp_addresses: str  # empty when it listens on no TCP address

    def serves_only(self, socket_dir: Path) -> bool:
        return self.socket_dir == socket_dir and not self.tcp_addresses


def running_postmaster(pgdata: Path) -> Postmaster | None:
    """The cluster's postmaster if it really runs; None for none or a stale postmaster.pid."""
    import psutil

    recorded = read_pid_file(pgdata)
    if recorded is None:
        return None
    try:
        process = psutil.Process(recorded.pid)
    except psutil.Error:
        return None
    return recorded if _belongs_to(process, pgdata) else None


def read_pid_file(pgdata: Path) -> Postmaster | None:
    # Lines: pid, data dir, start time, port, socket dir, TCP addresses, shared memory, status.
    try:
        text = read_text(pgdata / PID_FILE)
    except OSError:  # no such cluster, or not ours to read
        return None
    lines = (text or "").splitlines()
    if len(lines) < 6 or not lines[0].strip().isdigit():
        return None  # absent, or being written by a starting postmaster
    socket_dir = Path(lines[4].strip()) if lines[4].strip() else None
    return Postmaster(int(lines[0]), socket_dir, lines[5].strip())


def _belongs_to(process: psutil.Process, pgdata: Path) -> bool:
    """A live postgres of the cluster's owner, working in the cluster."""
    import psutil

    try:
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and process.name() == "postgres"
            and process.uids().real == pgdata.stat().st_uid
            and Path(process.cwd()) == pgdata
        )
    except (psutil.Error, OSError):  # gone, or someone else's: not the cluster's either way
        return False


def clear_stale_files(pgdata: Path, socket_dir: Path) -> None:
    """After a crash: wait for the dead server's backends, then remove what it left.

    Called only with the cluster lock held and no postmaster running.
    """
    _wait_for_leftovers(pgdata)
    lock = socket_dir / f"{SOCKET_NAME}.lock"
    remove_files(pgdata / PID_FILE, lock, socket_dir / SOCKET_NAME)


def _wait_for_leftovers(pgdata: Path) -> None:
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    while leftovers := _cluster_processes(pgdata):
        if time.monotonic() > deadline:
            pids = ", ".join(str(process.pid) for process in leftovers)
            raise DatabaseUnreachableError(
                f"processes of an earlier PostgreSQL server still use {pgdata} (pids {pids}); "
                "stop them and retry"
            )
        time.sleep(0.1)


def _cluster_processes(pgdata: Path) -> list[psutil.Process]:
    import psutil

    named = (p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres")
    return [process for process in named if _belongs_to(process, pgdata)]
