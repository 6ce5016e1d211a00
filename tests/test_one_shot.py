"""A process without the agent builds only the command its first word names."""

from __future__ import annotations

import pytest
import typer.main

from todo_cli.cli.app import app, one_shot_command

WHOLE = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "built"),
    [
        (["add", "Buy", "milk"], ["add"]),
        (["modify", "1", "pri:H"], ["modify"]),  # an alias is a command of its own
        (["db", "upgrade"], ["db"]),  # a group comes whole
        (["context", "use", "work"], ["context"]),
    ],
)
def test_a_named_command_is_built_alone(argv, built):
    assert sorted(one_shot_command(argv).commands) == built


@pytest.mark.parametrize(
    "argv", [[], ["--help"], ["--debug", "add", "x"], ["5"], ["+phone"], ["ad"]]
)
def test_anything_else_gets_every_command(argv):
    """Help, options first, bare forms and typos (their suggestions) see the whole tree."""
    assert sorted(one_shot_command(argv).commands) == WHOLE


def test_the_app_itself_keeps_every_command():
    one_shot_command(["add"])
    assert sorted(typer.main.get_command(app).commands) == WHOLE  # type: ignore[attr-defined]


@pytest.mark.installed
def test_the_installed_todo_without_the_agent_says_the_same(tmp_path):
    """`todo add --help` and a typo read as ever (with the agent off, the run's own
    switch: the lean tree; on: the agent's whole one)."""
    import os
    import subprocess

    from tests.support import TODO

    env = dict(os.environ)
    lean = subprocess.run([str(TODO), "add", "--help"], env=env, capture_output=True, text=True)
    assert lean.returncode == 0
    assert "Usage: todo add" in lean.stdout
    typo = subprocess.run([str(TODO), "ad", "x"], env=env, capture_output=True, text=True)
    assert typo.returncode == 2
    assert "add" in typo.stderr
