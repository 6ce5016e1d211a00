"""`todo list` through a pipe or as JSON, and exports: written as the rows arrive.

The reader sees the first tasks before the last are read, and memory stays flat
at any length. Plain lines come in batches from a server-side cursor; JSON
documents as lines of one COPY stream (service.copying). What each line or
document holds is the same as the one-task forms in render (``plain_line``,
``print_tasks_json``): tests/test_listing.py holds them to each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import IO, Any

from todo_cli.cli.render import NONE
from todo_cli.text import json_safe, visible

# Runs a query whose rows are JSON documents, handing their lines to a sink
# (service.copying.copy_lines, through listing's or exports' query).
Copy = Callable[[Callable[[bytes], None]], Awaitable[None]]


async def write_plain_lines(batches: AsyncIterator[Sequence[Any]], out: IO[bytes]) -> None:
    """One tab-separated line per task; rows are ``listing.PLAIN_COLUMNS``."""
    async for batch in batches:
        lines = (
            f"{fixed}\t{visible(project or NONE)}\t{visible(tags or NONE)}\t{visible(title)}\n"
            for fixed, project, tags, title in batch
        )
        out.write("".join(lines).encode())
        out.flush()


async def write_json_array(
    copy: Copy, out: IO[bytes], *, one_per_line: bool = False, safe: bool = True
) -> None:
    """One JSON array of the documents ``copy`` gives: on one line, or as ``task export``
    writes it (one per line); ``safe``: written as ``text.json_safe`` writes them."""
    array = _JsonArray(out, one_per_line=one_per_line, safe=safe)
    await copy(array.write)
    array.close()


async def write_json_lines(copy: Copy, out: IO[bytes], *, safe: bool = True) -> None:
    """JSON Lines: the documents ``copy`` gives, one per line."""

    def write(lines: bytes) -> None:
        out.write(json_safe(lines) if safe else lines)
        out.flush()

    await copy(write)


class _JsonArray:
    """Lines of JSON documents, chunk by chunk, as one array (a document holds no raw
    newline: JSON escapes it)."""

    def __init__(self, out: IO[bytes], *, one_per_line: bool, safe: bool) -> None:
        self._out = out
        self._break = b"\n" if one_per_line else b""
        self._before = b"[" + self._break
        self._safe = safe

    def write(self, lines: bytes) -> None:
        items = lines[:-1].replace(b"\n", b"," + self._break)
        self._out.write(self._before + (json_safe(items) if self._safe else items))
        self._out.flush()
        self._before = b"," + self._break

    def close(self) -> None:
        empty = self._before.startswith(b"[")
        self._out.write((self._before if empty else self._break) + b"]\n")
        self._out.flush()
