"""The README's commands do what the README says, in the order a newcomer runs them."""

import json
import re
import shlex
from pathlib import Path

import pytest

from todo_cli.errors import ExitCode

README = Path(__file__).parent.parent / "README.md"


def shell_blocks(heading: str) -> list[str]:
    """The lines of the first ```sh block after ``heading``."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1).splitlines()


def todo_commands(line: str) -> list[list[str]]:
    """Every `todo` invocation on a shell line, without comments, pipes and `&&`."""
    words = shlex.split(line, comments=True)
    commands, current = [], None
    for word in [*words, "&&"]:
        if word in ("&&", "|"):
            if current is not None:
                commands.append(current)
            current = None
        elif current is not None:
            current.append(word)
        elif word.endswith("todo") and word.split("/")[-1] == "todo":
            current = []
    return commands


@pytest.fixture
def _database(todo_env, frozen_clock):
    pass


@pytest.mark.usefixtures("_database")
def test_the_tour_after_the_install_line_names_the_right_ids(cli):
    install = shell_blocks("## Install and run")
    tour = shell_blocks("## A 30-second tour")
    outputs = []
    for line in install + tour:
        for command in todo_commands(line):
            result = cli(*command)
            assert result.exit_code == ExitCode.OK, (command, result.stderr)
            outputs.append((command, result))
    tasks = {t["title"]: t for t in json.loads(cli("list", "--status", "all", "--json").stdout)}
    assert tasks["first task"]["status"] == "pending"
    assert tasks["Buy milk"]["status"] == "done"
    assert tasks["Plant tulips"]["tags"] == ["outside"]
    assert tasks["Plant tulips"]["project"] is None
    shown = [result.stdout for command, result in outputs if command[0] == "show"]
    assert shown
    assert all("Plant tulips" in output for output in shown)
