"""Contexts' and/or/parentheses and users' own attribute names in todo_cli.words (pure)."""

import pytest

from todo_cli.errors import UsageError
from todo_cli.service.filters import Junction
from todo_cli.words import (
    Selection,
    Words,
    kind,
    read_changes,
    read_edit,
    read_expression,
    read_filter,
)

NAMES = {"estimate", "size", "review"}


def expression(text: str, names=()):
    return read_expression(Words(tuple(text.split())), names)


def test_or_joins_two_filters():
    assert expression("+work or project:office") == Selection(
        groups=(Junction("or", (Selection(tags=("work",)), Selection(project="office"))),)
    )


def test_a_run_of_words_is_one_filter_and_and_binds_tighter_than_or():
    found = expression("+a +b or -c and pri:H")
    both = Selection(without_tags=("c",), priority="high")
    assert found == Selection(groups=(Junction("or", (Selection(tags=("a", "b")), both)),))


def test_parentheses_group_even_when_written_against_words():
    found = expression("(+a or +b) -c")
    assert found == Selection(
        without_tags=("c",),
        groups=(Junction("or", (Selection(tags=("a",)), Selection(tags=("b",)))),),
    )
    assert expression("( +a )") == expression("+a") == Selection(tags=("a",))


def test_operators_are_read_in_any_case():
    assert expression("+a OR +b") == expression("+a or +b")


@pytest.mark.parametrize(
    "text",
    ["or +a", "+a or", "+a and", "(+a", "+a)", "()", "+a or or +b", "not", "+a xor", "3"],
)
def test_what_the_grammar_does_not_understand_is_refused(text):
    with pytest.raises(UsageError):
        expression(text)


def test_an_empty_filter_and_literal_words_are_refused():
    with pytest.raises(UsageError, match="empty"):
        read_expression(Words())
    with pytest.raises(UsageError, match="--"):
        read_expression(Words(("+a",), ("or",)))


def test_attribute_words_read_as_attributes_only_for_their_owner():
    assert kind("estimate:3") == "text"
    assert kind("estimate:3", NAMES) == "attribute"
    assert read_filter(Words(("estimate:3",))).text == ("estimate:3",)
    selection = read_filter(Words(("estimate:3", "size.any:", "review.before:friday")), NAMES)
    assert selection.attributes == (
        ("estimate", "", "3"),
        ("size", "any", ""),
        ("review", "before", "friday"),
    )
    assert selection.text == ()


def test_attribute_changes_set_and_clear():
    changes = read_changes(Words(("Paint", "estimate:3", "size:")), adding=True, names=NAMES)
    assert changes.title == ("Paint",)
    assert changes.attributes == (("estimate", "3"), ("size", None))


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("estimate:1", "estimate:2"), "given twice"),
        (("estimate.before:3",), "selects tasks"),
    ],
)
def test_attribute_change_mistakes_name_the_word(words, message):
    with pytest.raises(UsageError, match=message):
        read_changes(Words(words), adding=True, names=NAMES)


def test_unknown_modifiers_and_empty_comparisons_are_refused():
    with pytest.raises(UsageError, match="modifier"):
        read_filter(Words(("estimate.xyz:3",)), NAMES)
    with pytest.raises(UsageError, match="needs a value"):
        read_filter(Words(("review.after:",)), NAMES)


def test_edit_after_ids_sets_attributes_and_a_filter_selects_by_them():
    selection, changes = read_edit(Words(("4", "estimate:5")), NAMES)
    assert selection.numbers == (4,)
    assert changes.attributes == (("estimate", "5"),)
    selection, changes = read_edit(Words(("estimate:5", "pri:H")), NAMES)
    assert selection.attributes == (("estimate", "", "5"),)
    assert changes.priority == "high"
    assert changes.attributes == ()
