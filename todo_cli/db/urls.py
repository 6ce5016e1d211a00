"""Database URLs as people paste them, turned into what asyncpg accepts.

libpq (and so every provider's "connection string" box) takes query
parameters that asyncpg's ``connect()`` rejects. Each one is translated into
the connect argument that means the same thing, so a Neon or RDS URL works
as pasted.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from todo_cli.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

ASYNC_DRIVER = "postgresql+asyncpg"
ACCEPTED_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg"}
SSL_FILE_PARAMS = ("sslrootcert", "sslcert", "sslkey")
# asyncpg negotiates SCRAM itself but cannot do channel binding; dropping the
# parameter is what lets a Neon URL (channel_binding=require) connect at all.
DROPPED_PARAMS = ("channel_binding",)
# libpq also takes the password (and the client key's passphrase) in the query.
SECRET_PARAMS = frozenset({"password", "sslpassword"})
MASK = "***"
MAX_PORT = 65535


@dataclass(frozen=True)
class ConnectTarget:
    """An asyncpg URL plus the connect arguments its libpq parameters meant."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)
    transaction_pooling: bool = False

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    @property
    def host(self) -> str:
        return describe_host(self.url)


def parse_url(raw: str) -> URL:
    """A SQLAlchemy URL for a PostgreSQL server, or ConfigError (never echoing a password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError) as exc:
        raise ConfigError("database_url is not a valid URL (postgresql://user@host/db)") from exc
    if url.drivername not in ACCEPTED_SCHEMES:
        raise ConfigError(
            f"database_url scheme {url.drivername!r} is not PostgreSQL; use postgresql://"
        )
    if url.port is not None and not 1 <= url.port <= MAX_PORT:
        raise ConfigError(f"database_url port {url.port} is not between 1 and {MAX_PORT}")
    return url.set(drivername=ASYNC_DRIVER)


def has_password(url: URL) -> bool:
    """A password in the userinfo or, as libpq also accepts, in the query string."""
    return url.password is not None or bool(_secret_params(url))


def mask_url(url: URL) -> str:
    """The URL as a person would write it, every password replaced by ***."""
    secrets = _secret_params(url)
    if secrets:
        url = url.update_query_dict(dict.fromkeys(secrets, MASK))
    shown = url.set(drivername="postgresql").render_as_string(hide_password=True)
    # A query value is percent-encoded; show the mask as the userinfo one reads.
    return shown.replace(quote_plus(MASK), MASK)


def _secret_params(url: URL) -> list[str]:
    return [key for key in url.query if key.lower() in SECRET_PARAMS]


def mask_url_text(raw: str) -> str:
    """Mask a URL given as text, even one that does not parse."""
    try:
        return mask_url(parse_url(raw))
    except ConfigError:
        return "<unparseable URL>"


def describe_host(url: URL) -> str:
    host = url.host or url.query.get("host") or "local socket"
    if isinstance(host, tuple):
        host = ",".join(host)
    return f"{host}:{url.port}" if url.port else str(host)


def is_neon_pooler(url: URL) -> bool:
    return bool(url.host) and "-pooler." in str(url.host)


def translate(url: URL, *, connect_timeout: float, application_name: str) -> ConnectTarget:
    """Move libpq-only query parameters into asyncpg connect arguments."""
    query = dict(url.query)
    params = {key: _single(key, query.pop(key)) for key in _libpq_keys(query)}
    connect_args: dict[str, Any] = {
        "timeout": _timeout(params.get("connect_timeout"), connect_timeout),
        "server_settings": {"application_name": params.get("application_name", application_name)},
    }
    if "options" in params:
        # libpq sends `options` as a startup parameter; so does asyncpg.
        connect_args["server_settings"]["options"] = params["options"]
    if "sslmode" in params or any(key in params for key in SSL_FILE_PARAMS):
        connect_args["ssl"] = ssl_argument(params)
    return ConnectTarget(
        url=url.set(query=query),
        connect_args=connect_args,
        transaction_pooling=is_neon_pooler(url),
    )


def _libpq_keys(query: dict[str, Any]) -> list[str]:
    libpq_only = {"sslmode", "connect_timeout", "application_name", "options"}
    libpq_only.update(SSL_FILE_PARAMS, DROPPED_PARAMS)
    return [key for key in query if key in libpq_only]


def _single(key: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        raise ConfigError(f"database_url gives {key} more than once")
    return value


def _timeout(raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError(f"database_url connect_timeout={raw!r} is not a number") from None
    # libpq reads 0 (and negatives) as "wait forever"; we keep our default instead.
    return seconds if seconds > 0 else default


def ssl_argument(params: dict[str, str]) -> ssl.SSLContext | str | bool:
    """What asyncpg's ``ssl=`` should be for a libpq ``sslmode`` and its files."""
    mode = params.get("sslmode", "prefer")
    if mode == "disable":
        return False
    if mode in ("allow", "prefer"):
        return mode
    if mode not in ("require", "verify-ca", "verify-full"):
        raise ConfigError(
            f"database_url sslmode={mode!r} is not one of "
            "disable, allow, prefer, require, verify-ca, verify-full"
        )
    return _ssl_context(mode, params)


def _ssl_context(mode: str, params: dict[str, str]) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=params.get("sslrootcert"))
        if "sslcert" in params:
            context.load_cert_chain(params["sslcert"], keyfile=params.get("sslkey"))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"database_url TLS files cannot be read: {exc}") from exc
    if mode == "verify-full":
        return context
    context.check_hostname = False
    # libpq's "require" with a root certificate given verifies the chain.
    if mode == "require" and "sslrootcert" not in params:
        context.verify_mode = ssl.CERT_NONE
    return context
