"""Engine and session scope (todo_cli/db/engine.py) against a real server."""

import gc
import os
import subprocess
import sys

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from tests.conftest import engine_for
from todo_cli.db.database import open_database
from todo_cli.db.engine import build_engine, session_scope
from todo_cli.db.urls import parse_url, translate
from todo_cli.errors import ExitCode
from todo_cli.models import User
from todo_cli.service.users import find_user
from todo_cli.settings import Settings, load_settings


async def user_exists(engine, email: str) -> bool:
    async with session_scope(engine) as session:
        return await find_user(session, email=email) is not None


async def test_scope_commits_on_success(engine):
    async with session_scope(engine) as session:
        session.add(User(email="kept@example.com"))
    assert await user_exists(engine, "kept@example.com")


async def add_then_fail(engine, email: str) -> None:
    async with session_scope(engine) as session:
        session.add(User(email=email))
        await session.flush()  # the row really reached the server
        raise RuntimeError("boom")


async def test_scope_rolls_back_on_exception_and_returns_the_connection(engine):
    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail(engine, "gone@example.com")
    assert engine.pool.checkedout() == 0
    assert not await user_exists(engine, "gone@example.com")


async def test_scope_survives_a_failed_statement(engine):
    async with session_scope(engine) as session:
        session.add(User(email="one@example.com"))
    with pytest.raises(IntegrityError):
        async with session_scope(engine) as session:
            session.add(User(email="ONE@example.com"))
    assert engine.pool.checkedout() == 0
    assert await user_exists(engine, "one@example.com")


async def test_pool_settings_reach_the_engine(database_url, monkeypatch):
    for name, value in [("POOL_SIZE", "3"), ("MAX_OVERFLOW", "4"), ("POOL_RECYCLE", "120")]:
        monkeypatch.setenv(f"TODO_{name}", value)
    monkeypatch.setenv("TODO_POOL_PRE_PING", "false")
    monkeypatch.setenv("TODO_DATABASE_URL", database_url)
    async with open_database(load_settings()) as database:
        pool = database.engine.pool
        # QueuePool keeps these without public getters.
        assert (pool.size(), pool._max_overflow, pool._recycle) == (3, 4, 120)
        assert pool._pre_ping is False


async def test_default_pool_pings_before_use(engine):
    assert engine.pool._pre_ping is True
    assert engine.pool.size() == 5


def record_connect_params(engine) -> list[dict]:
    seen: list[dict] = []
    event.listen(engine.sync_engine, "do_connect", lambda *args: seen.append(dict(args[3])))
    return seen


async def test_transaction_pooling_uses_no_pool_and_no_statement_cache(database_url):
    engine = engine_for(database_url, transaction_pooling=True)
    connects = record_connect_params(engine)
    try:
        assert isinstance(engine.pool, NullPool)
        for number in range(3):
            async with engine.begin() as connection:
                assert await connection.scalar(text("SELECT :n + 1"), {"n": number}) == number + 1
    finally:
        await engine.dispose()
    assert len(connects) == 3  # a fresh server connection per transaction
    for params in connects:
        assert params["statement_cache_size"] == 0
        assert params["prepared_statement_cache_size"] == 0


def test_neon_pooler_url_gets_transaction_pooling():
    url = parse_url("postgresql://u@ep-x-pooler.us-east-2.aws.neon.tech/db")
    target = translate(url, connect_timeout=10, application_name="todo-cli")
    assert isinstance(build_engine(target, Settings()).pool, NullPool)


def test_repeated_commands_leave_no_warnings(cli, todo_env):
    for _ in range(3):
        run = cli("list", "--json")
        assert run.exit_code == ExitCode.OK, run.stderr
    gc.collect()  # an undisposed connection would warn (as an error) here


def test_a_command_process_exits_cleanly(todo_env):
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    done = subprocess.run(
        [sys.executable, "-m", "todo_cli", "add", "x", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitCode.OK, done.stderr
    for noise in ("SAWarning", "Event loop is closed", "Exception ignored", "Traceback"):
        assert noise not in done.stderr


@pytest.mark.parametrize(
    ("settings", "expected"),
    [({}, ("30s", "10s")), ({"statement_timeout": 0, "lock_timeout": 2.5}, ("0", "2500ms"))],
)
async def test_the_timeouts_reach_every_session(database_url, settings, expected):
    engine = engine_for(database_url, **settings)
    try:
        async with engine.connect() as connection:
            shown = [
                await connection.scalar(text(f"SHOW {name}"))
                for name in ("statement_timeout", "lock_timeout")
            ]
    finally:
        await engine.dispose()
    assert tuple(shown) == expected


async def show(engine, *names: str) -> tuple[str, ...]:
    try:
        async with engine.connect() as connection:
            return tuple([str(await connection.scalar(text(f"SHOW {name}"))) for name in names])
    finally:
        await engine.dispose()


@pytest.mark.parametrize("transaction_pooling", [False, True])
async def test_every_session_runs_without_jit(database_url, transaction_pooling):
    """A plan's cost grows with other people's rows; past jit_above_cost a compile would."""
    engine = engine_for(database_url, transaction_pooling=transaction_pooling)
    assert await show(engine, "jit") == ("off",)


async def test_a_setting_the_url_makes_wins(database_url):
    url = make_url(database_url).update_query_dict({"options": "-c jit=on -c lock_timeout=7s"})
    engine = engine_for(url.render_as_string(hide_password=False))
    assert await show(engine, "jit", "lock_timeout") == ("on", "7s")
