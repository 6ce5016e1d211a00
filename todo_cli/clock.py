"""The one place the tool reads the time, so tests can hold it still."""

from datetime import datetime


def now() -> datetime:
    """The current time, timezone-aware, in the local zone."""
    return datetime.now().astimezone()
