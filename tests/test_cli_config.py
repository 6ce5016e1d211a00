"""`todo config ...` and how invalid configuration reaches every command."""

import json
import os
import pty
import select
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import TODO, assert_fails, shared_directory, symlink_as
from todo_cli.db.secrets import SERVICE
from todo_cli.errors import ExitCode

SECRET_URL = "postgresql://u:s3cret@h/db"
SAFETY_TIMEOUT = 120  # seconds; only so a hung process cannot hang the suite


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


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/db?password=S3cr3t",
        "postgresql://u@h/db?sslmode=require&password=S3cr3t",
        "postgresql://u@h/db?password=S3cr3t&password=other",
    ],
)
def test_set_refuses_a_password_in_the_query_string(cli, config_file, url):
    message = assert_fails(cli("config", "set", "database_url", url), ExitCode.USAGE)
    assert "set-password" in message
    assert "S3cr3t" not in message
    assert not config_file.exists()


@pytest.mark.parametrize("port", ["99999", "0", "abc"])
def test_set_refuses_a_url_with_a_bad_port(cli, config_file, port):
    url = f"postgresql://u@127.0.0.1:{port}/db"
    assert "database_url" in assert_fails(
        cli("config", "set", "database_url", url), ExitCode.CONFIG
    )
    assert not config_file.exists()


@pytest.mark.parametrize("port", ["99999", "abc"])
def test_a_bad_port_in_the_environment_is_config_error(cli, monkeypatch, port):
    monkeypatch.setenv("TODO_DATABASE_URL", f"postgresql://u@127.0.0.1:{port}/db")
    assert "database_url" in assert_fails(cli("list"), ExitCode.CONFIG)


def test_show_masks_a_password_in_the_query_string(cli, monkeypatch):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db?sslmode=require&password=S3cr3t")
    text = cli("config", "show")
    as_json = cli("config", "show", "--json")
    masked = "postgresql://u@h/db?password=***&sslmode=require"  # SQLAlchemy sorts the query
    assert f"database_url = {masked}\n" in text.stdout
    assert json.loads(as_json.stdout)["database_url"] == masked
    assert "S3cr3t" not in text.stdout + text.stderr + as_json.stdout + as_json.stderr


def test_show_prints_toml_values_not_python_ones(cli):
    lines = cli("config", "show").stdout.splitlines()
    assert "database_url = -" in lines
    assert "pool_pre_ping = true" in lines
    assert "echo = false" in lines
    assert not [line for line in lines if line.endswith(("None", "True", "False"))]


def test_set_writes_a_private_file_keeping_comments(cli, config_file):
    config_file.write_text("# mine\npool_size = 3  # small\n")
    config_file.chmod(0o644)
    assert cli("config", "set", "echo", "true").exit_code == ExitCode.OK
    assert config_file.read_text() == "# mine\npool_size = 3  # small\necho = true\n"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_set_on_a_broken_file_blames_the_file(cli, config_file):
    config_file.write_text("pool_size = 3\npool_size = = 3\n")
    message = assert_fails(cli("config", "set", "echo", "true"), ExitCode.CONFIG)
    assert f"config file {config_file} is broken" in message
    assert "line 2" in message
    assert "echo" not in message
    assert config_file.read_text() == "pool_size = 3\npool_size = = 3\n"


def test_set_in_an_unwritable_config_directory_names_it(cli, isolated_home, monkeypatch):
    blocker = isolated_home / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    message = assert_fails(cli("config", "set", "pool_size", "7"), ExitCode.CONFIG)
    assert str(blocker / "todo") in message


@pytest.fixture
def planted_config_home(monkeypatch):
    """XDG_CONFIG_HOME=/pub/cfg, where `nobody` linked /pub/cfg to a directory of ours."""
    if os.geteuid() != 0:
        pytest.skip("switches users: needs root")
    base = Path(tempfile.mkdtemp(prefix="todo-pub-"))
    base.chmod(0o755)
    target = base / "ours"
    (target / "todo").mkdir(parents=True)
    link = shared_directory(base) / "cfg"
    symlink_as("nobody", link, target)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(link))
    yield link, target / "todo"
    shutil.rmtree(base)


@pytest.mark.parametrize("command", [["config", "set", "application_name", "x"], ["list"]])
def test_a_config_dir_another_user_linked_is_refused_by_name(cli, planted_config_home, command):
    link, target = planted_config_home
    (target / "config.toml").write_text('application_name = "theirs"\n')
    message = assert_fails(cli(*command), ExitCode.CONFIG)
    assert f"{link} is a symlink placed by another user (uid 65534)" in message
    assert (target / "config.toml").read_text() == 'application_name = "theirs"\n'


def test_unset_removes_the_key_and_keeps_comments(cli, config_file):
    config_file.write_text("# mine\npool_size = 3\necho = true  # noisy\n")
    run = cli("config", "unset", "pool_size")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "pool_size removed" in run.stderr
    assert config_file.read_text() == "# mine\necho = true  # noisy\n"
    assert json.loads(cli("config", "show", "--json").stdout)["pool_size"] == 5


def test_unset_a_key_that_is_not_set_changes_nothing(cli, config_file):
    config_file.write_text("echo = true\n")
    run = cli("config", "unset", "pool_size")
    assert run.exit_code == ExitCode.OK
    assert "not set" in run.stderr
    assert config_file.read_text() == "echo = true\n"


def test_unset_an_unknown_key_is_usage_error(cli, config_file):
    assert "pool_size" in assert_fails(cli("config", "unset", "poolsize"), ExitCode.USAGE)


def test_unset_removes_a_misspelt_key_the_warning_named(cli, config_file):
    config_file.write_text("poolsize = 3\necho = true\n")
    assert "poolsize" in cli("config", "show").stderr
    assert cli("config", "unset", "poolsize").exit_code == ExitCode.OK
    assert config_file.read_text() == "echo = true\n"
    assert cli("config", "show").stderr == ""


def test_unknown_keys_warn_once_and_the_command_goes_on(cli, config_file, monkeypatch):
    config_file.write_text("poolsize = 3\n")
    monkeypatch.setenv("TODO_ECHOO", "1")
    run = cli("config", "show", "--json")
    assert run.exit_code == ExitCode.OK
    assert json.loads(run.stdout)["pool_size"] == 5
    assert run.stderr.splitlines() == [
        f"todo: warning: unknown setting 'poolsize' in {config_file}; did you mean 'pool_size'?",
        "todo: warning: unknown variable TODO_ECHOO in the environment; did you mean TODO_ECHO?",
    ]


def test_dotenv_in_the_current_directory_does_not_redirect_todo(cli, isolated_home, monkeypatch):
    (isolated_home / ".env").write_text("TODO_DATABASE_URL=postgresql://evil@127.0.0.1/x\n")
    assert json.loads(cli("config", "show", "--json").stdout)["database_url"] is None
    monkeypatch.setenv("TODO_ENV_FILE", str(isolated_home / ".env"))
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["database_url"] == "postgresql://evil@127.0.0.1/x"


@pytest.mark.parametrize("source", ["config", "env_file"])
def test_non_utf8_configuration_files_are_config_errors(cli, config_file, monkeypatch, source):
    path = config_file if source == "config" else config_file.with_name("todo.env")
    path.write_bytes(b"application_name = 'caf\xe9'\n")
    if source == "env_file":
        monkeypatch.setenv("TODO_ENV_FILE", str(path))
    assert str(path) in assert_fails(cli("list"), ExitCode.CONFIG)


@pytest.mark.parametrize("value", ["", "relative/dir"])
def test_empty_or_relative_data_dir_is_refused_and_creates_nothing(
    cli, isolated_home, monkeypatch, value
):
    monkeypatch.setenv("TODO_DATA_DIR", value)
    before = sorted(isolated_home.rglob("*"))
    assert "data_dir" in assert_fails(cli("list"), ExitCode.CONFIG)
    assert sorted(isolated_home.rglob("*")) == before


def test_set_password_reads_one_line_from_stdin(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    run = cli("config", "set-password", "--password-stdin", input="s3cret word\nnext line\n")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert memory_keyring.passwords == {(SERVICE, "u@h:5432/db"): "s3cret word"}
    assert "s3cret" not in run.stdout + run.stderr


def test_set_password_prompts_at_a_terminal(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setattr("todo_cli.cli.prompts.stdin_is_terminal", lambda env: True)
    run = cli("config", "set-password", input="s3cret\n")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "Password for postgresql://u@h/db" in run.stderr
    assert memory_keyring.passwords == {(SERVICE, "u@h:5432/db"): "s3cret"}


def test_set_password_off_a_terminal_needs_password_stdin(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    message = assert_fails(cli("config", "set-password", input="s3cret\n"), ExitCode.USAGE)
    assert "--password-stdin" in message
    assert memory_keyring.passwords == {}


@pytest.mark.parametrize("given", ["", "\n", "\r\n"])
def test_set_password_refuses_an_empty_password(cli, monkeypatch, memory_keyring, given):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    run = cli("config", "set-password", "--password-stdin", input=given)
    assert "empty" in assert_fails(run, ExitCode.USAGE)
    assert memory_keyring.passwords == {}


def test_set_password_refuses_a_password_that_is_not_utf8(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    run = cli("config", "set-password", "--password-stdin", input=b"caf\xe9\n")
    assert "UTF-8" in assert_fails(run, ExitCode.USAGE)
    assert memory_keyring.passwords == {}


def test_set_password_without_database_url_is_usage_error(cli, memory_keyring):
    run = cli("config", "set-password", "--password-stdin", input="s3cret\n")
    assert_fails(run, ExitCode.USAGE)
    assert memory_keyring.passwords == {}


@pytest.mark.parametrize("flags", [[], ["--password-stdin"]])
def test_set_password_without_keyring_says_what_to_do_before_asking(
    cli, monkeypatch, no_keyring, flags
):
    monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setattr("todo_cli.cli.prompts.stdin_is_terminal", lambda env: True)
    # No input at all: asking for a password would end in "interrupted" (exit 130).
    error = assert_fails(cli("config", "set-password", *flags), ExitCode.CONFIG)
    assert "keyring" in error
    assert "PGPASSWORD" in error
    assert "~/.pgpass" in error
    assert "Password" not in error


def test_set_password_with_the_null_keyring_is_refused(cli, monkeypatch):
    """The null backend accepts a password and keeps nothing: no pretending."""
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    try:
        monkeypatch.setenv("TODO_DATABASE_URL", "postgresql://u@h/db")
        run = cli("config", "set-password", "--password-stdin", input="s3cret\n")
    finally:
        keyring.set_keyring(previous)
    assert "null" in assert_fails(run, ExitCode.CONFIG)


@pytest.mark.installed
def test_set_password_at_a_real_terminal_without_keyring_never_prompts(isolated_home):
    """The installed executable on a pseudo-terminal: the error comes before any prompt."""
    environment = dict(
        os.environ,
        TODO_DATABASE_URL="postgresql://u@127.0.0.1/db",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    output, code = run_on_a_terminal([str(TODO), "config", "set-password"], environment)
    assert code == ExitCode.CONFIG, output
    assert "Password" not in output
    assert "todo: error: no usable system keyring" in output


def run_on_a_terminal(command: list[str], env: dict[str, str]) -> tuple[str, int]:
    """Run ``command`` with a pty as its terminal; what it wrote there and its exit code."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, start_new_session=True
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while process.poll() is None or select.select([controller], [], [], 0)[0]:
        assert time.monotonic() < deadline, output
        if select.select([controller], [], [], 0.2)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            output += chunk
            if b"Password" in output:  # it is waiting for us: that is the failure
                process.kill()
    os.close(controller)
    return output.decode(errors="replace"), process.wait()
