"""Row-level security over raw SQL as the shared role: what a leaked connection string can do.

Tokens come from `todo login --print-token`; every query here is plain
asyncpg on the shared (non-superuser) role, as `psql` would send it.
"""

import asyncio
import json

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import SHARED_PASSWORD, admin_execute, url_as
from tests.test_accounts import ALICE, BOB, register, token_of
from todo_cli.db import policies
from todo_cli.errors import ExitCode

PERSONAL_TABLES = ("users", *policies.PERSONAL_TABLES)

SECRET_TABLES = ("user_credentials", "user_sessions", "todo_auth")


def dsn(url):
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def as_shared(url, token, work):
    """Run ``work(connection)`` in one transaction that presents ``token`` (None: no token)."""
    connection = await asyncpg.connect(dsn(url))
    try:
        async with connection.transaction():
            if token is not None:
                await connection.execute("SELECT set_config('todo.session_token', $1, true)", token)
            return await work(connection)
    finally:
        await connection.close()


def run_as(url, token, work):
    return asyncio.run(as_shared(url, token, work))


@pytest.fixture
def world(cli, shared_url, monkeypatch):
    """Alice and Bob, two tasks each, and their tokens; ids of Bob's user and tasks."""
    tokens = {}
    for email in (ALICE, BOB):
        assert register(cli, email).exit_code == ExitCode.OK
        tokens[email] = token_of(cli, email)
        monkeypatch.setenv("TODO_SESSION_TOKEN", tokens[email])
        for n in (1, 2):
            assert cli("add", f"{email} secret {n}").exit_code == ExitCode.OK
            assert cli("note", str(n), f"{email} secret note").exit_code == ExitCode.OK
    monkeypatch.delenv("TODO_SESSION_TOKEN")
    return tokens


async def _counts(connection):
    return {
        table: await connection.fetchval(f"SELECT count(*) FROM {table}")
        for table in PERSONAL_TABLES
    }


NOTHING = dict.fromkeys(PERSONAL_TABLES, 0)


def test_without_a_token_nothing_is_visible_and_secrets_are_refused(shared_url, world):
    assert run_as(shared_url, None, _counts) == NOTHING
    for table in SECRET_TABLES:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            run_as(shared_url, None, lambda c, t=table: c.fetch(f"SELECT * FROM {t}"))


def test_every_table_is_empty_or_refused_without_a_token(shared_url, world):
    async def tables(connection):
        return await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )

    names = {row[0] for row in run_as(shared_url, None, tables)}
    assert {"tasks", "users", *SECRET_TABLES} <= names
    for name in names - {"alembic_version"}:  # the schema revision: no one's data
        try:
            rows = run_as(shared_url, None, lambda c, n=name: c.fetch(f'SELECT * FROM "{n}"'))
        except asyncpg.InsufficientPrivilegeError:
            continue
        assert rows == [], name


def test_alices_token_shows_only_alices_rows(shared_url, world):
    async def visible(connection):
        titles = [row[0] for row in await connection.fetch("SELECT title FROM tasks ORDER BY id")]
        emails = [row[0] for row in await connection.fetch("SELECT email FROM users")]
        return titles, emails

    titles, emails = run_as(shared_url, world[ALICE], visible)
    assert titles == [f"{ALICE} secret 1", f"{ALICE} secret 2"]
    assert emails == [ALICE]
    counts = run_as(shared_url, world[ALICE], _counts)
    assert counts == {"tasks": 2, "users": 1, "task_notes": 2, "task_journal": 4} | {
        "contexts": 0,
        "attribute_definitions": 0,
    }


def test_alices_token_reads_none_of_bobs_notes_or_history(shared_url, world):
    async def texts(connection):
        notes = await connection.fetch("SELECT text FROM task_notes")
        history = await connection.fetch("SELECT command FROM task_journal")
        return [row[0] for row in notes], [row[0] for row in history]

    notes, history = run_as(shared_url, world[ALICE], texts)
    assert notes == [f"{ALICE} secret note"] * 2
    assert not any(BOB in command for command in history)


def test_alice_cannot_change_or_delete_bobs_rows(shared_url, database_url, world):
    async def tamper(connection):
        return [
            await connection.execute("UPDATE tasks SET title = 'pwned' WHERE title LIKE 'bob%'"),
            await connection.execute("DELETE FROM tasks WHERE title LIKE 'bob%'"),
            await connection.execute(
                "UPDATE users SET last_task_number = 99 WHERE email = $1", BOB
            ),
        ]

    assert run_as(shared_url, world[ALICE], tamper) == ["UPDATE 0", "DELETE 0", "UPDATE 0"]
    bob_titles = asyncio.run(
        _admin_fetch(database_url, "SELECT title FROM tasks WHERE title LIKE 'bob%'")
    )
    assert sorted(bob_titles) == [f"{BOB} secret 1", f"{BOB} secret 2"]


def test_alice_cannot_write_rows_into_bobs_account(shared_url, database_url, world):
    bob_id = asyncio.run(_admin_fetch(database_url, f"SELECT id FROM users WHERE email = '{BOB}'"))[
        0
    ]

    async def plant(connection):
        await connection.execute(
            "INSERT INTO tasks (user_id, number, title) VALUES ($1, 100, 'planted')", bob_id
        )

    async def hand_over(connection):
        await connection.execute("UPDATE tasks SET user_id = $1", bob_id)

    for attempt in (plant, hand_over):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            run_as(shared_url, world[ALICE], attempt)


def test_users_cannot_be_created_or_renamed_by_the_shared_role(shared_url, world):
    async def insert(connection):
        await connection.execute("INSERT INTO users (email) VALUES ('mallory@example.com')")

    async def rename(connection):
        await connection.execute("UPDATE users SET email = 'mallory@example.com'")

    for attempt in (insert, rename):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            run_as(shared_url, world[ALICE], attempt)


def test_secret_tables_are_refused_even_with_a_token(shared_url, world):
    for table in SECRET_TABLES:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            run_as(shared_url, world[ALICE], lambda c, t=table: c.fetch(f"SELECT * FROM {t}"))


@pytest.mark.parametrize(
    "spoil",
    [
        "UPDATE user_sessions SET expires_at = now() - interval '1 second'",
        "UPDATE user_sessions SET revoked_at = now()",
    ],
    ids=["expired", "revoked"],
)
def test_an_expired_or_revoked_token_sees_nothing(shared_url, database_url, world, spoil):
    asyncio.run(admin_execute(database_url, spoil))
    assert run_as(shared_url, world[ALICE], _counts) == NOTHING


def test_a_token_left_on_a_pooled_connection_is_not_inherited(shared_url, world):
    """A session-level SET by another client (PgBouncer transaction mode) must not carry over."""
    from tests.conftest import engine_for
    from todo_cli.db.engine import session_scope
    from todo_cli.service.accounts import session_user

    async def check():
        engine = engine_for(shared_url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as connection:
                raw = await connection.get_raw_connection()
                await raw.driver_connection.execute(f"SET todo.session_token = '{world[ALICE]}'")
                await connection.commit()
            async with session_scope(engine) as session:
                return await session_user(session, None)
        finally:
            await engine.dispose()

    assert asyncio.run(check()) is None


def test_unknown_emails_get_a_stable_salt_shaped_like_a_real_one(shared_url, world):
    async def params(connection):
        return [
            tuple(await connection.fetchrow("SELECT * FROM todo_login_params($1)", email))
            for email in (ALICE, "nobody@example.com", "nobody@example.com")
        ]

    real, fake, again = run_as(shared_url, None, params)
    assert fake == again
    assert len(fake[0]) == len(real[0]) == 16
    assert fake[1:] == real[1:]


def test_auth_functions_are_definer_with_a_pinned_path_and_not_public(
    shared_url, database_url, world
):
    rows = asyncio.run(
        _admin_fetch_rows(
            database_url,
            "SELECT proname, prosecdef, proconfig, proacl::text FROM pg_proc "
            "WHERE proname LIKE 'todo\\_%'",
        )
    )
    assert {row[0] for row in rows} == {name.split("(")[0] for name in policies.AUTH_FUNCTIONS}
    for name, definer, config, acl in rows:
        assert definer, name
        assert any(setting.startswith("search_path=pg_catalog,") for setting in config), name
        assert not any(entry.startswith("=X") for entry in acl.strip("{}").split(",")), name


async def _admin_fetch_rows(url, sql):
    connection = await asyncpg.connect(dsn(url))
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


async def _admin_fetch(url, sql):
    return [row[0] for row in await _admin_fetch_rows(url, sql)]


def test_a_non_superuser_admin_runs_the_whole_setup(cli, server_url, shared_role, monkeypatch):
    """Neon's shape: the schema owner is no superuser, so FORCE applies inside the functions."""
    from tests.conftest import RUN_ID, create_database, drop_database

    admin = f"todo_admin_{RUN_ID}"
    asyncio.run(
        admin_execute(
            server_url,
            f"DROP ROLE IF EXISTS {admin}",
            f"CREATE ROLE {admin} LOGIN PASSWORD 'admin-pw'",
        )
    )
    name = create_database(server_url)
    try:
        asyncio.run(admin_execute(server_url, f"ALTER DATABASE {name} OWNER TO {admin}"))
        database = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        asyncio.run(admin_execute(database, f"ALTER SCHEMA public OWNER TO {admin}"))
        monkeypatch.setenv("TODO_DATABASE_URL", url_as(database, admin, "admin-pw"))
        assert cli("db", "upgrade").exit_code == ExitCode.OK
        assert cli("db", "grant", shared_role).exit_code == ExitCode.OK
        shared = url_as(database, shared_role, SHARED_PASSWORD)
        monkeypatch.setenv("TODO_DATABASE_URL", shared)
        assert cli("add", "made alone").exit_code == ExitCode.OK
        assert register(cli, ALICE, "--adopt-local").exit_code == ExitCode.OK
        assert register(cli, BOB).exit_code == ExitCode.OK
        for email, title in ((ALICE, "alice's"), (BOB, "bob's")):
            monkeypatch.setenv("TODO_SESSION_TOKEN", token_of(cli, email))
            assert cli("add", title).exit_code == ExitCode.OK
        run = cli("list", "--json")
        assert [task["title"] for task in json.loads(run.stdout)] == ["bob's"]
        monkeypatch.setenv("TODO_SESSION_TOKEN", token_of(cli, ALICE))
        run = cli("list", "--json")
        assert [(t["id"], t["title"]) for t in json.loads(run.stdout)] == [
            (1, "made alone"),
            (2, "alice's"),
        ]
        monkeypatch.setenv("TODO_DATABASE_URL", url_as(database, admin, "admin-pw"))
        monkeypatch.delenv("TODO_SESSION_TOKEN")
        # FORCE: the owner too sees nothing without a session.
        assert cli("list").exit_code == ExitCode.CREDENTIALS
    finally:
        drop_database(server_url, name)
        asyncio.run(admin_execute(server_url, f"DROP ROLE IF EXISTS {admin}"))


def _ids_of(database_url, email):
    user_id = asyncio.run(
        _admin_fetch(database_url, f"SELECT id FROM users WHERE email = '{email}'")
    )[0]
    task_ids = asyncio.run(
        _admin_fetch(database_url, f"SELECT id FROM tasks WHERE user_id = {user_id} ORDER BY id")
    )
    return user_id, task_ids


# Rows with ids the writer picked: the next ids the sequence would hand out, and more.
SQUATS = {
    "tasks": "INSERT INTO tasks (id, user_id, number, title) {override} "
    "SELECT g, $1, 1000 + g, 'squat' FROM generate_series($2::bigint, $2 + 50) g",
    "task_notes": "INSERT INTO task_notes (id, task_id, user_id, text) {override} "
    "SELECT g, $3, $1, 'squat' FROM generate_series($2::bigint, $2 + 50) g",
    "task_journal": "INSERT INTO task_journal "
    "(id, user_id, change_id, task_number, command) {override} "
    "SELECT g, $1, 1, 1, 'squat' FROM generate_series($2::bigint, $2 + 50) g",
}


@pytest.mark.parametrize("override", ["", "OVERRIDING SYSTEM VALUE"], ids=["plain", "overriding"])
@pytest.mark.parametrize("table", sorted(SQUATS))
def test_the_shared_role_cannot_choose_ids(
    cli, shared_url, database_url, world, monkeypatch, table, override
):
    """One account taking the ids the sequence hands out next must not stop anyone's `todo add`."""
    alice_id, alice_tasks = _ids_of(database_url, ALICE)
    [next_id] = asyncio.run(_admin_fetch(database_url, f"SELECT max(id) + 1 FROM {table}"))
    squat = SQUATS[table].format(override=override) + " ON CONFLICT DO NOTHING"

    note_task = [alice_tasks[0]] if table == "task_notes" else []

    async def take(connection):
        await connection.execute(squat, alice_id, next_id, *note_task)

    with pytest.raises((asyncpg.InsufficientPrivilegeError, asyncpg.GeneratedAlwaysError)):
        run_as(shared_url, world[ALICE], take)
    monkeypatch.setenv("TODO_SESSION_TOKEN", world[BOB])
    for command in (["add", "bob's next"], ["note", "1", "bob's next note"]):
        run = cli(*command)
        assert run.exit_code == ExitCode.OK, run.stderr


@pytest.mark.parametrize("table", sorted(SQUATS))
def test_the_shared_role_cannot_renumber_its_own_rows(shared_url, world, table):
    async def renumber(connection):
        await connection.execute(
            f"DELETE FROM task_notes; DELETE FROM task_journal; UPDATE {table} SET id = id + 1000"
        )

    with pytest.raises((asyncpg.InsufficientPrivilegeError, asyncpg.GeneratedAlwaysError)):
        run_as(shared_url, world[ALICE], renumber)


def test_a_note_cannot_go_on_another_accounts_task_nor_probe_its_id(
    shared_url, database_url, world
):
    bob_id, _ = _ids_of(database_url, BOB)
    _, alice_tasks = _ids_of(database_url, ALICE)
    missing = 10**9

    async def note_on(connection, task_id):
        await connection.execute(
            "INSERT INTO task_notes (task_id, user_id, text) VALUES ($1, $2, 'planted')",
            task_id,
            bob_id,
        )

    async def move_own_note(connection, task_id):
        await connection.execute("UPDATE task_notes SET task_id = $1", task_id)

    async def journal_on(connection, task_id):
        await connection.execute(
            "INSERT INTO task_journal (user_id, change_id, task_id, task_number, command) "
            "VALUES ($1, 1, $2, 1, 'planted')",
            bob_id,
            task_id,
        )

    for attempt in (note_on, move_own_note, journal_on):
        refusals = []
        for task_id in (alice_tasks[0], missing):
            with pytest.raises(asyncpg.PostgresError) as refused:
                run_as(shared_url, world[BOB], lambda c, t=task_id, a=attempt: a(c, t))
            refusals.append((type(refused.value), str(refused.value)))
        # The same refusal whether the id exists (another account's) or not at all.
        assert refusals[0] == refusals[1], attempt.__name__
        assert refusals[0][0] is asyncpg.InsufficientPrivilegeError
    planted = asyncio.run(
        _admin_fetch(database_url, "SELECT count(*) FROM task_notes WHERE text = 'planted'")
    )
    assert planted == [0]


def test_register_cannot_change_what_unknown_emails_are_told(shared_url, world):
    """Odd argon2 costs in todo_register must not make unknown emails look different."""

    async def params(connection, email):
        return tuple(await connection.fetchrow("SELECT * FROM todo_login_params($1)", email))

    async def register_oddly(connection):
        await connection.fetchrow(
            "SELECT * FROM todo_register($1, $2, 1, 8192, 3, $3, false)",
            "mallory@example.com",
            b"s" * 16,
            b"k" * 32,
        )

    real = run_as(shared_url, None, lambda c: params(c, ALICE))
    before = run_as(shared_url, None, lambda c: params(c, "nobody@example.com"))
    with pytest.raises(asyncpg.PostgresError, match="server"):
        run_as(shared_url, None, register_oddly)
    after = run_as(shared_url, None, lambda c: params(c, "nobody@example.com"))
    assert before == after
    assert before[1:] == real[1:]
    assert len(before[0]) == len(real[0])
