"""The same tasks in the real Taskwarrior 2.6.2 and in todo: the same expressions select the
same tasks, count the same and print the same `ids` (skipped without /usr/bin/task).

Both run on the real clock (Taskwarrior's cannot be frozen). The board leaves out what
todo documents as a better rule (``project:home`` is not ``homework``)."""

import asyncio
import json

import pytest

from tests.conftest import engine_for
from tests.support import TASK
from todo_cli import clock
from todo_cli.cli.scripting import compressed
from todo_cli.cli.selection import selection_filter
from todo_cli.db.engine import session_scope
from todo_cli.errors import ExitCode
from todo_cli.service.filters import StatusFilter
from todo_cli.service.scripting import count_tasks, task_numbers
from todo_cli.service.tasks import select_tasks
from todo_cli.service.users import local_user
from todo_cli.words import Words, read_filter

pytestmark = pytest.mark.skipif(TASK is None, reason="needs Taskwarrior at /usr/bin/task")
BOARD = [
    ("Call the bank", "project:home", "+phone", "due:tomorrow", "pri:H"),
    ("Mortgage paper", "project:home.garden", "due:today"),
    ("Homework", "project:school", "+school"),
    ("Bank transfer", "pri:M", "due:eom"),
    ("Pay the bank back", "+phone", "pri:L"),
    ("Buy milk", "+errand", "pri:L"),  # done at the end: the IDs before it stay as they are
]
EXPRESSIONS = [
    ("+phone",),
    ("+phone", "or", "+errand"),
    ("(", "+phone", "or", "pri:M", ")", "and", "due.any:"),
    ("pri:H", "or", "+school", "+phone"),
    ("+phone", "or", "+school", "xor", "pri:H"),
    ("!", "(", "+phone", "or", "+school", ")"),
    ("project:home",),
    ("project.is:home",),
    ("project.not:home",),
    ("project.isnt:home",),
    ("project.none:",),
    ("project.endswith:den",),
    ("description:Call",),
    ("description.contains:bank",),
    ("description.word:bank",),
    ("description.noword:bank",),
    ("description.startswith:Bank",),
    ("/Bank/",),
    ("/ba.k/",),
    ("pri.below:M",),
    ("pri.above:L",),
    ("priority.none:",),
    ("tags.none:",),
    ("tags.hasnt:phone",),
    ("due:tomorrow",),
    ("due:today",),
    ("due.any:",),
]


def test_the_same_expressions_select_the_same_tasks(cli, todo_env, taskwarrior):
    for title, *words in BOARD:
        taskwarrior("add", title, *words)
        assert cli("add", title, *words).exit_code == ExitCode.OK
    taskwarrior(str(len(BOARD)), "done")
    assert cli("done", str(len(BOARD))).exit_code == ExitCode.OK
    ours = asyncio.run(_answers(todo_env))
    differences = {}
    for words in EXPRESSIONS:
        titles = _titles(json.loads(taskwarrior(*words, "status:pending", "export")))
        theirs = (titles, taskwarrior(*words, "count"), taskwarrior("ids", *words))
        if theirs != ours[words]:
            differences[" ".join(words)] = (theirs, ours[words])
    assert differences == {}
    for words in EXPRESSIONS[:3]:  # the commands print what the service found
        assert cli("ids", *words).stdout == taskwarrior("ids", *words)
        assert cli("count", *words).stdout == taskwarrior(*words, "count")


async def _answers(database_url: str) -> dict[tuple[str, ...], tuple[list[str], str, str]]:
    """Each expression's pending titles, `count` and `ids`, read as the commands read them."""
    now = clock.now()
    engine = engine_for(database_url)
    answers = {}
    try:
        async with session_scope(engine) as session:
            user = await local_user(session)
            for words in EXPRESSIONS:
                selection = read_filter(Words(words))
                where = selection_filter(selection, now=now, default=StatusFilter.PENDING)
                tasks = await select_tasks(session, user=user, where=where)
                everything = selection_filter(selection, now=now, default=StatusFilter.ALL)
                count = await count_tasks(session, user=user, where=everything)
                numbers = await task_numbers(session, user=user, where=where)
                answers[words] = (_titles(tasks), f"{count}\n", f"{compressed(numbers)}\n")
    finally:
        await engine.dispose()
    return answers


def _titles(tasks: list) -> list[str]:
    return sorted(task["description"] if isinstance(task, dict) else task.title for task in tasks)
