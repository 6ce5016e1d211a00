"""The config file on disk (todo_cli/config_file.py): comments kept, private, atomic."""

import stat
from pathlib import Path

import pytest

from todo_cli.config_file import (
    config_file_path,
    read_config_file,
    remove_from_config_file,
    set_in_config_file,
)
from todo_cli.errors import ConfigError

COMMENTED = """\
# my todo settings
application_name = "mine"  # shown in pg_stat_activity

# bigger pool for the office
pool_size = 7
"""


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    return isolated_home / "config" / "todo" / "config.toml"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_config_file_lives_in_xdg_config_home(config_file):
    assert config_file_path() == config_file


def test_no_file_reads_as_empty(config_file):
    assert read_config_file() == {}


def test_set_keeps_other_keys_and_every_comment(config_file):
    write(config_file, COMMENTED)
    assert set_in_config_file("pool_size", 9) == config_file
    assert set_in_config_file("echo", True) == config_file
    assert config_file.read_text() == COMMENTED.replace("= 7", "= 9") + "echo = true\n"
    assert read_config_file() == {"application_name": "mine", "pool_size": 9, "echo": True}


def test_remove_keeps_the_rest(config_file):
    write(config_file, COMMENTED)
    assert remove_from_config_file("pool_size") is True
    assert read_config_file() == {"application_name": "mine"}
    assert "# my todo settings" in config_file.read_text()
    assert remove_from_config_file("pool_size") is False


def test_new_file_is_private_in_a_private_directory(config_file):
    set_in_config_file("pool_size", 7)
    assert mode(config_file) == 0o600
    assert mode(config_file.parent) == 0o700


def test_existing_world_readable_file_becomes_private(config_file):
    write(config_file, "pool_size = 7\n")
    config_file.chmod(0o644)
    set_in_config_file("pool_size", 8)
    assert mode(config_file) == 0o600


def test_write_leaves_no_temporary_file(config_file):
    set_in_config_file("pool_size", 7)
    set_in_config_file("echo", True)
    assert [path.name for path in config_file.parent.iterdir()] == ["config.toml"]


def test_symlinked_file_stays_a_symlink(config_file, isolated_home):
    real = isolated_home / "dotfiles" / "todo.toml"
    write(real, "pool_size = 7\n")
    config_file.parent.mkdir(parents=True)
    config_file.symlink_to(real)
    set_in_config_file("pool_size", 8)
    assert config_file.is_symlink()
    assert real.read_text() == "pool_size = 8\n"


def test_unwritable_config_directory_is_config_error_naming_it(isolated_home, monkeypatch):
    # As root permission bits stop nothing; a regular file where a directory must be does.
    blocker = isolated_home / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    with pytest.raises(ConfigError, match=rf"in {blocker / 'todo'}: Not a directory"):
        set_in_config_file("pool_size", 7)


def test_broken_file_is_not_rewritten(config_file):
    write(config_file, "pool_size = = 7\n")
    with pytest.raises(ConfigError, match=rf"{config_file} is broken: .*line 1, column 13"):
        set_in_config_file("echo", True)
    assert config_file.read_text() == "pool_size = = 7\n"
