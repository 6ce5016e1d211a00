"""The ``session`` fixture's promise: one shared database, and no test sees another's rows."""

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from todo_cli.models import User


async def users(session) -> int:
    """Users these tests make (migration 0003 made the implicit local one)."""
    made_here = func.lower(User.email).like("%@example.com")
    return (await session.exec(select(func.count()).select_from(User).where(made_here))).one()


@pytest.mark.parametrize("run", ["first", "second"])
async def test_what_a_test_commits_is_gone_for_the_next(session, run):
    assert await users(session) == 0
    session.add(User(email="same@example.com"))  # a second copy would break the unique index
    await session.commit()  # releases a SAVEPOINT; the outer transaction still rolls it back
    assert await users(session) == 1


async def test_a_rollback_undoes_only_what_came_after_the_last_commit(session):
    session.add(User(email="kept@example.com"))
    await session.commit()
    session.add(User(email="KEPT@example.com"))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()
    assert await users(session) == 1
