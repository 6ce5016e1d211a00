"""Database passwords in the system keyring, never in the config file."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

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


def with_password(url: URL) -> URL:
    """``url`` with the keyring's password filled in when the URL has none.

    Without one, asyncpg itself reads PGPASSWORD and ~/.pgpass, as libpq does.
    """
    if url.password is not None:
        return url
    password = stored_password(url)
    return url if password is None else url.set(password=password)
