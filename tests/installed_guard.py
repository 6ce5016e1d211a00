"""Every test that runs the installed ``todo`` carries the ``installed`` marker.

CI reruns only those tests with the agent on (``TODO_TEST_AGENT=1 pytest -m
"installed and not agent_pinned"``), so a test that runs the executable
unmarked would silently escape the agent-on run. An audit hook sees every
process a test starts (``subprocess.Popen``, ``os.exec*``,
``os.posix_spawn``) and refuses one that names the installed executable while
the running test is unmarked.

A test marked ``agent_pinned`` as well chooses the agent for itself, so the
rerun would repeat it unchanged and skips it. The run's own switch reaches
the environment as ``TODO_AGENT=on|off`` (tests/conftest.py); a pinned test
says ``0`` or ``1``, or removes the variable, in an environment it passes.
One that lets the run's switch through is refused: the rerun must not skip it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from tests.support import TODO

PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn"})
RUN_SWITCH_WORDS = frozenset({"on", "off"})  # what isolated_home sets; tests pin 0 or 1


class InstalledGuard:
    """Which test runs now, and whether (and how) it may run the installed ``todo``."""

    def __init__(self) -> None:
        self.test: str | None = None
        self.allowed = True
        self.pinned = False
        self.installed = str(TODO)
        sys.addaudithook(self.audit)

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in PROCESS_EVENTS or self.installed not in repr(args):
            return
        if not self.allowed:
            raise RuntimeError(
                f"{self.test} runs the installed todo: mark it @pytest.mark.installed "
                "so CI runs it with the agent on too"
            )
        if self.pinned and event == "subprocess.Popen" and not _pins_the_agent(args[3]):
            raise RuntimeError(
                f"{self.test} is marked agent_pinned but runs the installed todo with the "
                "run's agent switch: pin TODO_AGENT in its env, or drop the marker"
            )

    def enter(self, test: str, *, marked: bool, pinned: bool = False) -> None:
        self.test, self.allowed, self.pinned = test, marked, pinned

    def leave(self) -> None:
        self.test, self.allowed, self.pinned = None, True, False


def _pins_the_agent(env: Mapping[str, str] | None) -> bool:
    """An environment of the test's own in which the run's agent switch does not survive."""
    return env is not None and env.get("TODO_AGENT") not in RUN_SWITCH_WORDS
