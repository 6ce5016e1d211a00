"""The embedded server's backups: ``backups/`` in the data dir, 0700, each archive 0600.

A backup's name says when it was taken (UTC) and why: ``manual`` (`todo db
backup` without FILE), ``daily``, ``pre-migration`` or ``pre-upgrade``. Only
the automatic kinds are pruned to the newest ``backup_keep``; a backup a
person asked for stays until they remove it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from todo_cli.embedded.private_paths import private_dir

Kind = Literal["manual", "daily", "pre-migration", "pre-upgrade"]
AUTOMATIC: tuple[Kind, ...] = ("daily", "pre-migration", "pre-upgrade")
DIRECTORY = "backups"
STAMP = "%Y%m%dT%H%M%S%fZ"
NAME = re.compile(r"todo-(?P<stamp>\d{8}T\d{12}Z)-(?P<kind>[a-z-]+)\.dump")


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str
    taken_at: datetime
    size: int

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "taken_at": self.taken_at.isoformat(),
            "bytes": self.size,
        }


def backups_dir(data_dir: Path) -> Path:
    return data_dir / DIRECTORY


def new_backup_path(data_dir: Path, kind: Kind, now: datetime) -> Path:
    """Where a backup taken ``now`` goes; the directory is made (or checked) private."""
    directory = backups_dir(data_dir)
    private_dir(directory, owner=os.geteuid())
    return directory / f"todo-{now.astimezone(UTC).strftime(STAMP)}-{kind}.dump"


def list_backups(data_dir: Path) -> list[Backup]:
    """The backups in the data dir, oldest first (none when there is no backups dir)."""
    try:
        entries = list(os.scandir(backups_dir(data_dir)))
    except FileNotFoundError:
        return []
    found = [_backup(entry) for entry in entries if entry.is_file(follow_symlinks=False)]
    return sorted((backup for backup in found if backup), key=lambda backup: backup.taken_at)


def _backup(entry: os.DirEntry[str]) -> Backup | None:
    match = NAME.fullmatch(entry.name)
    if match is None:
        return None
    taken_at = datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
    return Backup(Path(entry.path), match["kind"], taken_at, entry.stat().st_size)


def prune(data_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` automatic backups; the ones removed."""
    automatic = [backup for backup in list_backups(data_dir) if backup.kind in AUTOMATIC]
    doomed = automatic[: max(len(automatic) - keep, 0)]
    for backup in doomed:
        backup.path.unlink(missing_ok=True)
    return [backup.path for backup in doomed]


def taken_since(data_dir: Path, moment: datetime) -> bool:
    return any(backup.taken_at >= moment for backup in list_backups(data_dir))
