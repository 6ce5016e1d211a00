"""todo_cli.text: which characters are control characters and how they are shown."""

import pytest

from todo_cli.text import first_control, json_safe, nfc, visible

HOSTILE = {
    "OSC title": ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
    "clear screen": ("\x1b[2J", "\\x1b[2J"),
    "C1 CSI": ("a\x9bb", "a\\x9bb"),
    "DEL": ("a\x7fb", "a\\x7fb"),
    "NUL": ("a\x00b", "a\\x00b"),
    "carriage return": ("a\rb", "a\\rb"),
    "line separator": ("a\u2028b", "a\\u2028b"),
    "lone surrogate": ("a\udcffb", "a\\udcffb"),
}


@pytest.mark.parametrize(("text", "shown"), HOSTILE.values(), ids=HOSTILE.keys())
def test_visible_escapes_control_characters(text, shown):
    assert visible(text) == shown
    assert visible(text, multiline=True) == shown


def test_visible_keeps_one_line_unless_multiline():
    assert visible("a\nb\tc") == "a\\nb\\tc"
    assert visible("a\nb\tc", multiline=True) == "a\nb\tc"


@pytest.mark.parametrize("text", ["Café ☕ 日本", "C:\\temp", "a b", "\u00a0", "\u200f"])
def test_visible_leaves_printable_text_alone(text):
    assert visible(text) == text


def test_every_c0_c1_and_del_is_escaped():
    controls = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
    shown = visible("".join(controls))
    assert shown.isprintable()
    assert all(first_control(char) == char for char in controls)


def test_first_control_allows_newline_and_tab_in_a_block():
    assert first_control("a\nb\tc", multiline=True) is None
    assert first_control("a\nb", multiline=False) == "\n"
    assert first_control("plain") is None


def test_nfc_composes():
    assert nfc("cafe\u0301") == "caf\u00e9"


def test_json_safe_escapes_what_json_may_carry_raw():
    import json

    value = {"t": "a\x7fb\x9bc\u2028d é 日本"}
    document = json.dumps(value, ensure_ascii=False).encode()
    safe = json_safe(document)
    assert json.loads(safe) == value
    assert b"\x7f" not in safe
    assert b"\xc2\x9b" not in safe
    assert "é 日本".encode() in safe
