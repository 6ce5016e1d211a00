"""What todo tells a newcomer once: that it now keeps things running in the background.

Always on stderr (stdout carries data; ``--json`` stays parseable). The
embedded server's notice comes with its creation, which happens once per
data dir; the agent's is said at a terminal only, and remembered by a marker
in the state dir.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

APP_NAME = "todo"
AGENT_STARTED = (
    "todo: started the todo agent, which stays in the background to make later commands "
    "fast and exits when idle (`todo agent stop` stops it; TODO_AGENT=0 or "
    "`todo config set agent false` turns it off)"
)


def embedded_created(data_dir: Path, stderr: TextIO, *, agent: bool) -> None:
    """The embedded server was just initialised (once per data dir): say it now runs."""
    until = "until the agent idles out or `todo db stop`" if agent else "until `todo db stop`"
    stderr.write(
        f"todo: created an embedded PostgreSQL server in {data_dir}; "
        f"it keeps running for later commands, {until}\n"
    )


def agent_started(stderr: TextIO | None = None) -> None:
    """The first agent this user starts at a terminal: say so, once.

    Only to a person: scripts, CI and pipes get no chatter, and a script's
    first run does not use up the newcomer's notice.
    """
    stream = stderr or sys.stderr
    if stream.isatty() and first_time("agent-started"):
        stream.write(AGENT_STARTED + "\n")


def first_time(name: str) -> bool:
    """Whether ``name`` was never noted before (it is now); True when nothing can be noted."""
    import platformdirs

    directory = platformdirs.user_state_path(APP_NAME) / "notices"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    except OSError:
        pass  # a read-only home: better said each time than never
    return True
