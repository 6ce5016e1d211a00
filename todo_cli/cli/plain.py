"""How a value reads in a plain-text line: TOML-ish booleans, unset as ``-``.

One spelling for every ``key value`` listing (`todo config show`, `todo db status`).
"""

from typing import Any

UNSET = "-"


def plain_value(value: Any) -> str:
    if value is None:
        return UNSET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
