"""Running pg_dump and pg_restore against a URL, the password only in a private passfile.

libpq reads the password from a 0600 PGPASSFILE in a 0700 directory of the
invoking user's, removed afterwards: never from argv or the environment,
which other users can read in /proc. The URL handed over keeps every other
libpq parameter (sslmode, the socket directory, ...).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from todo_cli.errors import DatabaseUnreachableError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SECRET_PARAMS = ("password", "sslpassword")
DUMP_TIMEOUT_SECONDS = 3600


def libpq_uri(url: URL) -> tuple[str, str | None]:
    """The URL as libpq takes it, without its password; and the password."""
    from sqlalchemy.engine import URL

    password = url.password or url.query.get("password")
    query = {key: value for key, value in url.query.items() if key not in SECRET_PARAMS}
    # URL.set(password=None) keeps the password: build the URL without one.
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, query)
    secret = password if isinstance(password, str) else None
    return bare.render_as_string(hide_password=False), secret


@contextmanager
def passfile(password: str | None) -> Iterator[dict[str, str]]:
    """The environment that hands libpq ``password`` through a private file, for one run."""
    if password is None:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="todo-pgpass-") as directory:  # 0700
        path = Path(directory) / "pgpass"
        escaped = password.replace("\\", "\\\\").replace(":", "\\:")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(f"*:*:*:*:{escaped}\n")
        yield {"PGPASSFILE": str(path)}


def dump(program: Path, url: URL, destination: Path) -> None:
    """pg_dump -Fc of the URL's database into ``destination`` (written whole, or not at all)."""
    uri, password = libpq_uri(url)
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.close(descriptor)
        _run(program, ["--format=custom", f"--file={partial}", f"--dbname={uri}"], password)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def restore(program: Path, url: URL, source: Path, *, clean: bool) -> None:
    """pg_restore ``source`` into the URL's database in one transaction: all of it or nothing."""
    uri, password = libpq_uri(url)
    options = ["--single-transaction", "--exit-on-error", "--no-owner", f"--dbname={uri}"]
    if clean:
        options += ["--clean", "--if-exists"]
    _run(program, [*options, str(source)], password)


def _run(program: Path, args: Sequence[str], password: str | None) -> None:
    with passfile(password) as secret_env, tempfile.TemporaryFile() as output:
        env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PGPASSFILE")}
        try:
            completed = subprocess.run(
                [str(program), *args],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**env, **secret_env},
                timeout=DUMP_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DatabaseUnreachableError(f"{program.name} failed: {exc}") from exc
        output.seek(0)
        text = output.read().decode(errors="replace")
    if completed.returncode != 0:
        raise DatabaseUnreachableError(f"{program.name} failed: {_first_error(text)}")


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[0]
