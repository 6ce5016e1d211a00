"""Database passwords in the system keyring, never in the config file."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from todo_cli.db.urls import has_password
from todo_cli.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SERVICE = "todo-cli"
ALTERNATIVES = "set PGPASSWORD, or add the password to ~/.pgpass"
log = logging.getLogger(__name__)


def keyring_account(url: URL) -> str:
    """One keyring entry per role, server and database."""
    return f"{url.username or ''}@{url.host or ''}:{url.port or 5432}/{url.database or ''}"


def stored_password(url: URL) -> str | None:
    """The keyring's password for ``url``; None when absent or no keyring works."""
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE, keyring_account(url))
    except keyring.errors.KeyringError as exc:
        log.debug("no keyring password (%s); falling back to PGPASSWORD/.pgpass", exc)
        return None


def store_password(url: URL, password: str) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.set_password(SERVICE, keyring_account(url), password)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(f"no usable system keyring ({exc}); {ALTERNATIVES}") from exc


def require_keyring() -> None:
    """ConfigError unless a keyring backend would really keep a password.

    keyring falls back to backends that fail (``fail``) or silently keep
    nothing (``null``, an empty chainer); all of them have a priority of 0 or less.
    """
    import keyring

    backend = keyring.get_keyring()
    if not _keeps_passwords(backend):
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        raise ConfigError(f"no usable system keyring (the backend is {name}); {ALTERNATIVES}")


def _keeps_passwords(backend: object) -> bool:
    try:
        return float(backend.priority) > 0  # type: ignore[attr-defined]
    except Exception:  # a backend that cannot even say its priority is unusable
        return False


def with_password(url: URL) -> URL:
    """``url`` with the keyring's password filled in when the URL has none.

    Without one, asyncpg itself reads PGPASSWORD and ~/.pgpass, as libpq does.
    """
    if has_password(url):
        return url
    password = stored_password(url)
    return url if password is None else url.set(password=password)
