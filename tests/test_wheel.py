"""The built wheel, installed (not editable) in a fresh venv, works on its own."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_json_contract import TASK_KEYS
from todo_cli.errors import ExitCode

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "sqlmodel", "asyncpg", "alembic", "keyring", "dateparser")
IMPORTS_AFTER = """
import sys
from todo_cli.cli.app import app
try:
    app(sys.argv[1:], prog_name="todo")
except SystemExit:
    pass
print("HEAVY=" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@dataclass
class Install:
    wheel: Path
    bin: Path
    data_dir: Path  # outside every home, so the embedded server may start there


def run(*command, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def install():
    # Not under pytest's 0700 tmp dirs: as root, the embedded server's own user
    # must get through every directory above its data and binaries, and todo
    # never widens one it did not create. This one is ours: open it.
    base = Path(tempfile.mkdtemp(prefix="todo-wheel-"))
    base.chmod(0o755)
    built = run(sys.executable, "-m", "build", "--wheel", "--outdir", base / "dist", REPO)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (base / "dist").glob("*.whl")
    assert run(sys.executable, "-m", "venv", base / "venv").returncode == 0
    pip = run(base / "venv/bin/python", "-m", "pip", "install", "-q", wheel, timeout=1800)
    assert pip.returncode == 0, pip.stderr[-3000:]
    found = Install(wheel, base / "venv/bin", base / "data")
    yield found
    run(found.bin / "todo", "db", "stop", env=todo_env(found), timeout=120)
    shutil.rmtree(base, ignore_errors=True)


def todo_env(install: Install, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # In-process: an agent the wheel's todo started (the module teardown runs outside
    # the tests' environment) would outlive the venv it imports from.
    return {**env, "TODO_AGENT": "0", "TODO_DATA_DIR": str(install.data_dir), **extra}


def todo(install: Install, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return run(install.bin / "todo", *args, env=todo_env(install, **extra), cwd=install.bin)


def test_wheel_carries_the_migrations(install):
    names = zipfile.ZipFile(install.wheel).namelist()
    assert "todo_cli/migrations/env.py" in names
    assert any(n.startswith("todo_cli/migrations/versions/") and n.endswith(".py") for n in names)


def test_installed_package_is_the_wheel_not_the_checkout(install):
    code = "import todo_cli.db.migrations as m; print(m.migrations_dir())"
    where = run(install.bin / "python", "-c", code, env=todo_env(install), cwd=install.bin)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(install.bin.parent / "lib"))
    assert where.stdout.strip().endswith("todo_cli/migrations")


def test_embedded_server_from_the_installed_wheel(install):
    added = todo(install, "add", "first task")
    assert added.returncode == ExitCode.OK, added.stderr
    listed = todo(install, "list", "--json")
    assert listed.returncode == ExitCode.OK, listed.stderr
    (task,) = json.loads(listed.stdout)
    assert set(task) == TASK_KEYS
    assert task["title"] == "first task"
    current = todo(install, "db", "current")
    assert current.returncode == ExitCode.OK, current.stderr
    assert "(head)" in current.stdout
    stopped = todo(install, "db", "stop")
    assert stopped.returncode == ExitCode.OK, stopped.stderr
    assert "stopped" in stopped.stderr


def test_installed_wheel_upgrades_an_external_database(install, empty_database_url):
    upgraded = todo(install, "db", "upgrade", TODO_DATABASE_URL=empty_database_url)
    assert upgraded.returncode == ExitCode.OK, upgraded.stderr
    current = todo(install, "db", "current", TODO_DATABASE_URL=empty_database_url)
    assert "(head)" in current.stdout


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["db", "--help"]])
def test_help_imports_no_database_libraries(install, args):
    code = IMPORTS_AFTER.format(heavy=HEAVY)
    done = run(install.bin / "python", "-c", code, *args, env=todo_env(install), cwd=install.bin)
    assert done.stdout.strip()
    assert done.stderr.splitlines()[-1] == "HEAVY="


def test_the_launcher_runs_on_the_venvs_python_without_the_wrappers_imports(install):
    script = (install.bin / "todo").read_text()
    shebang = script.splitlines()[0]
    assert shebang.startswith("#!")
    assert Path(shebang[2:]).parent == install.bin  # pip pointed `#!python` at the venv
    assert "import re" not in script
    done = todo(install, "--version", TODO_AGENT="0")
    assert (done.returncode, done.stdout) == (ExitCode.OK, "todo 0.1.0\n")
