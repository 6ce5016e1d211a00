"""Taskwarrior-style words through Click: `-waiting` is a word, and `--` is remembered.

Click reads any word starting with ``-`` as an option (``-waiting`` would be
``-w aiting``, ``-phone`` would be ``-p hone``) and swallows ``--``. A
``WordsCommand`` hands such words to its WORDS argument instead, marked with a
NUL (no argv string can hold one), and marks where ``--`` stood; ``words()``
turns the argument's values back into ``Words``. Options still work as
written, with their value as the next word (``-p high``) or after ``=``.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand

from todo_cli.words import Words

WORD = "\0"  # before a `-word` that is not an option
LITERAL = "\0--"  # where `--` stood: every word after it is text


class WordsCommand(TyperCommand):
    """A command whose words may start with ``-`` and may hold a ``--``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, protect(args, *self._option_names(ctx)))

    def _option_names(self, ctx: Any) -> tuple[set[str], set[str]]:
        """Every option spelling, and those that take the next word as their value."""
        every: set[str] = set()
        valued: set[str] = set()
        for param in self.get_params(ctx):
            if param.param_type_name != "option":
                continue
            names = {*param.opts, *param.secondary_opts}
            every |= names
            if not getattr(param, "is_flag", False) and not getattr(param, "count", False):
                valued |= names
        return every, valued


def protect(args: list[str], options: set[str], valued: set[str]) -> list[str]:
    """``args`` with `-words` marked as words and the first ``--`` marked; values untouched."""
    protected: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return [*protected, LITERAL, *args[index:]]
        if arg in valued:  # its value may look like anything, even `--`
            protected += args[index : index + 2]
            index += 2
            continue
        protected.append(WORD + arg if _is_dash_word(arg, options) else arg)
        index += 1
    return protected


def _is_dash_word(arg: str, options: set[str]) -> bool:
    return len(arg) > 1 and arg[0] == "-" and arg[1] != "-" and arg not in options


def words(values: list[str] | None) -> Words:
    """The WORDS argument's values as ``Words``: plain ones, and those after ``--``."""
    values = list(values or [])
    if LITERAL in values:
        at = values.index(LITERAL)
        plain, literal = values[:at], values[at + 1 :]
    else:
        plain, literal = values, []
    return Words(tuple(word.removeprefix(WORD) for word in plain), tuple(literal))
