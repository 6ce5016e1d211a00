"""`todo agent ...`: the resident agent that serves commands without re-importing the stack."""

from __future__ import annotations

import time
from typing import Any

import typer

from todo_cli.cli import render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption
from todo_cli.errors import ConfigError

app = typer.Typer(help="The resident agent that makes commands fast.", invoke_without_command=True)


@app.callback()
def group(ctx: typer.Context) -> None:
    """The resident agent that makes commands fast."""
    from todo_cli.cli.workflow import help_when_bare

    help_when_bare(ctx)


@app.command()
def status(ctx: typer.Context, json: JsonOption = False) -> None:
    """Whether this install's agent runs: pid, socket, install hash, uptime, requests, workers."""
    from todo_cli.rendezvous import control

    found = control.status(_paths())
    lines = (f"{key} = {value}" for key, value in _displayable(found).items())
    render.print_data(found, lines, invocation(ctx))


@app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the agent (and any left over from an older install); the next command starts one."""
    from todo_cli.rendezvous import control

    env = invocation(ctx)
    stopped = control.stop_all(_paths().directory)
    if stopped:
        render.message(f"stopped the agent (pid {', '.join(map(str, stopped))})", env)
    else:
        render.message("no agent was running", env)


def _paths() -> Any:
    from todo_cli.rendezvous import runtime

    paths = runtime.paths()
    if paths is None:
        raise ConfigError("no private runtime directory for the agent (see XDG_RUNTIME_DIR)")
    return paths


def _displayable(found: dict[str, Any]) -> dict[str, Any]:
    shown = dict(found)
    if "started" in shown:
        shown["started"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(shown["started"]))
    if "workers" in shown:
        shown["workers"] = " ".join(_worker(each) for each in shown["workers"])
    return shown


def _worker(found: dict[str, Any]) -> str:
    """``pid (busy, 12 served)``."""
    busy = "busy" if found["busy"] else "idle"
    return f"{found['pid']} ({busy}, {found['served']} served)"
