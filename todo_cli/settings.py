"""Configuration: flags > ``TODO_*`` environment > the ``.env`` file ``TODO_ENV_FILE``
names > config file > defaults.

Loaded inside a command (``load_settings``), never at import time, so that
``todo --help`` stays fast and tests can point the tool anywhere. A ``.env`` in
the current directory is never read: a checkout must not redirect anyone's tasks.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from todo_cli.config_file import APP_NAME, config_file_path, read_config_file, read_text
from todo_cli.errors import ConfigError, UsageError

ENV_PREFIX = "TODO_"
Warn = Callable[[str], None]  # prints one warning line
ENV_FILE_VARIABLE = "TODO_ENV_FILE"
# TODO_* variables that are not settings, so they must not be warned about.
NON_SETTING_VARIABLES = frozenset(
    {
        ENV_FILE_VARIABLE,
        "TODO_TEST_DATABASE_URL",  # the test suite's server
        "TODO_AGENT",  # the resident agent's switch
        "TODO_SESSION_TOKEN",  # accounts: a session without a keyring
    }
)
# Root's home must stay private, and the embedded server runs as an
# unprivileged user that has to reach its data: root keeps it in /var/lib.
ROOT_DATA_DIR = Path("/var/lib/todo")


def default_data_dir() -> Path:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ROOT_DATA_DIR
    return platformdirs.user_data_path(APP_NAME)


class Settings(BaseSettings):
    """Every setting, its default and its constraint."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=None, extra="ignore", validate_default=True
    )

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means the embedded server"
    )
    data_dir: Path = Field(default_factory=default_data_dir, description="embedded server data")
    pool_size: int = Field(default=5, ge=1, le=100)
    max_overflow: int = Field(default=15, ge=0, le=1000)
    pool_pre_ping: bool = True
    pool_recycle: int = Field(default=3600, ge=-1, description="seconds; -1 disables")
    pool_timeout: float = Field(default=30.0, gt=0, description="seconds to wait for a connection")
    connect_timeout: float = Field(default=10.0, gt=0, le=600, description="seconds")
    application_name: str = Field(default="todo-cli", min_length=1, max_length=63)
    echo: bool = Field(default=False, description="log every SQL statement")
    transaction_pooling: bool = Field(
        default=False, description="PgBouncer transaction mode: no reused prepared statements"
    )
    statement_timeout: float = Field(
        default=30.0, ge=0, le=86400, description="seconds a statement may run; 0 disables"
    )
    lock_timeout: float = Field(
        default=10.0, ge=0, le=86400, description="seconds to wait for a lock; 0 disables"
    )
    recurrence_limit: int = Field(
        default=1, ge=1, le=100, description="pending instances a recurring series keeps ahead"
    )
    default_command: Literal["next", "list", "help"] = Field(
        default="next", description="what a bare `todo` runs"
    )
    report_columns: str | None = Field(
        default=None,
        description="the columns of `todo list` and `todo next` on a terminal, e.g. id,age,urgency",
    )
    # Taskwarrior's urgency.blocking.coefficient and urgency.blocked.coefficient.
    urgency_blocking_coefficient: float = Field(
        default=8.0, description="urgency `next` adds to a task a pending task waits for"
    )
    urgency_blocked_coefficient: float = Field(
        default=-5.0, description="urgency `next` adds to a task waiting for a pending task"
    )
    agent: bool = Field(default=True, description="serve commands from a resident agent")
    agent_idle_timeout: float = Field(
        default=1800.0, gt=0, description="seconds an idle agent waits before it exits"
    )
    session_days: int = Field(default=30, ge=1, le=365, description="how long a login lasts")
    agent_memory_limit: float = Field(
        default=100.0, gt=0, description="MiB an agent worker may grow before it is replaced"
    )
    agent_max_requests: int = Field(
        default=1000, ge=0, description="commands a worker serves before it retires; 0: no limit"
    )
    agent_max_requests_jitter: int = Field(
        default=100, ge=0, description="up to this many more, at random per worker"
    )
    agent_worker_timeout: float = Field(
        default=30.0, gt=0, description="seconds a worker may go on after its client left"
    )
    backup_keep: int = Field(
        default=7,
        ge=0,
        le=10000,
        description="automatic backups of the embedded database kept in its backups/; 0: none",
    )
    # Taskwarrior's urgency.*.coefficient for the planning terms (service/urgency.py).
    urgency_scheduled_coefficient: float = Field(
        default=5.0, description="urgency of a task scheduled in the past"
    )
    urgency_waiting_coefficient: float = Field(
        default=-3.0, description="urgency of a waiting task"
    )
    search_case_sensitive: bool = Field(
        default=True,
        description="whether /regex/ and .has:/.startswith:... tell case apart (Taskwarrior's"
        " search.case.sensitive)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = InitSettingsSource(settings_cls, init_kwargs=read_config_file())
        return init_settings, env_settings, dotenv_settings, config_file

    @field_validator("report_columns")
    @classmethod
    def _known_columns(cls, value: str | None) -> str | None:
        from todo_cli.columns import read_columns

        if value is None:
            return None
        try:
            return ",".join(read_columns(value))
        except UsageError as unknown:
            raise PydanticCustomError("unknown_column", unknown.message) from unknown

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_given(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticCustomError("empty_path", "is empty; give an absolute path or unset it")
        return value

    @field_validator("data_dir")
    @classmethod
    def _data_dir_absolute(cls, value: Path) -> Path:
        # A relative directory would put a different database in every cwd.
        expanded = value.expanduser()
        if not expanded.is_absolute():
            raise PydanticCustomError(
                "relative_path", "must be an absolute path, not '{path}'", {"path": str(value)}
            )
        return expanded


def load_settings(*, warn: Warn | None = None, **overrides: Any) -> Settings:
    """Settings as the sources say now; any invalid source is a ConfigError (exit 5).

    A command loads them through its invocation (``Environment.settings``), once,
    and its ``warn`` prints each warning once; by default they go to stderr.
    """
    warn = warn or _stderr_warning
    env_file = _env_file(warn)
    warn_unknown_keys(read_config_file(), where=f"in {config_file_path()}", warn=warn)
    warn_unknown_variables(os.environ, where="in the environment", warn=warn)
    try:
        return Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {describe_validation_error(exc)}") from exc


def _env_file(warn: Warn) -> Path | None:
    """The .env file TODO_ENV_FILE names, checked readable; None when unset."""
    name = os.environ.get(ENV_FILE_VARIABLE)
    if not name:
        return None
    path = Path(name).expanduser()
    text = read_text(path, f"{ENV_FILE_VARIABLE} file")
    if text is None:
        raise ConfigError(f"{ENV_FILE_VARIABLE} names {path}, which does not exist")
    warn_unknown_variables(_dotenv_names(text), where=f"in {path}", warn=warn)
    return path


def _dotenv_names(text: str) -> list[str]:
    from io import StringIO

    from dotenv import dotenv_values

    return list(dotenv_values(stream=StringIO(text)))


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"{where}: {first['msg']}"


def setting_names() -> list[str]:
    return list(Settings.model_fields)


def warn_unknown_keys(keys: Iterable[str], *, where: str, warn: Warn) -> None:
    """A misspelt setting is otherwise silently ignored: name it, suggest the closest."""
    names = setting_names()
    for key in keys:
        if key not in names:
            warn(f"unknown setting {key!r} {where}{_did_you_mean(key, names, '{!r}')}")


def warn_unknown_variables(variables: Iterable[str], *, where: str, warn: Warn) -> None:
    known = [f"{ENV_PREFIX}{name}".upper() for name in setting_names()]
    for variable in variables:
        upper = variable.upper()
        if upper.startswith(ENV_PREFIX) and upper not in {*known, *NON_SETTING_VARIABLES}:
            warn(f"unknown variable {variable} {where}{_did_you_mean(upper, known, '{}')}")


def _did_you_mean(name: str, candidates: list[str], style: str) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f"; did you mean {style.format(close[0])}?" if close else ""


def _stderr_warning(text: str) -> None:
    sys.stderr.write(f"todo: warning: {text}\n")


class _ValueCheck(Settings):
    """Settings from the given values only: checks one value without reading any source."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def validate_setting(key: str, value: str) -> Any:
    """The typed value ``key`` would take from the string ``value``, or an error."""
    check_setting_name(key)
    try:
        checked = _ValueCheck.model_validate({key: value})
    except ValidationError as exc:
        raise ConfigError(f"invalid value for {key}: {exc.errors()[0]['msg']}") from exc
    typed = getattr(checked, key)
    return str(typed) if isinstance(typed, Path) else typed


def check_setting_name(key: str) -> None:
    """UsageError (exit 2) for a name that is no setting, with the closest one."""
    if key not in Settings.model_fields:
        known = setting_names()
        hint = _did_you_mean(key, known, "{!r}") or f"; known: {', '.join(known)}"
        raise UsageError(f"unknown setting {key!r}{hint}")
