"""Assertions and runners shared by the CLI tests."""

import subprocess
import sys
from pathlib import Path
from typing import Any

from todo_cli.errors import ExitCode

TODO = Path(sys.executable).parent / "todo"  # the installed executable
SAFETY_TIMEOUT = 120  # seconds; only so a hung process cannot hang the suite


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


def assert_fails(run, code: ExitCode) -> str:
    """The error contract: the code, one line on stderr, nothing on stdout, no traceback."""
    assert run.exit_code == code, (run.exit_code, run.stderr)
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    return run.stderr
