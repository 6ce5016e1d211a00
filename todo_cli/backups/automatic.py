"""The embedded server's automatic backups: before every migration, and once a day.

The daily one is taken by a detached process (``python -m
todo_cli.backups.automatic DATA_DIR KEEP``), started through ``sh ... &`` so
neither the command nor a resident agent waits for it or is left with a
zombie; it never delays the command that noticed it was due. A lock in
backups/ keeps two such processes from taking the same day's backup twice.
Both kinds are pruned to the newest ``backup_keep`` (0 turns them off).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from todo_cli.backups import archive, dumps

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DAILY_LOCK = ".daily.lock"
DETACH = '"$0" -m todo_cli.backups.automatic "$1" "$2" </dev/null >/dev/null 2>&1 &'


def before_migration(data_dir: Path, url: URL, keep: int) -> Path | None:
    """A backup of the embedded database about to be migrated; None when they are off."""
    from todo_cli import clock
    from todo_cli.backups.programs import embedded_program

    if keep <= 0:
        return None
    destination = archive.new_backup_path(data_dir, "pre-migration", clock.now())
    dumps.dump(embedded_program("pg_dump"), url, destination)
    archive.prune(data_dir, keep)
    return destination


def daily_due(data_dir: Path, keep: int, now: datetime) -> bool:
    """Automatic backups are on, the cluster is older than today and has no backup from today.

    A cluster made today (initdb or a major upgrade, which took its own
    backup) holds nothing from before today: its first daily backup is
    tomorrow's first command's.
    """
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    born = _cluster_born(data_dir)
    if keep <= 0 or born is None or born >= midnight:
        return False
    return not archive.taken_since(data_dir, midnight)


def _cluster_born(data_dir: Path) -> datetime | None:
    """When the cluster was made: initdb writes PG_VERSION once and nothing touches it again."""
    from todo_cli.embedded.server import pgdata_path

    try:
        made = os.stat(pgdata_path(data_dir) / "PG_VERSION").st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(made).astimezone()


def start_daily_when_due(data_dir: Path, keep: int) -> bool:
    """Start today's backup in a detached process if it is due; whether it was started."""
    from todo_cli import clock

    if not daily_due(data_dir, keep, clock.now()):
        return False
    start_daily(data_dir, keep)
    return True


def start_daily(data_dir: Path, keep: int) -> None:
    """Take today's backup in a detached process; returns at once."""
    subprocess.run(
        ["/bin/sh", "-c", DETACH, sys.executable, str(data_dir), str(keep)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C at the terminal is the command's, not the backup's
        check=False,
    )


def take_daily(data_dir: Path, keep: int) -> Path | None:
    """Today's backup, unless another process is taking it or it was taken already."""
    from sqlalchemy.engine import make_url

    from todo_cli import clock, embedded
    from todo_cli.backups.programs import embedded_program

    destination = archive.new_backup_path(data_dir, "daily", clock.now())
    descriptor = os.open(destination.parent / DAILY_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    try:
        if not daily_due(data_dir, keep, clock.now()):
            return None
        server = embedded.ensure_running(data_dir)
        dumps.dump(embedded_program("pg_dump"), make_url(server.url), destination)
        archive.prune(data_dir, keep)
        return destination
    finally:
        os.close(descriptor)


def main(argv: list[str]) -> int:
    data_dir, keep = Path(argv[0]), int(argv[1])
    try:
        take_daily(data_dir, keep)
    except Exception:  # detached: nobody to tell; the next command tries again
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
