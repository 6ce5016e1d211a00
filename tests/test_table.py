"""The terminal table (todo_cli.cli.table): fitted to the width, safe with any text."""

import io
from datetime import datetime, timedelta

import pytest
from rich.cells import cell_len
from rich.console import Console

from todo_cli.cli.table import task_table, wrap
from todo_cli.models import Task

NOW = datetime(2026, 11, 26, 9, 30).astimezone()
LONG_TITLE = " ".join(["word"] * 60)


def task(number=1, title="t", **fields) -> Task:
    return Task(number=number, user_id=1, title=title, **fields)


def rendered(tasks, *, width=80, color=True) -> str:
    """What a terminal of ``width`` columns receives."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard" if color else None,
        width=width,
    )
    table = task_table(tasks, now=NOW, width=width, styled=color)
    console.print(table, crop=False, soft_wrap=True, end="")
    return buffer.getvalue()


def plain_lines(tasks, width=80) -> list[str]:
    return task_table(tasks, now=NOW, width=width).plain.splitlines()


def wide_tasks() -> list[Task]:
    return [
        task(1, LONG_TITLE, priority="medium", due=NOW - timedelta(minutes=10), status="done"),
        task(22, "short", tags=["x" * 200], project="p" * 150),
        task(2147483647, "日本語" * 40, tags=["a", "b"], project="home.garden"),
    ]


@pytest.mark.parametrize("width", [50, 60, 80, 100, 200])
def test_no_line_is_wider_than_the_terminal(width):
    lines = plain_lines(wide_tasks(), width)
    assert max(cell_len(line) for line in lines) <= width
    assert len(lines) > 4  # the long titles wrapped


def test_long_titles_wrap_with_a_hanging_indent():
    lines = plain_lines([task(1, LONG_TITLE), task(2, "next")])
    indent = lines[1].index("word")
    continuation = lines[2:-1]
    assert continuation
    assert all(
        line[:indent].isspace() and line[indent:].startswith("word") for line in continuation
    )
    assert lines[-1].split() == ["2", "next"]
    words = lines[1].split()[1:] + [word for line in continuation for word in line.split()]
    assert words == LONG_TITLE.split()


def test_a_long_word_is_cut_only_where_it_must_be():
    assert wrap("a " + "x" * 25, 10) == ["a", "x" * 10, "x" * 10, "x" * 5]
    assert wrap("日本語日本語", 5) == ["日本", "語日", "本語"]


def test_one_long_tag_or_project_does_not_pad_every_row():
    tasks = [task(1, "a", tags=["t" * 300], project="p" * 300), task(2, "b")]
    header, first, second = plain_lines(tasks, 200)
    assert len(second) < 80
    assert "…" in first
    assert header.index("Title") == first.index(" a") + 1 == second.index(" b") + 1


def test_done_and_deleted_tasks_stand_out_without_colour():
    tasks = [task(1, "open"), task(2, "finished", status="done"), task(3, "gone", status="deleted")]
    output = rendered(tasks, color=False)
    assert "\x1b" not in output
    header, *rows = output.splitlines()
    assert header.split()[:2] == ["ID", "Status"]
    assert [row.split()[:2] for row in rows] == [["1", "pending"], ["2", "done"], ["3", "deleted"]]


def test_a_list_of_pending_tasks_has_no_status_column():
    assert "Status" not in plain_lines([task(1, "a"), task(2, "b")])[0]


@pytest.mark.parametrize(
    "hostile",
    ["\x1b]0;pwned\x07", "\x1b]8;;http://x\x1b\\", "\x1b]0;unterminated", "\x1b[2J", "\x9b2J"],
)
def test_no_escape_from_data_reaches_the_terminal(hostile):
    tasks = [
        task(1, f"a{hostile}b", tags=[f"t{hostile}"], project=f"p{hostile}"),
        task(2, "second row"),
        task(3, "third row"),
    ]
    output = rendered(tasks)
    assert hostile not in output
    assert "\x9b" not in output
    assert "\x07" not in output
    assert "\x1b]" not in output  # no OSC at all: the only escapes are Rich's own SGR
    assert "second row" in output
    assert "third row" in output
    assert "a\\x1b" in output or "a\\x9b" in output
