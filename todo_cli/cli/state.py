"""What the root callback learned about this invocation (``--debug``)."""

from dataclasses import dataclass


@dataclass
class Invocation:
    debug: bool = False


current = Invocation()
