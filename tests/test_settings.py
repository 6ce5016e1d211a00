"""Settings precedence and validation (todo_cli/settings.py)."""

from pathlib import Path

import pytest

from todo_cli.errors import ConfigError, UsageError
from todo_cli.settings import (
    config_file_path,
    load_settings,
    read_config_file,
    validate_setting,
    write_setting,
)


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    return isolated_home / "config" / "todo" / "config.toml"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_config_file_lives_in_xdg_config_home(config_file):
    assert config_file_path() == config_file


def test_defaults():
    settings = load_settings()
    assert settings.database_url is None
    assert (settings.pool_size, settings.max_overflow) == (5, 15)
    assert (settings.pool_pre_ping, settings.pool_recycle) == (True, 3600)
    assert settings.application_name == "todo-cli"
    assert settings.transaction_pooling is False


def test_config_file_beats_defaults(config_file):
    write(config_file, "pool_size = 7\n")
    assert load_settings().pool_size == 7


def test_dotenv_beats_config_file(config_file, isolated_home):
    write(config_file, "pool_size = 7\n")
    write(isolated_home / ".env", "TODO_POOL_SIZE=8\n")
    assert load_settings().pool_size == 8


def test_environment_beats_dotenv(config_file, isolated_home, monkeypatch):
    write(config_file, "pool_size = 7\n")
    write(isolated_home / ".env", "TODO_POOL_SIZE=8\n")
    monkeypatch.setenv("TODO_POOL_SIZE", "9")
    assert load_settings().pool_size == 9


def test_flags_beat_environment(monkeypatch):
    monkeypatch.setenv("TODO_POOL_SIZE", "9")
    assert load_settings(pool_size=10).pool_size == 10


def test_sources_merge_per_key(config_file, monkeypatch):
    write(config_file, "pool_size = 7\nmax_overflow = 3\n")
    monkeypatch.setenv("TODO_MAX_OVERFLOW", "4")
    settings = load_settings()
    assert (settings.pool_size, settings.max_overflow) == (7, 4)


@pytest.mark.parametrize(("name", "value"), [("POOL_SIZE", "0"), ("CONNECT_TIMEOUT", "abc")])
def test_invalid_environment_value_is_config_error(monkeypatch, name, value):
    monkeypatch.setenv(f"TODO_{name}", value)
    with pytest.raises(ConfigError, match=name.lower()):
        load_settings()


def test_invalid_config_file_value_is_config_error(config_file):
    write(config_file, 'pool_recycle = "soon"\n')
    with pytest.raises(ConfigError, match="pool_recycle"):
        load_settings()


def test_unparseable_config_file_is_config_error(config_file):
    write(config_file, "pool_size = = 3\n")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_settings()
    with pytest.raises(ConfigError):
        read_config_file()


def test_validate_setting_returns_typed_values():
    assert validate_setting("pool_size", "7") == 7
    assert validate_setting("echo", "true") is True
    assert validate_setting("connect_timeout", "2.5") == 2.5
    assert validate_setting("data_dir", "/srv/todo") == "/srv/todo"


def test_validate_setting_rejects_unknown_key():
    with pytest.raises(UsageError, match="poolsize"):
        validate_setting("poolsize", "7")


@pytest.mark.parametrize(("key", "value"), [("pool_size", "0"), ("connect_timeout", "abc")])
def test_validate_setting_rejects_bad_value(key, value):
    with pytest.raises(ConfigError, match=key):
        validate_setting(key, value)


def test_write_setting_keeps_other_keys(config_file):
    write(config_file, 'application_name = "mine"\n')
    assert write_setting("pool_size", 7) == config_file
    assert read_config_file() == {"application_name": "mine", "pool_size": 7}
