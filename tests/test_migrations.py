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

from tests.conftest import admin_dsn, engine_for
from tests.support import assert_fails, run_sql_script
from todo_cli.db.migrations import head_revision
from todo_cli.db.policies import PERSONAL_TABLES
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
    personal = set(PERSONAL_TABLES)
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


ID_TABLES = ("users", "tasks", "task_notes", "task_journal", "user_sessions")
# What `todo db grant ROLE` gave the shared role before 0004: whole tables and the id sequences.
GRANT_BEFORE_0004 = """
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON tasks, task_notes, task_journal TO {role};
GRANT SELECT, UPDATE (last_task_number, updated_at) ON users TO {role};
GRANT SELECT ON alembic_version TO {role};
GRANT USAGE ON SEQUENCE tasks_id_seq, task_notes_id_seq, task_journal_id_seq,
    task_journal_change_id_seq TO {role};
GRANT EXECUTE ON FUNCTION todo_session_user(), todo_accounts_exist() TO {role};
"""


def id_positions(url: str) -> dict[str, list]:
    """Where each id sequence stands: (last_value, is_called)."""
    position = "SELECT ARRAY[last_value::text, is_called::text] FROM {}_id_seq"
    return {table: query(url, position.format(table))[0] for table in ID_TABLES}


def stored_rows(url: str) -> list:
    return [
        query(url, f"SELECT array_agg(t::text ORDER BY id) FROM {table} t")
        for table in ("users", "tasks", "task_notes", "task_journal")
    ]


def identity_kinds(url: str) -> set[str]:
    names = ", ".join(f"'{table}'" for table in ID_TABLES)
    tables = f"SELECT oid FROM pg_class WHERE relname IN ({names})"
    kinds = (
        "SELECT attidentity::text FROM pg_attribute "
        f"WHERE attname = 'id' AND attrelid IN ({tables})"
    )
    return set(query(url, kinds))


async def as_role(url: str, sql: str, *args) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


PLANT = "INSERT INTO tasks (user_id, number, title) SELECT id, 99, 'raw' FROM users"
CHOOSE = (
    "INSERT INTO tasks (id, user_id, number, title) OVERRIDING SYSTEM VALUE "
    "SELECT 424242, id, 98, 'chosen' FROM users"
)


def test_ids_become_identity_keeping_rows_positions_and_the_granted_role(
    cli, todo_env, shared_role, monkeypatch
):
    """An install granted under 0003 upgrades: same rows, ids go on where they were,
    the role still adds tasks and chooses no id; and the way back keeps all of it."""
    import asyncpg

    from tests.conftest import SHARED_PASSWORD, admin_execute, url_as

    for title in ("one", "two", "three"):
        assert cli("add", title).exit_code == ExitCode.OK
    assert cli("note", "2", "a note").exit_code == ExitCode.OK
    assert cli("db", "downgrade", "0003", "--yes").exit_code == ExitCode.OK
    asyncio.run(admin_execute(todo_env, GRANT_BEFORE_0004.format(role=shared_role)))
    positions, rows = id_positions(todo_env), stored_rows(todo_env)
    assert identity_kinds(todo_env) == {""}

    # Rows compared at 0004: later revisions add columns.
    assert cli("db", "upgrade", "0004").exit_code == ExitCode.OK
    assert (id_positions(todo_env), stored_rows(todo_env)) == (positions, rows)
    assert identity_kinds(todo_env) == {"a"}  # GENERATED ALWAYS
    shared = url_as(todo_env, shared_role, SHARED_PASSWORD)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(as_role(shared, CHOOSE))
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    monkeypatch.setenv("TODO_DATABASE_URL", shared)
    added = cli("add", "four")
    assert added.exit_code == ExitCode.OK, added.stderr
    next_id = int(positions["tasks"][0]) + 1
    assert query(todo_env, "SELECT title FROM tasks WHERE id = " + str(next_id)) == ["four"]

    monkeypatch.setenv("TODO_DATABASE_URL", todo_env)
    assert cli("db", "downgrade", "0004", "--yes").exit_code == ExitCode.OK
    positions, rows = id_positions(todo_env), stored_rows(todo_env)
    assert cli("db", "downgrade", "0003", "--yes").exit_code == ExitCode.OK
    assert (id_positions(todo_env), stored_rows(todo_env)) == (positions, rows)
    assert identity_kinds(todo_env) == {""}
    asyncio.run(as_role(shared, PLANT))  # the serial default's sequence is granted again
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(as_role(shared, CHOOSE))
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert cli("db", "check").exit_code == ExitCode.OK


def test_every_revision_comes_off_and_back_on_over_data(cli, todo_env, shared_url, monkeypatch):
    from tests.test_accounts import ALICE, register, token_of
    from todo_cli.db.admin import Ladder

    assert register(cli, ALICE).exit_code == ExitCode.OK
    monkeypatch.setenv("TODO_SESSION_TOKEN", token_of(cli, ALICE))
    for title in ("one", "two"):
        assert cli("add", title).exit_code == ExitCode.OK
    assert cli("note", "1", "a note").exit_code == ExitCode.OK
    assert cli("done", "2").exit_code == ExitCode.OK
    monkeypatch.setenv("TODO_DATABASE_URL", todo_env)
    for revision in reversed(Ladder.load().steps[1:]):
        for step in (["downgrade", "--yes"], ["upgrade", "+1"], ["downgrade", "--yes"]):
            run = cli("db", *step)
            assert run.exit_code == ExitCode.OK, (revision, step, run.stderr)
        if revision == "0002":
            assert query(todo_env, "SELECT title FROM tasks ORDER BY number") == ["one", "two"]
    assert versions(todo_env) == []
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert cli("db", "check").exit_code == ExitCode.OK


def test_offline_sql_of_0004_builds_what_the_online_upgrade_builds(cli, empty_db):
    """`alembic upgrade 0003:head --sql` holds every step: run as printed, it reaches head."""
    import io

    from alembic import command

    from tests.conftest import admin_execute
    from todo_cli.db.migrations import alembic_config

    assert cli("db", "upgrade", "0003").exit_code == ExitCode.OK
    asyncio.run(
        admin_execute(
            empty_db,
            "INSERT INTO tasks (user_id, number, title) "
            "SELECT local_user_id, 1, 'made under 0003' FROM todo_auth; "
            "UPDATE users SET last_task_number = 1",
        )
    )
    config = alembic_config()
    config.output_buffer = io.StringIO()
    command.upgrade(config, "0003:head", sql=True)
    applied = run_sql_script(admin_dsn(empty_db), config.output_buffer.getvalue())
    assert applied.returncode == 0, applied.stderr
    assert versions(empty_db) == [HEAD]
    assert identity_kinds(empty_db) == {"a"}
    assert cli("db", "check").exit_code == ExitCode.OK
    assert cli("add", "made under head").exit_code == ExitCode.OK
    assert query(empty_db, "SELECT id FROM tasks ORDER BY id") == [1, 2]


def test_an_upgrade_stopped_in_an_index_build_is_finished_by_the_next(cli, empty_db):
    """0005 builds its indexes CONCURRENTLY after committing its ALTER: one that fails
    there (here a lock_timeout behind an old snapshot) leaves tasks altered, an INVALID
    index and the version at 0004. The next upgrade drops that index, builds it again
    and reaches a head that `db check` finds equal to the models."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    from todo_cli.db import migrations

    assert cli("db", "upgrade", "0004").exit_code == ExitCode.OK

    async def stop_in_the_build() -> None:
        blocker = await asyncpg.connect(admin_dsn(empty_db))
        impatient = engine_for(empty_db, lock_timeout=0.2)
        try:
            await blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
            with pytest.raises(DBAPIError, match="lock timeout"):
                await migrations.upgrade(impatient, "head")
        finally:
            await impatient.dispose()
            await blocker.close()

    asyncio.run(stop_in_the_build())
    assert versions(empty_db) == ["0004"]
    invalid = "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
    assert query(empty_db, invalid) == ["ux_tasks_template_occurrence"]
    assert cli("db", "upgrade").exit_code == ExitCode.OK
    assert versions(empty_db) == [HEAD]
    assert query(empty_db, invalid) == []
    assert cli("db", "check").exit_code == ExitCode.OK
