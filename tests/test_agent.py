"""The resident agent, run for real: the installed ``todo``, real agents, real signals.

Every test here gets a runtime directory of its own (a short path under /tmp:
socket paths are limited to 107 bytes) and stops every agent it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support import SAFETY_TIMEOUT, TODO, run_todo
from todo_cli.agent import pool, server, worker
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import control, runtime

pytestmark = [pytest.mark.installed, pytest.mark.agent_pinned]

# Another user cannot run this venv's interpreter (it may live under /root): the system one.
OTHER_USERS_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
AGENT_WAIT = 60  # seconds an agent may take to import the stack on a busy machine
VOLATILE = ("uuid", "created_at", "updated_at", "completed_at")


@pytest.fixture
def runtime_dir():
    directory = Path(tempfile.mkdtemp(prefix="ta-", dir="/tmp"))
    yield directory
    for pid in control.stop_all(str(directory / "todo")):
        wait_gone(pid)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def env(database_url, isolated_home, runtime_dir):
    environment = dict(os.environ, TODO_DATABASE_URL=database_url, TODO_AGENT="1")
    environment["XDG_RUNTIME_DIR"] = str(runtime_dir)
    environment.pop("NO_COLOR", None)
    return environment


todo = run_todo


def status(env) -> dict:
    found = todo(env, "agent", "status", "--json")
    assert found.returncode == ExitCode.OK, found.stderr
    return json.loads(found.stdout)


def workers(env) -> dict[int, dict]:
    """The agent's live workers by pid: ``{"pid", "busy", "served"}``.

    Asked on the socket: `todo agent status` is a command too, and a worker would serve it.
    """
    paths = runtime.paths(env)
    assert paths is not None
    found = control.ask(paths.socket, "status")
    assert found is not None, "no agent answers"
    return {worker["pid"]: worker for worker in found["workers"]}


def settled_workers(env) -> dict[int, dict]:
    """``workers`` once the pool is at rest: at least MIN_WORKERS, all idle.

    Right after a request the agent may still be forking the spare that
    replaces a busy or retired worker; a reading taken then misses the worker
    that serves the next request.
    """
    deadline = time.monotonic() + AGENT_WAIT
    while True:
        found = workers(env)
        if len(found) >= pool.MIN_WORKERS and not any(w["busy"] for w in found.values()):
            return found
        assert time.monotonic() < deadline, ("the pool never settled", found)
        time.sleep(0.05)


def agent_log(env) -> str:
    paths = runtime.paths(env)
    return Path(paths.log).read_text() if paths else ""


def serving(env, before: dict[int, dict]) -> list[int]:
    """The workers that served a request since ``before`` (a ``workers`` reading).

    A worker counts a request once it has put itself back in order, a moment
    after its client got the exit code: wait until none is busy.
    """
    deadline = time.monotonic() + AGENT_WAIT
    while True:
        now = workers(env)
        served = [p for p, w in now.items() if w["served"] > before.get(p, {"served": 0})["served"]]
        if (served and not any(w["busy"] for w in now.values())) or time.monotonic() > deadline:
            return served
        time.sleep(0.05)


def warm_agent(env, previous_pid: int | None = None) -> dict:
    """Start the agent (one command in-process) and wait until it answers."""
    todo(env, "--version")
    deadline = time.monotonic() + AGENT_WAIT
    while time.monotonic() < deadline:
        found = status(env)
        if found["running"] and found["pid"] != previous_pid:
            return found
        time.sleep(0.2)
    raise AssertionError("the agent never came up")


def wait_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            return True
        time.sleep(0.1)
    return False


def _is_zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def normalised(output: str) -> object:
    def strip(task: dict) -> dict:
        return {key: value for key, value in task.items() if key not in VOLATILE}

    data = json.loads(output)
    return [strip(task) for task in data] if isinstance(data, list) else strip(data)


# --- the same output either way ------------------------------------------------


READ_ONLY = [
    ("--version",),
    ("--help",),
    ("list",),
    ("show", "1"),
    ("show", "42"),
    ("add", ""),
    ("list", "--status", "bogus"),
    ("list", "--due-before", "not a date at all"),
    ("agent", "--help"),
]


def test_same_stdout_stderr_and_exit_code_with_the_agent_on_and_off(env):
    served_before = warm_agent(env)["served"]
    off = dict(env, TODO_AGENT="0")
    assert todo(off, "add", "Buy milk", "-p", "high", "-t", "errand").returncode == ExitCode.OK
    for args in READ_ONLY:
        on_run, off_run = todo(env, *args), todo(off, *args)
        assert (on_run.returncode, on_run.stdout, on_run.stderr) == (
            off_run.returncode,
            off_run.stdout,
            off_run.stderr,
        ), args
    for args in (("list", "--json"), ("show", "1", "--json")):
        assert normalised(todo(env, *args).stdout) == normalised(todo(off, *args).stdout)
    assert todo(env, "add", "Via agent").stderr == "Created task 2: Via agent\n"
    assert todo(off, "add", "In process").stderr == "Created task 3: In process\n"
    assert status(env)["served"] >= served_before + len(READ_ONLY) + 3


def test_exit_codes_by_name_through_the_agent(env):
    warm_agent(env)
    assert todo(env, "show", "42").returncode == ExitCode.NOT_FOUND
    failed = todo(env, "add", "")
    assert failed.returncode == ExitCode.USAGE
    assert failed.stdout == ""
    assert len(failed.stderr.splitlines()) == 1


# --- isolation between concurrent requests ----------------------------------------


def test_ten_processes_times_twenty_adds_get_unique_contiguous_numbers(env):
    warm_agent(env)
    failures: list[str] = []

    def racer(index: int) -> None:
        for round_ in range(20):
            done = todo(env, "add", f"Racer {index}.{round_}")
            if done.returncode != ExitCode.OK:
                failures.append(done.stderr)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    listed = json.loads(todo(env, "list", "--sort", "id", "--json").stdout)
    assert [task["id"] for task in listed] == list(range(1, 201))


def _config_home(root: Path, name: str) -> dict[str, str]:
    (root / name / "cfg" / "todo").mkdir(parents=True)
    (root / name / "cfg" / "todo" / "config.toml").write_text(f'application_name = "{name}"\n')
    return {"XDG_CONFIG_HOME": str(root / name / "cfg")}


def test_a_worker_takes_on_exactly_the_requests_cwd_umask_env_and_zone(tmp_path):
    """No command prints its cwd yet, so the worker's own step is checked in a real fork."""
    request = {
        "env": {b"TZ": b"Asia/Tokyo", b"ONLY": b"this"},
        "cwd": bytes(tmp_path),
        "umask": 0o027,
    }
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        worker.take_on(request)
        seen = [os.getcwd(), oct(os.umask(0)), sorted(os.environ), time.strftime("%z")]
        os.write(writer, json.dumps(seen).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader) as pipe:
        assert json.loads(pipe.read()) == [str(tmp_path), "0o27", ["ONLY", "TZ"], "+0900"]


def test_concurrent_requests_keep_their_own_env_cwd_tz_and_config(env, tmp_path):
    warm_agent(env)
    variants = {
        "tokyo": ({"TZ": "Asia/Tokyo"}, None, ("add", "T", "--due", "2026-12-01", "--json")),
        "york": ({"TZ": "America/New_York"}, None, ("add", "Y", "--due", "2026-12-01", "--json")),
        "alpha": (
            _config_home(tmp_path, "alpha"),
            tmp_path / "alpha",
            ("config", "show", "--json"),
        ),
        "beta": (_config_home(tmp_path, "beta"), tmp_path / "beta", ("config", "show", "--json")),
        "narrow": ({"TERMINAL_WIDTH": "50", "NO_COLOR": "1"}, None, ("--help",)),
        "wide": ({"TERMINAL_WIDTH": "150"}, None, ("--help",)),
    }
    results: dict[str, list[subprocess.CompletedProcess]] = {name: [] for name in variants}

    def run(name: str) -> None:
        extra, cwd, args = variants[name]
        results[name].append(todo(dict(env, **extra), *args, cwd=cwd))

    threads = [threading.Thread(target=run, args=(n,)) for n in list(variants) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, runs in results.items():
        assert all(done.returncode == ExitCode.OK for done in runs), (name, runs[0].stderr)
    # The end of 2026-12-01 where each client is, stored as one instant (shown in UTC).
    assert {json.loads(r.stdout)["due"] for r in results["tokyo"]} == {"2026-12-01T14:59:59+00:00"}
    assert {json.loads(r.stdout)["due"] for r in results["york"]} == {"2026-12-02T04:59:59+00:00"}
    for name in ("alpha", "beta"):
        assert {json.loads(r.stdout)["application_name"] for r in results[name]} == {name}
    narrow = {max(map(len, r.stdout.splitlines())) for r in results["narrow"]}
    wide = {max(map(len, r.stdout.splitlines())) for r in results["wide"]}
    assert max(narrow) <= 50 < min(wide)
    assert all(r.stdout == todo(dict(env, **variants["wide"][0]), "--help").stdout
               for r in results["wide"])  # fmt: skip


def test_two_databases_at_once(env, server_url, template_database):
    from tests.conftest import create_database, drop_database, test_url_for

    warm_agent(env)
    other_name = create_database(server_url, template=template_database)
    other = dict(env, TODO_DATABASE_URL=test_url_for(server_url, other_name))
    try:
        threads = [
            threading.Thread(target=todo, args=(target, "add", title))
            for target, title in [(env, "first db"), (other, "second db")] * 3
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        titles = {json.dumps(target["TODO_DATABASE_URL"]): {
            task["title"] for task in json.loads(todo(target, "list", "--json").stdout)
        } for target in (env, other)}  # fmt: skip
        assert sorted(map(sorted, titles.values())) == [["first db"], ["second db"]]
    finally:
        drop_database(server_url, other_name)


# --- staleness --------------------------------------------------------------------


def test_install_hash_follows_sources_and_site_packages(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    (package / "sub" / "mod.py").write_text("y = 2\n")
    site = tmp_path / "site-packages"
    site.mkdir()

    def current() -> str:
        return runtime.install_hash(str(package), [str(site)])

    first = current()
    assert current() == first
    (package / "sub" / "mod.py").write_text("y = 3\n")
    second = current()
    assert second != first
    (package / "new.py").write_text("")
    third = current()
    assert third != second
    (site / "other-1.0.dist-info").mkdir()
    assert current() != third


def test_an_upgraded_install_is_served_by_a_new_agent(env, tmp_path):
    """pip changes a site-packages directory's mtime. This test's own one (on the path
    of its clients and agents only): touching the venv's would make every agent that
    other tests start meanwhile retire as stale."""
    site = tmp_path / "site-packages"
    site.mkdir()
    env["PYTHONPATH"] = str(site)
    first = warm_agent(env)
    before = site.stat()
    os.utime(site, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    second = warm_agent(env, previous_pid=first["pid"])
    assert second["install"] != first["install"]
    assert wait_gone(first["pid"]), "the stale agent kept running"


# --- security ---------------------------------------------------------------------


def test_socket_and_directory_are_private(env, runtime_dir):
    found = warm_agent(env)
    directory = Path(found["socket"]).parent
    assert directory == runtime_dir / "todo"
    assert directory.stat().st_mode & 0o777 == 0o700
    assert Path(found["socket"]).stat().st_mode & 0o777 == 0o600
    assert Path(found["socket"]).stat().st_uid == os.geteuid()


@pytest.mark.parametrize("spoil", ["world_writable", "symlink", "other_owner"])
def test_a_runtime_dir_not_ours_alone_is_refused(env, runtime_dir, spoil):
    target = runtime_dir / "todo"
    if spoil == "world_writable":
        target.mkdir(mode=0o700)
        target.chmod(0o777)
    elif spoil == "symlink":
        elsewhere = runtime_dir / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        target.symlink_to(elsewhere)
    else:
        if os.geteuid() != 0:
            pytest.skip("needs root to give the directory away")
        target.mkdir(mode=0o700)
        os.chown(target, 65534, 65534)
    assert runtime.private_dir({"XDG_RUNTIME_DIR": str(runtime_dir)}) is None
    done = todo(env, "add", "still works")
    assert done.returncode == ExitCode.OK, done.stderr
    time.sleep(1)
    assert not list(runtime_dir.rglob("agent-*")), "an agent used a directory not ours alone"


def test_the_peer_check_uses_the_kernels_uid():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        assert server.peer_uid(ours) == os.geteuid()
        assert server.peer_allowed(ours)
        assert not server.peer_allowed(ours, uid=os.geteuid() + 1)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_another_user_is_refused(env):
    found = warm_agent(env)
    reach = "import socket; socket.socket(socket.AF_UNIX).connect({!r})"
    by_path = subprocess.run(
        [OTHER_USERS_PYTHON, "-c", reach.format(found["socket"])],
        user="nobody",
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
        check=False,
    )
    assert "PermissionError" in by_path.stderr
    # Even handed a way past the directory and the socket's mode, the agent refuses.
    Path(found["socket"]).chmod(0o666)
    handle = os.open(found["socket"], os.O_PATH)
    try:
        sneak = (
            "import socket, sys; s = socket.socket(socket.AF_UNIX); "
            f"s.connect('/proc/self/fd/{handle}')\n"
            "try: print(s.recv(100) or 'refused')\n"
            "except ConnectionError: print('refused')"
        )
        sneaked = subprocess.run(
            [OTHER_USERS_PYTHON, "-c", sneak],
            user="nobody",
            pass_fds=(handle,),
            capture_output=True,
            text=True,
            timeout=SAFETY_TIMEOUT,
            check=False,
        )
    finally:
        os.close(handle)
        Path(found["socket"]).chmod(0o600)
    assert sneaked.stdout.strip() == "refused", sneaked.stderr
    assert (
        "refused a connection from uid 65534"
        in Path(found["socket"]).with_suffix(".log").read_text()
    )


# --- interrupts, crashes, kills ---------------------------------------------------


async def _hold_user_row(url: str, held: threading.Event, release: threading.Event) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SELECT * FROM users FOR UPDATE")
            held.set()
            while not release.is_set():
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def _waiting_on_lock(url: str) -> bool:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        # This test's database only: on a shared server other runs wait on locks too.
        query = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(await connection.fetchval(query))
    finally:
        await connection.close()


@contextlib.contextmanager
def user_row_locked(url: str):
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=asyncio.run, args=(_hold_user_row(url, held, release),))
    holder.start()
    try:
        assert held.wait(SAFETY_TIMEOUT)
        yield
    finally:
        release.set()
        holder.join()


def blocked_add(env, url: str) -> subprocess.Popen:
    """``todo add`` through the agent, stuck behind the row lock."""
    client = subprocess.Popen(
        [str(TODO), "add", "Never stored"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not asyncio.run(_waiting_on_lock(url)):
        assert client.poll() is None, client.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return client


def titles(env) -> list[str]:
    return [task["title"] for task in json.loads(todo(env, "list", "--json").stdout)]


def interrupted_add(env, url: str) -> tuple[int, str, str]:
    with user_row_locked(url):
        client = blocked_add(env, url)
        client.send_signal(signal.SIGINT)
        stdout, stderr = client.communicate(timeout=SAFETY_TIMEOUT)
    return client.returncode, stdout, stderr


def test_ctrl_c_interrupts_the_command_and_writes_nothing(env, database_url):
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    agent = warm_agent(env)
    through_agent = interrupted_add(env, database_url)
    in_process = interrupted_add(dict(env, TODO_AGENT="0"), database_url)
    assert through_agent == in_process
    code, stdout, stderr = through_agent
    assert code == ExitCode.INTERRUPTED
    assert stdout == ""
    assert len(stderr.splitlines()) <= 1
    assert "Traceback" not in stderr
    assert titles(env) == ["Seed"]
    assert status(env)["pid"] == agent["pid"]


def test_a_worker_that_dies_does_not_take_the_agent_with_it(env, database_url):
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    agent = warm_agent(env)
    with user_row_locked(database_url):
        client = blocked_add(env, database_url)
        (busy,) = [pid for pid, w in workers(env).items() if w["busy"]]
        assert busy > 1  # never signal 0, -1 or init
        assert busy in children(agent["pid"])  # ours to signal
        os.kill(busy, signal.SIGKILL)
        stdout, stderr = client.communicate(timeout=SAFETY_TIMEOUT)
    assert client.returncode == ExitCode.UNEXPECTED
    assert stdout == ""
    assert stderr == "todo: error: the command's process was killed by signal 9\n"
    assert titles(env) == ["Seed"]
    assert status(env)["pid"] == agent["pid"]
    assert busy not in workers(env)  # replaced: the agent serves on
    before = workers(env)
    assert todo(env, "add", "After").returncode == ExitCode.OK
    assert serving(env, before)


def test_a_killed_agent_costs_the_next_command_only_the_fallback(env):
    agent = warm_agent(env)
    os.kill(agent["pid"], signal.SIGKILL)
    assert wait_gone(agent["pid"])
    assert Path(agent["socket"]).exists()  # left behind: connect is refused now
    done = todo(env, "add", "After the crash")
    assert (done.returncode, done.stderr) == (ExitCode.OK, "Created task 1: After the crash\n")
    assert warm_agent(env, previous_pid=agent["pid"])["running"]


def test_an_agent_whose_socket_is_removed_leaves(env):
    """Nobody can reach it any more (a test's runtime dir swept away): it stops, pool and all."""
    agent = warm_agent(env)
    pool_workers = list(workers(env))
    os.unlink(agent["socket"])
    assert wait_gone(agent["pid"], timeout=server.CHECK_INTERVAL * 5), "the agent stayed"
    assert all(wait_gone(pid) for pid in pool_workers)
    assert "the socket was removed or replaced; exiting" in agent_log(env)


def test_an_agent_started_for_a_runtime_dir_that_is_gone_does_not_serve_elsewhere(env, tmp_path):
    """Its client's XDG_RUNTIME_DIR vanished before it came up: no fallback to /tmp/todo-<uid>."""
    gone = tmp_path / "gone"
    paths = runtime.paths(env)
    assert paths is not None
    started = subprocess.run(
        [sys.executable, "-P", "-m", "todo_cli.agent.server", paths.install, str(gone / "todo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
    )
    assert started.returncode == 0
    assert f"{gone / 'todo'} is gone; exiting" in started.stderr


# --- turning it off, status and stop ------------------------------------------------


def test_todo_agent_0_never_starts_an_agent(env, runtime_dir):
    off = dict(env, TODO_AGENT="0")
    for _ in range(3):
        assert todo(off, "add", "in-process").returncode == ExitCode.OK
    time.sleep(1)
    assert not list(runtime_dir.rglob("agent-*"))
    assert status(off)["running"] is False


def test_agent_false_in_the_config_file(env, runtime_dir, isolated_home):
    config = isolated_home / "config" / "todo"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("agent = false\n")
    env.pop("TODO_AGENT")  # the environment would win over the file
    for _ in range(2):
        assert todo(env, "add", "in-process").returncode == ExitCode.OK
    time.sleep(1)
    assert not list(runtime_dir.rglob("agent-*.sock"))


def test_setting_agent_false_stops_a_running_agent(env):
    agent = warm_agent(env)
    env.pop("TODO_AGENT")  # the environment would win over the file
    assert todo(env, "config", "set", "agent", "false").returncode == ExitCode.OK
    done = todo(env, "add", "declined, then in-process")
    assert (done.returncode, done.stderr) == (
        ExitCode.OK,
        "Created task 1: declined, then in-process\n",
    )
    assert wait_gone(agent["pid"])


def test_status_and_stop(env):
    idle = status(env)
    assert idle["running"] is False
    assert set(idle) == {"running", "socket", "install"}
    agent = warm_agent(env)
    assert agent["install"] == idle["install"]
    assert todo(env, "--version").returncode == ExitCode.OK
    # `agent status` itself is served too: the version and the second status.
    assert status(env)["served"] == agent["served"] + 2
    assert agent["uptime"] >= 0
    text = todo(env, "agent", "status")
    assert f"pid = {agent['pid']}" in text.stdout
    stopped = todo(env, "agent", "stop")
    assert (stopped.returncode, stopped.stderr) == (
        ExitCode.OK,
        f"stopped the agent (pid {agent['pid']})\n",
    )
    assert wait_gone(agent["pid"])
    assert not Path(agent["socket"]).exists()
    again = todo(env, "agent", "stop")
    assert again.stderr == "no agent was running\n"


# --- the pool of long-lived workers ----------------------------------------------------


def test_every_module_the_agent_preloads_imports():
    """A dependency renamed in pyproject.toml must not leave the agent unable to start."""
    for name in server.PRELOAD:
        importlib.import_module(name)


async def _backends(url: str, application: str) -> set[int]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        query = "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
        return {row["pid"] for row in await connection.fetch(query, application)}
    finally:
        await connection.close()


def backends(url: str, application: str) -> set[int]:
    return asyncio.run(_backends(url, application))


def test_one_worker_serves_request_after_request_on_the_same_connection(env, database_url):
    env["TODO_APPLICATION_NAME"] = "todo-reuse-test"
    warm_agent(env)
    before = workers(env)
    assert todo(env, "add", "first").returncode == ExitCode.OK
    (worker,) = serving(env, before)
    connected = backends(database_url, "todo-reuse-test")
    assert len(connected) == 1  # the worker's pool keeps its connection between requests
    before = workers(env)
    assert todo(env, "add", "second").returncode == ExitCode.OK
    assert serving(env, before) == [worker]
    assert backends(database_url, "todo-reuse-test") == connected


def test_nothing_of_one_request_leaks_into_the_next_on_the_same_worker(env, tmp_path):
    """Env var, cwd, TZ, NO_COLOR/FORCE_COLOR, keyring backend, config file: one after another."""
    warm_agent(env)
    off = dict(env, TODO_AGENT="0")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "todo.env").write_text("TODO_APPLICATION_NAME=from-a-dotenv\n")
    (tmp_path / "b").mkdir()
    pairs = [  # (first request's extra env and cwd, then the second's), same command
        (({"TODO_APPLICATION_NAME": "leaky"}, None), ({}, None), ("config", "show", "--json")),
        (
            ({"TODO_ENV_FILE": "todo.env"}, tmp_path / "a"),
            ({"TODO_ENV_FILE": "todo.env"}, tmp_path / "b"),
            ("config", "show", "--json"),
        ),
        (({"TZ": "Asia/Tokyo"}, None), ({}, None), ("add", "T", "--due", "2026-12-01", "--json")),
        (({"FORCE_COLOR": "1"}, None), ({"NO_COLOR": "1"}, None), ("--help",)),
        (
            ({"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}, None),
            ({"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}, None),
            ("config", "set-password", "--password-stdin"),
        ),
        ((_config_home(tmp_path, "alpha"), None), (_config_home(tmp_path, "beta"), None),
         ("config", "show", "--json")),
    ]  # fmt: skip
    for first, second, args in pairs:
        before = workers(env)
        runs = [
            todo(dict(env, **extra), *args, cwd=cwd, input="") for extra, cwd in (first, second)
        ]
        assert len(set(serving(env, before))) == 1, args  # one worker served both
        for (extra, cwd), run in zip((first, second), runs, strict=True):
            alone = todo(dict(off, **extra), *args, cwd=cwd, input="")
            assert (run.returncode, comparable(run.stdout), run.stderr) == (
                alone.returncode,
                comparable(alone.stdout),
                alone.stderr,
            ), (args, extra)


def comparable(stdout: str) -> object:
    """JSON output without what differs between the runs anyway (ids, times, TODO_AGENT)."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return stdout
    varying = ("id", *VOLATILE) if isinstance(data, dict) and "uuid" in data else ("agent",)
    return {key: value for key, value in data.items() if key not in varying}


def test_a_worker_puts_everything_back_between_requests(tmp_path):
    """The slate, in a real fork: env, cwd, umask, zone, streams, logging and warnings restored."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        import logging
        import warnings

        from todo_cli.agent.slate import Slate

        slate = Slate.take()
        before = [sorted(os.environ), os.getcwd(), time.strftime("%z"), len(warnings.filters)]
        worker.take_on({"env": {b"TZ": b"Asia/Tokyo"}, "cwd": bytes(tmp_path), "umask": 0o077})
        logging.getLogger("leaky").addHandler(logging.StreamHandler())
        warnings.filterwarnings("ignore", module="leaky")
        slate.restore()
        after = [sorted(os.environ), os.getcwd(), time.strftime("%z"), len(warnings.filters)]
        seen = [before == after, logging.getLogger("leaky").handlers == [], os.getcwd()]
        os.write(writer, json.dumps(seen).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader) as pipe:
        assert json.loads(pipe.read()) == [True, True, "/"]


def test_a_busy_worker_never_makes_another_command_wait(env, database_url):
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    warm_agent(env)
    with user_row_locked(database_url):
        client = blocked_add(env, database_url)
        start = time.monotonic()
        listed = todo(env, "list")  # another terminal, meanwhile
        assert listed.returncode == ExitCode.OK
        assert time.monotonic() - start < SAFETY_TIMEOUT / 2
        deadline = time.monotonic() + AGENT_WAIT  # the list's worker is done a moment later
        while sum(w["busy"] for w in workers(env).values()) != 1:
            assert time.monotonic() < deadline, workers(env)
            time.sleep(0.05)
        client.send_signal(signal.SIGINT)
        client.communicate(timeout=SAFETY_TIMEOUT)
    assert len(workers(env)) >= 2


def test_an_interrupted_request_drops_its_engine_and_the_worker_serves_on(env, database_url):
    env["TODO_APPLICATION_NAME"] = "todo-interrupt-test"
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    warm_agent(env)
    before = workers(env)
    assert todo(env, "add", "Warm").returncode == ExitCode.OK  # the worker's pool connects
    (worker,) = serving(env, before)
    pooled = backends(database_url, "todo-interrupt-test")
    assert pooled
    code, _, _ = interrupted_add(env, database_url)
    assert code == ExitCode.INTERRUPTED
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while backends(database_url, "todo-interrupt-test") & pooled:
        assert time.monotonic() < deadline, "the interrupted engine was kept"
        time.sleep(0.1)
    before = workers(env)
    assert todo(env, "add", "After").returncode == ExitCode.OK
    assert serving(env, before) == [worker]  # the same worker, a fresh engine
    assert titles(env) == ["Seed", "Warm", "After"]


def test_a_worker_that_grew_too_much_is_replaced(env):
    env["TODO_AGENT_MEMORY_LIMIT"] = "0.001"  # MiB: every request grows a worker more than that
    agent = warm_agent(env)
    for title in ("grows", "again"):
        before = set(settled_workers(env))
        assert todo(env, "add", title).returncode == ExitCode.OK
        deadline = time.monotonic() + AGENT_WAIT
        while not before - set(workers(env)):
            assert time.monotonic() < deadline, ("not replaced", before, agent_log(env))
            time.sleep(0.05)
        (grown,) = before - set(workers(env))
        assert wait_gone(grown), "the grown worker kept running"
        assert len(workers(env)) >= pool.MIN_WORKERS
    assert status(env)["pid"] == agent["pid"]
    assert titles(env) == ["grows", "again"]


def test_spare_workers_exit_when_idle(env, database_url):
    env["TODO_AGENT_IDLE_TIMEOUT"] = "20"  # spare workers go after a quarter of it
    assert todo(env, "add", "Seed").returncode == ExitCode.OK
    agent = warm_agent(env)
    with user_row_locked(database_url):
        clients = [blocked_add(env, database_url) for _ in range(2)]
        # Two busy, and a spare forked for the next command (soon after, not at once).
        deadline = time.monotonic() + 10
        while len(workers(env)) < 3:
            assert time.monotonic() < deadline, workers(env)
            time.sleep(0.2)
        for client in clients:
            client.send_signal(signal.SIGINT)
            client.communicate(timeout=SAFETY_TIMEOUT)
    deadline = time.monotonic() + 15
    while len(workers(env)) > pool.MIN_WORKERS:
        assert time.monotonic() < deadline, workers(env)
        time.sleep(0.5)
    assert status(env)["pid"] == agent["pid"]


def test_help_screens_are_the_same_rendered_or_kept(env):
    warm_agent(env)
    for columns in ("60", "120", "60"):
        sized = dict(env, COLUMNS=columns)
        for args in (("--help",), ("db", "upgrade", "--help"), ("add", "-h")):
            alone = todo(dict(sized, TODO_AGENT="0"), *args)
            for _ in range(2):  # rendered, then kept
                served = todo(sized, *args)
                assert (served.returncode, served.stdout, served.stderr) == (
                    alone.returncode,
                    alone.stdout,
                    alone.stderr,
                ), (columns, args)


def test_only_a_pure_help_request_is_kept():
    import typer.main

    from todo_cli.agent import helps
    from todo_cli.cli.app import app

    command = typer.main.get_command(app)
    assert helps.help_key(command, ["--help"], {}) is not None
    assert helps.help_key(command, ["db", "upgrade", "-h"], {}) is not None
    for argv in (["add", "--", "--help"], ["add", "title", "--help"], ["list"], []):
        assert helps.help_key(command, argv, {}) is None, argv
