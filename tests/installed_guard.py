"""Every test that runs the installed ``todo`` carries the ``installed`` marker.

CI reruns only those tests with the agent on (``TODO_TEST_AGENT=1 pytest -m
installed``), so a test that runs the executable unmarked would silently
escape the agent-on run. An audit hook sees every process a test starts
(``subprocess.Popen``, ``os.exec*``, ``os.posix_spawn``) and refuses one that
names the installed executable while the running test is unmarked.
"""

from __future__ import annotations

import sys
from typing import Any

from tests.support import TODO

PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn"})


class InstalledGuard:
    """Which test runs now, and whether it may run the installed ``todo``."""

    def __init__(self) -> None:
        self.test: str | None = None
        self.allowed = True
        self.installed = str(TODO)
        sys.addaudithook(self.audit)

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self.allowed or event not in PROCESS_EVENTS:
            return
        if self.installed in repr(args):
            raise RuntimeError(
                f"{self.test} runs the installed todo: mark it @pytest.mark.installed "
                "so CI runs it with the agent on too"
            )

    def enter(self, test: str, *, marked: bool) -> None:
        self.test, self.allowed = test, marked

    def leave(self) -> None:
        self.test, self.allowed = None, True
