"""Every command and every option of the real app: help in todo's words, and the README's
command reference in step with it (as sqlite-utils' tests/test_docs.py keeps its docs)."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from todo_cli.cli.app import app

README = Path(__file__).parent.parent / "README.md"
# Typer's Python types and Click's ranges: what help looked like before it spoke in metavars.
INTERNALS = re.compile(
    r"<(?:bool|str|int|float|list|tuple|dict|path|uuid|datetime)\b[^>]*>|<\w+ range>"
    r"|\[[0-9.]*<?=?x(?:[<>]=?[0-9.]*)?\]"
)
STRAY_SPACE = re.compile(r"\w [.,;:](?:\s|$)")  # "Which tasks ." (Rich ate a [bracket])
OPTION = re.compile(r"(?<![\w-])-{1,2}[A-Za-z][\w-]*")


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, subcommand in getattr(command, "commands", {}).items():
        yield from walk(subcommand, (*path, name))


COMMANDS = dict(walk(typer.main.get_command(app)))


def spellings(command: Any) -> set[str]:
    """Every option spelling the command declares (-h/--help aside: every command has it)."""
    return {
        name
        for param in command.params
        if param.param_type_name == "option"
        for name in (*param.opts, *param.secondary_opts)
    }


def reference() -> dict[tuple[str, ...], str]:
    """The README's command reference: each entry's command path and its text."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command reference") :]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL).group(1)
    entries = re.split(r"\n(?=todo\b)", block.strip())
    found: dict[tuple[str, ...], str] = {}
    for entry in entries:
        entry = re.sub(r"#.*", "", entry)
        words = entry.split()[1:]
        path: tuple[str, ...] = ()
        while words and (*path, words[0]) in COMMANDS:
            path, words = (*path, words[0]), words[1:]
        assert path not in found, f"`todo {' '.join(path)}` is listed twice"
        found[path] = entry
    return found


def test_the_walk_sees_every_group_and_command():
    assert {("db", "upgrade"), ("config", "set"), ("agent", "stop"), ("add",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "todo")
def test_help_speaks_in_metavars_not_click_internals(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "250")  # no wrapping to hide a `[x>=1]`
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.stderr
    assert INTERNALS.findall(result.stdout) == []
    assert STRAY_SPACE.findall(result.stdout) == []
    assert "{" not in result.stdout.splitlines()[1]  # the usage line: `ID`, not Typer's `{ID}`


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "todo")
def test_the_readme_lists_every_command_with_every_option(path):
    listed = reference()
    assert path in listed, f"README's command reference lacks `todo {' '.join(path)}`"
    command = COMMANDS[path]
    assert spellings(command) <= set(OPTION.findall(listed[path]))
    for param in command.params:
        if param.param_type_name == "argument":
            assert (param.metavar or param.name.upper()) in listed[path]


def test_the_readme_lists_nothing_the_app_does_not_have():
    for path, entry in reference().items():
        assert path in COMMANDS
        unknown = set(OPTION.findall(entry)) - spellings(COMMANDS[path])
        assert unknown == set(), f"`todo {' '.join(path)}`: no such option {sorted(unknown)}"
