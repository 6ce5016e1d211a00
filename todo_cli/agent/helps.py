"""Help screens a worker has rendered, kept: Rich takes milliseconds to lay out the panels.

Only for a request that is nothing but command names and a help flag
(``todo --help``, ``todo db upgrade -h``), and keyed by everything its output
can depend on: the words, the whole environment (NO_COLOR, TERM, COLUMNS,
FORCE_COLOR, the encoding...) and, for each of fds 0, 1 and 2, whether it is
a terminal and its size (Rich asks all three). A miss runs the command as
usual and records the bytes it writes; only a run that exits 0 with nothing
on stderr is kept, and a hit writes exactly those bytes.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer._click import Command

HELP_FLAGS = ("--help", "-h")
MAX_ENTRIES = 32
Key = tuple[Any, ...]


class Helps:
    def __init__(self) -> None:
        self.rendered: OrderedDict[Key, bytes] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        found = self.rendered.get(key)
        if found is not None:
            self.rendered.move_to_end(key)
        return found

    def keep(self, key: Key, output: bytes) -> None:
        self.rendered[key] = output
        while len(self.rendered) > MAX_ENTRIES:
            self.rendered.popitem(last=False)


def help_key(command: Command, argv: list[str], env: dict[bytes, bytes]) -> Key | None:
    """The cache key of a pure help request; None for anything else."""
    if not argv or argv[-1] not in HELP_FLAGS:
        return None
    current: Any = command
    for word in argv[:-1]:
        current = getattr(current, "commands", {}).get(word)
        if current is None:  # an argument or an option, not a command name
            return None
    return (tuple(argv), tuple(sorted(env.items())), tuple(terminal(fd) for fd in (0, 1, 2)))


def terminal(fd: int) -> tuple[int, ...] | None:
    if not os.isatty(fd):
        return None
    try:
        return tuple(os.get_terminal_size(fd))
    except OSError:
        return ()


def write_all(fd: int, data: bytes) -> None:
    """``data`` to ``fd``; a reader that has gone is no failure (as in-process)."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        pass


class Recorder(io.RawIOBase):
    """A descriptor that keeps a copy of what is written to it (isatty, fileno: the fd's)."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # a bytes-like object
        view = memoryview(data).cast("B")
        count = os.write(self.fd, view)
        self.written += view[:count]
        return count

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)
