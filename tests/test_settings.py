"""Settings precedence and validation (todo_cli/settings.py)."""

import os
from pathlib import Path

import pytest

from todo_cli.cli.environment import Environment
from todo_cli.config_file import read_config_file
from todo_cli.errors import ConfigError, UsageError
from todo_cli.settings import NON_SETTING_VARIABLES, load_settings, validate_setting


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    return isolated_home / "config" / "todo" / "config.toml"


@pytest.fixture
def env_file(isolated_home: Path, monkeypatch) -> Path:
    """A .env file outside the cwd, named by TODO_ENV_FILE."""
    path = isolated_home / "elsewhere" / "todo.env"
    monkeypatch.setenv("TODO_ENV_FILE", str(path))
    return path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


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


def test_env_file_beats_config_file(config_file, env_file):
    write(config_file, "pool_size = 7\n")
    write(env_file, "TODO_POOL_SIZE=8\n")
    assert load_settings().pool_size == 8


def test_environment_beats_env_file(config_file, env_file, monkeypatch):
    write(config_file, "pool_size = 7\n")
    write(env_file, "TODO_POOL_SIZE=8\n")
    monkeypatch.setenv("TODO_POOL_SIZE", "9")
    assert load_settings().pool_size == 9


def test_dotenv_in_the_current_directory_is_ignored(isolated_home):
    assert Path.cwd() == isolated_home
    write(isolated_home / ".env", "TODO_DATABASE_URL=postgresql://evil@127.0.0.1/x\n")
    assert load_settings().database_url is None


def test_env_file_named_by_todo_env_file_is_read(env_file):
    write(env_file, "TODO_DATABASE_URL=postgresql://alex@127.0.0.1/todo\n")
    assert load_settings().database_url == "postgresql://alex@127.0.0.1/todo"


def test_missing_env_file_is_config_error(env_file):
    with pytest.raises(ConfigError, match=str(env_file)):
        load_settings()


def test_non_utf8_env_file_is_config_error_naming_it(env_file):
    env_file.parent.mkdir(parents=True)
    env_file.write_bytes(b"TODO_POOL_SIZE=3\nTODO_APPLICATION_NAME=caf\xe9\n")
    with pytest.raises(ConfigError, match=rf"{env_file} is not UTF-8 text \(line 2\)"):
        load_settings()


def test_unreadable_env_file_is_config_error_naming_it(env_file):
    env_file.mkdir(parents=True)  # a directory cannot be read as a file, even by root
    with pytest.raises(ConfigError, match=str(env_file)):
        load_settings()


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
    write(config_file, "pool_size = 3\npool_size = = 3\n")
    with pytest.raises(ConfigError, match=rf"{config_file} is broken: .*line 2"):
        load_settings()
    with pytest.raises(ConfigError):
        read_config_file()


def test_non_utf8_config_file_is_config_error_naming_it(config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_bytes(b'application_name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=rf"{config_file} is not UTF-8 text \(line 1\)"):
        load_settings()


def test_unreadable_config_file_is_config_error_naming_it(config_file):
    config_file.mkdir(parents=True)
    with pytest.raises(ConfigError, match=rf"{config_file} cannot be read"):
        load_settings()


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_data_dir_is_config_error(monkeypatch, value):
    monkeypatch.setenv("TODO_DATA_DIR", value)
    with pytest.raises(ConfigError, match="data_dir: is empty"):
        load_settings()


def test_relative_data_dir_is_config_error(config_file, monkeypatch):
    monkeypatch.delenv("TODO_DATA_DIR")
    write(config_file, 'data_dir = "todo-data"\n')
    with pytest.raises(ConfigError, match=r"data_dir: must be an absolute path, not 'todo-data'$"):
        load_settings()


def test_data_dir_expands_the_home_directory(isolated_home, monkeypatch):
    monkeypatch.setenv("TODO_DATA_DIR", "~/tasks")
    assert load_settings().data_dir == isolated_home / "tasks"


def test_unknown_config_file_key_is_named_with_a_suggestion(config_file, capsys):
    write(config_file, "poolsize = 3\n")
    assert load_settings().pool_size == 5
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith("todo: warning: unknown setting 'poolsize'")
    assert str(config_file) in warning
    assert "did you mean 'pool_size'?" in warning


def test_unknown_environment_variable_is_named_with_a_suggestion(monkeypatch, capsys):
    monkeypatch.setenv("TODO_POOLSIZE", "3")
    monkeypatch.setenv("TODO_NOTHING_LIKE_IT", "1")
    load_settings()
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 2
    assert "TODO_POOLSIZE in the environment; did you mean TODO_POOL_SIZE?" in warnings[0]
    assert warnings[1].endswith("unknown variable TODO_NOTHING_LIKE_IT in the environment")


def test_unknown_env_file_variable_is_named(env_file, capsys):
    write(env_file, "TODO_ECHOO=true\n")
    load_settings()
    assert f"TODO_ECHOO in {env_file}; did you mean TODO_ECHO?" in capsys.readouterr().err


def test_each_unknown_key_is_warned_about_once_per_invocation(config_file, capsys):
    write(config_file, "poolsize = 3\n")
    invocation = Environment.from_process()
    load_settings(warn=invocation.warn)
    load_settings(warn=invocation.warn)
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_an_invocation_loads_the_settings_once(config_file, capsys):
    write(config_file, "pool_size = 3\n")
    invocation = Environment.from_process()
    first = invocation.settings()
    write(config_file, "pool_size = 4\n")
    assert invocation.settings() is first
    assert invocation.settings(statement_timeout=0).pool_size == 4  # a variant is loaded anew
    assert Environment.from_process().settings().pool_size == 4  # the next invocation sees it


def test_variables_that_are_not_settings_do_not_warn(monkeypatch, capsys, env_file):
    write(env_file, "")
    for name in NON_SETTING_VARIABLES:
        monkeypatch.setenv(name, os.environ.get(name, "1"))
    monkeypatch.setenv("TODO_POOL_SIZE", "3")
    monkeypatch.setenv("TODO_ENV_FILE", str(env_file))
    assert {"TODO_AGENT", "TODO_SESSION_TOKEN", "TODO_TEST_DATABASE_URL"} <= NON_SETTING_VARIABLES
    load_settings()
    assert capsys.readouterr().err == ""


def test_validate_setting_returns_typed_values():
    assert validate_setting("pool_size", "7") == 7
    assert validate_setting("echo", "true") is True
    assert validate_setting("connect_timeout", "2.5") == 2.5
    assert validate_setting("data_dir", "/srv/todo") == "/srv/todo"


def test_validate_setting_rejects_unknown_key_with_a_suggestion():
    with pytest.raises(UsageError, match="'poolsize'; did you mean 'pool_size'"):
        validate_setting("poolsize", "7")


@pytest.mark.parametrize(
    ("key", "value"), [("pool_size", "0"), ("connect_timeout", "abc"), ("data_dir", "relative")]
)
def test_validate_setting_rejects_bad_value(key, value):
    with pytest.raises(ConfigError, match=key):
        validate_setting(key, value)


def test_validate_setting_reads_no_source(config_file, monkeypatch):
    """The value is checked on its own: a broken file or environment is not blamed on it."""
    write(config_file, "pool_size = = 3\n")
    monkeypatch.setenv("TODO_POOL_SIZE", "0")
    assert validate_setting("pool_size", "7") == 7
