"""What the root callback learned about this invocation (``--debug``)."""

import shlex
from dataclasses import dataclass, field


@dataclass
class Invocation:
    debug: bool = False
    warned: set[str] = field(default_factory=set)  # warnings already printed, printed once
    argv: tuple[str, ...] = ()  # the words after `todo`, for the change journal

    def command_line(self) -> str:
        """The command as typed (quoted where needed), e.g. ``done 1 2``."""
        return shlex.join(self.argv)


current = Invocation()
