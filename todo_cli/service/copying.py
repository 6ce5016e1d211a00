"""A one-column query's rows as one byte stream: ``COPY (query) TO STDOUT``.

A server-side cursor makes the server wait while Python decodes each batch into
row objects and encodes it back; COPY sends every row as the server writes it,
so the server builds the next documents while Python copies the last ones out,
and no row ever becomes a Python object. Used for JSON documents, which hold no
control character: of COPY's text-format escapes only the doubled backslash can
occur in them, so lines come out with one ``replace``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

# Takes whole lines (each row's text and a newline): asyncpg hands over whole
# CopyData messages, and the server sends one per row.
Sink = Callable[[bytes], None]


async def copy_lines(session: AsyncSession, statement: Select[Any], sink: Sink) -> None:
    """Each row of ``statement`` (one text column, no control characters in its values)
    as a line, in chunks as they arrive, within the session's transaction."""
    connection = await session.connection()
    # render_postcompile: an IN list's values become parameters of their own here,
    # as execute() would expand them (COPY sends the query text as it is).
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    assert isinstance(compiled, SQLCompiler)
    arguments = _arguments(compiled)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a checked-out asyncpg connection

    async def write(chunk: bytes) -> None:
        sink(bytes(chunk).replace(b"\\\\", b"\\"))

    await driver.copy_from_query(compiled.string, *arguments, output=write)  # COPY (it) TO STDOUT


def _arguments(compiled: SQLCompiler) -> list[Any]:
    """The bound values as the driver takes them, in the order of their ``$n`` (asyncpg
    writes them into the query as literals: COPY takes no parameters)."""
    processors = compiled._bind_processors  # what SQLAlchemy's own execute applies
    arguments = []
    for name in compiled.positiontup or ():
        processor, value = processors.get(name), compiled.params[name]
        arguments.append(processor(value) if callable(processor) else value)
    return arguments
