"""What a running embedded server is, shared by the package's front and its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATABASE = "postgres"


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    url: str  # carries the password: for this process's own connections, never printed
    pid: int
    created: bool = False  # initialised by this call (the first command on this data dir)
    upgraded: str | None = None  # what this call did to bring an older major's data up


def pgdata_path(data_dir: Path) -> Path:
    return data_dir / "pgdata"
