"""The word parser (todo_cli.words): pure, no database, every mistake a UsageError."""

import shlex
from contextlib import suppress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_cli.errors import UsageError
from todo_cli.service.filters import Substitution
from todo_cli.words import (
    MAX_IDS,
    Changes,
    Selection,
    Words,
    read_changes,
    read_edit,
    read_filter,
    read_ids,
)


def words(*plain: str, literal: tuple[str, ...] = ()) -> Words:
    return Words(plain, literal)


# --- IDs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "numbers"),
    [
        ("4", [4]),
        ("1-3", [1, 2, 3]),
        ("1-3,7", [1, 2, 3, 7]),
        ("7,1-2", [7, 1, 2]),
        ("5-5", [5]),
        ("007", [7]),
    ],
)
def test_ids_and_ranges(word, numbers):
    assert read_ids(word) == numbers


@pytest.mark.parametrize(
    ("word", "mentions"),
    [
        ("0", "start at 1"),
        ("3-1", "backwards"),
        ("1,0-2", "start at 1"),
        (f"1-{MAX_IDS + 1}", str(MAX_IDS)),
    ],
)
def test_bad_ids_are_usage_errors(word, mentions):
    with pytest.raises(UsageError, match=mentions):
        read_ids(word)


def test_several_id_words_add_up_without_repeats():
    assert read_filter(words("1", "2", "5-6", "2")).numbers == (1, 2, 5, 6)


@pytest.mark.parametrize(
    ("plain", "in_ranges"),
    [
        (("3-5",), {3, 4, 5}),
        (("4",), set()),
        (("1-3,7",), {1, 2, 3}),
        (("3-5", "4"), {3, 5}),  # named on its own too: it must exist
        (("4", "3-5"), {3, 5}),
        (("2,3-4", "9-9"), {3, 4, 9}),
    ],
)
def test_ids_named_only_through_a_range_may_be_missing(plain, in_ranges):
    assert read_filter(words(*plain)).in_ranges == in_ranges
    assert read_edit(words(*plain, "pri:H"))[0].in_ranges == in_ranges


def test_ids_across_words_are_capped_too():
    half = MAX_IDS // 2 + 1
    with pytest.raises(UsageError, match="more than"):
        read_filter(words(f"1-{half}", f"{half + 1}-{2 * half + 1}"))


# --- filters -------------------------------------------------------------------------


def test_the_done_when_filter():
    assert read_filter(words("+phone", "-waiting", "project:home")) == Selection(
        tags=("phone",), without_tags=("waiting",), project="home"
    )


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("+errand", Selection(tags=("errand",))),
        ("@work", Selection(tags=("work",))),
        ("-waiting", Selection(without_tags=("waiting",))),
        ("project:home.garden", Selection(project="home.garden")),
        ("pro:home", Selection(project="home")),
        ("Project:home", Selection(project="home")),
        ("project:", Selection(no_project=True)),
        ("pri:H", Selection(priority="high")),
        ("priority:medium", Selection(priority="medium")),
        ("pri:l", Selection(priority="low")),
        ("pri:none", Selection(priority="none")),
        ("pri:", Selection(priority="none")),
        ("due.before:friday", Selection(due_before="friday")),
        ("due.after:2026-12-01", Selection(due_after="2026-12-01")),
        ("status:done", Selection(status="done")),
        ("status:completed", Selection(status="done")),
        ("status:ALL", Selection(status="all")),
        ("+ACTIVE", Selection(active=True)),
        ("+OVERDUE", Selection(overdue=True)),
        ("milk", Selection(text=("milk",))),
        ("http://example.org", Selection(text=("http://example.org",))),
        ("10:30", Selection(text=("10:30",))),
        ("+", Selection(text=("+",))),
        ("-", Selection(text=("-",))),
        ("+1 for this", Selection(text=("+1 for this",))),  # a quoted phrase is text
    ],
)
def test_each_filter_word(word, expected):
    assert read_filter(words(word)) == expected


def test_search_words_are_nfc():
    decomposed = "Cafe\u0301"
    assert read_filter(words(decomposed)).text == ("Caf\u00e9",)


def test_words_after_double_dash_are_searched_as_typed():
    assert read_filter(words("+a", literal=("+b", "pri:H"))) == Selection(
        tags=("a",), text=("+b", "pri:H")
    )


@pytest.mark.parametrize(
    ("plain", "mentions"),
    [
        (["pri:urgent"], "urgent"),
        (["status:open"], "open"),
        (["status:"], "status"),
        (["project.xyz:a"], "not a modifier"),
        (["due.before:"], "needs a date"),
        (["due.after:  "], "needs a date"),
        (["project:a", "project:b"], "given twice"),
        (["project:", "project:b"], "given twice"),
        (["pri:H", "pri:L"], "given twice"),
    ],
)
def test_filter_mistakes(plain, mentions):
    with pytest.raises(UsageError, match=mentions):
        read_filter(words(*plain))


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("uuid:0b6f", "uuid"),
        ("entry:today", "entry"),
        ("description:milk", "description"),
        ("tags:phone", "tags"),
        ("limit:5", "limit"),
        ("due.by:friday", "due.by"),  # a filter (filter_language), never a change
        ("project.not:home", "project.not"),
    ],
)
def test_taskwarrior_attributes_todo_does_not_act_on_are_refused_by_name(word, name):
    # Filters read all but uuid: (tests/test_filter_language.py); changes set none of them.
    filters = (read_filter, read_edit) if name == "uuid" else ()
    for read in (
        *filters,
        lambda typed: read_changes(typed, adding=True),
        lambda typed: read_edit(Words(("4", *typed.plain))),
    ):
        with pytest.raises(UsageError, match=f"Taskwarrior's {name}: is not supported yet"):
            read(words("Plan", word))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("proj:home", Changes(project="home")),
        ("prior:H", Changes(priority="high")),
        ("du:friday", Changes(due="friday")),
        ("DUE:friday", Changes(due="friday")),
        ("st:x", Changes(title=("st:x",))),  # start or status: Taskwarrior reads it as a word
        ("pr:x", Changes(title=("pr:x",))),  # priority or project
        ("p:x", Changes(title=("p:x",))),  # shorter than two letters
        ("note:x", Changes(title=("note:x",))),  # no attribute of Taskwarrior's
        ("Re:", Changes(title=("Re:",))),  # Taskwarrior's names are lower case: not recur
        ("Wait:x", Changes(wait="x")),  # a name todo acts on, in any case
        ("PROJ:home", Changes(project="home")),  # the names todo acts on, in any case
        ("https://example.com", Changes(title=("https://example.com",))),
    ],
)
def test_attribute_names_abbreviate_as_in_taskwarrior(word, expected):
    assert read_changes(words(word), adding=True) == expected


def test_after_double_dash_taskwarrior_attributes_are_text():
    changes = read_changes(words("Plan", literal=("recur:weekly", "wait:monday")), adding=True)
    assert changes.title_text == "Plan recur:weekly wait:monday"
    assert read_filter(words(literal=("recur:weekly",))).text == ("recur:weekly",)


def test_only_ids_is_no_filter():
    assert not read_filter(words("1-3")).filters
    assert read_filter(words("1-3", "+a")).filters
    assert read_filter(words("status:all")).filters


# --- changes -------------------------------------------------------------------------


def test_the_done_when_add():
    typed = shlex.split("Call the bank about the mortgage +phone project:home due:friday pri:H")
    assert read_changes(words(*typed), adding=True) == Changes(
        title=("Call", "the", "bank", "about", "the", "mortgage"),
        tags=("phone",),
        project="home",
        due="friday",
        priority="high",
    )


def test_add_reads_context_as_a_tag_and_keeps_ids_and_dashes_as_title():
    changes = read_changes(words("Buy", "2", "apples", "-5%", "@shop"), adding=True)
    assert changes.title_text == "Buy 2 apples -5%"
    assert changes.tags == ("shop",)


def test_everything_after_double_dash_is_title():
    changes = read_changes(words("Fix", "+bug", literal=("pri:H", "+tag", "--")), adding=True)
    assert changes.title_text == "Fix pri:H +tag --"
    assert changes.tags == ("bug",)
    assert changes.priority is None


def test_edit_changes_clear_with_an_empty_value():
    changes = read_changes(words("project:", "due:", "pri:", "-old"), adding=False)
    assert changes.cleared == {"project", "due", "priority"}
    assert changes.untags == ("old",)


def test_pri_none_clears_too():
    assert read_changes(words("pri:none"), adding=False).cleared == {"priority"}


@pytest.mark.parametrize(
    ("plain", "mentions"),
    [
        (["pri:X"], "'X'"),
        (["status:done"], "cannot be set"),
        (["due.before:friday"], "cannot be set"),
        (["+ACTIVE"], "virtual tag"),
        (["+OVERDUE"], "virtual tag"),
        (["due:friday", "due:monday"], "given twice"),
        (["project:", "project:x"], "given twice"),
    ],
)
def test_change_mistakes(plain, mentions):
    with pytest.raises(UsageError, match=mentions):
        read_changes(words(*plain), adding=False)


# --- edit: which words select, which change --------------------------------------------


def test_edit_with_ids_changes_with_every_other_word():
    selection, changes = read_edit(words("1-3", "5", "+urgent", "-old", "project:work", "Renamed"))
    assert selection == Selection(numbers=(1, 2, 3, 5), in_ranges=frozenset({1, 2, 3}))
    assert changes == Changes(title=("Renamed",), tags=("urgent",), untags=("old",), project="work")


def test_edit_with_a_filter_changes_only_with_pri_and_due():
    selection, changes = read_edit(words("+phone", "pri:M"))
    assert selection == Selection(tags=("phone",))
    assert changes == Changes(priority="medium")


def test_edit_filter_words_in_any_order():
    selection, changes = read_edit(words("due:friday", "project:home", "-waiting", "bank"))
    assert selection == Selection(project="home", without_tags=("waiting",), text=("bank",))
    assert changes == Changes(due="friday")


def test_edit_ids_only_after_a_filter_word_are_part_of_the_filter():
    selection, changes = read_edit(words("+phone", "3", "pri:L"))
    assert selection == Selection(numbers=(3,), tags=("phone",))
    assert changes.priority == "low"


def test_edit_title_after_double_dash_on_a_filter():
    selection, changes = read_edit(words("+typo", literal=("Fixed", "+title")))
    assert selection == Selection(tags=("typo",))
    assert changes.title_text == "Fixed +title"


@pytest.mark.parametrize(
    ("word", "substitution"),
    [
        ("/tyre/tire/", Substitution("tyre", "tire")),
        ("/tyre/tire/g", Substitution("tyre", "tire", every=True)),
        ("/ and spare//", Substitution(" and spare", "")),
        ("/a\\/b/c/", Substitution("a/b", "c")),
    ],
)
def test_edit_reads_taskwarrior_substitutions(word, substitution):
    assert read_edit(words("9", word)) == (
        Selection(numbers=(9,)),
        Changes(substitutions=(substitution,)),
    )
    assert read_edit(words("+car", word)) == (
        Selection(tags=("car",)),
        Changes(substitutions=(substitution,)),
    )


@pytest.mark.parametrize("word", ["/tyre/tire", "//tire/", "/tyre/tire/x", "/a/b/c/"])
def test_what_is_not_a_substitution_stays_a_word(word):
    assert read_edit(words("9", word))[1] == Changes(title=(word,))


def test_on_add_a_substitution_is_title_text():
    assert read_changes(words("/tyre/tire/"), adding=True) == Changes(title=("/tyre/tire/",))


def test_a_substitution_replaces_the_first_match_in_the_title_else_the_description():
    first = Substitution("tyre", "tire")
    assert first.apply("tyre, tyre", "tyre") == ("tire, tyre", "tyre")
    assert first.apply("wheel", "tyre, tyre") == ("wheel", "tire, tyre")
    assert first.apply("wheel", None) == ("wheel", None)
    every = Substitution("tyre", "tire", every=True)
    assert every.apply("tyre, tyre", "Tyre tyre") == ("tire, tire", "Tyre tire")


# --- properties ----------------------------------------------------------------------

WORDISH = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["+", "-", "@", "pri:", "due:", "project:", "status:", "due.before:"]).flatmap(
        lambda prefix: st.text(max_size=8).map(lambda rest: prefix + rest)
    ),
    st.from_regex(r"[0-9]{1,12}(-[0-9]{1,12})?(,[0-9]{1,6})*", fullmatch=True),
)
WORD_LISTS = st.lists(WORDISH, max_size=8).map(tuple)


@settings(max_examples=400, deadline=None)
@given(WORD_LISTS, WORD_LISTS)
def test_no_word_list_raises_anything_but_a_usage_error(plain, literal):
    typed = Words(plain, literal)
    for read in (
        read_filter,
        read_edit,
        lambda w: read_changes(w, adding=True),
        lambda w: read_changes(w, adding=False),
    ):
        with suppress(UsageError):  # anything else propagates and fails the test
            read(typed)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=10), max_size=6))
def test_on_add_plain_text_words_are_the_title_as_typed(title):
    plain = tuple(word for word in title if word[0] not in "+@" and ":" not in word)
    changes = read_changes(Words((), plain), adding=True)
    assert changes.title_text == " ".join(plain)


def test_an_id_past_any_stored_one_is_read_as_an_id():
    # It names no task: the service says not found (exit 3), as `todo show` does.
    assert read_ids("2147483648") == [2147483648]


# --- planning: wait, scheduled, until and the virtual tags (issue 14) -----------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (("+WAITING",), Selection(states=("WAITING",))),
        (("+READY", "+DUE"), Selection(states=("READY", "DUE"))),
        (("-WAITING",), Selection(without_states=("WAITING",))),
        (("-ACTIVE",), Selection(without_states=("ACTIVE",))),
        (("+ACTIVE", "-OVERDUE"), Selection(active=True, without_states=("OVERDUE",))),
        (("+waiting",), Selection(tags=("waiting",))),  # lower case: a tag of the user's
        (("status:waiting",), Selection(status="waiting")),
        (("wait.before:friday",), Selection(date_bounds=(("wait", "before", "friday"),))),
        (
            ("sched.after:monday", "until.before:eom"),
            Selection(date_bounds=(("scheduled", "after", "monday"), ("until", "before", "eom"))),
        ),
    ],
)
def test_virtual_tags_and_date_bounds_select(typed, expected):
    assert read_filter(words(*typed)) == expected


def test_every_virtual_tag_the_parser_knows_has_a_state():
    from todo_cli.service.states import VIRTUAL_TAGS as STATES
    from todo_cli.words import VIRTUAL_TAGS

    assert set(VIRTUAL_TAGS) == set(STATES)


@pytest.mark.parametrize(
    ("plain", "mentions"),
    [
        (["wait.before:"], "needs a date"),
        (["wait.after:x", "wait.after:y"], "given twice"),
        (["status:sleeping"], "waiting"),
    ],
)
def test_planning_filter_mistakes(plain, mentions):
    with pytest.raises(UsageError, match=mentions):
        read_filter(words(*plain))


def test_wait_scheduled_until_are_changes():
    changes = read_changes(
        words("Water", "plants", "wait:due-1d", "sched:monday", "until:eoy"), adding=True
    )
    assert changes == Changes(
        title=("Water", "plants"), wait="due-1d", scheduled="monday", until="eoy"
    )
    cleared = read_changes(words("wait:", "scheduled:", "until:"), adding=False)
    assert cleared.cleared == {"wait", "scheduled", "until"}


@pytest.mark.parametrize("word", ["+WAITING", "-READY", "+TODAY"])
def test_virtual_tags_cannot_be_set(word):
    with pytest.raises(UsageError, match="virtual tag"):
        read_changes(words("4", word), adding=False)


@pytest.mark.parametrize("word", ["wait.before:friday", "until.after:eom"])
def test_date_bounds_cannot_be_set(word):
    with pytest.raises(UsageError, match="selects tasks"):
        read_changes(words(word), adding=True)


def test_date_words_change_a_filtered_edit():
    selection, changes = read_edit(words("+phone", "wait:friday", "until:eom"))
    assert selection == Selection(tags=("phone",))
    assert (changes.wait, changes.until) == ("friday", "eom")
