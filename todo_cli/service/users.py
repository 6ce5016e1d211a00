"""Who the tasks belong to.

Identity comes from the session the transaction presents (service.accounts),
never from LOGNAME; reading never creates a user. ``ensure_user`` remains for
admin tooling and tests that make users directly.
"""

from __future__ import annotations

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import AuthState, User


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


async def local_user(session: AsyncSession) -> User | None:
    """The one implicit local user (made by migration 0003), if it was not adopted."""
    local_id = select(AuthState.local_user_id).scalar_subquery()
    return (await session.exec(select(User).where(User.id == local_id))).first()
