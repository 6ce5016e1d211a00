"""Directories and files that only their owner (and, as root, the server account) can use.

Two rules hold everywhere here. A directory todo did not create in this run
is never chmod-ed: if the server account cannot get through it, we stop and
say so. And where root works inside a directory the server account can
write to (the cluster's own), it neither follows a symlink it finds there
nor writes through one: files are opened with ``O_NOFOLLOW`` and replaced by
rename.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from todo_cli.embedded.account import ServerAccount
from todo_cli.errors import ConfigError
from todo_cli.trusted_paths import place_for_data

SOCKET_NAME = ".s.PGSQL.5432"
# The socket's whole path must fit in sockaddr_un.sun_path, NUL included.
SUN_PATH_BYTES = 104 if sys.platform == "darwin" else 108
# Where a socket goes when the data dir's path is too long for one.
SHORT_RUNTIME_ROOT = Path("/tmp")


# --- the server account must get through directories it did not get from us


def require_reachable(target: Path, account: ServerAccount, fix: str) -> None:
    """ConfigError unless ``account`` may enter every existing directory down to ``target``.

    Decided from the mode bits (owner, group, other x) for the account's uid and
    groups; ACLs are not consulted. ``fix`` finishes the message: another place.
    """
    if account.is_invoking_user:
        return  # we are the account: if we cannot get there, creating it fails and says so
    for directory in _existing_directories_down_to(target):
        status = directory.stat()
        if not can_traverse(status, account):
            raise ConfigError(
                f"the embedded PostgreSQL runs as '{account.name}', which cannot enter "
                f"{directory} (mode {stat.S_IMODE(status.st_mode):04o}) on the way to {target}; "
                f"let it through with `chmod o+x {directory}`, or {fix}"
            )


def can_traverse(status: os.stat_result, account: ServerAccount) -> bool:
    if status.st_uid == account.uid:
        return bool(status.st_mode & stat.S_IXUSR)
    if status.st_gid in account.groups:
        return bool(status.st_mode & stat.S_IXGRP)
    return bool(status.st_mode & stat.S_IXOTH)


def _existing_directories_down_to(target: Path) -> list[Path]:
    return [path for path in [*reversed(target.parents), target] if path.is_dir()]


# --- directories todo owns


def real_data_dir(data_dir: Path) -> Path:
    """The data dir's real path, reached through no symlink another user controls.

    Everything else here works on this path; ConfigError (exit 5) names the
    symlink or the shared directory that makes it unsafe.
    """
    return place_for_data(data_dir, what="data dir", remedy="choose another TODO_DATA_DIR")


def create_data_dir(data_dir: Path, account: ServerAccount) -> None:
    """todo's own data dir: created private, or checked to be ours and not writable by others.

    A normal user's is 0700. Root's is root:<server group> 0710: the server
    account may pass through to the cluster and socket dirs (its own) but can
    neither list nor change it, so root's password and lock files sit where
    no symlink can be planted, and root never reads a file from a directory
    the server account can write, except the cluster's, read without
    following symlinks.
    """
    try:
        _create_missing_parents(data_dir, account)
        group = -1 if account.is_invoking_user else account.gid
        if not os.path.lexists(data_dir):
            _create_atomically(data_dir, os.geteuid(), group, _data_dir_mode(account))
    except OSError as exc:
        raise ConfigError(f"cannot create data dir {data_dir}: {exc.strerror}") from exc
    _check_own_directory(data_dir)


def _data_dir_mode(account: ServerAccount) -> int:
    return 0o700 if account.is_invoking_user else 0o710


def _create_missing_parents(path: Path, account: ServerAccount) -> None:
    """Ours from this run, so we choose their mode: private, or enterable by the server account.

    Each one is checked before anything is made inside it: in a shared sticky
    directory another user may have put a symlink or a directory of theirs
    under that name first, and mkdir would then follow it.
    """
    mode = 0o700 if account.is_invoking_user else 0o711
    for directory in reversed(path.parents):
        if not os.path.lexists(directory):
            with suppress(FileExistsError):
                directory.mkdir(mode=0o700)
            _check_made_parent(directory)
            directory.chmod(mode)


def _check_made_parent(directory: Path) -> None:
    status = directory.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid():
        raise ConfigError(
            f"{directory} appeared as another user's while todo created it "
            f"(found {_describe(status)}); choose another TODO_DATA_DIR"
        )


def _check_own_directory(path: Path) -> None:
    status = path.lstat()
    mine = stat.S_ISDIR(status.st_mode) and status.st_uid == os.geteuid()
    if not mine or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            f"data dir {path} must be a directory of yours that others cannot write to "
            f"(found {_describe(status)}); choose another TODO_DATA_DIR"
        )


def private_dir(path: Path, *, owner: int, group: int = -1, mode: int = 0o700) -> None:
    """Create ``path`` with exactly this owner and mode, or check that it already has them.

    Anything else (a symlink, a file, another owner, other bits) may be
    someone's trap: ConfigError naming it.
    """
    if not os.path.lexists(path):
        try:
            _create_atomically(path, owner, group, mode)
        except OSError as exc:
            raise ConfigError(f"cannot create {path}: {exc.strerror}") from exc
    descriptor = _open_directory(path)
    try:
        _check_private(path, os.fstat(descriptor), owner, group, mode)
    finally:
        os.close(descriptor)


def _set_owner_and_mode(path: Path, owner: int, group: int, mode: int) -> None:
    descriptor = _open_directory(path)
    try:
        os.fchown(descriptor, owner, group)
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)


def _open_directory(path: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:  # ELOOP: a symlink; ENOTDIR: not a directory
        raise _not_private(path, f"not a plain directory: {exc.strerror}") from exc


def _create_atomically(path: Path, owner: int, group: int, mode: int) -> None:
    """Made under another name, given its owner and mode, then renamed into place.

    So no other process ever sees it half made (root's is first root's, then
    the server account's). Losing the race to another process is fine: the
    caller checks what is there.
    """
    staging = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    staging.mkdir(mode=0o700)
    try:
        _set_owner_and_mode(staging, owner, group, mode)
        os.rename(staging, path)
    except OSError as exc:
        staging.rmdir()
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            raise


def _check_private(path: Path, status: os.stat_result, owner: int, group: int, mode: int) -> None:
    right_group = group == -1 or status.st_gid == group
    if status.st_uid != owner or stat.S_IMODE(status.st_mode) != mode or not right_group:
        wanted = f"owner uid {owner}, mode {mode:04o}"
        raise _not_private(path, f"{_describe(status)}, wanted {wanted}")


def _not_private(path: Path, found: str) -> ConfigError:
    return ConfigError(
        f"{path} is not the private directory todo expects ({found}); remove it and retry"
    )


def _describe(status: os.stat_result) -> str:
    kind = "directory" if stat.S_ISDIR(status.st_mode) else "not a directory"
    return f"{kind}, owner uid {status.st_uid}, mode {stat.S_IMODE(status.st_mode):04o}"


# --- where the server's socket lives


def socket_directory(data_dir: Path, account: ServerAccount, name: str = "socket") -> Path:
    """A directory of the server account's, 0700, for its socket.

    Inside the data dir when the socket's path fits in a sockaddr_un; else a
    short one under /tmp/todo-postgres-<uid>/, named after the data dir.
    (A major upgrade's servers get one of their own: ``name`` "upgrade".)
    """
    directory = data_dir / name
    if not socket_path_fits(directory):
        suffix = "" if name == "socket" else f"-{name}"
        directory = short_runtime_dir(account) / (_digest(data_dir) + suffix)
    private_dir(directory, owner=account.uid, group=account.gid)
    return directory


def socket_path_fits(directory: Path) -> bool:
    return len(os.fsencode(directory / SOCKET_NAME)) < SUN_PATH_BYTES


def short_runtime_dir(account: ServerAccount) -> Path:
    """/tmp/todo-postgres-<uid>: the invoking user's (as root: the server account may enter)."""
    base = SHORT_RUNTIME_ROOT / f"todo-postgres-{os.geteuid()}"
    if account.is_invoking_user:
        private_dir(base, owner=os.geteuid())
    else:
        private_dir(base, owner=os.geteuid(), group=account.gid, mode=0o710)
    return base


def _digest(data_dir: Path) -> str:
    return hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]


# --- files


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an flock on ``path`` (created 0600): one todo process at a time starts the server.

    Close-on-exec, so the postmaster we start does not inherit (and keep) it.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot open the lock file {path}: {exc.strerror}") from exc
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def read_text(path: Path) -> str | None:
    """The file's text, or None when it does not exist; a symlink is not followed."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, encoding="utf-8", errors="replace") as file:
        return file.read()


def write_atomically(path: Path, text: str, *, owner: int = -1, mode: int = 0o600) -> None:
    """Replace ``path`` by a complete new file: written beside it, then renamed over it.

    A reader sees the old file or the new one, never half of one; the rename
    replaces a symlink found at ``path`` instead of writing through it.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(temporary, flags, mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchown(file.fileno(), owner, -1)
            os.fchmod(file.fileno(), mode)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_files(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)  # unlink removes a symlink itself, never its target
