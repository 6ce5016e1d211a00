"""What the root callback learned about this invocation (``--debug``)."""

from dataclasses import dataclass, field


@dataclass
class Invocation:
    debug: bool = False
    warned: set[str] = field(default_factory=set)  # warnings already printed, printed once


current = Invocation()
