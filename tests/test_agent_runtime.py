"""Where the client looks for its agent, and that it tells no one else's agent anything.

Another user is a real ``nobody``: it runs the fake agent, places the links and
(where the directory lets it) does the swapping, while root runs ``todo``.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import SAFETY_TIMEOUT, run_todo, shared_directory, symlink_as
from tests.test_agent import OTHER_USERS_PYTHON, env, runtime_dir  # noqa: F401 (fixtures)
from todo_cli.agent import client
from todo_cli.errors import ExitCode
from todo_cli.rendezvous import runtime

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switches users: needs root")
NOBODY = 65534
RUNS = 12  # client runs while the directory is being swapped
RENAME_EXCHANGE = 2  # renameat2 flag: swap two names atomically
AT_FDCWD = -100

# Listens where it is told; for each connection, the number of bytes it was sent.
FAKE_AGENT = r"""
import os, socket, sys
path, report = sys.argv[1], sys.argv[2]
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
os.chmod(path, 0o777)
listener.listen(64)
print("listening", flush=True)
while True:
    connection, _ = listener.accept()
    connection.settimeout(2)
    try:
        sent = len(connection.recv(1 << 16))
    except OSError:
        sent = 0
    with open(report, "a") as out:
        out.write(f"{sent}\n")
    connection.close()
"""

# Swaps two names as fast as it can until the stop file appears.
SWAPPER = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
first, second, stop = map(os.fsencode, sys.argv[1:4])
print("swapping", flush=True)
while not os.path.exists(stop):
    for _ in range(500):
        libc.renameat2(-100, first, -100, second, 2)
"""


@pytest.fixture
def base() -> Iterator[Path]:
    """A temporary directory `nobody` can get through, with a private one of `nobody`'s."""
    directory = Path(tempfile.mkdtemp(prefix="tr-", dir="/tmp"))
    directory.chmod(0o755)
    theirs = directory / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def as_nobody(script: str, *args: str) -> subprocess.Popen:
    """``script`` run by `nobody`, once it printed its first line (it is ready)."""
    process = subprocess.Popen(
        [OTHER_USERS_PYTHON, "-c", script, *args],
        user="nobody",
        group=NOBODY,
        extra_groups=[],
        stdout=subprocess.PIPE,
        text=True,
        cwd="/",
    )
    assert process.stdout is not None
    assert process.stdout.readline(), "the other user's process did not start"
    return process


def stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=SAFETY_TIMEOUT)


def fake_agent(where: Path, report: Path) -> subprocess.Popen:
    report.touch()
    os.chown(report, NOBODY, NOBODY)
    return as_nobody(FAKE_AGENT, str(where), str(report))


def reached(report: Path) -> list[int]:
    """What each connection the fake agent accepted was sent, in bytes."""
    return [int(line) for line in report.read_text().split()]


def socket_name(directory: Path) -> str:
    """The socket's name for this install, as the client computes it."""
    paths = runtime.paths({"XDG_RUNTIME_DIR": str(directory)})
    assert paths is not None
    return os.path.basename(paths.socket)


def without_starting_agents(environment: dict[str, str], home: Path) -> dict[str, str]:
    """The client still connects to an agent, but never starts one (``agent = false``)."""
    config = home / "config" / "todo" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("agent = false\n")
    return {name: value for name, value in environment.items() if name != "TODO_AGENT"}


# --- which runtime directory


@pytest.mark.parametrize(("mode", "usable"), [(0o777, False), (0o1777, True), (0o700, True)])
def test_a_runtime_dir_others_can_write_is_used_only_when_sticky(tmp_path, mode, usable):
    shared = shared_directory(tmp_path, mode)
    found = runtime.private_dir({"XDG_RUNTIME_DIR": str(shared)})
    assert (found == str(shared / "todo")) is usable
    if not usable:
        assert found is None or not found.startswith(str(shared))


@needs_root
def test_a_runtime_dir_reached_through_another_users_symlink_is_not_used(base):
    shared = shared_directory(base)
    link = shared / "run"
    symlink_as("nobody", link, base / "theirs")
    found = runtime.private_dir({"XDG_RUNTIME_DIR": str(link)})
    assert found is None or not found.startswith((str(link), str(base)))


# --- the agent the client talks to is ours


@needs_root
@pytest.mark.installed
@pytest.mark.agent_pinned
def test_another_user_swapping_a_shared_runtime_dir_never_gets_a_command(
    env,  # noqa: F811
    base,
    isolated_home,
):
    """The issue's attack: XDG_RUNTIME_DIR root's but 0777, `nobody` swaps todo/ for a link."""
    shared = shared_directory(base, 0o777)
    (shared / "todo").mkdir(mode=0o700)
    theirs = base / "theirs"
    report = base / "report"
    agent = fake_agent(theirs / socket_name(Path(env["XDG_RUNTIME_DIR"])), report)
    symlink_as("nobody", shared / "decoy", theirs)
    done = base / "stop"
    swapper = as_nobody(SWAPPER, str(shared / "todo"), str(shared / "decoy"), str(done))
    attacked = dict(without_starting_agents(env, isolated_home), XDG_RUNTIME_DIR=str(shared))
    try:
        runs = [run_todo(attacked, "add", f"run {number}") for number in range(RUNS)]
    finally:
        done.touch()
        swapper.wait(timeout=SAFETY_TIMEOUT)
        stop(agent)
    assert reached(report) == []
    assert [run.returncode for run in runs] == [ExitCode.OK] * RUNS, runs[0].stderr
    listed = run_todo(env, "list", "--json")
    assert len(json.loads(listed.stdout)) == RUNS, listed.stderr


@needs_root
@pytest.mark.installed
@pytest.mark.agent_pinned
def test_the_client_tells_another_users_agent_nothing(env, base):  # noqa: F811
    """`nobody`'s socket where ours should be: no argv, no environment, no fds; no agent of ours."""
    paths = runtime.paths(env)
    assert paths is not None
    report = base / "report"
    planted = base / "theirs" / "agent.sock"
    agent = fake_agent(planted, report)
    os.rename(planted, paths.socket)  # however it got there: the kernel knows whose it is
    try:
        runs = [run_todo(env, "add", f"run {number}") for number in range(3)]
    finally:
        stop(agent)
    assert [run.returncode for run in runs] == [ExitCode.OK] * 3, runs[0].stderr
    assert f"served by uid {NOBODY}" in runs[0].stderr
    assert set(reached(report)) <= {0}, "the client sent the other user's agent something"
    assert not os.path.exists(paths.lock), "an agent was started into that directory"


@needs_root
def test_the_socket_is_reached_in_the_directory_that_was_checked(runtime_dir, base):  # noqa: F811
    """Swapped after the check, the directory we connect into is still the one we checked.

    The swap is ours here (the runtime dir is private: no other user can
    rename in it); the process on the other side is `nobody`'s, so only
    connecting through the checked directory keeps it from every connection.
    """
    paths = runtime.paths({"XDG_RUNTIME_DIR": str(runtime_dir)})
    assert paths is not None
    listener = ours_listening(paths.socket)
    report = base / "report"
    agent = fake_agent(base / "theirs" / os.path.basename(paths.socket), report)
    decoy = runtime_dir / "decoy"
    os.rename(base / "theirs", decoy)  # its socket moves with it and still listens
    swapping = threading.Event()
    swapper = threading.Thread(
        target=swap_until, args=(paths.directory, str(decoy), swapping), daemon=True
    )
    swapping.set()
    swapper.start()
    handlers = {name: signal.getsignal(getattr(signal, name)) for name in client.FORWARDED}
    forwarder = client.Forwarder()  # takes the signals, as the client's main() does
    try:
        results = [client.through_agent(paths, ["--version"], forwarder) for _ in range(200)]
    finally:
        for name, handler in handlers.items():
            signal.signal(getattr(signal, name), handler)
        swapping.clear()
        swapper.join(timeout=SAFETY_TIMEOUT)
        stop(agent)
        listener.close()
    assert reached(report) == []
    assert results == [None] * 200  # our listener hangs up: each would run in-process


def ours_listening(path: str) -> socket.socket:
    """A listener of ours at ``path`` that hangs up on every connection."""
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(64)

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return server


def swap_until(first: str, second: str, running: threading.Event) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    names = os.fsencode(first), os.fsencode(second)
    while running.is_set():
        for _ in range(100):
            libc.renameat2(AT_FDCWD, names[0], AT_FDCWD, names[1], RENAME_EXCHANGE)
