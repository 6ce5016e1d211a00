"""Prompts at a real terminal (a pty): declining is no error, and the purge prompt names tasks."""

from __future__ import annotations

import os
import select
import subprocess
import time

import pytest

from tests.rows import insert_task
from tests.support import TODO as INSTALLED_TODO
from tests.support import assert_fails
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.installed

TODO = str(INSTALLED_TODO)


class Terminal:
    """The installed `todo` with stdin, stdout and stderr on a pseudo-terminal."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [TODO, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, **env, "TERM": "dumb"},
            close_fds=True,
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.seen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    break
        return self.seen.decode(errors="replace")

    def answer(self, text: str) -> None:
        os.write(self.master, text.encode() + b"\n")

    def finish(self) -> tuple[int, str]:
        code = self.process.wait(timeout=60)
        self.read_until(b"\0", timeout=0.5)  # drain what is left
        os.close(self.master)
        return code, self.seen.decode(errors="replace")


def add_and_remove(cli, database_url: str, *titles: str) -> None:
    """Deleted tasks, ready to purge; written as another client would (any title)."""
    for title in titles:
        insert_task(database_url, title)
    numbers = [str(n) for n in range(1, len(titles) + 1)]
    assert cli("rm", *numbers).exit_code == ExitCode.OK


def test_declining_purge_at_a_terminal_changes_nothing_and_succeeds(cli, todo_env):
    add_and_remove(cli, todo_env, "Buy milk", "evil \x1b]0;pwned\x07 title")
    terminal = Terminal("purge", "1", "2", env={"TODO_DATABASE_URL": todo_env})
    prompt = terminal.read_until(b"[y/N]")
    assert "1  Buy milk" in prompt
    assert "2  evil \\x1b]0;pwned\\x07 title" in prompt  # named, and escaped
    assert "\x1b" not in prompt
    terminal.answer("n")
    code, seen = terminal.finish()
    assert code == ExitCode.OK, seen
    assert "nothing changed" in seen
    assert "error" not in seen
    listed = cli("list", "--status", "deleted", "--json")
    assert listed.stdout.count('"status":"deleted"') == 2


def test_accepting_purge_at_a_terminal_purges(cli, todo_env):
    add_and_remove(cli, todo_env, "Buy milk")
    terminal = Terminal("purge", "1", env={"TODO_DATABASE_URL": todo_env})
    terminal.read_until(b"[y/N]")
    terminal.answer("y")
    code, seen = terminal.finish()
    assert code == ExitCode.OK, seen
    assert cli("list", "--status", "all", "--json").stdout == "[]\n"


def test_the_downgrade_prompt_says_what_it_drops(cli, todo_env):
    assert cli("add", "keep me").exit_code == ExitCode.OK
    terminal = Terminal("db", "downgrade", "base", env={"TODO_DATABASE_URL": todo_env})
    prompt = terminal.read_until(b"[y/N]")
    assert "This drops 1 tasks of 1 users." in prompt
    terminal.answer("n")
    code, seen = terminal.finish()
    assert code == ExitCode.OK, seen
    assert cli("list", "--json").exit_code == ExitCode.OK


def test_purge_off_a_terminal_still_needs_yes(cli, todo_env):
    add_and_remove(cli, todo_env, "Buy milk")
    assert "--yes" in assert_fails(cli("purge", "1"), ExitCode.USAGE)


def add_tagged(database_url: str, *titles: str) -> None:
    """Tasks tagged x, written as another client would (any title)."""
    for title in titles:
        insert_task(database_url, title, tags=["x"])


def test_a_bulk_filter_asks_at_a_terminal_listing_the_tasks_escaped(cli, todo_env):
    add_tagged(todo_env, "a", "b", "c", "evil \x1b]0;pwned\x07 title")
    terminal = Terminal("done", "+x", env={"TODO_DATABASE_URL": todo_env})
    prompt = terminal.read_until(b"[y/N]")
    assert "The filter selects 4 tasks:" in prompt
    assert "1  a" in prompt
    assert "4  evil \\x1b]0;pwned\\x07 title" in prompt
    assert "\x1b" not in prompt
    terminal.answer("n")
    code, seen = terminal.finish()
    assert code == ExitCode.OK, seen
    assert "nothing changed" in seen
    assert cli("list", "status:done", "--json").stdout == "[]\n"


def test_accepting_a_bulk_change_at_a_terminal_changes_exactly_those(cli, todo_env):
    add_tagged(todo_env, "a", "b", "c", "d")
    terminal = Terminal("done", "+x", env={"TODO_DATABASE_URL": todo_env})
    terminal.read_until(b"[y/N]")
    terminal.answer("y")
    code, seen = terminal.finish()
    assert code == ExitCode.OK, seen
    assert "Completed task 4: d" in seen
    assert cli("list", "--json").stdout == "[]\n"
