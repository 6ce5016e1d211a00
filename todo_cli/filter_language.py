"""The filter language's grammar: operators, parentheses, attribute modifiers, patterns.

Pure text in, a tree out (no database, no dates resolved). ``words.read_filter``
reads each leaf word; this module decides how the words group:

- ``and`` binds tighter than ``or``, and ``or`` tighter than ``xor`` (Taskwarrior
  2.6's ``src/Eval.cpp`` precedences 5, 4, 3); words side by side are an ``and``;
- ``not`` / ``!`` negates the word or parenthesised group after it and binds
  tightest (Taskwarrior's ``! +tag`` misreads; ``! ( ... )`` is what it means);
- ``attr.modifier:value`` is a ``Term`` and ``/regex/`` a pattern ``Term``.

Every mistake is a ``UsageError`` naming the word: an unknown modifier, a modifier the
attribute cannot take, an unbalanced parenthesis, an operator with nothing beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from todo_cli.errors import UsageError
from todo_cli.service.filters import Junction

# Lowest first: a tree of these is built by precedence climbing (level 0 is xor).
BINARY = ("xor", "or", "and")
UNARY = ("not", "!")
Node: TypeAlias = "str | Junction[str]"

# Taskwarrior's modifiers (man task, "ATTRIBUTE MODIFIERS") and the one each is a name of;
# "" is the bare colon: equal, or for text its start (``description:Call``), for a
# date its whole day (``due:tomorrow``), for a project it and its sub-projects.
MODIFIERS = {
    "": "equals",
    **{"is": "is", "equals": "is", "isnt": "isnt", "not": "not"},
    **{"has": "has", "contains": "has", "hasnt": "hasnt"},
    **{"startswith": "startswith", "left": "startswith"},
    **{"endswith": "endswith", "right": "endswith"},
    **{"word": "word", "noword": "noword", "any": "any", "none": "none", "by": "by"},
    **{"before": "before", "under": "before", "below": "before"},
    **{"after": "after", "over": "after", "above": "after"},
}
# The todo field each attribute name reads (Taskwarrior's description is todo's title).
FIELDS = {
    **{"description": "title", "title": "title", "project": "project", "tags": "tags"},
    **{"priority": "priority", "status": "status", "due": "due", "wait": "wait"},
    **{"scheduled": "scheduled", "until": "until", "start": "started_at"},
    **{"entry": "created_at", "created": "created_at", "modified": "updated_at"},
    **{"updated": "updated_at", "end": "completed_at", "completed": "completed_at"},
}
TEXT_FIELDS = ("title", "project")
DATE_FIELDS: tuple[str, ...] = ("due", "wait", "scheduled", "until", "started_at")
DATE_FIELDS += ("created_at", "updated_at", "completed_at")
TEXT_MODIFIERS = ("has", "hasnt", "startswith", "endswith", "word", "noword")
ORDER_MODIFIERS = ("before", "after", "by")
# What each kind of field can be asked; the rest is exit 2 naming the word.
ALLOWED = {
    "text": ("equals", "is", "isnt", "not", "any", "none", *TEXT_MODIFIERS),
    "date": ("equals", "is", "isnt", "not", "any", "none", *ORDER_MODIFIERS),
    "priority": ("equals", "is", "isnt", "not", "any", "none", *ORDER_MODIFIERS),
    "status": ("equals", "is", "isnt", "not"),
    "tags": ("equals", "is", "isnt", "not", "has", "hasnt", "any", "none"),
}
# A user-defined attribute's modifiers that its typed test (attribute_values) answers.
TYPED_MODIFIERS = ("equals", "any", "none", "before", "after")
PATTERN = re.compile(r"/(.+)/", re.DOTALL)


@dataclass(frozen=True)
class Term:
    """One test of one field: ``project.not:home`` is ``Term("project", "not", "home")``.

    ``field`` is a todo field (``FIELDS``), a user-defined attribute's name (``uda``),
    or ``text`` for a ``/pattern/`` (``modifier`` ``regex``) over title and description."""

    field: str
    modifier: str
    value: str
    uda: bool = False


def parse(words: tuple[str, ...]) -> Node | None:
    """The words as a tree of ``Junction``s over single words; None when there are none."""
    tokens = split(words)
    if not tokens:
        return None
    node, at = _binary(tokens, 0, 0)
    if at < len(tokens):
        raise UsageError(f"{tokens[at]!r} closes a parenthesis that was never opened")
    return node


def split(words: tuple[str, ...]) -> list[str]:
    """The words with parentheses and a leading ``!`` apart: ``(!+a`` is ``(``, ``!``, ``+a``."""
    tokens: list[str] = []
    for word in words:
        opening = len(word) - len(word.lstrip("("))
        rest = word[opening:]
        closing = len(rest) - len(rest.rstrip(")"))
        inner = rest[: len(rest) - closing]
        negated = len(inner) > 1 and inner[0] == "!" and not inner[1].isspace()
        tokens += ["("] * opening + (["!", inner[1:]] if negated else [inner] if inner else [])
        tokens += [")"] * closing
    return tokens


def _binary(tokens: list[str], at: int, level: int) -> tuple[Node, int]:
    if level == len(BINARY):
        return _unary(tokens, at)
    operator = BINARY[level]
    first, at = _binary(tokens, at, level + 1)
    parts = [first]
    while at < len(tokens) and _continues(tokens[at], operator):
        at += tokens[at].lower() == operator
        part, at = _binary(tokens, at, level + 1)
        parts.append(part)
    return (parts[0] if len(parts) == 1 else Junction(operator, tuple(parts))), at  # type: ignore[arg-type]


def _continues(token: str, operator: str) -> bool:
    """The operator itself, or (for ``and``) any word that starts a term: the implicit and."""
    if token.lower() == operator:
        return True
    return operator == "and" and token != ")" and token.lower() not in BINARY


def _unary(tokens: list[str], at: int) -> tuple[Node, int]:
    if at >= len(tokens):
        raise UsageError(f"the filter ends with {tokens[-1]!r}; give a word after it")
    token = tokens[at]
    if token.lower() in UNARY:
        inner, at = _unary(tokens, at + 1)
        return Junction("not", (inner,)), at
    if token == "(":
        inner, at = _binary(tokens, at + 1, 0)
        if at >= len(tokens) or tokens[at] != ")":
            raise UsageError("a parenthesis is never closed; add a `)`")
        return inner, at + 1
    if token == ")" or token.lower() in BINARY:
        raise UsageError(f"{token!r} needs a filter word on each side")
    return token, at + 1


def is_pattern(word: str) -> bool:
    """``/bank/``: a regular expression (``/old/new/`` reads as the pattern ``old/new``)."""
    return PATTERN.fullmatch(word) is not None


def pattern_term(word: str) -> Term:
    match = PATTERN.fullmatch(word)
    assert match is not None, word
    return Term("text", "regex", match.group(1))


def modifier_of(word: str, modifier: str) -> str:
    """The canonical modifier ``modifier`` names (``under``: ``before``), or exit 2."""
    if modifier not in MODIFIERS:
        known = ", ".join(sorted(name for name in MODIFIERS if name))
        raise UsageError(f"{word}: .{modifier} is not a modifier; todo knows {known}")
    return MODIFIERS[modifier]


def field_term(word: str, name: str, modifier: str, value: str) -> Term:
    """``project.not:home`` as a Term, checked: the modifier must suit the field."""
    field = FIELDS[name]
    canonical = modifier_of(word, modifier)
    kind = _kind(field)
    if canonical not in ALLOWED[kind]:
        can = ", ".join(f".{each}" for each in ALLOWED[kind] if each != "equals")
        raise UsageError(f"{word}: {name} cannot take .{modifier}; it takes {can}")
    if canonical in (*TEXT_MODIFIERS, *ORDER_MODIFIERS) and not value.strip():
        raise UsageError(f"{word}: needs a value, e.g. {name}.{modifier}:x")
    return Term(field, canonical, value)


def uda_term(word: str, name: str, modifier: str, value: str) -> Term:
    """A user-defined attribute's text test (``size.startswith:X``), on its value as text."""
    canonical = modifier_of(word, modifier)
    if canonical == "by":
        raise UsageError(f"{word}: use {name}.before: or {name}.after: on an attribute")
    if canonical in TEXT_MODIFIERS and not value.strip():
        raise UsageError(f"{word}: needs a value, e.g. {name}.{modifier}:x")
    return Term(name, canonical, value, uda=True)


def _kind(field: str) -> str:
    if field in DATE_FIELDS:
        return "date"
    return "text" if field in TEXT_FIELDS else field
