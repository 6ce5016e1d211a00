"""Turning driver exceptions into domain errors: connecting, timeouts, locks, conflicts.

Nothing here repeats SQLAlchemy's text of an error: it carries the statement
and its parameters (a task's title, a token's hash), which a user never needs
to see; the server's own first line is what a message quotes.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from todo_cli.errors import (
    ConfigError,
    ConflictError,
    CredentialsError,
    DatabaseUnreachableError,
    TodoError,
)

# Another client's prepared statement is there, or ours is gone: a pooler in
# transaction mode is sharing server connections between clients.
POOLER_SQLSTATES = {"42P05", "26000"}
POOLER_HINT = (
    "shares server connections between clients (PgBouncer in transaction mode?); "
    "set TODO_TRANSACTION_POOLING=1"
)
GRANT_HINT = "the schema owner runs `todo db upgrade`, and `todo db grant ROLE` for the users' role"
CREDENTIALS_HINT = "set it with `todo config set-password`, PGPASSWORD or ~/.pgpass"
INTEGRITY_CLASS = "23"  # unique, foreign key, not null, check: the change cannot apply
# What each integrity violation means for the change, in todo's words.
INTEGRITY_REASONS = {
    "23505": "it collides with a row already stored (a number, id or email that is taken)",
    "23503": "it refers to a task or user that does not exist",
    "23502": "it leaves a required value empty",
    "23514": "it breaks one of the schema's rules",
}
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired
QUERY_CANCELED = "57014"  # statement_timeout expired (or an admin cancelled it)
# The server could not write: a table, an index or the WAL found its disk full.
DISK_FULL = "53100"
NO_SPACE_HINT = "nothing was changed; free some space there and retry"
# The server is going away under us: shut down by an admin, or restarting after
# a crash (one backend's failed WAL write takes every session down), or not yet back.
SERVER_GOING_AWAY = {"57P01", "57P02", "57P03"}


@contextmanager
def connection_errors(host: str) -> Iterator[None]:
    """Report a failed connection or statement on ``host`` as exit 4, 5, 6 or 8, with why."""
    try:
        yield
    except TodoError:
        raise
    except Exception as exc:
        error = classify(exc, host)
        if error is None:
            raise
        raise error from exc


def classify(exc: BaseException, host: str) -> TodoError | None:
    for cause in _chain(exc):
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate == LOCK_NOT_AVAILABLE:
            return ConflictError(
                "another session holds a lock on these tasks; nothing was changed; try again"
            )
        if isinstance(sqlstate, str) and sqlstate.startswith(INTEGRITY_CLASS):
            reason = INTEGRITY_REASONS.get(sqlstate, "it breaks the database's integrity rules")
            return ConflictError(f"the database refused the change: {reason}; nothing was changed")
        if sqlstate == DISK_FULL:
            return DatabaseUnreachableError(
                f"the database server ({host}) has no space left on its disk ({cause}); "
                + NO_SPACE_HINT
            )
        if sqlstate in SERVER_GOING_AWAY:
            return DatabaseUnreachableError(
                f"{host} is shutting down or restarting ({cause}); try again shortly"
            )
        if sqlstate == QUERY_CANCELED:
            return DatabaseUnreachableError(
                f"{host} cancelled the statement ({cause}); nothing was changed; "
                "try again, or raise statement_timeout"
            )
        if isinstance(sqlstate, str) and sqlstate.startswith("28"):
            return CredentialsError(f"{host} refused the credentials: {cause}; {CREDENTIALS_HINT}")
        if sqlstate == "42501":  # insufficient_privilege: a role nobody granted access
            return CredentialsError(f"{host} refused access: {cause}; {GRANT_HINT}")
        if sqlstate in POOLER_SQLSTATES:
            return ConfigError(f"{host} {POOLER_HINT}")
        if sqlstate == "3D000":
            return DatabaseUnreachableError(f"cannot use the database at {host}: {cause}")
        if isinstance(sqlstate, str) and sqlstate.startswith("08"):  # connection exception
            return DatabaseUnreachableError(f"cannot reach {host}: {cause}")
        if isinstance(cause, socket.gaierror):
            return DatabaseUnreachableError(f"cannot reach {host}: unknown host ({cause.strerror})")
        if isinstance(cause, TimeoutError):
            return DatabaseUnreachableError(f"no answer from {host} in time (timed out)")
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return DatabaseUnreachableError(f"no space left on the disk ({cause}); {NO_SPACE_HINT}")
        if isinstance(cause, OSError):
            return DatabaseUnreachableError(f"cannot reach {host}: {_reason(cause)}")
    return None


def no_space_line(text: str) -> str | None:
    """The line of a server's output or log that says a write found the disk full, if any.

    The server words it with the OS's own text (strerror of ENOSPC).
    """
    needle = os.strerror(errno.ENOSPC)
    return next((line.strip() for line in text.splitlines() if needle in line), None)


def _reason(exc: OSError) -> str:
    # asyncio words a refused connect as "Connect call failed (addr)"; the errno says why.
    # (An SSLError's errno is OpenSSL's, not the OS's: keep its own text.)
    if exc.errno and not isinstance(exc, ssl.SSLError):
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__


def driver_message(exc: BaseException) -> str:
    """The server's (or driver's) first line for ``exc``, without SQLAlchemy's statement,
    parameters and link; ``str(exc)`` for anything else."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return str(exc).split("\n")[0]
    return str(orig.__cause__ or orig).split("\n")[0]


def describe_unexpected(exc: BaseException) -> str:
    """An error nobody foresaw, named by its type and its own first line."""
    orig = getattr(exc, "orig", None)
    kind = type(orig.__cause__ or orig) if orig is not None else type(exc)
    return f"{kind.__name__}: {driver_message(exc)}"


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE a database error carries anywhere in its chain, if any."""
    for cause in _chain(exc):
        code = getattr(cause, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None
