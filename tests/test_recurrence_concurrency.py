"""Two clients completing the same recurring instance at once make ONE next instance.

Real connections, real locks: each client has its own engine (threads) or is its own
process (the installed ``todo``); the test waits until PostgreSQL shows the second
client blocked on the first before letting the first commit, so the race is forced,
not hoped for.
"""

import asyncio
import json
import os
import subprocess
import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.conftest import engine_for
from tests.support import SAFETY_TIMEOUT, TODO
from todo_cli.db.engine import session_scope
from todo_cli.models import Task, TaskCreate
from todo_cli.service import recurrence
from todo_cli.service.housekeeping import catch_up
from todo_cli.service.tasks import add_task, complete_tasks
from todo_cli.service.users import local_user
from todo_cli.settings import Settings

SETTINGS = Settings(recurrence_limit=1)
DUE = datetime(2027, 1, 31, 9).astimezone()


async def in_scope(url, work):
    engine = engine_for(url)
    try:
        async with session_scope(engine) as session:
            return await work(session, await local_user(session))
    finally:
        await engine.dispose()


async def series(url) -> None:
    async def work(session, user):
        task = TaskCreate(title="Pay rent", due=DUE, recur="monthly")
        await add_task(session, user=user, task=task)
        await catch_up(session, user=user, settings=SETTINGS)

    await in_scope(url, work)


async def occurrences(url) -> list[tuple[int, str]]:
    async def work(session, user):
        rows = await session.exec(
            text("SELECT occurrence, status FROM tasks WHERE occurrence IS NOT NULL ORDER BY 1")
        )
        return [tuple(row) for row in rows.all()]

    return await in_scope(url, work)


async def lock_waits(url) -> int:
    async def work(session, user):
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return (await session.exec(text(query))).scalar_one()

    return await in_scope(url, work)


def wait_until_blocked(url, first: "Client", second: "Client") -> None:
    """Until ``second`` waits for ``first``'s lock (PostgreSQL says when, not a timer)."""
    while first.is_alive() and second.is_alive():
        if asyncio.run(lock_waits(url)):
            return
    raise AssertionError(f"the second client never waited: {first.error!r} {second.error!r}")


class Client(threading.Thread):
    """One client in a thread of its own: its own event loop, engine and connection."""

    def __init__(self, url, work, hold: threading.Event | None = None):
        super().__init__(daemon=True)
        self.url, self.work, self.hold = url, work, hold
        self.result = None
        self.error = None
        self.holding = threading.Event()  # its work is done, its transaction still open

    def run(self):
        try:
            self.result = asyncio.run(in_scope(self.url, self._work))
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            self.holding.set()

    async def _work(self, session, user):
        result = await self.work(session, user)
        if self.hold is not None:
            self.holding.set()
            await asyncio.to_thread(self.hold.wait)  # commit only when the test says
        return result


async def done_as_a_command(session, user):
    """`todo done 2`, as the runner runs it: housekeeping, the work, housekeeping."""
    await catch_up(session, user=user, settings=SETTINGS)
    outcome = await complete_tasks(session, user=user, numbers=[2])
    await catch_up(session, user=user, settings=SETTINGS)
    return outcome


def test_two_threads_completing_one_instance_make_one_next(database_url):
    asyncio.run(series(database_url))
    release = threading.Event()
    first = Client(database_url, done_as_a_command, hold=release)
    first.start()
    first.holding.wait(SAFETY_TIMEOUT)  # it holds task 2 and made its successor, uncommitted
    second = Client(database_url, done_as_a_command)
    second.start()
    wait_until_blocked(database_url, first, second)
    release.set()
    for client in (first, second):
        client.join(SAFETY_TIMEOUT)
        assert client.error is None, client.error
    assert second.result.unchanged == {2}  # it found the instance already done
    assert asyncio.run(occurrences(database_url)) == [(0, "done"), (1, "pending")]


def test_an_occurrence_inserted_twice_at_once_exists_once(database_url):
    """The unique (template, occurrence) and ON CONFLICT DO NOTHING, without the template
    lock that normally keeps a second client away: the second insert waits on the
    first's index entry, then does nothing."""
    asyncio.run(series(database_url))

    def inserter(session, user):
        return insert_next(session, user)

    release = threading.Event()
    first = Client(database_url, inserter, hold=release)
    first.start()
    first.holding.wait(SAFETY_TIMEOUT)
    second = Client(database_url, inserter)
    second.start()
    wait_until_blocked(database_url, first, second)
    release.set()
    for client in (first, second):
        client.join(SAFETY_TIMEOUT)
        assert client.error is None, client.error
    assert (first.result, second.result) == (True, False)
    assert asyncio.run(occurrences(database_url)) == [(0, "pending"), (1, "pending")]


async def insert_next(session, user) -> bool:
    template = (await session.exec(text("SELECT id FROM tasks WHERE number = 1"))).scalar_one()
    template = await session.get(Task, template)
    made = await recurrence.insert_instance(session, user, template, 1, DUE)
    return made is not None


@pytest.mark.installed
@pytest.mark.agent_pinned
def test_two_processes_completing_one_instance_make_one_next(database_url, isolated_home):
    env = dict(os.environ, TODO_DATABASE_URL=database_url, TODO_AGENT="0")
    asyncio.run(series(database_url))
    processes = [
        subprocess.Popen(
            [str(TODO), "done", "2", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=SAFETY_TIMEOUT) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    statuses = [json.loads(stdout)[0]["status"] for stdout, _ in results]
    assert statuses == ["done", "done"]
    assert sorted("already done" in stderr for _, stderr in results) == [False, True]
    assert asyncio.run(occurrences(database_url)) == [(0, "done"), (1, "pending")]
