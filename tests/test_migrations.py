"""`todo db ...` migrations through the real Alembic env (todo_cli/db/migrations.py)."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import engine_for
from tests.support import assert_fails
from todo_cli.db.migrations import head_revision
from todo_cli.errors import ExitCode

HEAD = head_revision()


def query(url: str, sql: str) -> list:
    async def fetch() -> list:
        engine = engine_for(url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(text(sql))).scalars())
        finally:
            await engine.dispose()

    return asyncio.run(fetch())


def execute(url: str, sql: str) -> None:
    async def run() -> None:
        engine = engine_for(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


def tables(url: str) -> set[str]:
    return set(query(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))


def versions(url: str) -> list[str]:
    if "alembic_version" not in tables(url):
        return []
    return query(url, "SELECT version_num FROM alembic_version")


@pytest.fixture
def empty_db(empty_database_url, monkeypatch) -> str:
    monkeypatch.setenv("TODO_DATABASE_URL", empty_database_url)
    return empty_database_url


def test_upgrade_downgrade_upgrade_on_an_empty_database(cli, empty_db):
    assert tables(empty_db) == set()
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert {"users", "tasks"} <= tables(empty_db)
    assert versions(empty_db) == [HEAD]
    assert cli("db", "downgrade", "base", "--yes").exit_code == ExitCode.OK
    assert tables(empty_db) == {"alembic_version"}
    assert versions(empty_db) == []
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert versions(empty_db) == [HEAD]


def security_objects(url: str) -> tuple[set[str], set[str], set[str]]:
    policies = query(url, "SELECT tablename || '.' || policyname FROM pg_policies")
    functions = query(url, "SELECT proname FROM pg_proc WHERE proname LIKE 'todo\\_%'")
    forced = query(url, "SELECT relname FROM pg_class WHERE relforcerowsecurity")
    return set(policies), set(functions), set(forced)


def test_accounts_migration_goes_down_and_up_with_policies_and_functions(cli, todo_env):
    policies, functions, forced = security_objects(todo_env)
    personal = {"tasks", "task_notes", "task_journal"}
    assert {f"{table}.owner_rows" for table in personal} | {
        "users.owner_rows",
        "users.registration",
    } == policies
    assert {"todo_session_user", "todo_login", "todo_register", "todo_logout"} <= functions
    assert forced == personal | {"users"}
    assert cli("db", "downgrade", "0001", "--yes").exit_code == ExitCode.OK
    assert security_objects(todo_env) == (set(), set(), set())
    assert "user_credentials" not in tables(todo_env)
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert security_objects(todo_env) == (policies, functions, forced)
    assert cli("add", "after the round trip").exit_code == ExitCode.OK


def test_downgrade_drops_rows_and_upgrade_recreates_tables(cli, todo_env):
    for title in ("one", "two"):
        assert cli("add", title).exit_code == ExitCode.OK
    assert query(todo_env, "SELECT count(*) FROM tasks") == [2]
    downgraded = cli("db", "downgrade", "base", "--yes")
    assert downgraded.exit_code == ExitCode.OK, downgraded.stderr
    assert "tasks" not in tables(todo_env)
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert query(todo_env, "SELECT count(*) FROM tasks") == [0]
    assert json.loads(cli("list", "--json").stdout) == []


def test_upgrade_reports_progress_and_revision_on_stderr(cli, empty_db):
    run = cli("db", "upgrade")
    assert run.stdout == ""
    assert "Running upgrade" in run.stderr
    assert HEAD in run.stderr.splitlines()[-1]


def test_upgrade_at_head_changes_nothing(cli, todo_env):
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert versions(todo_env) == [HEAD]


def test_check_passes_at_head(cli, todo_env):
    run = cli("db", "check")
    assert run.exit_code == ExitCode.OK, run.stderr


def test_current_names_the_head(cli, todo_env):
    run = cli("db", "current")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert run.stdout.strip() == f"{HEAD} (head)"


def test_history_lists_the_revisions(cli):
    run = cli("db", "history")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "<base> -> 0001, users and tasks" in run.stdout
    assert f"-> {HEAD} (head)" in run.stdout


def test_downgrade_without_yes_and_no_terminal_is_refused(cli, todo_env):
    assert "--yes" in assert_fails(cli("db", "downgrade", "base"), ExitCode.USAGE)
    assert versions(todo_env) == [HEAD]
    assert {"users", "tasks"} <= tables(todo_env)


def test_external_database_without_schema_is_not_migrated(cli, empty_db):
    assert "todo db upgrade" in assert_fails(cli("list"), ExitCode.SCHEMA_OUTDATED)
    assert tables(empty_db) == set()


@pytest.mark.parametrize("command", [["upgrade"], ["downgrade", "--yes"]])
def test_unknown_revision_is_usage_error(cli, todo_env, command):
    assert "nosuchrev" in assert_fails(cli("db", *command, "nosuchrev"), ExitCode.USAGE)
    assert versions(todo_env) == [HEAD]


def test_workflow_revision_downgrades_and_upgrades_cleanly(cli, todo_env):
    """0002 (notes, journal, started_at) comes off and back on with 0001's data intact."""
    assert cli("add", "kept").exit_code == ExitCode.OK
    assert cli("note", "1", "a note").exit_code == ExitCode.OK
    assert cli("db", "downgrade", "0001", "--yes").exit_code == ExitCode.OK
    assert versions(todo_env) == ["0001"]
    assert {"task_notes", "task_journal"}.isdisjoint(tables(todo_env))
    assert query(todo_env, "SELECT title FROM tasks") == ["kept"]
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert {"task_notes", "task_journal"} <= tables(todo_env)
    [task] = json.loads(cli("list", "--json").stdout)
    assert (task["title"], task["notes"], task["started_at"]) == ("kept", [], None)
    assert cli("db", "check").exit_code == ExitCode.OK


def test_concurrent_upgrades_apply_once(empty_database_url):
    env = {**os.environ, "TODO_DATABASE_URL": empty_database_url}
    command = [sys.executable, "-m", "todo_cli", "db", "upgrade"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outcomes = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _ in outcomes] == [ExitCode.OK] * 3, outcomes
    assert versions(empty_database_url) == [HEAD]
    assert sum(b"Running upgrade" in stderr for _, stderr in outcomes) == 1


def test_status_json_describes_an_external_database(cli, database_url, monkeypatch):
    with_password = make_url(database_url)
    if not with_password.password:  # a trust server (TODO_TEST_DATABASE_URL) takes any
        with_password = with_password.set(password="s3cret")
    monkeypatch.setenv("TODO_DATABASE_URL", with_password.render_as_string(hide_password=False))
    run = cli("db", "status", "--json")
    assert run.exit_code == ExitCode.OK, run.stderr
    status = json.loads(run.stdout)
    assert status["mode"] == "external"
    assert str(with_password.password) not in run.stdout
    assert make_url(status["url"]).database == make_url(database_url).database
    assert status["revision"] == status["head"] == HEAD
    assert status["up_to_date"] is True


def test_status_reports_a_stopped_embedded_server_without_starting_it(cli, isolated_home):
    run = cli("db", "status", "--json")
    assert run.exit_code == ExitCode.OK, run.stderr
    status = json.loads(run.stdout)
    assert status["mode"] == "embedded"
    assert status["server_running"] is False
    assert status["server_pid"] is None
    assert status["revision"] is None
    assert status["up_to_date"] is None  # not asked, so not known
    assert not Path(status["data_dir"]).exists()


def test_current_on_an_empty_database_says_so(cli, empty_db):
    run = cli("db", "current")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert run.stdout == "base (empty: no todo schema yet)\n"


@pytest.mark.parametrize(
    "command",
    [["upgrade"], ["downgrade", "--yes"], ["downgrade", "base", "--yes"], ["current"], ["check"]],
)
def test_a_database_newer_than_todo_says_upgrade_todo(cli, todo_env, command):
    execute(todo_env, "UPDATE alembic_version SET version_num = 'f00d'")
    message = assert_fails(cli("db", *command), ExitCode.SCHEMA_OUTDATED)
    assert "the database schema (f00d) is newer than this todo; upgrade todo" in message
    assert versions(todo_env) == ["f00d"]


def test_downgrade_at_base_has_nothing_to_do(cli, empty_db):
    run = cli("db", "downgrade", "--yes")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert run.stderr == "already at base; nothing to downgrade\n"


def test_downgrade_to_base_says_how_many_tasks_it_drops(cli, todo_env):
    for title in ("one", "two"):
        assert cli("add", title).exit_code == ExitCode.OK
    run = cli("db", "downgrade", "base", "--yes")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "this drops 2 tasks of 1 users" in run.stderr
    assert "tasks" not in tables(todo_env)


def test_check_summarises_the_differences_in_one_line(cli, todo_env):
    execute(todo_env, "ALTER TABLE tasks ADD COLUMN colour text")
    message = assert_fails(cli("db", "check"), ExitCode.CONFLICT)
    assert "models and migrations disagree: remove column tasks.colour" in message
    assert "[(" not in message
    assert "Column(" not in message


def test_check_on_a_database_behind_head_says_upgrade(cli, empty_db):
    assert "todo db upgrade" in assert_fails(cli("db", "check"), ExitCode.SCHEMA_OUTDATED)
