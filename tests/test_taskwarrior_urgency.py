"""`todo info`'s urgency, term by term, against the real Taskwarrior 2.6.2's `task info` on the
same tasks: made by `task`, brought over by `todo import`, so both hold the same times
(skipped without /usr/bin/task).

Both run on the real clock (Taskwarrior's cannot be frozen): the due factor moves by
0.00001 a second, so factors are compared to Taskwarrior's printed 3 decimals."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import engine_for
from tests.support import TASK, ok
from todo_cli import clock
from todo_cli.db.engine import session_scope
from todo_cli.service.filters import StatusFilter, TaskFilter
from todo_cli.service.tasks import select_tasks
from todo_cli.service.urgency import breakdowns
from todo_cli.service.users import local_user

pytestmark = pytest.mark.skipif(TASK is None, reason="needs Taskwarrior at /usr/bin/task")
# Taskwarrior's rc for the attributes below; todo's `uda` commands say the same.
ATTRIBUTES = (
    "uda.estimate.type=numeric",
    "urgency.uda.estimate.coefficient=2",
    "uda.size.type=string",
    "urgency.uda.size.L.coefficient=2.5",
)
DAY = timedelta(days=1)
# Each task as `task import` reads it (one call, not a `task add` each): title, then its
# fields, times as offsets from now.
BOARD = [
    ("Plain", {}),
    ("Projected", {"project": "home", "annotations": 2}),
    ("Tagged once", {"tags": ["a"]}),
    ("Tagged twice", {"tags": ["a", "b"]}),
    ("Tagged four times", {"tags": ["a", "b", "c", "d"]}),
    ("Next", {"tags": ["next"], "annotations": 3}),
    ("High", {"priority": "H"}),
    ("Medium", {"priority": "M"}),
    ("Low", {"priority": "L"}),
    ("Ten days late", {"due": -10 * DAY}),
    ("Three days late", {"due": -3 * DAY}),
    ("Due five hours ago", {"due": timedelta(hours=-5)}),
    ("Due soon", {"due": 3 * DAY}),
    ("Due later", {"due": 10 * DAY}),
    ("Due far ahead", {"due": 30 * DAY}),
    ("A hundred days old", {"entry": -100 * DAY}),
    ("Over a year old", {"entry": -400 * DAY}),
    ("A day and a half old", {"entry": -1.5 * DAY}),
    ("Waiting", {"wait": 3 * DAY, "status": "waiting"}),
    ("Scheduled before now", {"scheduled": -DAY}),
    ("Scheduled ahead", {"scheduled": 2 * DAY}),
    ("Sized", {"estimate": 3, "size": "L"}),
    ("Blocker", {"project": "work", "tags": ["next"], "priority": "M", "due": DAY,
                 "start": -DAY, "annotations": 1}),
    ("Waits for the blocker", {"depends": "Blocker"}),
]  # fmt: skip
# todo's names for the terms whose words differ (notes, a priority that is no attribute).
THEIR_NAMES = {
    "notes": "annotations",
    "priority.H": "UDA priority.H",
    "priority.M": "UDA priority.M",
    "priority.L": "UDA priority.L",
}
TERM = re.compile(r"^ {4}(\S.*?) +(-?[0-9.]+) \* +(-?[0-9.]+) = +(-?[0-9.]+)$")


def test_the_breakdown_is_taskwarriors_term_by_term(cli, todo_env, taskwarrior, tmp_path):
    taskwarrior.configure(*ATTRIBUTES)
    board = tmp_path / "board.json"
    board.write_text(json.dumps(_board(datetime.now(UTC))))
    taskwarrior("import", str(board))
    exported = tmp_path / "export.json"
    exported.write_text(taskwarrior("export"))
    ok(cli, "uda", "add", "estimate", "--type", "numeric", "--urgency", "2")
    ok(cli, "uda", "add", "size", "--type", "string")
    ok(cli, "uda", "urgency", "size", "L", "2.5")
    ok(cli, "import", str(exported))

    theirs = _their_terms(taskwarrior("info"))  # every task, the waiting one too
    totals = {task["uuid"]: task["urgency"] for task in json.loads(exported.read_text())}
    ours, our_totals = asyncio.run(_our_terms(todo_env))
    assert set(ours) == set(theirs)
    assert len(ours) == len(BOARD)
    for uuid, terms in ours.items():
        assert terms.keys() == theirs[uuid].keys(), uuid
        for name, (factor, coefficient) in terms.items():
            their_factor, their_coefficient = theirs[uuid][name]
            assert (factor, coefficient) == pytest.approx(
                (their_factor, their_coefficient), abs=6e-4
            )
        assert our_totals[uuid] == pytest.approx(totals[uuid], abs=2e-3), terms
    # The total is the score `todo next` sorts by (the waiting task is not among them).
    shown = {
        task["uuid"]: task["urgency"]
        for task in json.loads(ok(cli, "next", "--limit", "50", "--json").stdout)
    }
    assert len(shown) == len(BOARD) - 1
    assert shown == pytest.approx({uuid: our_totals[uuid] for uuid in shown}, abs=2e-3)


def _board(now: datetime) -> list[dict[str, Any]]:
    """The board as Taskwarrior's JSON: times from offsets, notes from counts, uuids."""
    uuids = {title: str(uuid4()) for title, _ in BOARD}
    tasks = []
    for title, fields in BOARD:
        task: dict[str, Any] = {"uuid": uuids[title], "description": title, "status": "pending"}
        task |= {"entry": _stamp(now - timedelta(minutes=1))}
        for key, value in fields.items():
            if isinstance(value, timedelta):
                value = _stamp(now + value)
            elif key == "annotations":
                value = [{"entry": _stamp(now), "description": f"note {n}"} for n in range(value)]
            elif key == "depends":
                value = uuids[value]
            task[key] = value
        tasks.append(task)
    return tasks


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _their_terms(info: str) -> dict[str, dict[str, tuple[float, float]]]:
    """Each task's terms in `task info` (name: factor, coefficient), by uuid."""
    found: dict[str, dict[str, tuple[float, float]]] = {}
    terms: dict[str, tuple[float, float]] = {}
    for line in info.splitlines():
        if line.startswith("UUID "):
            terms = found.setdefault(line.split()[1], {})
        elif match := TERM.match(line):
            terms[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return found


async def _our_terms(database_url: str):
    """Each task's terms by uuid, named as Taskwarrior names them, and its total."""
    engine = engine_for(database_url)
    try:
        async with session_scope(engine) as session:
            user = await local_user(session)
            tasks = await select_tasks(
                session, user=user, where=TaskFilter(status=StatusFilter.ALL)
            )
            numbers = [task.number for task in tasks]
            scored = await breakdowns(session, user=user, numbers=numbers, now=clock.now())
    finally:
        await engine.dispose()
    uuids = {task.number: str(task.uuid) for task in tasks}
    terms = {
        uuids[number]: {THEIR_NAMES.get(t.name, t.name): (t.factor, t.coefficient) for t in b.terms}
        for number, b in scored.items()
    }
    return terms, {uuids[number]: b.total for number, b in scored.items()}
