"""JSON values one after another, each with the line it starts on.

Reads every layout the formats use: ``task export``'s array with one object per
line, JSON Lines, one pretty-printed array, objects simply concatenated. A value
that does not parse is reported at its line and the reader goes on at the next
line, so ``--skip-invalid`` can import the rest of a JSON Lines file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from todo_cli.interchange.records import InvalidRecord

_DECODER = json.JSONDecoder()
_BLANK = re.compile(r"\s*")
_BETWEEN_ITEMS = re.compile(r"[\s,]*")  # inside an array: whitespace and commas


def json_values(data: str) -> Iterator[tuple[int, object] | InvalidRecord]:
    """``(line, value)`` for each top-level value (an array's items), or the error there.

    One value per line (JSON Lines, `task export`) is read line by line with orjson,
    twice as fast as the standard library: decoding is most of an import's time.
    Any other layout, or any line that does not parse, is read by the scanner,
    which knows where every value starts and where an error is."""
    found = _one_per_line(data)
    return iter(found) if found is not None else _scanned(data)


def first_value(data: str) -> tuple[int, object] | InvalidRecord | None:
    """The first value alone (None: an empty array or file), without reading the rest:
    the scanner stops there, where ``json_values`` would decode every line first."""
    return next(_scanned(data), None)


def _one_per_line(data: str) -> list[tuple[int, object] | InvalidRecord] | None:
    """Every line a value (or a bracket of the one array), else None."""
    import orjson

    found: list[tuple[int, object] | InvalidRecord] = []
    brackets = []
    for number, line in enumerate(data.splitlines(), start=1):
        text = line.strip().removesuffix(",")
        if text in ("[", "]"):
            brackets.append(text)
            continue
        if not text:
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if isinstance(value, list):  # a whole array on one line: the scanner takes its items
            return None
        found.append((number, value))
    return found if brackets in ([], ["[", "]"]) else None


def _scanned(data: str) -> Iterator[tuple[int, object] | InvalidRecord]:
    position = _BLANK.match(data).end()  # type: ignore[union-attr]
    in_array = data.startswith("[", position)
    if in_array:
        position += 1
    between = _BETWEEN_ITEMS if in_array else _BLANK
    line, counted_to = 1, 0
    while True:
        position = between.match(data, position).end()  # type: ignore[union-attr]
        if position >= len(data):
            if in_array:
                yield InvalidRecord(line + data.count("\n", counted_to), "the array is not closed")
            return
        if in_array and data[position] == "]":
            rest = data[position + 1 :].strip()
            if rest:
                yield InvalidRecord(line + data.count("\n", counted_to, position), "text after ']'")
            return
        line += data.count("\n", counted_to, position)
        counted_to = position
        try:
            value, position = _DECODER.raw_decode(data, position)
        except json.JSONDecodeError as error:
            yield InvalidRecord(line, f"not valid JSON ({error.msg})")
            end = data.find("\n", position)
            position = len(data) if end < 0 else end
            continue
        yield line, value
