"""Domain errors and the exit code each one maps to (DESIGN.md, "Exit codes").

Every error the tool reports on purpose is a ``TodoError``; the CLI boundary
prints its message as one line on stderr and exits with its ``exit_code``.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    CONFIG = 5
    UNREACHABLE = 6
    SCHEMA_OUTDATED = 7
    CREDENTIALS = 8
    INTERRUPTED = 130


class TodoError(Exception):
    exit_code = ExitCode.UNEXPECTED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TodoError):
    """Bad option or value: empty title, bad priority, unparseable date."""

    exit_code = ExitCode.USAGE


class NotFoundError(TodoError):
    exit_code = ExitCode.NOT_FOUND


class ConflictError(TodoError):
    exit_code = ExitCode.CONFLICT


class ConfigError(TodoError):
    exit_code = ExitCode.CONFIG


class DatabaseUnreachableError(TodoError):
    exit_code = ExitCode.UNREACHABLE


class SchemaOutdatedError(TodoError):
    exit_code = ExitCode.SCHEMA_OUTDATED


class CredentialsError(TodoError):
    exit_code = ExitCode.CREDENTIALS
