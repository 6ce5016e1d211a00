"""Test databases copied from the template ahead of need and dropped behind the tests.

Copying a database (``CREATE DATABASE ... TEMPLATE``) and dropping one (which
forces a checkpoint) cost a few hundred milliseconds each, mostly waiting on
the disk; done in line they were the largest part of a CLI test. A thread of
its own keeps a couple of fresh copies ready and drops the used ones while
the tests run, so the waiting overlaps with work.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable

import asyncpg

AHEAD = 2  # fresh copies kept ready
TAKE_TIMEOUT = 120.0  # seconds; only so a stuck server cannot hang the suite


class DatabaseSupply:
    """Copies of ``template`` on the server ``dsn`` names, one per ``take``."""

    def __init__(self, dsn: str, template: str, name: Callable[[], str]) -> None:
        self.dsn = dsn
        self.template = template
        self.name = name
        self.ready: queue.Queue[str] = queue.Queue()
        self.used: queue.Queue[str] = queue.Queue()
        self.closing = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="database-supply", daemon=True)
        self.thread.start()

    def take(self) -> str:
        """A fresh copy of the template, this caller's alone."""
        try:
            return self.ready.get(timeout=TAKE_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"no test database came: {self.failure!r}") from self.failure

    def give_back(self, name: str) -> None:
        """``name`` is done with: dropped in the background."""
        self.used.put(name)

    def settle(self) -> None:
        """Wait until every copy given back so far is dropped."""
        self.used.join()

    def close(self) -> None:
        """Stop making copies; every copy made, used or not, is dropped before this returns."""
        self.closing.set()
        self.thread.join()
        if self.failure is not None:
            raise self.failure

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by take() and close()
            self.failure = exc

    async def _serve(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        try:
            while not self.closing.is_set():
                await self._step(connection)
            for name in itertools.chain(_drain(self.ready), _drain(self.used)):
                await _drop(connection, name)
        finally:
            await connection.close()

    async def _step(self, connection: asyncpg.Connection) -> None:
        if self.ready.qsize() < AHEAD:
            name = self.name()
            await connection.execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
            self.ready.put(name)
            return
        try:
            name = self.used.get(timeout=0.05)
        except queue.Empty:
            return
        await _drop(connection, name)
        self.used.task_done()


async def _drop(connection: asyncpg.Connection, name: str) -> None:
    await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _drain(names: queue.Queue[str]) -> list[str]:
    found = []
    while not names.empty():
        found.append(names.get_nowait())
    return found
