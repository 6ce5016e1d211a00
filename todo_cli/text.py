"""Characters that must never reach a terminal, and the one way to show them.

A control character in a task title can clear the screen, retitle the window or
open an OSC sequence that swallows what follows; a line separator splits a piped
record in two. They are refused when typed (service.validation) and shown as
escapes (``\\x1b``) when they come from the database, whoever wrote them. A
backslash itself is shown as it is: ``\\x1b`` on screen is either an escaped
control character or those four characters typed; ``--json`` tells them apart.

Pure functions over ``str``: importing this costs nothing (``todo --help``).
"""

from __future__ import annotations

import re
import unicodedata

# C0 but tab and newline, DEL, C1; the Unicode line and paragraph separators
# (str.splitlines and some readers end a line there); lone surrogates (argv
# bytes that were not UTF-8, which no encoder can write).
_ALWAYS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
_IN_ONE_LINE = re.compile(f"[\t\n{_ALWAYS}]")
_IN_A_BLOCK = re.compile(f"[{_ALWAYS}]")
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character shown as an escape, e.g. ``\\x1b``.

    ``multiline`` keeps newlines and tabs (a description); otherwise they are
    escaped too, so the result is exactly one line.
    """
    pattern = _IN_A_BLOCK if multiline else _IN_ONE_LINE
    return pattern.sub(lambda found: escape(found.group()), text)


def escape(char: str) -> str:
    code = ord(char)
    return _SHORT_ESCAPES.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def first_control(text: str, *, multiline: bool = False) -> str | None:
    """The first character ``visible`` would escape, or None."""
    found = (_IN_A_BLOCK if multiline else _IN_ONE_LINE).search(text)
    return found.group() if found else None


def nfc(text: str) -> str:
    """One spelling per character: a decomposed 'café' is stored and searched as 'café'."""
    return unicodedata.normalize("NFC", text)


# JSON must escape C0 but may carry DEL, C1 and the separators raw, and a terminal
# may act on a raw C1 (U+009B is CSI). In UTF-8 these bytes only ever encode those
# characters, and in a JSON document they can only sit inside a string.
_RAW_IN_JSON = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")


def json_safe(document: bytes) -> bytes:
    """A UTF-8 JSON document with DEL, C1 and line separators written as ``\\u`` escapes:
    the same JSON value, harmless on a terminal."""
    if document.isascii() and b"\x7f" not in document:
        return document  # the common case, checked at memory speed (the search is not)
    return _RAW_IN_JSON.sub(lambda found: b"\\u%04x" % ord(found.group().decode()), document)
