"""Rules for typed text: todo_cli.service.validation (pure functions, no database)."""

import pytest

from todo_cli.errors import ExitCode, UsageError
from todo_cli.models import TITLE_MAX_LENGTH, Priority
from todo_cli.service.validation import (
    clean_description,
    clean_project,
    clean_tags,
    clean_title,
    parse_priority,
)


def refused(function, value) -> str:
    """The message of the UsageError ``function(value)`` raises."""
    with pytest.raises(UsageError) as raised:
        function(value)
    assert raised.value.exit_code == ExitCode.USAGE
    return raised.value.message


def test_title_is_stripped():
    assert clean_title("  Buy milk \n") == "Buy milk"


@pytest.mark.parametrize("title", ["", " ", "\t\n  "])
def test_empty_or_blank_title_is_refused(title):
    assert "empty" in refused(clean_title, title)


def test_title_at_the_limit_is_kept():
    assert clean_title("é" * TITLE_MAX_LENGTH) == "é" * TITLE_MAX_LENGTH


def test_title_over_the_limit_is_refused():
    assert str(TITLE_MAX_LENGTH) in refused(clean_title, "x" * (TITLE_MAX_LENGTH + 1))


def test_title_length_counts_after_stripping():
    assert clean_title(" " + "x" * TITLE_MAX_LENGTH + " ") == "x" * TITLE_MAX_LENGTH


def test_title_with_nul_is_refused():
    assert "\\x00" in refused(clean_title, "Buy\x00milk")


def test_title_keeps_unicode():
    assert clean_title("Café ☕ 日本") == "Café ☕ 日本"


@pytest.mark.parametrize(("text", "expected"), [(None, None), ("", None), ("   ", None)])
def test_blank_description_is_none(text, expected):
    assert clean_description(text) is expected


def test_description_is_stripped():
    assert clean_description("  line one\nline two  ") == "line one\nline two"


def test_description_with_nul_is_refused():
    assert "\\x00" in refused(clean_description, "a\x00b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("low", Priority.LOW),
        ("medium", Priority.MEDIUM),
        ("high", Priority.HIGH),
        ("l", Priority.LOW),
        ("m", Priority.MEDIUM),
        ("h", Priority.HIGH),
        ("HIGH", Priority.HIGH),
        ("H", Priority.HIGH),
        ("Medium", Priority.MEDIUM),
        (" low ", Priority.LOW),
    ],
)
def test_priority_names_and_letters_any_case(text, expected):
    assert parse_priority(text) is expected


@pytest.mark.parametrize("text", ["urgent", "", "hi", "lo", "1", "none"])
def test_unknown_priority_is_refused_naming_it(text):
    assert repr(text) in refused(parse_priority, text)


def test_tags_drop_plus_and_repeats_keeping_order():
    assert clean_tags(["+errand", "home", "errand", " work "]) == ["errand", "home", "work"]


def test_no_tags_is_an_empty_list():
    assert clean_tags([]) == []


def test_tags_are_case_sensitive():
    assert clean_tags(["Home", "home"]) == ["Home", "home"]


@pytest.mark.parametrize("tag", ["", " ", "+", "two words", "no\u00a0break"])
def test_tag_must_be_one_word(tag):
    assert repr(tag) in refused(clean_tags, [tag])


def test_tag_with_a_tab_is_refused_as_a_control_character():
    assert "\\t" in refused(clean_tags, ["tab\there"])


def test_tag_with_nul_is_refused():
    assert "\\x00" in refused(clean_tags, ["a\x00b"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, None), ("home", "home"), ("home.garden", "home.garden"), (" work.q4 ", "work.q4")],
)
def test_projects(text, expected):
    assert clean_project(text) == expected


@pytest.mark.parametrize("text", ["", " ", ".home", "home.", "home..garden", "home. garden"])
def test_malformed_project_is_refused(text):
    assert repr(text) in refused(clean_project, text)


def test_project_with_nul_is_refused():
    assert "\\x00" in refused(clean_project, "home\x00")


def test_text_that_was_not_utf8_is_refused_as_such():
    # Python hands undecodable argv bytes over as lone surrogates.
    assert "UTF-8" in refused(clean_title, "caf\udce9")
