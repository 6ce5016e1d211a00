"""What backups and restores need to know about a server before they run pg_dump or pg_restore."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

SERVER_MAJOR = "SELECT current_setting('server_version_num')::int / 10000"
# The admin of a database: a superuser, or a member of the role that owns todo's
# tables (the one that migrates them), or of the database's owner before there are any.
IS_ADMIN = """
SELECT r.rolsuper OR pg_has_role(current_user, coalesce(
           (SELECT c.relowner FROM pg_class c WHERE c.oid = to_regclass('tasks')),
           (SELECT d.datdba FROM pg_database d WHERE d.datname = current_database())),
         'MEMBER')
FROM pg_roles r WHERE r.rolname = current_user
"""
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
