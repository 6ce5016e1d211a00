"""Short task numbers: what a person types, handed out once per user, never reused."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import User


async def next_number(session: AsyncSession, *, user: User) -> int:
    """Bump the user's counter under its row lock: concurrent adds queue, never collide."""
    bump = (
        update(User)
        .where(col(User.id) == user.id)
        # Handing out a number is not an edit of the user: keep updated_at.
        .values(last_task_number=User.last_task_number + 1, updated_at=User.updated_at)
        .returning(col(User.last_task_number))
    )
    number: int = (await session.exec(bump)).scalar_one()
    return number
