"""Writing an export, batch by batch as the rows arrive (memory stays flat)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import IO, TYPE_CHECKING

from todo_cli.errors import UsageError
from todo_cli.interchange.detect import Format

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.models import User


async def write(chosen: Format, session: AsyncSession, user: User, out: IO[bytes]) -> None:
    from todo_cli.cli import stream
    from todo_cli.service import exports

    if chosen is Format.TODOTXT:
        await _write_todotxt(session, user, out)
        return
    column = exports.TASKWARRIOR_JSON if chosen is Format.TASKWARRIOR else exports.TODO_JSON

    def copy(sink: Callable[[bytes], None]) -> Awaitable[None]:
        return exports.copy_documents(session, user=user, column=column, sink=sink)

    # The exact text (Taskwarrior reads no \u escapes back well); `task export`'s layout.
    if chosen is Format.JSONL:
        await stream.write_json_lines(copy, out, safe=False)
    else:
        await stream.write_json_array(copy, out, one_per_line=True, safe=False)


async def _write_todotxt(session: AsyncSession, user: User, out: IO[bytes]) -> None:
    from todo_cli.service import exports

    try:
        from todo_cli.interchange.todotxt import format_todotxt  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ModuleNotFoundError:
        raise UsageError("todo.txt files cannot be written by this version of todo") from None
    async for records in exports.stream_records(session, user=user):
        out.write("".join(f"{format_todotxt(record)}\n" for record in records).encode())
    out.flush()
