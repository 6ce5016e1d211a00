"""Ctrl-C, wherever it lands, ends the invocation with exit 130.

Python raises KeyboardInterrupt wherever the main thread happens to be, and
libraries in the way may hide it: Typer turns it into a silent ``Exit(130)``,
pydantic wraps it in a serialization error, and one raised inside a
``__del__`` is only printed ("Exception ignored in ..."). So the invocation
notes the signal itself, and the error boundary asks whether it came.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any


@dataclass
class InterruptWatch:
    interrupted: bool = False
    unraisable_hook: Callable[[Any], Any] = field(default=sys.__unraisablehook__)

    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = True
        raise KeyboardInterrupt

    def on_unraisable(self, unraisable: Any) -> None:
        # The interrupt is already noted; its traceback would be noise.
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            self.unraisable_hook(unraisable)


@contextmanager
def watching() -> Iterator[InterruptWatch]:
    """Note every SIGINT during the block (signal handlers exist only in the main thread)."""
    watch = InterruptWatch(unraisable_hook=sys.unraisablehook)
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous = signal.signal(signal.SIGINT, watch.on_sigint)
    sys.unraisablehook = watch.on_unraisable
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = watch.unraisable_hook
