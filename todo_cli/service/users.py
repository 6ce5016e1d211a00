"""Who the tasks belong to."""

from __future__ import annotations

import getpass

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import User


def local_email() -> str:
    """Until accounts exist, each OS login is one implicit user."""
    return f"{getpass.getuser()}@localhost"


async def find_user(session: AsyncSession, *, email: str) -> User | None:
    statement = select(User).where(func.lower(User.email) == email.lower())
    return (await session.exec(statement)).first()


async def ensure_user(session: AsyncSession, *, email: str) -> User:
    """The user with ``email``, created on first use (safe against a concurrent first use)."""
    user = await find_user(session, email=email)
    if user is not None:
        return user
    create = insert(User).values(email=email)
    await session.exec(create.on_conflict_do_nothing(index_elements=[text("lower(email)")]))
    created = await find_user(session, email=email)
    assert created is not None  # inserted above, or by the racing process
    return created


async def ensure_local_user(session: AsyncSession) -> User:
    return await ensure_user(session, email=local_email())
