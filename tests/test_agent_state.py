"""Nothing a request does stays in the worker: the whole process, diffed before and after.

The slate puts back what it knows of (environment, cwd, umask, zone, locale,
streams, logging, warnings, a few library caches). A library that keeps
something new would slip past a hand-kept list; here a real worker (the
agent's preload, the real command: tests/agent_probe.py) snapshots every
module's globals, ``sys``, atexit handlers, warnings, locale categories,
signal handlers, threads, environment, cwd and umask before its first
request and after each request (each under another environment than the
first), and every difference must be one listed below, with its reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_agent as agent_tests
from tests.support import SAFETY_TIMEOUT
from todo_cli.rendezvous import runtime

PROBE = Path(__file__).parent / "agent_probe.py"
# By design: caches of pure functions and patterns (the same answer whoever asks),
# counters, and what the worker keeps on purpose for its whole life.
KEPT_ON_PURPOSE = {
    "global: asyncio.coroutines._iscoroutine_typecache": "types seen by iscoroutine",
    "global: asyncio.events._event_loop_policy": "made with the worker's own event loop",
    "global: asyncpg.connection._uid": "a counter for prepared statement names",
    "global: cython_runtime.cline_in_traceback": "Cython's traceback switch, read lazily",
    "global: encodings._cache": "codec lookups by name",
    "global: re._cache": "compiled patterns",
    "global: re._compile_repl": "compiled replacement templates",
    "global: regex._main._cache": "compiled patterns (dateparser's regex)",
    "global: regex._main._locale_sensitive": "per pattern: whether it is (the locale is fixed)",
    "global: regex._main._named_args": "per pattern: its group names",
    "global: regex._main._replacement_cache": "compiled replacement templates",
    "global: strptime_patched._TimeRE_cache": "dateparser's strptime; checks the locale itself",
    "global: strptime_patched._regex_cache": "dateparser's strptime patterns",
    "global: dateparser.timezone_parser._build_tz_regexes": "lru_cache of a pure function",
    "global: dateparser.utils.strptime._inspect_format": "lru_cache of a pure function",
    "global: pytz._all_timezones_lower_to_standard": "the zone table, loaded on first use",
    "global: rich.cells.cached_cell_len": "lru_cache: a string's width in cells",
    "global: rich.segment.cached_cell_len": "the same function, imported there",
    "global: rich._unicode_data.load": "lru_cache: Unicode width tables",
    "global: rich.cells.load_cell_table": "lru_cache: Unicode width tables",
    "global: rich.cells.get_character_cell_size": "lru_cache: a character's width",
    "global: rich.segment.get_character_cell_size": "the same function, imported there",
    "global: urllib.parse._byte_quoter_factory": "lru_cache of a pure function",
    "global: urllib.parse._hextobyte": "unquote's table, built on first use",
    "global: typing._overload_registry": "filled as modules with @overload are imported",
    "global: sqlalchemy.event.registry._collection_to_key": "the worker's engines' listeners",
    "global: sqlalchemy.event.registry._key_to_collection": "the worker's engines' listeners",
    "global: sqlalchemy.sql.annotation.annotated_classes": "classes made on first use",
    "global: sqlalchemy.sql.annotation.AnnotatedUpdate": "one of those classes",
    "global: typer.rich_utils.COLOR_SYSTEM": "set by every invocation first (configure_typer)",
    "global: typer.rich_utils.FORCE_TERMINAL": "set by every invocation first (configure_typer)",
    "process: sys.meta_path": "importlib_metadata adds its finder once, when keyring imports it",
}
LAZY_MODULE_ATTRIBUTES = ("pydantic", "importlib_metadata")  # __getattr__ imports, then kept


def on_purpose(change: str) -> bool:
    if change.split(":", 2)[:2] == ["process", " sys.meta_path"]:
        return True
    if change in KEPT_ON_PURPOSE:
        return True
    module = change.removeprefix("global: ").rpartition(".")[0]
    return change.startswith("global: ") and module in LAZY_MODULE_ATTRIBUTES


def probe(requests: list[dict], environ: dict[str, str], tmp_path: Path, leak: bool = False):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"requests": requests, "leak": leak}), encoding="utf-8")
    utf8 = f"utf8={sys.flags.utf8_mode}"
    done = subprocess.run(
        [sys.executable, "-X", utf8, "-P", str(PROBE), str(spec)],
        env=runtime.agent_environment(environ),  # as the agent starts
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT * 2,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def requests_in_turn(env: dict[str, str], tmp_path: Path) -> list[dict]:
    """The same commands under two environments that differ in all a request brings."""
    first = dict(env, TZ="Asia/Tokyo", COLUMNS="60", NO_COLOR="1", LANGUAGE="fr")
    second = dict(env, TZ="America/New_York", COLUMNS="130", FORCE_COLOR="1", TERM="xterm")
    second.update(agent_tests._config_home(tmp_path, "second"))
    second.update(TODO_APPLICATION_NAME="todo-second", HOME=str(tmp_path))
    second["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    commands = [
        (["add", "café crème", "--due", "tomorrow", "-t", "x"], ""),
        (["list"], ""),
        (["show", "1", "--json"], ""),
        (["--help"], ""),
        (["config", "show", "--json"], ""),
        (["config", "set-password", "--password-stdin"], "pw\n"),
        (["show", "42"], ""),
        (["list", "--due-before", "not a date"], ""),
    ]
    turns = []
    for environ in (first, second):
        turns += [{"argv": argv, "env": environ, "stdin": stdin} for argv, stdin in commands]
    return turns


@pytest.fixture
def state_env(database_url, isolated_home):
    return dict(os.environ, TODO_DATABASE_URL=database_url, TODO_AGENT="1")


def test_a_request_leaves_nothing_behind_in_the_worker(state_env, tmp_path):
    report = probe(requests_in_turn(state_env, tmp_path), state_env, tmp_path)
    assert report["status"] == 0
    assert report["played"][0]["reply"] == ["exit", 0], report["played"][0]
    runs = zip(report["played"], report["reports"], strict=True)
    left = [
        (number, played["argv"], change)
        for number, (played, found) in enumerate(runs)
        for change in found["changes"]
        if not on_purpose(change)
    ]
    assert sorted({change for _number, _argv, change in left}) == [], left[:3]


def test_the_diff_notices_a_library_that_keeps_state(state_env, tmp_path):
    """A command that stores the request's COLUMNS in a module global fails the check."""
    requests = requests_in_turn(state_env, tmp_path)[:2]
    report = probe(requests, state_env, tmp_path, leak=True)
    changes = report["reports"][-1]["changes"]
    assert "global: todo_cli.text.last_columns" in changes
    assert not on_purpose("global: todo_cli.text.last_columns")
