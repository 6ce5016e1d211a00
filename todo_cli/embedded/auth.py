"""The embedded cluster's second wall: a SCRAM password for its superuser.

The first wall is the socket's private directory. Behind it the cluster
still asks for a password, generated when it is initialised and kept in a
0600 file in the data dir that only the invoking user can read (as root the
data dir is one the server account can pass through but not read).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from todo_cli.embedded.account import ServerAccount
from todo_cli.embedded.private_paths import read_text, write_atomically

SUPERUSER = "postgres"
PASSWORD_FILE = "superuser.password"
PRIVATE_METHODS = {"scram-sha-256", "reject"}
# What an existing cluster's pg_hba.conf becomes (a new one gets the same from
# initdb's --auth-local=scram-sha-256 --auth-host=reject).
PRIVATE_HBA = """\
# Written by todo. Local socket only, and only with the superuser's password
# (SCRAM); the server listens on no TCP address at all.
# TYPE  DATABASE  USER  METHOD
local   all       all   scram-sha-256
"""


def password_path(data_dir: Path) -> Path:
    return data_dir / PASSWORD_FILE


def read_password(data_dir: Path) -> str | None:
    text = read_text(password_path(data_dir))
    return text.strip() if text and text.strip() else None


def ensure_password(data_dir: Path) -> str:
    """The cluster's password: the one on file, or a new one written (0600) before first use."""
    existing = read_password(data_dir)
    if existing is not None:
        return existing
    password = secrets.token_urlsafe(32)
    write_atomically(password_path(data_dir), password + "\n", mode=0o600)
    return password


@contextmanager
def initdb_password_file(data_dir: Path, account: ServerAccount, password: str) -> Iterator[Path]:
    """A copy of the password that initdb (run as the server account) can read, for its run only.

    It lives in the data dir, which the server account may enter but not list.
    """
    descriptor, name = tempfile.mkstemp(prefix=".initdb-password-", dir=data_dir)
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchown(file.fileno(), account.uid, -1)
            file.write(password + "\n")
        yield path
    finally:
        path.unlink(missing_ok=True)


def set_password_sql(password: str) -> str:
    # token_urlsafe's alphabet needs no quoting inside a SQL literal.
    return f"ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n"


def hba_is_private(text: str | None) -> bool:
    """Every rule of this pg_hba.conf asks for the password (SCRAM) or rejects."""
    if text is None:
        return False
    rules = [line.split("#", 1)[0].split() for line in text.splitlines()]
    return all(_method(rule) in PRIVATE_METHODS for rule in rules if rule)


def _method(rule: list[str]) -> str:
    # local DATABASE USER METHOD; host DATABASE USER ADDRESS METHOD (include lines fail too)
    position = 3 if rule[0] == "local" else 4
    return rule[position] if len(rule) > position else ""
