"""`todo config ...` and how invalid configuration reaches every command."""

import json
from pathlib import Path

import pytest

from tests.support import assert_fails
from todo_cli.db.secrets import SERVICE
from todo_cli.errors import ExitCode

SECRET_URL = "postgresql://u:s3cret@h/db"


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    path = isolated_home / "config" / "todo" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.mark.parametrize("command", [["list"], ["add", "x"], ["config", "show"], ["db", "status"]])
def test_invalid_environment_value_stops_every_command(cli, monkeypatch, command):
    monkeypatch.setenv("TODO_POOL_SIZE", "0")
    assert "pool_size" in assert_fails(cli(*command), ExitCode.CONFIG)


@pytest.mark.parametrize("content", ["pool_size = 0\n", "pool_size = = 1\n"])
def test_invalid_config_file_stops_every_command(cli, config_file, content):
    config_file.write_text(content)
    assert_fails(cli("list"), ExitCode.CONFIG)
    assert_fails(cli("config", "show"), ExitCode.CONFIG)


def test_show_masks_the_password(cli, monkeypatch):
    monkeypatch.setenv("TODO_DATABASE_URL", SECRET_URL)
    text = cli("config", "show")
    as_json = cli("config", "show", "--json")
    assert text.exit_code == as_json.exit_code == ExitCode.OK
    assert "database_url = postgresql://u:***@h/db" in text.stdout
    assert json.loads(as_json.stdout)["database_url"] == "postgresql://u:***@h/db"
    assert "s3cret" not in text.stdout + text.stderr + as_json.stdout + as_json.stderr


def test_show_json_reports_typed_values(cli):
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["pool_size"] == 5
    assert shown["pool_pre_ping"] is True
    assert shown["database_url"] is None


def test_path_prints_the_config_file(cli, config_file):
    run = cli("config", "path")
    assert run.exit_code == ExitCode.OK
    assert run.stdout == f"{config_file}\n"


def test_set_writes_a_typed_value(cli, config_file):
    assert cli("config", "set", "pool_size", "7").exit_code == ExitCode.OK
    assert config_file.read_text() == "pool_size = 7\n"
    assert json.loads(cli("config", "show", "--json").stdout)["pool_size"] == 7


def test_set_unknown_key_is_usage_error(cli, config_file):
    assert_fails(cli("config", "set", "poolsize", "7"), ExitCode.USAGE)
    assert not config_file.exists()


@pytest.mark.parametrize(("key", "value"), [("pool_size", "0"), ("connect_timeout", "abc")])
def test_set_bad_value_leaves_the_file_alone(cli, config_file, key, value):
    config_file.write_text('application_name = "mine"\n')
    assert key in assert_fails(cli("config", "set", key, value), ExitCode.CONFIG)
    assert config_file.read_text() == 'application_name = "mine"\n'


def test_set_refuses_a_url_with_a_password(cli, config_file):
    message = assert_fails(
        cli("config", "set", "database_url", "postgresql://u:pw@h/db"), ExitCode.USAGE
    )
    assert "set-password" in message
    assert ":pw@" not in message
    assert not config_file.exists()


def test_set_accepts_a_url_without_password(cli, config_file):
    assert cli("config", "set", "database_url", "postgresql://u@h/db").exit_code == ExitCode.OK
    assert 'database_url = "postgresql://u@h/db"' in config_file.read_text()


def test_set_password_stores_in_the_keyring(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    run = cli("config", "set-password", input="s3cret\n")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert memory_keyring.passwords == {(SERVICE, "u@h:5432/db"): "s3cret"}
    assert "s3cret" not in run.stdout + run.stderr


def test_set_password_without_database_url_is_usage_error(cli, memory_keyring):
    assert_fails(cli("config", "set-password", input="s3cret\n"), ExitCode.USAGE)
    assert memory_keyring.passwords == {}


def test_set_password_without_keyring_says_what_to_do(cli, monkeypatch, no_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    run = cli("config", "set-password", input="s3cret\n")
    assert run.exit_code == ExitCode.CONFIG
    # CliRunner echoes the hidden prompt's newline on stdout (a terminal gets it on the tty).
    assert run.stdout.strip() == ""
    error = run.stderr.splitlines()[-1]
    assert error.count("todo: error:") == 1
    assert "PGPASSWORD" in error
    assert "~/.pgpass" in error
    assert "Traceback" not in run.stderr
