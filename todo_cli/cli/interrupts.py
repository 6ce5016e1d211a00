"""Ctrl-C, wherever it lands, ends the invocation with exit 130.

Python raises KeyboardInterrupt wherever the main thread happens to be, and
libraries in the way may hide it: Typer turns it into a silent ``Exit(130)``,
pydantic wraps it in a serialization error, and one raised inside a
``__del__`` is only printed ("Exception ignored in ..."). So the invocation
notes the signal itself, and the error boundary asks whether it came.

While an event loop runs the command's database work, Ctrl-C does not raise
at all: it cancels that work, which stops at its next ``await`` (as
``asyncio.run`` does by default). A KeyboardInterrupt raised wherever the loop
happens to be can land inside asyncpg's protocol code, between a message and
its bookkeeping, and the connection's cleanup then crashes the interpreter
(SIGSEGV at exit, seen about once in a hundred interrupted `todo list`s).

During the COMMIT itself Ctrl-C is only noted: cancelled there, the command
could not know whether the server committed. Once the commit has returned,
the change stands, and the boundary says so (``saved``) rather than
"nothing was changed": a user who believed that would repeat an ``add``.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asyncio import Task


@dataclass
class InterruptWatch:
    interrupted: bool = False
    unraisable_hook: Callable[[Any], Any] = field(default=sys.__unraisablehook__)
    work: Task[Any] | None = None  # the command's async work, while a loop runs it
    over: bool = False  # the command has ended: its outcome stands
    committing_now: bool = False  # inside the COMMIT: Ctrl-C waits for its outcome
    saved: str | None = None  # what a committed unit of work changed ("undoable", "final")
    loop_starting: bool = False  # an event loop is being made for the work: nothing to cancel yet

    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self.over:
            return
        self.interrupted = True
        if self.committing_now:
            return  # stopped when the commit returns (see committing)
        if self.work is None:
            if self.loop_starting:
                return  # raised inside the loop's making, it breaks it: ``cancels`` stops the work
            raise KeyboardInterrupt
        if not self.work.done():  # else the loop is only winding down: noted is enough
            self.work.cancel()
            self.work.get_loop().call_soon_threadsafe(_wake)  # a loop asleep in select()

    def on_unraisable(self, unraisable: Any) -> None:
        # The interrupt is already noted; its traceback would be noise.
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            self.unraisable_hook(unraisable)

    @contextmanager
    def loop_running(self) -> Iterator[None]:
        """Around a whole event-loop run: Ctrl-C cancels the task ``cancels`` named.

        Kept until the loop has closed, so an interrupt during its shutdown
        is noted rather than raised into it; and from before it is made, so one
        that lands while asyncio builds it (a half-made loop prints a traceback
        when collected) is noted too, and the work is cancelled as it begins.
        """
        self.loop_starting = True
        try:
            yield
        finally:
            self.work = None
            self.loop_starting = False

    @contextmanager
    def committing(self, change: str | None) -> Iterator[None]:
        """Around the COMMIT (``engine.session_scope``): it runs to its end, whatever comes.

        Returned, ``change`` stands; an interrupt noted meanwhile then cancels
        the rest of the command at its next ``await``.
        """
        self.committing_now = True
        try:
            yield
        finally:
            self.committing_now = False
        if change is not None:
            self.saved = change
        if self.interrupted and self.work is not None and not self.work.done():
            self.work.cancel()

    def end(self) -> None:
        """The command has ended, one way or the other: a later Ctrl-C changes nothing."""
        self.over = True

    def cancels(self, work: Task[Any] | None) -> None:
        """Ctrl-C cancels ``work`` (the running task) instead of raising; one that came
        while its loop was being made cancels it now (it stops at its first ``await``)."""
        self.work = work
        if work is not None and self.interrupted and not self.over:
            work.cancel()


def _wake() -> None:
    """Nothing: a callback whose only job is to wake the loop up."""


@contextmanager
def watching(watch: InterruptWatch) -> Iterator[InterruptWatch]:
    """Note every SIGINT during the block (signal handlers exist only in the main thread)."""
    watch.unraisable_hook = sys.unraisablehook
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous = signal.signal(signal.SIGINT, watch.on_sigint)
    watch.interrupted = watch.interrupted or noted_by(previous)
    sys.unraisablehook = watch.on_unraisable
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = watch.unraisable_hook


def noted_by(handler: object) -> bool:
    """Whether the SIGINT handler we replace had noted a Ctrl-C already.

    The launcher's (``agent.client.Forwarder``) and an agent worker's note
    Ctrl-C instead of raising it until the command's watch takes over; one
    that came in between still counts.
    """
    owner = getattr(handler, "__self__", None)
    return getattr(owner, "interrupted", False) is True


def ignore() -> None:
    """No Ctrl-C from here on: the process is only exiting with a code already decided.

    Else one arriving in those last milliseconds kills it by SIGINT, and the
    shell reports a failure for a command that succeeded.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
