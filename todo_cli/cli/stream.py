"""`todo list` through a pipe or as JSON: written batch by batch as the rows arrive.

The reader sees the first tasks before the last are read, and memory stays flat
at any length. What each line or document holds is the same as the one-task
forms in render (``plain_line``, ``print_tasks_json``): tests/test_listing.py
holds them to each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import IO, Any

from todo_cli.cli.render import NONE
from todo_cli.text import json_safe, visible


async def write_plain_lines(batches: AsyncIterator[Sequence[Any]], out: IO[bytes]) -> None:
    """One tab-separated line per task; rows are ``listing.PLAIN_COLUMNS``."""
    async for batch in batches:
        lines = (
            f"{fixed}\t{visible(project or NONE)}\t{visible(tags or NONE)}\t{visible(title)}\n"
            for fixed, project, tags, title in batch
        )
        out.write("".join(lines).encode())
        out.flush()


async def write_json_array(batches: AsyncIterator[Sequence[Any]], out: IO[bytes]) -> None:
    """One JSON array on one line; rows are ``(listing.TASK_JSON,)``."""
    opening = b"["
    async for batch in batches:
        out.write(opening + json_safe(",".join(document for (document,) in batch).encode()))
        out.flush()
        opening = b","
    out.write(b"[]\n" if opening == b"[" else b"]\n")
    out.flush()


async def write_json_lines(batches: AsyncIterator[Sequence[Any]], out: IO[bytes]) -> None:
    """JSON Lines: one task's document per line; rows are ``(listing.task_json(...),)``."""
    async for batch in batches:
        out.write(json_safe("".join(f"{document}\n" for (document,) in batch).encode()))
        out.flush()
