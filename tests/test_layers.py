"""The package's import graph keeps its layers (DESIGN.md, "Style, by example").

Layers, top to bottom: the agent (``todo_cli.agent``: client, server, pool,
worker, host, slate) -> the Typer commands (``todo_cli.cli``) -> the service
(``todo_cli.service``) -> the database (``todo_cli.db``, ``todo_cli.embedded``).
What the agent and the commands share about reaching a running agent (its
private directory and socket names, the wire protocol, asking one for its
status or to stop) is ``todo_cli.rendezvous``, below both, so ``todo agent
status|stop`` needs nothing from the layer above it.

Every import counts, at module level or lazily inside a function, and under
``if TYPE_CHECKING:`` too: a lazy import still ties the two modules together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "todo_cli"
BELOW_THE_AGENT = ("todo_cli.cli", "todo_cli.service", "todo_cli.db", "todo_cli.embedded")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, by absolute name (``from a import b`` yields a and a.b)."""
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {
        name: {target for target in imported(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_no_two_modules_import_each_other():
    edges = graph()
    circles = sorted(
        f"{first} <-> {second}"
        for first, targets in edges.items()
        for second in targets
        if first < second
        and first in edges.get(second, set())
        and not within(first, second)
        and not within(second, first)
    )
    assert circles == []


def test_nothing_below_the_agent_imports_it():
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.startswith(BELOW_THE_AGENT)
        for target in targets
        if within(target, "todo_cli.agent")
    )
    assert upward == []


def test_no_module_reaches_for_clicks_current_context():
    """The Environment and the host are handed down as arguments, never found on a stack."""
    reaching = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        for target in imported(path)
        if target.startswith(("typer._click.globals", "click.globals"))
        or target.endswith(".get_current_context")
    )
    assert reaching == []
