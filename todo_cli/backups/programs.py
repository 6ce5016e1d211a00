"""Which pg_dump and pg_restore to run: the wheel's for the embedded server, PATH's for others.

pg_dump refuses a server of a newer major than its own, and a newer pg_restore
sets what an older server does not know (pg_restore 17+ sends `SET
transaction_timeout`, unknown before PostgreSQL 17). So for a server todo does
not run, every directory on PATH is looked in, and the program of the server's
own major wins; failing that the nearest newer one (dumping works, restoring
may not); an older one never.
"""

from __future__ import annotations

import os
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
    """``name`` from PATH of the nearest major at or above the server's (the server's own
    when there is one; the first on PATH among equals); else ConfigError saying so."""
    found = [(major, path) for path in _all_on_path(name) if (major := program_major(path))]
    fitting = [(major, path) for major, path in found if major >= server_major]
    if not fitting:
        have = ", ".join(f"{path} (PostgreSQL {major})" for major, path in found) or "none"
        raise ConfigError(
            f"{host} runs PostgreSQL {server_major}: {name} {server_major} or newer must be on "
            f"PATH (found {have}); install PostgreSQL {server_major}'s client programs "
            f"(e.g. postgresql-client-{server_major}) and put their bin directory first on PATH"
        )
    return min(fitting, key=lambda candidate: candidate[0])[1]


def _all_on_path(name: str) -> list[Path]:
    """Every executable ``name`` on PATH, in PATH's order (``shutil.which`` gives the first)."""
    found: list[Path] = []
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        program = shutil.which(name, path=directory) if directory else None
        if program is not None and Path(program) not in found:
            found.append(Path(program))
    return found


def program_major(program: Path) -> int | None:
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = VERSION.search(output)
    return int(match.group(1)) if match else None
