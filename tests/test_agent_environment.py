"""What an interpreter fixes at start is part of the agent's identity (chg's confighash).

Clients whose locale, ``PYTHON*``, ``LD_*``, ``PATH``, UTF-8 mode, groups or
limits differ never share an agent; each agent starts with a clean
environment of exactly that; and a command prints the same bytes with the
agent on and off under every one of them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests import test_agent as agent_tests
from tests.support import SAFETY_TIMEOUT, TODO
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import runtime

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]
# The agent tests' fixtures: a runtime dir of the test's own, the environment pointing there.
runtime_dir, env = agent_tests.runtime_dir, agent_tests.env
status, todo, warm_agent = agent_tests.status, agent_tests.todo, agent_tests.warm_agent

TITLE = "café crème"
# Each differs from the test run's own environment in what the interpreter fixes.
ENVIRONMENTS = {
    "LC_ALL=C": {"LC_ALL": "C"},
    "LANG=C": {"LANG": "C", "LC_ALL": None, "LC_CTYPE": None},  # coerced to C.UTF-8
    "LANG=C.UTF-8": {"LANG": "C.UTF-8", "LC_ALL": None},
    "PYTHONUTF8=1": {"PYTHONUTF8": "1", "LC_ALL": "C"},
    "PYTHONUTF8=0 under C": {"PYTHONUTF8": "0", "LC_ALL": "C"},  # ASCII: fails to encode
    "PYTHONIOENCODING=latin-1": {"PYTHONIOENCODING": "latin-1"},
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},  # fails to encode
    "PYTHONIOENCODING=:replace": {"PYTHONIOENCODING": "ascii:replace"},
}
COMMANDS = [("show", "1"), ("list",), ("show", "42"), ("--help",), ("list", "--status", "bogus")]
JSON_COMMANDS = [("list", "--json"), ("show", "1", "--json")]
VOLATILE = ("uuid", "created_at", "updated_at", "completed_at")


def variant(base: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    found = dict(base)
    for name, value in changes.items():
        if value is None:
            found.pop(name, None)
        else:
            found[name] = value
    return found


def run_bytes(environ: dict[str, str], *args: str) -> tuple[int, bytes, bytes]:
    """The installed todo, its output as bytes (latin-1 output is no UTF-8)."""
    done = subprocess.run(
        [str(TODO), *args],
        env=environ,
        capture_output=True,
        timeout=SAFETY_TIMEOUT,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def without_volatile(output: bytes) -> object:
    data = json.loads(output)
    strip = lambda task: {k: v for k, v in task.items() if k not in VOLATILE}  # noqa: E731
    return [strip(task) for task in data] if isinstance(data, list) else strip(data)


def test_the_same_bytes_agent_on_and_off_under_every_locale_and_encoding(env):
    off = dict(env, TODO_AGENT="0")
    assert todo(off, "add", TITLE).returncode == ExitCode.OK
    agents = {warm_agent(env)["pid"]}
    for name, changes in ENVIRONMENTS.items():
        on = variant(env, changes)
        served = warm_agent(on, previous_pid=None)
        agents.add(served["pid"])
        for args in COMMANDS:
            through_agent = run_bytes(on, *args)
            in_process = run_bytes(dict(on, TODO_AGENT="0"), *args)
            assert through_agent == in_process, (name, args)
        added = [
            run_bytes(environ, "add", "crème brûlée") for environ in (on, dict(on, TODO_AGENT="0"))
        ]
        assert (
            len({(code, out, re.sub(rb"task \d+", b"task N", err)) for code, out, err in added})
            == 1
        )
        for args in JSON_COMMANDS:
            (code_on, out_on, _), (code_off, out_off, _) = (
                run_bytes(on, *args),
                run_bytes(dict(on, TODO_AGENT="0"), *args),
            )
            assert (code_on, without_volatile(out_on)) == (code_off, without_volatile(out_off))
        assert status(on)["served"] > served["served"], name  # the agent did serve them
    distinct = {
        frozenset(
            (k, v) for k, v in variant(env, changes).items() if runtime.is_interpreter_variable(k)
        )
        for changes in [{}, *ENVIRONMENTS.values()]
    }
    assert len(agents) == len(distinct)  # one agent for each interpreter-start environment


def test_under_lc_all_c_non_ascii_prints_as_in_process(env):
    """The issue's report: exit 1 with UnicodeEncodeError after half the output."""
    c_locale = dict(env, LC_ALL="C")
    assert todo(dict(c_locale, TODO_AGENT="0"), "add", TITLE).returncode == ExitCode.OK
    warm_agent(env)  # started by a UTF-8 client
    warm_agent(c_locale)
    code, stdout, stderr = run_bytes(c_locale, "show", "1")
    assert (code, stderr) == (ExitCode.OK, b"")
    assert TITLE.encode() in stdout


def test_the_hash_covers_what_the_interpreter_fixes_and_nothing_a_request_brings():
    base = {"PATH": "/usr/bin", "LANG": "C.UTF-8", "HOME": "/home/a"}
    same = runtime.environment_hash(base)
    for changed in (
        {"LC_ALL": "C"},
        {"LC_CTYPE": "C"},
        {"LANG": "de_DE.UTF-8"},
        {"PYTHONUTF8": "1"},
        {"PYTHONIOENCODING": "latin-1"},
        {"PYTHONPATH": "/elsewhere"},
        {"LD_PRELOAD": "/lib/x.so"},
        {"LD_LIBRARY_PATH": "/opt/lib"},
        {"PATH": "/opt/pg/bin:/usr/bin"},
    ):
        assert runtime.environment_hash({**base, **changed}) != same, changed
    for request_only in (
        {"HOME": "/home/b"},
        {"TZ": "Asia/Tokyo"},
        {"TODO_DATABASE_URL": "postgresql://u:secret@h/db"},
        {"PGPASSWORD": "secret"},
        {"TODO_SESSION_TOKEN": "secret"},
        {"LANGUAGE": "fr"},  # gettext reads it on every lookup
        {"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},  # keyring, per call
        {"COLUMNS": "60", "NO_COLOR": "1", "TERM": "dumb"},
    ):
        assert runtime.environment_hash({**base, **request_only}) == same, request_only


def test_groups_and_limits_are_part_of_the_hash():
    """Another group set or a lower limit: the same variables, another agent."""
    script = (
        "import os, resource, sys\n"
        "from todo_cli.rendezvous import runtime\n"
        "if sys.argv[1] == 'limit':\n"
        "    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "    resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard))\n"
        "elif sys.argv[1] == 'groups':\n"
        "    os.setgroups([*os.getgroups(), 4242])\n"
        "print(runtime.environment_hash({'PATH': '/usr/bin'}))\n"
    )
    hashes = {}
    for change in ("none", "limit", "groups"):
        if change == "groups" and os.geteuid() != 0:
            continue
        done = subprocess.run(
            [str(Path(TODO).parent / "python"), "-c", script, change],
            capture_output=True,
            text=True,
            timeout=SAFETY_TIMEOUT,
            check=True,
        )
        hashes[change] = done.stdout.strip()
    assert len(set(hashes.values())) == len(hashes), hashes


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(entry.split("=", 1) for entry in os.fsdecode(raw).split("\0") if "=" in entry)


def test_the_agent_keeps_no_client_secret_in_its_environment(env):
    secrets = {
        "PGPASSWORD": "pg-secret",
        "TODO_SESSION_TOKEN": "token-secret",
        "SOME_API_KEY": "api-secret",
    }
    client = dict(env, **secrets)
    agent = warm_agent(client)
    kept = environ_of(agent["pid"])
    assert not set(kept) & {*secrets, "TODO_DATABASE_URL"}, sorted(kept)
    assert {name for name in kept if runtime.is_interpreter_variable(name)} == {
        name for name in client if runtime.is_interpreter_variable(name)
    }
    # Each request still brings its own: the worker reads the database URL it was given.
    shown = json.loads(todo(client, "config", "show", "--json").stdout)
    assert shown["database_url"] is not None
