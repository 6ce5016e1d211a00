"""The config file: read with tomllib, edited with tomlkit so the user's comments survive.

Every failure names the file (and, for broken TOML, the line), so a broken file
is never blamed on the setting being changed. Writes are atomic and private
(0600 in a 0700 directory): the file may name servers and roles.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from todo_cli.errors import ConfigError
from todo_cli.trusted_paths import place_for_data

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

APP_NAME = "todo"


def config_file_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def read_text(path: Path, what: str) -> str | None:
    """The UTF-8 text of ``path``; None when it does not exist; ConfigError naming it."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no directory there, so no file
        return None
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} {path} is not UTF-8 text (line {line})") from exc


def real_config_file() -> Path:
    """The config file's real path, reached through no symlink another user controls.

    A symlinked file (dotfile managers) is followed when the link is ours.
    """
    remedy = "set XDG_CONFIG_HOME elsewhere"
    return place_for_data(config_file_path(), what="config file", remedy=remedy)


def read_config_file() -> dict[str, Any]:
    """The settings in the config file ({} when there is none)."""
    path = real_config_file()
    return _parse(path, read_text(path, "config file") or "")


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        raise ConfigError(f"config file {path} is broken: {exc}") from exc


def set_in_config_file(key: str, value: Any) -> Path:
    """Store one setting, keeping the others and every comment."""
    path = real_config_file()
    document = _load_document(path)
    document[key] = value
    _write_private(path, document.as_string())
    return config_file_path()


def remove_from_config_file(key: str) -> bool:
    """Drop one setting from the file; False when it was not there."""
    path = real_config_file()
    document = _load_document(path)
    if key not in document:
        return False
    del document[key]
    _write_private(path, document.as_string())
    return True


def _load_document(path: Path) -> TOMLDocument:
    import tomlkit

    text = read_text(path, "config file") or ""
    _parse(path, text)  # tomllib's errors are the ones that name the line
    return tomlkit.parse(text)


def _write_private(path: Path, text: str) -> None:
    """Replace the file atomically: readers see the old file or the new one, never half."""
    directory = path.parent  # a real path: a symlinked file (dotfile managers) stays one
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        real_config_file()  # what mkdir found in place (another user's link?) is checked too
        _replace(path, text)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the config file in {directory}: {exc.strerror or exc}"
        ) from exc


def _replace(target: Path, text: str) -> None:
    # mkstemp creates the file 0600, in the same directory so the rename is atomic.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
