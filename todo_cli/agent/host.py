"""The worker's event loop and engines, lent to every invocation it serves.

Passed to the command as the root Click context's ``obj``; the invocation's
``Environment`` keeps it (``environment.Host``) and hands it to ``cli.runner``
with everything else. The loop lives as long as the worker, so the engines
(their pools, their compiled-statement caches) do too.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from todo_cli.db.database import Databases
from todo_cli.errors import TodoError

T = TypeVar("T")


class WorkerHost:
    def __init__(self) -> None:
        self.databases = Databases()
        self.runner = asyncio.Runner()
        self.spoiled = False  # a clean-up failed: the worker retires instead of serving on

    def run(self, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``main()`` in the worker's loop, in a context of its own (no contextvar leaks)."""
        try:
            return self.runner.run(main(), context=contextvars.copy_context())
        except BaseException as exc:
            if interrupted(exc) or not isinstance(exc, TodoError):
                self.recover()
            raise

    def recover(self) -> None:
        """After Ctrl-C or an unexpected error: finish what was left running, drop every engine.

        A connection abandoned mid-statement is in no state to be reused;
        the next request connects afresh.
        """
        try:
            self.settle()
            self.runner.run(self.databases.dispose())
        except BaseException:  # a second Ctrl-C, a hung socket: let the process end it
            self.spoiled = True

    def settle(self) -> None:
        """Cancel the tasks an interrupt left pending; their rollbacks run now."""
        loop = self.runner.get_loop()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    def close(self) -> None:
        """Engines disposed inside the loop, then the loop closed."""
        try:
            self.recover()
        finally:
            self.runner.close()


def interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C (or a cancellation) is ``exc`` or anywhere in the chain that led to it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt | asyncio.CancelledError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
