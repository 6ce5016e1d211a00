"""Assertions and runners shared by the CLI tests."""

import os
import pty
import pwd
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from todo_cli.errors import ExitCode

TODO = Path(sys.executable).parent / "todo"  # the installed executable
SAFETY_TIMEOUT = 120  # seconds; only so a hung process cannot hang the suite
TASK = shutil.which("task", path="/usr/bin")  # the real Taskwarrior 2.6.2, if installed


def run_todo(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    """The installed `todo` as a subprocess, its output captured as text."""
    return subprocess.run(
        [str(TODO), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=SAFETY_TIMEOUT,
        check=False,
        **kwargs,
    )


def run_sql_script(dsn: str, script: str) -> subprocess.CompletedProcess:
    """A printed migration run as README says (`psql -v ON_ERROR_STOP=1 -f FILE`), by the
    psql todo ships: statement by statement, so CONCURRENTLY runs outside a transaction."""
    from todo_cli.embedded.account import binaries_dir

    options = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", dsn, "-f", "-"]
    return subprocess.run(
        [str(binaries_dir() / "psql"), *options],
        input=script,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
        check=False,
    )


def assert_fails(run, code: ExitCode) -> str:
    """The error contract: the code, one line on stderr, nothing on stdout, no traceback."""
    assert run.exit_code == code, (run.exit_code, run.stderr)
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    return run.stderr


def shared_directory(parent: Path, mode: int = 0o1777) -> Path:
    """A directory every user may write to, as /tmp or /pub are (sticky unless ``mode`` says)."""
    shared = parent / "shared"
    shared.mkdir()
    shared.chmod(mode)
    return shared


def symlink_as(user: str, link: Path, target: Path) -> None:
    """``user`` (really: a process running as them) places ``link`` pointing at ``target``."""
    subprocess.run(
        ["ln", "-s", str(target), str(link)],
        user=user,
        group=pwd.getpwnam(user).pw_gid,
        extra_groups=[],
        check=True,
        timeout=SAFETY_TIMEOUT,
    )


def run_on_a_terminal(argv: list[str], env: dict[str, str]) -> str:
    """stdout and stderr of ``argv`` run on a pseudo-terminal, as the terminal got it."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    received = b""
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal (Linux)
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    assert process.wait(timeout=60) == ExitCode.OK, received
    return received.decode().replace("\r\n", "\n")


def examples(count: int) -> int:
    """Hypothesis examples for a property that goes through the database.

    The input space is explored on the suite's own server; on a second server
    (TODO_TEST_DATABASE_URL, CI's PostgreSQL 15 run) a quarter of them show the
    same statements work there.
    """
    import os

    return max(3, count // 4) if os.environ.get("TODO_TEST_DATABASE_URL") else count


def ok(cli, *args: str, **kwargs: Any):
    """A run of the in-process CLI that must succeed; the failure's stderr is in the assertion."""
    result = cli(*args, **kwargs)
    assert result.exit_code == ExitCode.OK, (args, result.stderr)
    assert "Traceback" not in result.stderr
    return result


class Taskwarrior:
    """The real Taskwarrior 2.6.2 on its own rc and data under ``home``; a call runs
    `task` with those words and returns its stdout (failing on a non-zero exit)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.rc = home / "taskrc"
        self.rc.write_text(f"data.location={home / 'data'}\nconfirmation=off\nverbose=nothing\n")
        (home / "data").mkdir()

    def configure(self, *lines: str) -> None:
        """More rc lines (``uda.size.type=string`` ...)."""
        with self.rc.open("a") as rc:
            rc.writelines(line + "\n" for line in lines)

    def __call__(self, *args: str) -> str:
        assert TASK is not None, "the test is skipped without /usr/bin/task"
        env = {"TASKRC": str(self.rc), "TASKDATA": str(self.home / "data")}
        env |= {"HOME": str(self.home), "PATH": "/usr/bin"}  # without HOME, 2.6.2 crashes
        done = subprocess.run(
            [TASK, *args], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout
