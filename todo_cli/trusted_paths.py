"""Resolve a path as ``realpath`` does, but never through a link another user controls.

``Path.resolve()`` reads every symlink on the way and hands back its target,
so whatever is checked afterwards is the target: a link ``nobody`` placed in
a shared directory (``/pub/td -> /etc``) made root check, and then fill, /etc.
Here each component is looked at with ``lstat`` before it is followed. The
rule, for an entry inside a directory another user can write (one owned by
someone other than us or root, or with group or other write bits):

* the directory must be sticky and ours or root's, else anyone there could
  rename the entry away and put a symlink in its place at any time, whatever
  we checked: refused, naming the directory;
* in such a sticky directory a symlink must be ours or root's (no one else
  can replace those): one placed by another user is refused, naming it.

A symlink in a directory only we and root can write (``/var -> private/var``,
``/lib -> usr/lib``) is followed: only someone who could change anything
there anyway could have put it there.

Interpreter built-ins only (``os``, ``stat``): the agent's client imports this.
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False  # typing costs the client milliseconds
if TYPE_CHECKING:
    from pathlib import Path

MAX_SYMLINKS = 40  # Linux's own limit before ELOOP
WRITE_BITS = stat.S_IWGRP | stat.S_IWOTH


class UntrustedPathError(Exception):
    """A place on the way to a path that another user controls; the message names it."""


def real_path(path: str) -> str:
    """``path`` absolute, with every trusted symlink resolved; UntrustedPathError at another's.

    Components that do not exist yet are kept as given (normalised): the
    caller creates them, and checks what it made.
    """
    pending = _components(os.path.abspath(path))
    current, current_info = "/", os.lstat("/")
    followed = 0
    while pending:
        name = pending.pop()
        if name == "..":
            current = os.path.dirname(current)
            current_info = os.lstat(current)
            continue
        entry = os.path.join(current, name)
        check_directory(current, current_info, entry)
        try:
            info = os.lstat(entry)
        except (FileNotFoundError, NotADirectoryError):
            return os.path.normpath(os.path.join(entry, *reversed(pending)))
        check_entry(current, current_info, entry, info)
        if not stat.S_ISLNK(info.st_mode):
            current, current_info = entry, info
            continue
        followed += 1
        if followed > MAX_SYMLINKS:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        target = os.readlink(entry)
        pending.extend(_components(target))
        if os.path.isabs(target):
            current, current_info = "/", os.lstat("/")
    return current


def _components(path: str) -> list[str]:
    """The names in ``path``, last first (a stack to pop), without empty ones and ``.``."""
    return [name for name in reversed(path.split("/")) if name not in ("", ".")]


def check_entry(
    directory: str, directory_info: os.stat_result, entry: str, info: os.stat_result
) -> None:
    """UntrustedPathError when another user could have placed the symlink ``entry``."""
    if not writable_by_others(directory_info):
        return
    if stat.S_ISLNK(info.st_mode) and not trusted_owner(info.st_uid):
        raise UntrustedPathError(
            f"{entry} is a symlink placed by another user (uid {info.st_uid}) "
            f"in {directory}, which other users can write"
        )


def check_directory(directory: str, info: os.stat_result, entry: str) -> None:
    """UntrustedPathError when others could swap ``entry`` (existing or not) at any time."""
    if writable_by_others(info) and not shields_entries(info):
        raise UntrustedPathError(
            f"{directory} can be written by other users and is not sticky, "
            f"so anyone could swap {entry} for a symlink"
        )


def writable_by_others(info: os.stat_result) -> bool:
    """Another user may create, rename or remove entries in this directory."""
    return not trusted_owner(info.st_uid) or bool(info.st_mode & WRITE_BITS)


def shields_entries(info: os.stat_result) -> bool:
    """Sticky and ours or root's: others may add entries but never rename or remove ours."""
    return bool(info.st_mode & stat.S_ISVTX) and trusted_owner(info.st_uid)


def trusted_owner(uid: int) -> bool:
    return uid in (os.geteuid(), 0)


def place_for_data(path: Path, *, what: str, remedy: str) -> Path:
    """``real_path`` for a place todo keeps things in, or ConfigError (exit 5) saying why not.

    ``what`` names the place in the message ("data dir"), ``remedy`` says what to do instead.
    """
    from pathlib import Path

    from todo_cli.errors import ConfigError

    try:
        return Path(real_path(str(path)))
    except UntrustedPathError as exc:
        raise ConfigError(f"{what} {path}: {exc}; {remedy}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot reach {what} {path}: {exc.strerror}") from exc
