"""A real agent worker under observation: what a request leaves behind in the process.

Run by tests/test_agent_state.py as the agent runs (``python -P``, the
agent's clean environment): it imports the stack as the agent does
(``server.preload``), forks a real ``worker.Worker`` with the real command,
and plays both the agent and the client for each request of the spec (argv,
env, stdin). The worker takes a snapshot of the whole process (every
module's globals, ``sys``, atexit, warnings, locale, signals, threads,
environment, cwd, umask) before its first request and after each request,
and reports what differs from the first. Prints a JSON report on stdout.

    python -P tests/agent_probe.py SPEC.json

SPEC: {"requests": [{"argv": [...], "env": {...}, "stdin": "..."}], "leak": false}.
With "leak", a command keeps something in a module global (the test that
shows the snapshot notices).
"""

from __future__ import annotations

import atexit
import codecs
import collections
import importlib
import json
import locale
import os
import signal
import socket
import sys
import tempfile
import threading
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

from todo_cli.agent import server
from todo_cli.agent.worker import Worker
from todo_cli.rendezvous import protocol

LOCALE_CATEGORIES = (
    "LC_CTYPE",
    "LC_COLLATE",
    "LC_TIME",
    "LC_MONETARY",
    "LC_NUMERIC",
    "LC_MESSAGES",
)
SCALARS = (int, float, complex, str, bytes, bool, type(None))
PROBE = __name__
Snapshot = dict[str, Any]


def fingerprint(value: Any, depth: int = 1) -> Any:
    """Enough to tell that a global was rebound, or a container in it changed in place."""
    if isinstance(value, SCALARS):
        return (type(value).__name__, hash(value))
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__)
    if type(value) in (tuple, frozenset):  # immutable: what is in it, not which copy
        return (type(value).__name__, tuple(sorted(map(repr, value))) if depth else len(value))
    base: tuple[Any, ...] = (type(value).__qualname__, id(value))
    if type(value).__name__ == "_lru_cache_wrapper":  # functools caches: how full
        return (*base, "entries", value.cache_info().currsize)
    if not depth:
        return base
    if isinstance(value, dict):
        items = [(fingerprint(k, 0), fingerprint(v, 0)) for k, v in list(value.items())]
        return (*base, len(value), frozenset(items))
    if isinstance(value, list | collections.deque):
        return (*base, tuple(fingerprint(item, 0) for item in value))
    if isinstance(value, set | frozenset):
        return (*base, frozenset(fingerprint(item, 0) for item in value))
    return base


def module_globals() -> dict[str, dict[str, Any]]:
    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or name in ("sys", PROBE, "__main__"):
            continue
        namespace = getattr(module, "__dict__", {})
        found[name] = {key: fingerprint(value) for key, value in list(namespace.items())}
    return found


def stream(value: Any) -> Any:
    """A standard stream by what it is (the slate replaces the objects on purpose)."""
    try:
        fileno = value.fileno()
    except (AttributeError, OSError, ValueError):
        fileno = None
    encoding = codecs.lookup(value.encoding).name if getattr(value, "encoding", None) else None
    return (type(value).__name__, fileno, encoding, value.closed)


def process_state() -> dict[str, Any]:
    mask = os.umask(0o022)
    os.umask(mask)
    return {
        "sys.path": list(sys.path),
        "sys.argv": list(sys.argv),
        "sys.flags": tuple(sys.flags),
        "sys.meta_path": [id(each) for each in sys.meta_path],
        "sys.path_hooks": [id(each) for each in sys.path_hooks],
        "sys hooks": [
            id(getattr(sys, name))
            for name in ("displayhook", "excepthook", "unraisablehook", "breakpointhook", "audit")
        ],
        "sys trace": [id(sys.gettrace()), id(sys.getprofile())],
        "sys limits": [sys.getrecursionlimit(), sys.getswitchinterval()],
        "sys streams": [stream(s) for s in (sys.stdin, sys.stdout, sys.stderr)],
        "atexit handlers": atexit._ncallbacks(),  # type: ignore[attr-defined]
        "warnings.filters": [repr(each) for each in warnings.filters],
        "warnings.showwarning": id(warnings.showwarning),
        "locale": {name: locale.setlocale(getattr(locale, name)) for name in LOCALE_CATEGORIES},
        "signals": {
            str(signum): repr(signal.getsignal(signum))
            for signum in signal.valid_signals()
            if signum not in (signal.SIGKILL, signal.SIGSTOP)
        },
        "threads": sorted(thread.name for thread in threading.enumerate()),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "umask": mask,
    }


def snapshot() -> Snapshot:
    return {"modules": module_globals(), "process": process_state()}


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What ``after`` holds otherwise than ``before`` (modules ``before`` did not know aside)."""
    found = [
        f"process: {key}: {before['process'][key]!r} -> {after['process'][key]!r}"
        for key in before["process"]
        if before["process"][key] != after["process"][key]
    ]
    old, new = before["modules"], after["modules"]
    found += [f"unloaded: {name}" for name in sorted(set(old) - set(new))]
    for name in sorted(set(old) & set(new)):
        for key in sorted(set(old[name]) | set(new[name])):
            was, now = old[name].get(key, ("absent",)), new[name].get(key, ("absent",))
            if was != now and now[0] != "module":  # a submodule imported: its own entry
                found.append(f"global: {name}.{key}")
    return found


class ProbedWorker(Worker):
    """The real worker, snapshotting itself around each request."""

    def __init__(self, *args: Any, report: Path) -> None:
        super().__init__(*args)
        self.report = report
        self.before: Snapshot | None = None

    def handle(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> bool:
        if self.before is None:
            self.before = snapshot()
        retire = super().handle(connection, request, fds)
        after = snapshot()
        imported = sorted(set(after["modules"]) - set(self.before["modules"]))
        report = {"changes": differences(self.before, after), "imported": imported}
        for name in imported:  # watched from their first request on
            self.before["modules"][name] = after["modules"][name]
        with self.report.open("a", encoding="utf-8") as lines:
            lines.write(json.dumps(report) + "\n")
        return retire


def keep_a_leak() -> None:
    """What a library that remembers the last request does: a module global, set in a command."""
    from todo_cli import text
    from todo_cli.cli import environment

    made = environment.Environment.from_process.__func__  # type: ignore[attr-defined]

    def remembering(cls: Any, *args: Any, **kwargs: Any) -> Any:
        text.last_columns = os.environ.get("COLUMNS")  # type: ignore[attr-defined]
        return made(cls, *args, **kwargs)

    environment.Environment.from_process = classmethod(remembering)  # type: ignore[assignment]


def play(channel: socket.socket, request: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Agent and client for one request: hand it over, say go, collect what it printed."""
    (workdir / "stdin").write_text(request.get("stdin", ""), encoding="utf-8")
    streams = [
        os.open(workdir / "stdin", os.O_RDONLY),
        os.open(workdir / "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        os.open(workdir / "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    ours, theirs = socket.socketpair()
    message = {
        "version": protocol.VERSION,
        "kind": "run",
        "argv": request["argv"],
        "env": {os.fsencode(k): os.fsencode(v) for k, v in request["env"].items()},
        "cwd": os.fsencode(request.get("cwd", tempfile.gettempdir())),
        "umask": 0o022,
    }
    protocol.send(channel, message, fds=(theirs.fileno(), *streams))
    theirs.close()
    protocol.close_all(streams)
    with ours:
        _kind, _pid = protocol.receive(ours)
        ours.sendall(protocol.GO)
        reply = protocol.receive(ours)
    protocol.receive(channel)  # the worker is done: its slate restored, its snapshot taken
    return {
        "argv": request["argv"],
        "reply": list(reply),
        "stdout": (workdir / "stdout").read_text(encoding="utf-8", errors="replace"),
        "stderr": (workdir / "stderr").read_text(encoding="utf-8", errors="replace"),
    }


class ImportsWorker(Worker):
    """A first, throwaway worker: which modules do these requests import?"""

    def __init__(self, *args: Any, report: Path) -> None:
        super().__init__(*args)
        self.report = report

    def handle(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> bool:
        retire = super().handle(connection, request, fds)
        self.report.write_text(json.dumps(sorted(sys.modules)), encoding="utf-8")
        return retire


def serve_in_a_fork(kind: type[Worker], command: Any, report: Path, spec: dict[str, Any]) -> Any:
    """``kind`` forked as pool.spawn starts a worker, played every request; what it played."""
    workdir = report.parent
    agent_side, worker_side = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        agent_side.close()
        code = 0
        try:
            kind(worker_side, command, 2**40, report=report).serve()  # type: ignore[call-arg]
        except SystemExit:
            pass
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    worker_side.close()
    played = [play(agent_side, request, workdir) for request in spec["requests"]]
    agent_side.close()  # the worker sees its channel close and exits
    _, status = os.waitpid(pid, 0)
    return played, status


def import_ahead(names: list[str]) -> None:
    """What the requests would import on first use, imported before the first snapshot:
    so what a request then keeps in those modules shows too (not only in preloaded ones)."""
    for name in names:
        if name not in sys.modules:
            try:
                importlib.import_module(name)
            except Exception:
                continue


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    command = server.preload()
    if spec.get("leak"):
        keep_a_leak()
    with tempfile.TemporaryDirectory(prefix="probe-") as directory:
        workdir = Path(directory)
        imports = workdir / "imports.json"
        serve_in_a_fork(ImportsWorker, command, imports, spec)
        import_ahead(json.loads(imports.read_text(encoding="utf-8")))
        report = workdir / "report.jsonl"
        played, status = serve_in_a_fork(ProbedWorker, command, report, spec)
        reports = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    print(json.dumps({"played": played, "reports": reports, "status": status}))


if __name__ == "__main__":
    main()
