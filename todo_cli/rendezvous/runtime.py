"""Where the agent lives: a private per-user directory, named files per install.

The socket's name carries a hash of the install (interpreter, Python version,
the todo_cli sources' sizes and mtimes, the site-packages directories' mtimes),
so after ``pip install -U``, an edit of an editable checkout or a new
interpreter the next command finds no agent under the new name and starts a
fresh one (as ``chg`` and Bazel do); the old agent notices and exits.

It carries a second hash: of what a Python interpreter fixes when it starts
(chg's ``_confighash`` of its ``_envre`` variables, for Python): the locale
variables (the C locale turns on UTF-8 mode and coerces ``LC_CTYPE``), the
``PYTHON*`` variables, the dynamic loader's ``LD_*``, ``PATH``, UTF-8 mode
itself, the groups and the resource limits. A client that differs there gets
an agent of its own, started with exactly that (``agent_environment``), so a
command behaves through the agent as in a fresh interpreter of its own.
Everything here must stay cheap: the client computes it for every command.
"""

from __future__ import annotations

import _socket
import _struct  # type: ignore[import-not-found,unused-ignore]
import os
import stat
import sys
import time

try:
    from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore] # built in: no OpenSSL load on the client's path
except ImportError:  # pragma: no cover - Python 3.12 renamed it
    from hashlib import sha256

import todo_cli
from todo_cli.trusted_paths import (
    UntrustedPathError,
    real_path,
    shields_entries,
    writable_by_others,
)

TYPE_CHECKING = False  # typing itself costs the client milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping

SUBDIR = "todo"
PRIVATE_BITS = 0o077
HASH_CHARS = 16
ENVIRONMENT_HASH_CHARS = 12
# Read by the interpreter when it starts (or by the loader before it), never again.
# Not LANGUAGE (gettext reads it on every lookup) nor TZ (``time.tzset`` per request).
INTERPRETER_NAMES = ("LANG", "PATH")
INTERPRETER_PREFIXES = ("PYTHON", "LC_", "LD_")
# PYTHON* names that a library reads each time it is called, not the interpreter.
LIBRARY_VARIABLES = ("PYTHON_KEYRING_BACKEND",)
# What the agent itself reads besides those: where it lives, its own settings, and
# where the embedded server it stops when it idles out lives (TODO_DATA_DIR or the
# platform data dir). Paths, never secrets.
AGENT_VARIABLES = (
    *("HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "TODO_ENV_FILE"),
    *("TODO_DATA_DIR", "XDG_DATA_HOME"),
)
AGENT_SETTINGS_PREFIX = "TODO_AGENT"
MAX_SOCKET_PATH = 108  # sun_path, with its terminating NUL
PEERCRED = _struct.Struct("3i")  # struct ucred: pid, uid, gid


class Paths:
    """The agent's files for one install (plain class: no dataclasses on the client's path)."""

    def __init__(self, directory: str, install: str, environment: str = "") -> None:
        self.directory = directory
        self.install = install  # the install hash
        self.environment = environment  # the interpreter-start hash

    def _named(self, suffix: str) -> str:
        name = f"{self.install}-{self.environment}" if self.environment else self.install
        return os.path.join(self.directory, f"agent-{name}.{suffix}")

    @property
    def socket(self) -> str:
        return self._named("sock")

    @property
    def lock(self) -> str:
        """Held (flock) by the running agent for its lifetime; holds its pid."""
        return self._named("lock")

    @property
    def log(self) -> str:
        return self._named("log")


def log(text: str) -> None:
    """A line in the agent's log (its stderr; a worker's stderr between requests)."""
    sys.stderr.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} agent {os.getpid()}: {text}\n")
    sys.stderr.flush()


def paths(environ: Mapping[str, str] = os.environ) -> Paths | None:
    """This install's agent files, or None when no private directory is usable."""
    directory = private_dir(environ)
    if directory is None:
        return None
    found = Paths(directory, install_hash(), environment_hash(environ))
    return found if len(os.fsencode(found.socket)) < MAX_SOCKET_PATH else None


def private_dir(environ: Mapping[str, str] = os.environ) -> str | None:
    """``$XDG_RUNTIME_DIR/todo`` (when that is safe) or ``/tmp/todo-<uid>``, made 0700.

    Never follows a symlink another user controls; a directory that is not
    ours alone is refused.
    """
    directory = _candidate_dir(environ)
    if directory is None:
        return None
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return directory if is_private(directory) else None


def _candidate_dir(environ: Mapping[str, str]) -> str | None:
    base = environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base):
        real = _safe_base(base)
        if real is not None:
            return os.path.join(real, SUBDIR)
    real = _safe_base("/tmp")
    return None if real is None else os.path.join(real, f"{SUBDIR}-{os.geteuid()}")


def _safe_base(path: str) -> str | None:
    """``path``'s real path when it is a directory of ours, or one where our entries are safe.

    A directory others can write is fine only when sticky (and ours or
    root's, as /tmp is): else anyone could swap our ``todo/`` for theirs
    between our check and our connect.
    """
    try:
        real = real_path(path)
        info = os.lstat(real)
    except (UntrustedPathError, OSError):
        return None
    ours_alone = info.st_uid == os.geteuid() and not writable_by_others(info)
    usable = stat.S_ISDIR(info.st_mode) and (ours_alone or shields_entries(info))
    return real if usable else None


def is_private(path: str) -> bool:
    """A real directory (not a symlink), ours, with no group or other bits."""
    descriptor = open_private(path)
    if descriptor is None:
        return False
    os.close(descriptor)
    return True


def open_private(path: str) -> int | None:
    """A descriptor of ``path`` when it is a private directory of ours (see ``is_private``).

    Held across the check and its use, it names the directory we checked,
    whatever is renamed into its place afterwards.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # ELOOP: a symlink; ENOTDIR: not a directory
        return None
    info = os.fstat(descriptor)
    if info.st_uid == os.geteuid() and not info.st_mode & PRIVATE_BITS:
        return descriptor
    os.close(descriptor)
    return None


def address_in(directory: int, path: str) -> str:
    """An AF_UNIX address for the socket ``path`` names, inside the open ``directory``.

    Through /proc/self/fd: the kernel resolves it from the descriptor, not
    from the directory's name (no fchdir: that is process-wide). Without a
    /proc (another system, a bare chroot) the plain path; SO_PEERCRED still
    tells whose agent answers.
    """
    held = f"/proc/self/fd/{directory}"
    return os.path.join(held, os.path.basename(path)) if os.path.isdir(held) else path


def peer_uid(connection: _socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket, in the kernel's word."""
    raw = connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, PEERCRED.size)
    return int(PEERCRED.unpack(raw)[1])


def install_hash(package_dir: str | None = None, search_path: list[str] | None = None) -> str:
    """A short hash that changes whenever the code a command would run changes."""
    digest = sha256()
    digest.update(os.path.realpath(sys.executable).encode())
    digest.update(sys.version.encode())
    package = package_dir or os.path.dirname(os.path.abspath(todo_cli.__file__))
    digest.update(package.encode())
    for entry in _source_stats(package):
        digest.update(entry.encode())
    for entry in _site_stats(sys.path if search_path is None else search_path):
        digest.update(entry.encode())
    return str(digest.hexdigest())[:HASH_CHARS]


def is_interpreter_variable(name: str) -> bool:
    """Whether the interpreter (or the loader) fixes what ``name`` says when it starts."""
    if name in LIBRARY_VARIABLES:
        return False
    return name in INTERPRETER_NAMES or name.startswith(INTERPRETER_PREFIXES)


def environment_hash(environ: Mapping[str, str] = os.environ) -> str:
    """A short hash of what an interpreter started with ``environ`` would fix for its life.

    Besides the variables: UTF-8 mode (the C locale turns it on, and coercion
    then rewrites ``LC_CTYPE``), the effective group and supplementary groups,
    and every resource limit (``/proc/self/limits``: a read, not the
    ``resource`` extension's import). Those come from this process, and the
    agent inherits them from the client that starts it.
    """
    digest = sha256()
    for name in sorted(name for name in environ if is_interpreter_variable(name)):
        digest.update(f"{name}={environ[name]}\0".encode("utf-8", "surrogateescape"))
    groups = sorted(os.getgroups())
    digest.update(f"utf8={sys.flags.utf8_mode};egid={os.getegid()};groups={groups}".encode())
    digest.update(_limits())
    return str(digest.hexdigest())[:ENVIRONMENT_HASH_CHARS]


def _limits() -> bytes:
    try:
        with open("/proc/self/limits", "rb") as limits:
            return limits.read()
    except OSError:  # no /proc: the limits go unhashed
        return b""


def agent_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The agent's own environment: what its interpreter must start with, and what it reads.

    Nothing else of the client's (no ``PGPASSWORD``, ``TODO_DATABASE_URL``,
    session tokens): each request brings its own environment to its worker.
    """
    return {
        name: value
        for name, value in environ.items()
        if is_interpreter_variable(name)
        or name in AGENT_VARIABLES
        or name.startswith(AGENT_SETTINGS_PREFIX)
    }


def _source_stats(directory: str) -> list[str]:
    found: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return found
    for entry in sorted(entries, key=lambda each: each.name):
        if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            found.extend(_source_stats(entry.path))
        elif entry.name.endswith(".py"):
            info = entry.stat()
            found.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    return found


def _site_stats(search_path: list[str]) -> list[str]:
    """pip adds and removes entries here on every install and upgrade."""
    found = []
    for entry in search_path:
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            try:
                found.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
            except OSError:
                continue
    return found
