"""Ctrl-C inside the process (cli.interrupts): where it may land and where it must not."""

import asyncio
import os
import signal
import threading

import pytest

from todo_cli.cli import interrupts
from todo_cli.cli.interrupts import InterruptWatch

LONG_SLEEP = 30  # seconds


def ctrl_c() -> None:
    """SIGINT to ourselves; Python runs the handler at its next bytecode check, within the loop."""
    signal.raise_signal(signal.SIGINT)
    for _ in range(1000):
        pass


def test_outside_an_event_loop_ctrl_c_raises_at_once():
    watch = InterruptWatch()
    with interrupts.watching(watch), pytest.raises(KeyboardInterrupt):
        ctrl_c()
    assert watch.interrupted


def test_inside_an_event_loop_ctrl_c_cancels_the_work_and_never_cuts_a_callback():
    """A callback stands for asyncpg's data_received: cut in half, it leaves the
    connection corrupt (a segfault at exit). The work stops at its next await instead."""
    watch = InterruptWatch()
    callback_finished = []

    def callback() -> None:
        ctrl_c()
        callback_finished.append(True)

    async def work() -> None:
        watch.cancels(asyncio.current_task())
        asyncio.get_running_loop().call_soon(callback)
        await asyncio.sleep(30)

    with interrupts.watching(watch), watch.loop_running(), pytest.raises(asyncio.CancelledError):
        asyncio.run(work())
    assert callback_finished == [True]
    assert watch.interrupted
    assert watch.work is None


def test_ctrl_c_while_the_loop_is_made_is_noted_and_stops_the_work_as_it_begins():
    """Raised inside asyncio's making of the loop, it left a half-made loop whose
    collection printed a traceback, and the work's coroutine was never awaited."""
    watch = InterruptWatch()
    began = []

    async def work() -> None:
        watch.cancels(asyncio.current_task())
        began.append(True)
        await asyncio.sleep(LONG_SLEEP)

    with interrupts.watching(watch), watch.loop_running():
        ctrl_c()  # as if it landed between entering the block and the loop's first step
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(work())
    assert watch.interrupted
    assert began == [True]


def test_a_loop_asleep_in_select_wakes_up_for_ctrl_c():
    """The signal comes from another thread while the loop waits for I/O."""
    watch = InterruptWatch()
    slept = []

    async def work() -> None:
        watch.cancels(asyncio.current_task())
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            await asyncio.sleep(LONG_SLEEP)
        finally:
            slept.append(loop.time() - start)

    with interrupts.watching(watch), watch.loop_running(), pytest.raises(asyncio.CancelledError):
        asyncio.run(work())
    # Not a speed check: without the wake-up the select() sleeps out its whole timeout.
    assert slept[0] < LONG_SLEEP / 2


def test_once_the_command_has_ended_ctrl_c_changes_nothing():
    watch = InterruptWatch()
    with interrupts.watching(watch):
        watch.end()
        ctrl_c()
    assert not watch.interrupted


def test_ctrl_c_during_the_commit_waits_for_it_then_stops_the_work():
    """Cancelled mid-COMMIT, the command could not know whether the change stands."""
    watch = InterruptWatch()
    committed = []

    async def work() -> None:
        watch.cancels(asyncio.current_task())
        with watch.committing("undoable"):
            ctrl_c()
            await asyncio.sleep(0)  # the COMMIT's round trip: not cut short
            committed.append(True)
        await asyncio.sleep(LONG_SLEEP)  # the rest of the command: stopped here

    with interrupts.watching(watch), watch.loop_running(), pytest.raises(asyncio.CancelledError):
        asyncio.run(work())
    assert committed == [True]
    assert watch.interrupted
    assert watch.saved == "undoable"


def test_a_commit_that_fails_saves_nothing():
    watch = InterruptWatch()
    with pytest.raises(RuntimeError), watch.committing("undoable"):
        raise RuntimeError("serialization failure")
    assert watch.saved is None


class Latch:
    """Notes Ctrl-C instead of raising it, as the launcher and an agent worker do."""

    def __init__(self) -> None:
        self.interrupted = False

    def note(self, signum: int, frame: object) -> None:
        self.interrupted = True


def test_a_ctrl_c_noted_before_the_watch_began_counts():
    """Between the launcher's import of the app and the command's watch, Ctrl-C is only
    noted; the watch takes it over and the command never starts (cli.app.TodoGroup)."""
    latch = Latch()
    previous = signal.signal(signal.SIGINT, latch.note)
    try:
        ctrl_c()
        assert latch.interrupted
        with interrupts.watching(InterruptWatch()) as watch:
            assert watch.interrupted
        assert signal.getsignal(signal.SIGINT) == latch.note  # put back as it was
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's: notes nothing
        with interrupts.watching(InterruptWatch()) as calm:
            assert not calm.interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
