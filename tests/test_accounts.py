"""Accounts through the CLI, over a non-superuser role (row-level security applies)."""

import asyncio
import json

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring

from tests.conftest import admin_execute
from tests.support import assert_fails
from todo_cli.db.secrets import SERVICE
from todo_cli.errors import ExitCode

ALICE, BOB = "alice@example.com", "bob@example.com"
PASSWORDS = {ALICE: "alice-password", BOB: "bob-password"}


def register(cli, email, *options, password=None):
    return cli(
        "register",
        email,
        "--password-stdin",
        *options,
        input=(password or PASSWORDS[email.strip().lower()]) + "\n",
    )


def token_of(cli, email, password=None):
    run = cli(
        "login",
        email,
        "--password-stdin",
        "--print-token",
        input=(password or PASSWORDS[email.strip().lower()]) + "\n",
    )
    assert run.exit_code == ExitCode.OK, run.stderr
    return run.stdout.strip()


def as_user(monkeypatch, token):
    monkeypatch.setenv("TODO_SESSION_TOKEN", token)


def titles(cli):
    run = cli("list", "--json")
    assert run.exit_code == ExitCode.OK, run.stderr
    return [(task["id"], task["title"]) for task in json.loads(run.stdout)]


def admin_rows(database_url, sql):
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def fetch():
        connection = await asyncpg.connect(dsn)
        try:
            return await connection.fetch(sql)
        finally:
            await connection.close()

    return asyncio.run(fetch())


@pytest.fixture
def two_users(cli, shared_url, monkeypatch):
    for email in (ALICE, BOB):
        assert register(cli, email).exit_code == ExitCode.OK
    return {email: token_of(cli, email) for email in (ALICE, BOB)}


def test_two_users_see_only_their_own_tasks_and_numbers(cli, two_users, monkeypatch):
    as_user(monkeypatch, two_users[ALICE])
    assert cli("add", "alice's first").exit_code == ExitCode.OK
    assert cli("add", "alice's second").exit_code == ExitCode.OK
    as_user(monkeypatch, two_users[BOB])
    assert cli("add", "bob's first").exit_code == ExitCode.OK
    assert titles(cli) == [(1, "bob's first")]
    assert cli("done", "1").exit_code == ExitCode.OK
    assert_fails(cli("show", "2"), ExitCode.NOT_FOUND)
    as_user(monkeypatch, two_users[ALICE])
    assert titles(cli) == [(1, "alice's first"), (2, "alice's second")]


def test_whoami_names_the_logged_in_user(cli, two_users, monkeypatch):
    as_user(monkeypatch, two_users[BOB])
    run = cli("whoami", "--json")
    assert run.exit_code == ExitCode.OK, run.stderr
    me = json.loads(run.stdout)
    assert me["email"] == BOB
    assert me["local"] is False
    assert me["expires_at"] is not None
    assert cli("whoami").stdout == f"{BOB}\n"


def test_keyring_holds_the_token_after_login_and_not_after_logout(cli, shared_url, memory_keyring):
    assert register(cli, ALICE).exit_code == ExitCode.OK
    login = cli("login", ALICE, "--password-stdin", input=PASSWORDS[ALICE] + "\n")
    assert login.exit_code == ExitCode.OK, login.stderr
    assert login.stdout == ""
    [(service, _)] = memory_keyring.passwords
    assert service == SERVICE
    token = next(iter(memory_keyring.passwords.values()))
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert token not in login.stderr
    assert cli("add", "kept by the keyring").exit_code == ExitCode.OK
    assert cli("logout").exit_code == ExitCode.OK
    assert memory_keyring.passwords == {}
    assert "todo login" in assert_fails(cli("list"), ExitCode.CREDENTIALS)


def test_logout_revokes_the_session_in_the_database(cli, two_users, monkeypatch):
    as_user(monkeypatch, two_users[ALICE])
    assert cli("logout").exit_code == ExitCode.OK
    assert "expired or was revoked" in assert_fails(cli("list"), ExitCode.CREDENTIALS)


@pytest.mark.parametrize("backend", ["null", "fail"])
def test_login_without_a_usable_keyring_refuses_and_keeps_nothing(
    cli, shared_url, database_url, backend, monkeypatch
):
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring() if backend == "null" else FailKeyring())
    try:
        assert register(cli, ALICE).exit_code == ExitCode.OK
        run = cli("login", ALICE, "--password-stdin", input=PASSWORDS[ALICE] + "\n")
    finally:
        keyring.set_keyring(previous)
    message = assert_fails(run, ExitCode.CONFIG)
    assert "TODO_SESSION_TOKEN" in message
    assert "--print-token" in message
    live = admin_rows(database_url, "SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL")
    assert live[0][0] == 0


def test_unknown_email_and_wrong_password_fail_alike(cli, shared_url, memory_keyring):
    assert register(cli, ALICE).exit_code == ExitCode.OK
    wrong = cli("login", ALICE, "--password-stdin", input="not-her-password\n")
    unknown = cli("login", "nobody@example.com", "--password-stdin", input="not-her-password\n")
    assert assert_fails(wrong, ExitCode.CREDENTIALS) == assert_fails(unknown, ExitCode.CREDENTIALS)
    assert "email or password is wrong" in wrong.stderr
    assert memory_keyring.passwords == {}


def test_email_is_case_insensitive(cli, shared_url):
    assert register(cli, ALICE).exit_code == ExitCode.OK
    assert "already exists" in assert_fails(register(cli, ALICE.upper()), ExitCode.CONFLICT)
    assert token_of(cli, "  Alice@Example.COM ")


def test_task_commands_need_a_login_once_an_account_exists(cli, shared_url):
    assert cli("add", "before accounts").exit_code == ExitCode.OK
    assert register(cli, ALICE).exit_code == ExitCode.OK
    for command in (["list"], ["add", "x"], ["show", "1"], ["done", "1"], ["whoami"]):
        assert "run `todo login" in assert_fails(cli(*command), ExitCode.CREDENTIALS)


def test_an_expired_session_is_refused(cli, two_users, database_url, monkeypatch):
    asyncio.run(
        admin_execute(database_url, "UPDATE user_sessions SET expires_at = now() - interval '1 s'")
    )
    as_user(monkeypatch, two_users[ALICE])
    assert "expired" in assert_fails(cli("list"), ExitCode.CREDENTIALS)


def test_single_user_mode_needs_no_login_over_the_shared_role(cli, shared_url):
    assert cli("add", "no accounts yet").exit_code == ExitCode.OK
    assert titles(cli) == [(1, "no accounts yet")]
    me = json.loads(cli("whoami", "--json").stdout)
    assert me["local"] is True


def test_logname_changes_nothing_and_reads_create_no_user(cli, todo_env, monkeypatch):
    assert cli("add", "mine").exit_code == ExitCode.OK
    users_before = admin_rows(todo_env, "SELECT count(*) FROM users")[0][0]
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "alice")
    assert titles(cli) == [(1, "mine")]
    assert cli("add", "still mine").exit_code == ExitCode.OK
    assert admin_rows(todo_env, "SELECT count(*) FROM users")[0][0] == users_before


def test_adopt_local_keeps_the_tasks_and_their_numbers(cli, shared_url, monkeypatch):
    for title in ("one", "two"):
        assert cli("add", title).exit_code == ExitCode.OK
    run = register(cli, ALICE, "--adopt-local")
    assert run.exit_code == ExitCode.OK, run.stderr
    as_user(monkeypatch, token_of(cli, ALICE))
    assert titles(cli) == [(1, "one"), (2, "two")]
    assert json.loads(cli("add", "three", "--json").stdout)["id"] == 3
    monkeypatch.delenv("TODO_SESSION_TOKEN")
    assert "first account" in assert_fails(register(cli, BOB, "--adopt-local"), ExitCode.CONFLICT)


def test_register_without_adopting_says_what_stays_behind(cli, shared_url):
    assert cli("add", "left behind").exit_code == ExitCode.OK
    run = register(cli, ALICE)
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "1 task(s)" in run.stderr
    assert "--adopt-local" in run.stderr


def test_register_off_a_terminal_needs_password_stdin(cli, shared_url):
    assert "--password-stdin" in assert_fails(cli("register", ALICE), ExitCode.USAGE)


@pytest.mark.parametrize(
    ("email", "password"),
    [("not-an-email", "long-enough"), ("a b@example.com", "long-enough"), (ALICE, "short")],
)
def test_bad_email_or_short_password_is_a_usage_error(cli, shared_url, email, password):
    assert_fails(register(cli, email, password=password), ExitCode.USAGE)


def test_grant_refuses_unknown_and_superuser_roles(cli, todo_env, server_url):
    from sqlalchemy.engine import make_url

    assert "no role" in assert_fails(cli("db", "grant", "no_such_role_x"), ExitCode.NOT_FOUND)
    superuser = make_url(server_url).username
    assert "bypasses" in assert_fails(cli("db", "grant", superuser), ExitCode.CONFLICT)


def test_shared_role_without_grant_is_told_to_ask_the_admin(
    cli, database_url, shared_role, monkeypatch
):
    from tests.conftest import SHARED_PASSWORD, url_as

    monkeypatch.setenv("TODO_DATABASE_URL", url_as(database_url, shared_role, SHARED_PASSWORD))
    message = assert_fails(cli("list"), ExitCode.CREDENTIALS)
    assert "todo db grant" in message


@pytest.mark.installed
def test_print_token_never_writes_to_a_terminal(isolated_home):
    import os
    import pty
    import subprocess

    from tests.support import TODO

    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [TODO, "login", ALICE, "--password-stdin", "--print-token"],
            input=b"alice-password\n",
            stdout=terminal,
            stderr=subprocess.PIPE,
            env={**os.environ, "TODO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == ExitCode.USAGE
    assert b"--print-token never writes to a terminal" in done.stderr


def test_logout_without_a_session_changes_nothing(cli, shared_url, memory_keyring):
    run = cli("logout")
    assert run.exit_code == ExitCode.OK, run.stderr
    assert "nothing to revoke" in run.stderr


def test_no_password_or_token_reaches_a_file(cli, shared_url, memory_keyring, isolated_home):
    """The config file, data and cache dirs hold neither; the token sits in the keyring alone."""
    assert register(cli, ALICE).exit_code == ExitCode.OK
    assert cli("login", ALICE, "--password-stdin", input=PASSWORDS[ALICE] + "\n").exit_code == 0
    [token] = memory_keyring.passwords.values()
    assert cli("add", "a task").exit_code == ExitCode.OK
    assert cli("config", "set", "default_command", "list").exit_code == ExitCode.OK
    secrets = [PASSWORDS[ALICE].encode(), token.encode()]
    written = [path for path in isolated_home.rglob("*") if path.is_file()]
    assert written, "the config file at least"
    for path in written:
        assert not any(secret in path.read_bytes() for secret in secrets), path


def test_a_short_password_at_login_is_just_a_wrong_password(cli, shared_url, memory_keyring):
    """The length rule is registration's; at login a short password is wrong like any other."""
    assert register(cli, ALICE).exit_code == ExitCode.OK
    short = cli("login", ALICE, "--password-stdin", input="short\n")
    wrong = cli("login", ALICE, "--password-stdin", input="not-her-password\n")
    assert assert_fails(short, ExitCode.CREDENTIALS) == assert_fails(wrong, ExitCode.CREDENTIALS)
    assert memory_keyring.passwords == {}


NOT_UTF8 = b"caf\xe9-password\n"  # Latin-1 bytes


@pytest.mark.parametrize("command", [("login", ALICE), ("register", ALICE)])
def test_a_password_on_stdin_that_is_not_utf8_is_a_usage_error(cli, shared_url, command):
    message = assert_fails(cli(*command, "--password-stdin", input=NOT_UTF8), ExitCode.USAGE)
    assert "UTF-8" in message


@pytest.mark.installed
@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_the_installed_todo_refuses_a_password_that_is_not_utf8(isolated_home, locale):
    """Under the C locale Python reads stdin with surrogateescape instead of failing:
    refused all the same, before any database is asked (this one is unreachable)."""
    import os
    import subprocess

    from tests.support import SAFETY_TIMEOUT, TODO

    unreachable = {"TODO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "LC_ALL": locale}
    done = subprocess.run(
        [TODO, "login", ALICE, "--password-stdin"],
        input=NOT_UTF8,
        capture_output=True,
        env={**os.environ, **unreachable},
        timeout=SAFETY_TIMEOUT,
        check=False,
    )
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert done.stdout == b""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert b"UTF-8" in done.stderr


def test_grant_gives_every_column_but_the_id_and_no_id_sequence(cli, todo_env, shared_role):
    """What `todo db grant` leaves, even over a table-wide grant from before 0004."""
    tables = ("tasks", "task_notes", "task_journal")
    asyncio.run(
        admin_execute(todo_env, f"GRANT INSERT, UPDATE ON {', '.join(tables)} TO {shared_role}")
    )
    assert cli("db", "grant", shared_role).exit_code == ExitCode.OK
    rows = admin_rows(
        todo_env,
        f"SELECT c.relname, a.attname, has_column_privilege('{shared_role}', c.oid, a.attnum, p) "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0, "
        "unnest(ARRAY['INSERT', 'UPDATE']) p "
        f"WHERE c.relname IN {tables} AND NOT a.attisdropped",
    )
    refused = {(table, column) for table, column, allowed in rows if not allowed}
    assert refused == {(table, "id") for table in tables}
    sequences = admin_rows(
        todo_env,
        f"SELECT has_sequence_privilege('{shared_role}', c.oid, 'USAGE') "
        "FROM pg_class c WHERE c.relkind = 'S' AND c.relname IN "
        "('users_id_seq', 'tasks_id_seq', 'task_notes_id_seq', 'task_journal_id_seq', "
        "'user_sessions_id_seq')",
    )
    assert [row[0] for row in sequences] == [False] * 5
