"""Telling PostgreSQL who is asking, one transaction at a time.

The row-level security policies read ``todo.session_token`` through
``todo_session_user()``. It is set with ``is_local`` so it ends with the
transaction: a pooled connection (or PgBouncer in transaction mode) never
carries one person's token into another's work. It is set even when there
is no token, so a value another client left on a shared server connection
is overwritten, never inherited.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

SETTING = "todo.session_token"


async def present_token(session: AsyncSession, token: str | None) -> None:
    await session.scalar(select(func.set_config(SETTING, token or "", True)))
