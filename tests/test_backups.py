"""Backups that restore: `todo db backup`, `todo db restore`, `todo db backups`, automatic ones.

Real servers throughout: embedded clusters of the tests' own, the session's
server as "a server a URL names", and PostgreSQL 15 on 127.0.0.1:5432 when the
machine has it. Every kind of backup is restored and its rows compared.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from tests.support import SAFETY_TIMEOUT, assert_fails
from tests.test_embedded import kill_servers_in, open_temp_dir, run_todo, todo_env
from todo_cli.backups import archive, automatic, dumps
from todo_cli.embedded.account import binaries_dir
from todo_cli.errors import ExitCode

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
PG15_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
JSON_KEYS = {"file", "kind", "taken_at", "bytes"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def tasks(cli) -> list[dict]:
    listed = cli("list", "--status", "all", "--json")
    assert listed.exit_code == ExitCode.OK, listed.stderr
    return json.loads(listed.stdout)


def add_tasks(cli, *titles: str) -> None:
    for title in titles:
        added = cli("add", title, "-t", "kept")
        assert added.exit_code == ExitCode.OK, added.stderr


@pytest.fixture
def data_dirs(monkeypatch) -> Iterator[list[Path]]:
    """Embedded data dirs of this test's own, the first one in use; their servers stopped after."""
    base = open_temp_dir("todo-backups-")
    dirs = [base / "first", base / "second", base / "third", base / "fourth"]
    monkeypatch.setenv("TODO_DATA_DIR", str(dirs[0]))
    yield dirs
    kill_servers_in(base)


def use(monkeypatch, data_dir: Path) -> None:
    monkeypatch.setenv("TODO_DATA_DIR", str(data_dir))


# --- the embedded server


def test_a_backup_goes_0600_into_the_0700_backups_dir_and_is_listed(cli, data_dirs):
    add_tasks(cli, "Buy milk")
    done = cli("db", "backup")
    assert done.exit_code == ExitCode.OK, done.stderr
    (backup,) = archive.list_backups(data_dirs[0])
    assert done.stderr.strip() == f"backed up the database to {backup.path}"
    assert mode(backup.path) == 0o600
    assert mode(backup.path.parent) == 0o700
    assert backup.kind == "manual"
    assert not (data_dirs[0] / "upgrade").exists()  # only an upgrade makes its working dir
    listed = cli("db", "backups")
    assert listed.stdout.splitlines() == [
        "\t".join(
            [
                backup.taken_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                "manual",
                str(backup.size),
                str(backup.path),
            ]
        )
    ]
    (entry,) = json.loads(cli("db", "backups", "--json").stdout)
    assert set(entry) == JSON_KEYS
    assert entry["file"] == str(backup.path)


def test_no_backups_is_an_empty_list(cli, data_dirs):
    listed = cli("db", "backups", "--json")
    assert listed.exit_code == ExitCode.OK
    assert json.loads(listed.stdout) == []


def test_a_backup_file_restores_into_a_new_data_dir(cli, data_dirs, monkeypatch, tmp_path):
    add_tasks(cli, "Buy milk", "Call mum")
    assert cli("note", "1", "semi-skimmed").exit_code == ExitCode.OK
    before = tasks(cli)
    file = tmp_path / "todo.dump"
    assert cli("db", "backup", str(file)).exit_code == ExitCode.OK
    assert mode(file) == 0o600
    use(monkeypatch, data_dirs[1])
    restored = cli("db", "restore", str(file))
    assert restored.exit_code == ExitCode.OK, restored.stderr
    assert "into the empty database" in restored.stderr
    assert tasks(cli) == before
    shown = cli("show", "1", "--json")
    assert json.loads(shown.stdout)["notes"][0]["text"] == "semi-skimmed"


def test_restoring_over_data_needs_yes_and_then_replaces_it(cli, data_dirs, tmp_path):
    add_tasks(cli, "Buy milk")
    before = tasks(cli)
    file = tmp_path / "todo.dump"
    assert cli("db", "backup", str(file)).exit_code == ExitCode.OK
    add_tasks(cli, "Added after the backup")
    after = tasks(cli)
    refused = cli("db", "restore", str(file))
    assert_fails(refused, ExitCode.USAGE)
    assert "--yes" in refused.stderr
    assert tasks(cli) == after
    replaced = cli("db", "restore", str(file), "--yes")
    assert replaced.exit_code == ExitCode.OK, replaced.stderr
    assert "replacing its data" in replaced.stderr
    assert tasks(cli) == before


def test_restoring_a_missing_or_broken_file_changes_nothing(cli, data_dirs, tmp_path):
    add_tasks(cli, "Buy milk")
    before = tasks(cli)
    missing = cli("db", "restore", str(tmp_path / "nope.dump"), "--yes")
    assert_fails(missing, ExitCode.USAGE)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really")
    refused = cli("db", "restore", str(broken), "--yes")
    assert_fails(refused, ExitCode.UNREACHABLE)
    assert "pg_restore failed" in refused.stderr
    assert tasks(cli) == before


def restore_into(cli, monkeypatch, data_dir: Path, backup: Path) -> list[dict]:
    use(monkeypatch, data_dir)
    restored = cli("db", "restore", str(backup))
    assert restored.exit_code == ExitCode.OK, restored.stderr
    return tasks(cli)  # migrated to head first when the backup is older


def age_cluster(data_dir: Path, days: int = 2) -> None:
    """The clock edge for the daily backup: the cluster was made ``days`` ago."""
    made = time.time() - days * 86400
    os.utime(data_dir / "pgdata" / "PG_VERSION", (made, made))


def test_every_kind_of_automatic_backup_restores(cli, data_dirs, monkeypatch):
    first = data_dirs[0]
    add_tasks(cli, "Buy milk", "Write report")
    before = tasks(cli)
    age_cluster(first)
    assert automatic.take_daily(first, keep=7) is not None
    assert automatic.take_daily(first, keep=7) is None  # once a day
    # A downgrade, then the next command's automatic migration: one backup before each.
    assert cli("db", "downgrade", "--yes").exit_code == ExitCode.OK
    assert tasks(cli) == before
    kinds = [backup.kind for backup in archive.list_backups(first)]
    assert kinds == ["daily", "pre-migration", "pre-migration"]
    for backup, target in zip(archive.list_backups(first), data_dirs[1:], strict=True):
        assert mode(backup.path) == 0o600
        assert restore_into(cli, monkeypatch, target, backup.path) == before, backup.kind


def test_only_the_newest_automatic_backups_are_kept(tmp_path):
    data_dir = tmp_path / "todo"
    data_dir.mkdir(mode=0o700)
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    kinds = ["daily", "manual", "pre-migration", "daily", "pre-upgrade", "manual", "daily"]
    for hour, kind in enumerate(kinds):
        path = archive.new_backup_path(data_dir, kind, start + timedelta(hours=hour))
        path.write_bytes(b"archive")
    removed = archive.prune(data_dir, keep=3)
    assert [path.name.split("-", 2)[2] for path in removed] == ["daily.dump", "pre-migration.dump"]
    left = [backup.kind for backup in archive.list_backups(data_dir)]
    assert left == ["manual", "daily", "pre-upgrade", "manual", "daily"]


def test_the_password_reaches_libpq_only_through_a_private_passfile():
    from sqlalchemy.engine import make_url

    uri, password = dumps.libpq_uri(
        make_url("postgresql+asyncpg://ann:s3:cr%40t@db.example/todo?sslmode=require")
    )
    assert password == "s3:cr@t"
    assert "s3" not in uri
    assert "sslmode=require" in uri
    with dumps.passfile(password) as environment:
        passfile = Path(environment["PGPASSFILE"])
        assert mode(passfile) == 0o600
        assert mode(passfile.parent) == 0o700
        assert passfile.read_text() == "*:*:*:*:s3\\:cr@t\n"
    assert not passfile.parent.exists()


@pytest.mark.installed
@pytest.mark.agent_pinned
def test_the_first_command_of_the_day_takes_the_daily_backup_in_the_background():
    base = open_temp_dir("todo-daily-")
    data_dir = base / "todo"
    env = todo_env(base, data_dir)
    try:
        assert run_todo("add", "Buy milk", env=env).returncode == ExitCode.OK
        assert archive.list_backups(data_dir) == []  # a cluster made today: nothing from before
        age_cluster(data_dir)
        assert run_todo("list", env=env).returncode == ExitCode.OK
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while not archive.list_backups(data_dir):
            assert time.monotonic() < deadline, "no daily backup appeared"
            time.sleep(0.1)
        assert run_todo("list", env=env).returncode == ExitCode.OK
        assert [backup.kind for backup in archive.list_backups(data_dir)] == ["daily"]
        assert not automatic.daily_due(data_dir, 7, datetime.now().astimezone())
    finally:
        while (data_dir / "backups").exists() and any(
            name.startswith(".") and name.endswith(".partial")
            for name in os.listdir(data_dir / "backups")
        ):
            time.sleep(0.1)
        kill_servers_in(base)


# --- a server that a URL names


def test_a_url_server_needs_a_new_enough_pg_dump_on_path(cli, todo_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL programs at all
    message = assert_fails(cli("db", "backup", str(tmp_path / "x.dump")), ExitCode.CONFIG)
    assert "pg_dump" in message
    assert "or newer must be on PATH (found none)" in message
    assert not (tmp_path / "x.dump").exists()


def test_an_admin_backs_up_a_url_server_and_restores_into_an_empty_database(
    cli, todo_env, empty_database_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", f"{binaries_dir()}{os.pathsep}{os.environ['PATH']}")
    add_tasks(cli, "Buy milk", "Call mum")
    before = tasks(cli)
    file = tmp_path / "team.dump"
    assert cli("db", "backup", str(file)).exit_code == ExitCode.OK
    assert mode(file) == 0o600
    assert_fails(cli("db", "backup"), ExitCode.USAGE)  # no backups dir for a URL's server
    monkeypatch.setenv("TODO_DATABASE_URL", empty_database_url)
    restored = cli("db", "restore", str(file))
    assert restored.exit_code == ExitCode.OK, restored.stderr
    assert tasks(cli) == before


def test_a_user_without_admin_rights_is_pointed_at_todo_export(cli, shared_url, tmp_path):
    message = assert_fails(cli("db", "backup", str(tmp_path / "mine.dump")), ExitCode.CREDENTIALS)
    assert "todo export" in message
    assert not (tmp_path / "mine.dump").exists()


def pg15_reachable() -> bool:
    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(PG15_URL, timeout=5)
        except (OSError, asyncpg.PostgresError):
            return False
        await connection.close()
        return True

    return (PG15_BIN / "pg_dump").exists() and asyncio.run(probe())


@pytest.fixture
def pg15_databases() -> Iterator[list[str]]:
    if not pg15_reachable():
        pytest.skip("needs PostgreSQL 15 on 127.0.0.1:5432 and its client programs")
    names = [f"todo_backup_{os.getpid()}_{n}" for n in range(2)]

    async def run(*statements: str) -> None:
        connection = await asyncpg.connect(PG15_URL)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(*(f"CREATE DATABASE {name}" for name in names)))
    yield [PG15_URL.rsplit("/", 1)[0] + f"/{name}" for name in names]
    asyncio.run(run(*(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in names)))


def test_postgresql_15_is_backed_up_with_its_own_pg_dump(
    cli, pg15_databases, monkeypatch, tmp_path
):
    source, target = pg15_databases
    monkeypatch.setenv("TODO_DATABASE_URL", source)
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    add_tasks(cli, "Buy milk")
    before = tasks(cli)
    file = tmp_path / "pg15.dump"
    monkeypatch.setenv("PATH", f"{PG15_BIN}{os.pathsep}{os.environ['PATH']}")
    assert cli("db", "backup", str(file)).exit_code == ExitCode.OK
    monkeypatch.setenv("TODO_DATABASE_URL", target)
    restored = cli("db", "restore", str(file))
    assert restored.exit_code == ExitCode.OK, restored.stderr
    assert tasks(cli) == before
