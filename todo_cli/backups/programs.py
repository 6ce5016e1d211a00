"""Which pg_dump and pg_restore to run: the wheel's for the embedded server, PATH's for others.

pg_dump refuses a server of a newer major than its own, and an archive is
restored best by the programs of the server's major: for a server todo does
not run, the client programs on PATH must be at least the server's major.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from todo_cli.errors import ConfigError

VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def embedded_program(name: str) -> Path:
    from todo_cli.embedded.account import binaries_dir

    return binaries_dir() / name


def program_on_path(name: str, server_major: int, host: str) -> Path:
    """``name`` from PATH when its major is at least the server's; else ConfigError saying so."""
    found = shutil.which(name)
    major = None if found is None else program_major(Path(found))
    if found is None or major is None or major < server_major:
        have = "none" if found is None else f"{found} (PostgreSQL {major or 'unknown'})"
        raise ConfigError(
            f"{host} runs PostgreSQL {server_major}: {name} {server_major} or newer must be on "
            f"PATH (found {have}); install PostgreSQL {server_major}'s client programs "
            f"(e.g. postgresql-client-{server_major}) and put their bin directory first on PATH"
        )
    return Path(found)


def program_major(program: Path) -> int | None:
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = VERSION.search(output)
    return int(match.group(1)) if match else None
