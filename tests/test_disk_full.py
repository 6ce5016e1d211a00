"""The disk under the embedded server fills: exit 6 naming it (a write refused, and a
server that cannot start), nothing half-written, and once space is freed the next
command works with every earlier task intact.

A real small filesystem: a tmpfs the test mounts (root only; skipped, saying
why, where mounting is impossible), the embedded data dir on it, the installed
`todo` adding tasks until the server cannot write.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support import SAFETY_TIMEOUT, run_todo
from todo_cli import embedded
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.installed

SIZE = "96m"  # a fresh cluster takes about 40 MB of it
MOST_ADDS = 500  # the disk is full before this (a few dozen adds at most); else the test fails


@pytest.fixture
def small_disk() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    base = Path(tempfile.mkdtemp(prefix="todo-small-disk-"))
    base.chmod(0o755)  # the server account (as root: pgserver) must get through
    mounted = mount(base)
    if mounted.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield base
    finally:
        embedded.stop(base / "todo")
        subprocess.run(["umount", str(base)], check=True, timeout=SAFETY_TIMEOUT)
        base.rmdir()


def mount(target: Path) -> subprocess.CompletedProcess:
    options = f"size={SIZE},mode=0755"
    command = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)]
    return subprocess.run(command, capture_output=True, text=True, timeout=SAFETY_TIMEOUT)


def fill(disk: Path, name: str) -> Path:
    """A file of ours that takes every byte left on ``disk``."""
    filler = disk / name
    with filler.open("wb", buffering=0) as file:
        for chunk in (1024 * 1024, 4096, 512):
            try:
                while True:
                    file.write(b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def start_a_fresh_wal_segment(data_dir: Path) -> None:
    """16 MB of WAL room: the adds below then fill tables, not the WAL's current segment
    (a WAL write that finds the disk full stops the whole server, a case of its own)."""

    async def switch() -> None:
        connection = await asyncpg.connect(embedded.ensure_running(data_dir).url)
        try:
            await connection.execute("SELECT pg_switch_wal()")
            await connection.execute("CHECKPOINT")  # its record opens the new segment file
        finally:
            await connection.close()

    asyncio.run(switch())


def add(env: dict[str, str], title: str) -> subprocess.CompletedProcess:
    # Hex of random bytes: text the server cannot compress much, so pages fill fast.
    return run_todo(env, "add", title, "-d", os.urandom(1500).hex(), "--json")


def stored(env: dict[str, str]) -> list[tuple[int, str]]:
    listed = run_todo(env, "list", "--json")
    assert listed.returncode == ExitCode.OK, listed.stderr
    return sorted((task["id"], task["title"]) for task in json.loads(listed.stdout))


def assert_no_space(run: subprocess.CompletedProcess) -> None:
    assert run.returncode == ExitCode.UNREACHABLE, run.stderr
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "no space" in run.stderr.lower(), run.stderr


def test_a_full_disk_is_exit_6_naming_it_and_nothing_is_lost(small_disk):
    env = {**os.environ, "TODO_DATA_DIR": str(small_disk / "todo")}
    first = run_todo(env, "add", "before the disk filled")
    assert first.returncode == ExitCode.OK, first.stderr
    titles = ["before the disk filled"]
    start_a_fresh_wal_segment(small_disk / "todo")
    filler = fill(small_disk, "filler")
    for number in range(MOST_ADDS):
        refused = add(env, f"task {number}")
        if refused.returncode != ExitCode.OK:
            break
        titles.append(f"task {number}")
    else:
        pytest.fail(f"{MOST_ADDS} tasks fitted on a full disk")

    assert_no_space(refused)

    # A server that cannot even start (its pid file) says so too, not "see the log".
    assert run_todo(env, "db", "stop").returncode == ExitCode.OK
    refill = fill(small_disk, "refill")  # what stopping freed
    assert_no_space(run_todo(env, "list"))

    refill.unlink()
    filler.unlink()
    after = add(env, "after space was freed")
    assert after.returncode == ExitCode.OK, after.stderr
    # The refused add took no short id: the next one is the one after the last stored.
    assert json.loads(after.stdout)["id"] == len(titles) + 1
    expected = [*titles, "after space was freed"]
    assert stored(env) == list(enumerate(expected, start=1))
