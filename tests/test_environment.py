"""One output environment per invocation, nothing kept between invocations (cli/environment.py)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from todo_cli.cli.app import app
from todo_cli.cli.environment import Environment, terminal_width, wants_colour

PACKAGE = Path(__file__).resolve().parent.parent / "todo_cli"
ESCAPE = "\x1b["


def help_screen(env: dict[str, str]) -> str:
    """`todo --help` in this process, as the agent's worker runs one request after another."""
    result = CliRunner().invoke(app, ["--help"], env=env, prog_name="todo")
    assert result.exit_code == 0, result.output
    return result.stdout


def widest(text: str) -> int:
    from rich.cells import cell_len
    from rich.text import Text

    return max(cell_len(Text.from_ansi(line).plain) for line in text.splitlines())


def test_typer_help_follows_each_invocations_width_and_colour():
    """Typer reads FORCE_COLOR and TERMINAL_WIDTH at import: the next request must not
    get the previous one's (nor the importing process's)."""
    plain = {"NO_COLOR": "1", "FORCE_COLOR": None, "COLUMNS": "120", "TERMINAL_WIDTH": None}
    coloured = {"NO_COLOR": None, "FORCE_COLOR": "1", "COLUMNS": "60", "TERMINAL_WIDTH": None}
    narrow = {**plain, "COLUMNS": "200", "TERMINAL_WIDTH": "50"}
    first, second, third, again = map(help_screen, (plain, coloured, narrow, plain))
    assert ESCAPE not in first
    assert widest(first) > 60
    assert ESCAPE in second
    assert widest(second) <= 60
    assert ESCAPE not in third
    assert widest(third) <= 50
    assert again == first


def test_the_task_table_follows_each_invocations_width(monkeypatch):
    """Two environments in one process: each sizes and colours its own output."""
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("NO_COLOR", "1")
    narrow = Environment.from_process()
    monkeypatch.setenv("COLUMNS", "130")
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    wide = Environment.from_process()
    assert (narrow.width, narrow.colour) == (50, False)
    assert (wide.width, wide.colour) == (130, True)
    assert narrow.console().width == 50
    assert wide.console().width == 130


@pytest.mark.parametrize(
    ("environ", "terminal", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"TERM": "dumb"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ],
)
def test_colour_honours_no_color_force_color_and_dumb_terminals(environ, terminal, expected):
    assert wants_colour(environ, terminal=terminal) is expected


def test_width_is_columns_else_the_terminal_else_80():
    assert terminal_width({"COLUMNS": "132"}, sys.stdout) == 132
    assert terminal_width({"COLUMNS": "wide"}, open(__file__)) == 80  # noqa: SIM115 - not a tty


def test_json_and_argv_belong_to_the_invocation(cli, todo_env):
    """--json on one command does not make the next one print JSON."""
    assert cli("add", "first", "--json").stdout.startswith("{")
    second = cli("add", "second")
    assert second.stdout == ""
    assert "Created task 2: second" in second.stderr


def module_level_assignments(path: Path) -> list[str]:
    """Names a module rebinds or mutates at run time: ``global`` statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(PACKAGE.parent)}: global {', '.join(node.names)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]


def test_no_module_keeps_per_invocation_state():
    """What one invocation learnt (argv, --debug, warnings shown, settings) lives in its
    Environment; no module-level `current` or `global` to leak into the agent's next request."""
    import todo_cli.cli

    found = [entry for path in PACKAGE.rglob("*.py") for entry in module_level_assignments(path)]
    assert found == []
    assert not (PACKAGE / "cli" / "state.py").exists()
    for path in (PACKAGE / "cli").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        assert "current" not in names, path
    assert not hasattr(todo_cli.cli, "state")


def test_help_imports_no_database_library():
    """`todo --help` in-process: neither the database stack nor the settings machinery."""
    heavy = ("sqlalchemy", "sqlmodel", "asyncpg", "alembic", "pydantic_settings", "keyring")
    script = (
        "import sys\n"
        "from todo_cli.cli.app import main\n"
        "sys.argv = ['todo', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Usage" in done.stdout
    assert done.stderr.strip().splitlines()[-1:] in ([], [""])
