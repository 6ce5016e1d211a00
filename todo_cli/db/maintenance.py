"""What backups and restores need to know about a server before they run pg_dump or pg_restore."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

SERVER_MAJOR = "SELECT current_setting('server_version_num')::int / 10000"
# Who may back up or restore a whole database: a role that row-level security
# does not filter (todo's tables FORCE it, so even their owner sees one user's
# rows, and pg_dump refuses to dump through a policy rather than dump part).
IS_ADMIN = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
# Anything a restore could collide with: a relation outside PostgreSQL's own schemas.
HOLDS_DATA = """
SELECT EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
)
"""


async def _value(engine: AsyncEngine, query: str) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(text(query))).scalar_one()


async def server_major(engine: AsyncEngine) -> int:
    return int(str(await _value(engine, SERVER_MAJOR)))


async def is_admin(engine: AsyncEngine) -> bool:
    return bool(await _value(engine, IS_ADMIN))


async def holds_data(engine: AsyncEngine) -> bool:
    return bool(await _value(engine, HOLDS_DATA))
