"""The reports that draw (summary, history, ghistory, burndown, calendar) and the table's
columns: figures checked as JSON against rows with known dates (the clock held at
Thursday 2026-11-26 09:30 local time), the same rows through the real Taskwarrior
2.6.2 where the figures compare, and the drawings on a real pseudo-terminal."""

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.rows import insert_dated_task
from tests.support import TODO, assert_fails, ok, run_on_a_terminal
from todo_cli.errors import ExitCode

NEW_COMMANDS = ("summary", "history", "ghistory", "burndown", "calendar")


def local(*parts: int) -> datetime:
    return datetime(*parts).astimezone()


# (title, status, project, created, due, completed, deleted, started)
ROWS = [
    ("one", "pending", "home.garden", local(2026, 9, 10, 10), local(2026, 11, 28, 12), None, None),
    ("two", "done", "home", local(2026, 10, 5, 10), None, local(2026, 10, 20, 10), None),
    ("three", "deleted", "work", local(2026, 10, 7, 10), None, None, local(2026, 11, 2, 10)),
    ("four", "pending", "work", local(2026, 11, 20, 10), local(2026, 11, 20, 12), None, None),
    ("five", "pending", None, local(2026, 11, 21, 10), local(2026, 12, 3, 12), None, None),
]
STARTED = {"four": local(2026, 11, 25, 10)}
NOW = local(2026, 11, 26, 9, 30)


def seed(database_url: str) -> None:
    for title, status, project, created, due, completed, deleted in ROWS:
        insert_dated_task(
            database_url,
            title,
            status=status,
            project=project,
            created=created,
            due=due,
            completed=completed,
            updated=deleted,
            started=STARTED.get(title),
        )


@pytest.fixture
def seeded(todo_env, frozen_clock):
    seed(todo_env)
    return todo_env


def as_json(cli, *args):
    return json.loads(ok(cli, *args, "--json").stdout)


def days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def test_summary_counts_remaining_age_and_completion_per_project(cli, seeded):
    rows = as_json(cli, "summary")
    one_age = days(ROWS[0][3], NOW)
    two_age = days(ROWS[1][3], ROWS[1][5])
    assert rows == [
        {"project": None, "remaining": 1, "done": 0, "percent": 0,
         "average_age_seconds": round(days(ROWS[4][3], NOW))},
        {"project": "home", "remaining": 1, "done": 1, "percent": 50,
         "average_age_seconds": round((one_age + two_age) / 2)},
        {"project": "home.garden", "remaining": 1, "done": 0, "percent": 0,
         "average_age_seconds": round(one_age)},
        {"project": "work", "remaining": 1, "done": 0, "percent": 0,
         "average_age_seconds": round(days(ROWS[3][3], NOW))},
    ]  # fmt: skip


def test_summary_takes_filter_words(cli, seeded):
    assert [row["project"] for row in as_json(cli, "summary", "project:work")] == ["work"]


def test_history_counts_added_completed_deleted_per_month(cli, seeded):
    rows = as_json(cli, "history")
    figures = [(r["period"], r["added"], r["completed"], r["deleted"], r["net"]) for r in rows]
    assert figures == [
        ("2026-09", 1, 0, 0, 1),
        ("2026-10", 2, 1, 0, 1),
        ("2026-11", 2, 0, 1, 1),
    ]
    assert rows[0]["start"] == local(2026, 9, 1).astimezone(UTC).isoformat()
    assert as_json(cli, "ghistory") == rows


def test_history_by_week_shows_only_weeks_with_changes(cli, seeded):
    periods = [row["period"] for row in as_json(cli, "history", "--period", "weekly")]
    assert periods == ["2026-W37", "2026-W41", "2026-W43", "2026-W45", "2026-W47"]


def test_burndown_stacks_pending_started_done_per_day(cli, seeded):
    rows = as_json(cli, "burndown", "--period", "daily", "--periods", "3")
    figures = [(r["period"], r["pending"], r["started"], r["done"]) for r in rows]
    assert figures == [
        ("2026-11-24", 3, 0, 1),
        ("2026-11-25", 2, 1, 1),
        ("2026-11-26", 2, 1, 1),
    ]


def test_burndown_by_month_carries_in_what_came_before(cli, seeded):
    rows = as_json(cli, "burndown", "--period", "monthly", "--periods", "2")
    figures = [(r["period"], r["pending"], r["started"], r["done"]) for r in rows]
    # End of October: one and three pending, two done; November: three deleted, four started.
    assert figures == [("2026-10", 2, 0, 1), ("2026-11", 2, 1, 1)]


def test_calendar_marks_due_and_overdue_days(cli, seeded):
    shown = as_json(cli, "calendar")
    assert shown["today"] == "2026-11-26"
    assert shown["months"] == ["2026-11", "2026-12", "2027-01"]  # 80 columns hold three
    assert shown["due"] == [
        {"date": "2026-11-20", "tasks": 1, "overdue": 1},
        {"date": "2026-11-28", "tasks": 1, "overdue": 0},
        {"date": "2026-12-03", "tasks": 1, "overdue": 0},
    ]


def test_calendar_takes_due_a_year_or_a_month(cli, seeded):
    assert as_json(cli, "calendar", "due")["months"][0] == "2026-11"
    year = as_json(cli, "calendar", "2027")
    assert year["months"] == [f"2027-{month:02d}" for month in range(1, 13)]
    assert year["due"] == []
    assert as_json(cli, "calendar", "12", "2026")["months"][0] == "2026-12"
    assert as_json(cli, "calendar", "12", "2026")["due"][0]["date"] == "2026-12-03"


@pytest.mark.parametrize(
    "args",
    [
        ("calendar", "soon"),
        ("calendar", "13", "2026"),
        ("history", "--period", "hourly"),
        ("burndown", "--periods", "0"),
        ("summary", "project.bogus:x"),
        ("list", "--columns", "id,nonsense"),
        ("next", "--columns", ""),
    ],
)
def test_bad_report_words_are_usage_errors(cli, args):
    line = assert_fails(cli(*args), ExitCode.USAGE)
    assert "Traceback" not in line


def test_report_columns_setting_is_checked(cli):
    assert_fails(cli("config", "set", "report_columns", "id,bogus"), ExitCode.CONFIG)
    ok(cli, "config", "set", "report_columns", "urgency,age")


def test_reports_are_empty_without_tasks(cli, todo_env, frozen_clock):
    assert as_json(cli, "summary") == []
    assert as_json(cli, "history") == []
    assert {row["pending"] for row in as_json(cli, "burndown")} == {0}
    assert as_json(cli, "calendar")["due"] == []


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_help_of_every_report(cli, command):
    result = ok(cli, command, "--help")
    assert "--json" in result.stdout


# --- the real Taskwarrior on the same rows ------------------------------------------------

TASK = shutil.which("task")


def taskwarrior(tmp_path: Path, *args: str) -> str:
    env = dict(os.environ, TASKDATA=str(tmp_path / "data"), TASKRC=str(tmp_path / "rc"))
    (tmp_path / "rc").touch()
    command = [TASK, "rc.color=off", "rc.verbose=nothing", "rc.confirmation=off", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def exported() -> str:
    def stamp(moment: datetime | None) -> str | None:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if moment else None

    statuses = {"done": "completed"}
    tasks = []
    for title, status, project, created, due, completed, deleted in ROWS:
        task = {"description": title, "status": statuses.get(status, status)}
        fields = {"entry": stamp(created), "due": stamp(due), "end": stamp(completed or deleted)}
        fields |= {"project": project, "start": stamp(STARTED.get(title))}
        tasks.append(task | {key: value for key, value in fields.items() if value})
    return json.dumps(tasks)


@pytest.mark.skipif(TASK is None, reason="Taskwarrior is not installed")
def test_summary_and_history_agree_with_taskwarrior(cli, seeded, tmp_path):
    (tmp_path / "tasks.json").write_text(exported())
    taskwarrior(tmp_path, "import", str(tmp_path / "tasks.json"))
    theirs = re.findall(r"^(\s*\S+)\s+(\d+)\s", taskwarrior(tmp_path, "summary"), re.MULTILINE)
    ours = [(row["project"], row["remaining"]) for row in as_json(cli, "summary")]
    # Taskwarrior names sub-projects by their last part, indented under the parent.
    assert [(name.strip(), int(count)) for name, count in theirs] == [
        ("(none)" if project is None else project.split(".")[-1], count) for project, count in ours
    ]
    figures = re.findall(r"^\s*(?:\d{4} )?\s*[A-Z][a-z]+\s+(\d+)\s+(\d+)\s+(\d+)\s+-?\d+$",
                         taskwarrior(tmp_path, "history"), re.MULTILINE)  # fmt: skip
    months = [tuple(int(n) for n in row) for row in figures if row]
    ours_history = [(r["added"], r["completed"], r["deleted"]) for r in as_json(cli, "history")]
    assert months[: len(ours_history)] == ours_history
    # The calendar's marks: the local days pending tasks are due on.
    due = json.loads(taskwarrior(tmp_path, "status:pending", "due.any:", "export"))
    theirs_days = sorted(
        datetime.strptime(task["due"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone().date()
        for task in due
    )
    ours_days = [day["date"] for day in as_json(cli, "calendar")["due"]]
    assert [day.isoformat() for day in theirs_days] == ours_days


# --- drawn on a real terminal --------------------------------------------------------------

DRAWN = (
    "summary",
    "history",
    "ghistory",
    "burndown --period daily --periods 5",
    "calendar",
    "calendar 2027",
    "list --columns id,age,urgency,due,project,title",
)


def draw(database_url: str, columns: int, commands=DRAWN, **extra: str) -> str:
    script = "; ".join(f"{TODO} {command}" for command in commands)
    env = {name: value for name, value in os.environ.items() if name != "NO_COLOR"}
    env |= {"TODO_DATABASE_URL": database_url, "COLUMNS": str(columns), **extra}
    return run_on_a_terminal(["sh", "-ec", script], env)


@pytest.mark.installed
def test_reports_fit_80_columns_without_colour(database_url, isolated_home):
    seed(database_url)
    output = draw(database_url, 80, NO_COLOR="1")
    assert "\x1b" not in output
    lines = output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    for heading in ("Remaining", "Completed", "Added/Completed/Deleted", "P/S/D", "Urg"):
        assert any(heading in line for line in lines), heading
    assert "December 2027" in output
    assert "=" in output  # bars drawn with characters: no colour needed
    assert "+" in output
    assert re.search(r"^\d+ tasks$", output, re.MULTILINE)


@pytest.mark.installed
def test_reports_fill_160_columns_in_colour(database_url, isolated_home):
    seed(database_url)
    output = draw(database_url, 160, ("summary", "ghistory", "calendar 2027"), FORCE_COLOR="1")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    assert "\x1b[" in output  # styled
    assert max(cell_len(line) for line in plain.splitlines()) <= 160
    # Six months side by side on the calendar of 2027.
    assert re.search(r"January 2027.*June 2027", plain)


# --- the table's columns ----------------------------------------------------------------


def test_list_and_next_show_the_columns_asked_for_and_a_count(cli, seeded, monkeypatch):
    monkeypatch.setattr("todo_cli.cli.environment._isatty", lambda stream: True)
    monkeypatch.setenv("NO_COLOR", "1")
    shown = ok(cli, "list", "--columns", "title,urgency,age").stdout.splitlines()
    assert shown[0].split() == ["ID", "Urg", "Age", "Title"]
    assert shown[-1] == "3 tasks"
    four = next(line.split() for line in shown if line.endswith("four"))
    assert four[2] == "5d"  # made 2026-11-20 10:00, now 2026-11-26 09:30: whole days
    scores = {task["id"]: task["urgency"] for task in as_json(cli, "next")}
    assert float(four[1]) == round(scores[int(four[0])], 1)
    ok(cli, "config", "set", "report_columns", "age")
    assert ok(cli, "next").stdout.splitlines()[0].split() == ["ID", "Age", "Title"]
    assert ok(cli, "list").stdout.splitlines()[-1] == "3 tasks"
