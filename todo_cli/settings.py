"""Configuration: flags > ``TODO_*`` environment > ``.env`` > config file > defaults.

Loaded inside a command (``load_settings``), never at import time, so that
``todo --help`` stays fast and tests can point the tool anywhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from todo_cli.errors import ConfigError, UsageError

APP_NAME = "todo"
# Root's home must stay private, and the embedded server runs as an
# unprivileged user that has to reach its data: root keeps it in /var/lib.
ROOT_DATA_DIR = Path("/var/lib/todo")


def config_file_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def default_data_dir() -> Path:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ROOT_DATA_DIR
    return platformdirs.user_data_path(APP_NAME)


class Settings(BaseSettings):
    """Every setting, its default and its constraint."""

    model_config = SettingsConfigDict(
        env_prefix="TODO_", env_file=".env", extra="ignore", validate_default=True
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
    session_days: int = Field(default=30, ge=1, le=365, description="how long a login lasts")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return init_settings, env_settings, dotenv_settings, toml


def load_settings(**overrides: Any) -> Settings:
    """Settings for this invocation; any invalid source is a ConfigError (exit 5)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {describe_validation_error(exc)}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid config file {config_file_path()}: {exc}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"{where}: {first['msg']}"


def setting_names() -> list[str]:
    return list(Settings.model_fields)


def read_config_file() -> dict[str, Any]:
    path = config_file_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid config file {path}: {exc}") from exc


def validate_setting(key: str, value: str) -> Any:
    """The typed value ``key`` would take from the string ``value``, or an error."""
    if key not in Settings.model_fields:
        raise UsageError(f"unknown setting {key!r}; known: {', '.join(setting_names())}")
    try:
        checked = Settings.model_validate({key: value})
    except ValidationError as exc:
        raise ConfigError(f"invalid value for {key}: {exc.errors()[0]['msg']}") from exc
    typed = getattr(checked, key)
    return str(typed) if isinstance(typed, Path) else typed


def write_setting(key: str, value: Any) -> Path:
    """Store one setting in the config file, keeping the others."""
    import tomli_w

    data = read_config_file()
    data[key] = value
    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path
