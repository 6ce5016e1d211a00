"""Assertions shared by the CLI tests."""

from todo_cli.errors import ExitCode


def assert_fails(run, code: ExitCode) -> str:
    """The error contract: the code, one line on stderr, nothing on stdout, no traceback."""
    assert run.exit_code == code, (run.exit_code, run.stderr)
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    return run.stderr
