"""The todo.txt codec (todo_cli/interchange/todotxt.py): the shared fixtures written by
todo.txt-cli 2.11, the spec's rules, a round trip, and the real todo.txt-cli reading
what we write (and writing what we read)."""

import os
import shutil
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_cli.interchange.records import InvalidRecord, Record
from todo_cli.interchange.todotxt import format_todotxt, parse_todotxt

# Copies of the peer data in ../shared/fixtures/todotxt (written by todo.txt-cli 2.11),
# so the suite runs wherever the repository is checked out.
FIXTURES = Path(__file__).parent / "fixtures" / "todotxt"
TODO_TXT = shutil.which("todo-txt") or shutil.which("todo.sh")
UUID = "0b6f5d2e-8a51-4c4e-9a8e-2f0c1d7e6a90"
# The keys the exporter fills for every task (records.py): None / [] / {} when empty.
EMPTY_EXPORT: Record = {
    "number": 1,
    "uuid": None,  # type: ignore[typeddict-item]  # a parsed line may have none
    "description": None,
    "status": "pending",
    "priority": None,
    "project": None,
    "tags": [],
    "due": None,
    "created_at": None,
    "updated_at": None,
    "completed_at": None,
    "notes": [],
    "extra": {},
}


def exported(record: Record) -> Record:
    """``record`` as the exporter hands it over: every key present."""
    full = EMPTY_EXPORT | record
    full.pop("line", None)
    return full


def one(line: str) -> Record:
    (record,) = parse_todotxt([line])
    return record


def round_trip(line: str) -> str:
    return format_todotxt(exported(one(line)))


def fixture_lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture
def west_of_utc(monkeypatch):
    """New York: a day there starts after midnight UTC, so a UTC date would be a day off."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("name", ["todo.txt", "done.txt"])
def test_the_shared_fixtures_come_back_as_they_were_written(name, west_of_utc):
    lines = fixture_lines(name)
    assert lines
    assert [round_trip(line) for line in lines] == lines


def test_the_shared_fixtures_map_to_todos_fields():
    schedule, draft, renew, read = parse_todotxt(fixture_lines("todo.txt"))
    assert (schedule["title"], schedule["priority"], schedule["project"]) == (
        "Schedule car service",
        "medium",
        "Car",
    )
    assert schedule["tags"] == ["phone"]
    assert schedule["created_at"] == datetime(2026, 11, 26).astimezone()
    assert (draft["priority"], draft["project"], draft["tags"]) == (None, "Writing", ["laptop"])
    assert renew["priority"] == "high"
    assert renew["due"] == datetime(2026, 12, 5, 23, 59, 59).astimezone()
    assert read["title"] == "Read «Dune»"
    assert [record["line"] for record in (schedule, draft, renew, read)] == [1, 2, 3, 4]
    (parcel,) = parse_todotxt(fixture_lines("done.txt"))
    assert parcel["status"] == "done"
    assert parcel["completed_at"] == parcel["created_at"] == datetime(2026, 11, 26).astimezone()
    assert (parcel["tags"], parcel["due"].date()) == (["town"], date(2026, 11, 28))


@pytest.mark.parametrize(
    ("line", "priority", "letter"),
    [
        ("(A) Call Mom", "high", None),
        ("(B) Call Mom", "medium", None),
        ("(C) Call Mom", "low", None),
        ("(Q) Call Mom", "low", "Q"),
        ("(Z) Call Mom", "low", "Z"),
        ("Call Mom", None, None),
        # Not priorities (the spec's own examples): they stay title text.
        ("Really gotta call Mom (A) @phone", None, None),
        ("(b) Get back to the boss", None, None),
        ("(B)->Submit TPS report", None, None),
    ],
)
def test_priorities_and_the_letter_kept_for_export(line, priority, letter):
    record = one(line)
    assert record["priority"] == priority
    assert record["extra"]["todotxt"].get("priority") == letter
    assert round_trip(line) == line


@pytest.mark.parametrize(
    "line",
    [
        "x 2026-11-27 2026-11-20 Review the pull request +Todo @github pri:A",  # the spec's text
        "x (A) 2026-11-27 2026-11-20 Review the pull request +Todo @github",  # its picture
    ],
)
def test_a_completed_line_keeps_its_priority_either_way_the_spec_shows(line):
    record = one(line)
    assert (record["status"], record["priority"]) == ("done", "high")
    assert record["completed_at"] == datetime(2026, 11, 27).astimezone()
    assert record["created_at"] == datetime(2026, 11, 20).astimezone()
    assert (record["title"], record["project"], record["tags"]) == (
        "Review the pull request",
        "Todo",
        ["github"],
    )
    # Written the spec's text way: todo.txt-cli's listpri must not list a done task.
    assert round_trip(line) == "x 2026-11-27 2026-11-20 Review the pull request +Todo @github pri:A"


@pytest.mark.parametrize(
    ("line", "status", "created", "completed"),
    [
        ("x 2026-11-27 Call Mom", "done", None, date(2026, 11, 27)),
        ("x Call Mom", "done", None, None),
        # Not completed (the spec's examples).
        ("xylophone lesson", "pending", None, None),
        ("X 2012-01-01 Make resolutions", "pending", None, None),
        ("(A) x Find ticket prices", "pending", None, None),
        ("2026-11-20 x Find ticket prices", "pending", date(2026, 11, 20), None),
    ],
)
def test_what_the_spec_calls_completed(line, status, created, completed):
    record = one(line)
    assert record["status"] == status
    assert _day(record.get("created_at")) == created
    assert _day(record.get("completed_at")) == completed
    assert round_trip(line) == line


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


def test_projects_contexts_and_keys_are_read_and_kept():
    line = "Plan +garden.beds +Home @yard @shop due:2026-05-01 t:2026-04-20 rec:1w"
    record = one(line)
    assert (record["title"], record["project"], record["tags"]) == (
        "Plan",
        "garden.beds",
        ["yard", "shop"],
    )
    assert record["due"] == datetime(2026, 5, 1, 23, 59, 59).astimezone()
    assert record["extra"]["todotxt"] == {
        "projects": ["Home"],
        "keys": [["t", "2026-04-20"], ["rec", "1w"]],
        "text": line,  # due: stood before the other keys; written after them otherwise
    }
    assert round_trip(line) == line


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Learn how to add 2+2", "Learn how to add 2+2"),
        ("Email SoAndSo at soandso@example.com", "Email SoAndSo at soandso@example.com"),
        ("Meet at 10:30 see https://example.com/a", "Meet at 10:30 see https://example.com/a"),
        ("Lone + and @ signs", "Lone + and @ signs"),
        ("Ratio a:b:c", "Ratio a:b:c"),
    ],
)
def test_words_that_are_no_tokens_stay_in_the_title(line, title):
    record = one(line)
    assert (record["title"], record["project"], record["tags"]) == (title, None, [])
    assert record["extra"]["todotxt"] == {}
    assert round_trip(line) == line


def test_what_todo_cannot_hold_is_kept_beside_the_task():
    """A project with an empty part and a context with a comma: kept, and written back."""
    line = "Sort +a..b +real @x,y @ok"
    record = one(line)
    assert (record["project"], record["tags"]) == ("real", ["ok"])
    assert record["extra"]["todotxt"]["projects"] == ["a..b"]
    assert record["extra"]["todotxt"]["contexts"] == ["x,y"]
    assert round_trip(line) == line


def test_a_changed_task_is_written_in_canonical_order_with_everything_kept():
    record = exported(one("(D) 2026-11-26 Service @phone +Car t:2026-11-30 +Van"))
    record["tags"] = ["phone", "garage"]
    record["uuid"] = UUID
    assert format_todotxt(record) == (
        f"(D) 2026-11-26 Service +Car +Van @phone @garage t:2026-11-30 uuid:{UUID}"
    )
    record["priority"] = "high"
    record["status"] = "done"
    record["completed_at"] = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert format_todotxt(record) == (
        f"x 2026-12-01 2026-11-26 Service +Car +Van @phone @garage t:2026-11-30 pri:A uuid:{UUID}"
    )


def test_a_pri_key_on_an_open_line_is_kept_until_the_task_is_done():
    """On an open line `pri:A` is just a key; on a completed one it is the priority."""
    record = exported(one("(B) 2026-11-26 Ask pri:A"))
    assert (record["priority"], record["extra"]["todotxt"]["keys"]) == ("medium", [["pri", "A"]])
    assert format_todotxt(record) == "(B) 2026-11-26 Ask pri:A"
    record |= {"status": "done", "completed_at": datetime(2026, 11, 27).astimezone()}
    assert format_todotxt(record) == "x 2026-11-27 2026-11-26 Ask pri:B"
    assert one(format_todotxt(record))["priority"] == "medium"


def test_a_task_made_in_todo_is_written_for_todo_txt():
    task = exported(
        {
            "uuid": UUID,
            "title": "Call the bank",
            "status": "deleted",
            "priority": "low",
            "project": "home.finance",
            "tags": ["phone"],
            "created_at": datetime(2026, 11, 26, 23, 30).astimezone(),  # local days
            "updated_at": datetime(2026, 11, 28, 8, 0).astimezone(),
            "extra": {"taskwarrior": {"mask": "-"}},
        }
    )
    assert format_todotxt(task) == (
        f"x 2026-11-28 2026-11-26 Call the bank +home.finance @phone pri:C uuid:{UUID}"
    )
    task["status"] = "pending"
    task["due"] = datetime(2026, 12, 1, 23, 59, 59).astimezone()
    assert format_todotxt(task) == (
        f"(C) 2026-11-26 Call the bank +home.finance @phone due:2026-12-01 uuid:{UUID}"
    )


def test_dates_are_local_days_west_of_utc(west_of_utc):
    """`todo add due:2026-12-05` is 23:59:59 in New York, which is already the 6th in UTC."""
    record = one("2026-11-26 Pay rent due:2026-12-05")
    assert record["due"] == datetime(2026, 12, 6, 4, 59, 59, tzinfo=UTC)
    assert record["created_at"] == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert format_todotxt(exported(record)) == "2026-11-26 Pay rent due:2026-12-05"


def test_the_uuid_comes_back_and_ends_the_line():
    line = f"(A) Call Mom uuid:{UUID.upper()} @phone"
    record = one(line)
    assert record["uuid"] == UUID
    assert round_trip(line) == f"(A) Call Mom @phone uuid:{UUID}"


def test_lines_are_numbered_and_blank_ones_skipped():
    lines = ["\ufeff(A) First\n", "\n", "   \n", "Second  \r\n"]
    records = list(parse_todotxt(lines, first_line=1))
    assert [(r["line"], r["title"]) for r in records] == [(1, "First"), (4, "Second")]
    assert [r["line"] for r in parse_todotxt(["Later"], first_line=40)] == [40]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2026-13-01 Bad month", "2026-13-01 is not a date (YYYY-MM-DD)"),
        ("x 2026-02-30 Bad day", "2026-02-30 is not a date (YYYY-MM-DD)"),
        ("Pay due:friday", "friday is not a date (YYYY-MM-DD)"),
        ("Pay due:2026-01-01 due:2026-01-02", "due: is given twice"),
        ("Pay uuid:nope", "uuid:nope is not a UUID"),
        ("(A) 2026-01-01 +Car @phone due:2026-01-02", "the task has no title"),
        ("x 2026-01-01", "the task has no title"),
    ],
)
def test_a_line_todo_cannot_read_is_refused_naming_it(line, reason):
    with pytest.raises(InvalidRecord) as refused:
        list(parse_todotxt(["Fine", line], first_line=7))
    assert refused.value.line_no == 8
    assert str(refused.value).startswith(f"line 8: {reason}")


WORD = st.from_regex(r"[A-Za-wyzÀ-ÿ][A-Za-zÀ-ÿ0-9'«».!?-]{0,9}", fullmatch=True)
NAME = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,7}", fullmatch=True)
# Keys todo keeps (those it acts on, due: uuid: pri:, are fields of their own).
KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,7}", fullmatch=True).filter(
    lambda key: key not in ("due", "uuid", "pri")
)
DAY = st.dates(min_value=date(1971, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def tasks(draw) -> Record:
    """A task as the exporter hands it over, within what todo.txt can say."""
    status = draw(st.sampled_from(["pending", "done"]))
    priority = draw(st.sampled_from([None, "high", "medium", "low"]))
    letter = draw(st.sampled_from([None, "D", "K", "Z"])) if priority == "low" else None
    project = draw(st.none() | st.lists(NAME, min_size=1, max_size=3).map(".".join))
    kept = {
        "priority": letter,
        "projects": draw(st.lists(NAME, max_size=2)) if project else [],
        "keys": [[key, value] for key, value in draw(st.lists(st.tuples(KEY, NAME), max_size=2))],
    }
    return exported(
        {
            "uuid": str(draw(st.uuids())) if draw(st.booleans()) else None,  # type: ignore[typeddict-item]
            "title": " ".join(draw(st.lists(WORD, min_size=1, max_size=5))),
            "status": status,
            "priority": priority,
            "project": project,
            "tags": draw(st.lists(NAME, max_size=3, unique=True)),
            "due": _moment(draw(st.none() | DAY), end=True),
            "created_at": _moment(draw(DAY)),
            "completed_at": _moment(draw(DAY)) if status == "done" else None,
            "extra": {"todotxt": {key: value for key, value in kept.items() if value}},
        }
    )


def _moment(day: date | None, *, end: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, *((23, 59, 59) if end else ())).astimezone()


@settings(max_examples=50, deadline=None)
@given(tasks())
def test_what_we_write_reads_back_as_the_same_task(task):
    line = format_todotxt(task)
    read = exported(one(line))
    for key in ("uuid", "title", "status", "priority", "project", "tags", "due", "created_at"):
        assert read[key] == task[key], key
    assert read["completed_at"] == task["completed_at"]
    assert read["extra"]["todotxt"] == task["extra"]["todotxt"]
    assert format_todotxt(read) == line


# The real todo.txt-cli on our lines, and our parser on its lines.

needs_todo_txt = pytest.mark.skipif(TODO_TXT is None, reason="todo.txt-cli is not installed")


def todo_txt(directory: Path, *args: str) -> list[str]:
    """todo.txt-cli's plain output lines, its footer (after --) left out."""
    config = directory / "config"
    if not config.exists():
        files = {"TODO_FILE": "todo.txt", "DONE_FILE": "done.txt", "REPORT_FILE": "report.txt"}
        lines = [f"export {name}={directory / file}" for name, file in files.items()]
        config.write_text("\n".join([f"export TODO_DIR={directory}", *lines, ""]), "utf-8")
    run = subprocess.run(
        [str(TODO_TXT), "-d", str(config), "-p", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(directory), "LC_ALL": "C.UTF-8"}
        | ({"TZ": os.environ["TZ"]} if "TZ" in os.environ else {}),  # its `date`: our today
    )
    lines = run.stdout.splitlines()
    return lines[: lines.index("--")] if "--" in lines else lines


MIXED: list[Record] = [
    exported(record)
    for record in (
        {"title": "Renew insurance", "priority": "high", "project": "car", "uuid": UUID},
        {"title": "Book «séance»", "priority": "medium", "tags": ["phone", "town"]},
        {"title": "Sweep", "priority": "low", "extra": {"todotxt": {"priority": "F"}}},
        {"title": "Read", "project": "books.scifi", "due": datetime(2026, 12, 5, tzinfo=UTC)},
        {
            "title": "Old",
            "priority": "high",
            "status": "done",
            "completed_at": datetime(2026, 11, 27, 12, tzinfo=UTC),
            "created_at": datetime(2026, 11, 20, 12, tzinfo=UTC),
        },
    )
]


@needs_todo_txt
def test_todo_txt_lists_and_prioritises_what_we_write(tmp_path):
    lines = [format_todotxt(task) for task in MIXED]
    (tmp_path / "todo.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    listed = todo_txt(tmp_path, "ls")
    assert sorted(listed) == sorted(f"{number} {line}" for number, line in enumerate(lines, 1))
    assert todo_txt(tmp_path, "listpri") == [
        f"1 (A) Renew insurance +car uuid:{UUID}",
        "2 (B) Book «séance» @phone @town",
        "3 (F) Sweep",
    ]
    assert todo_txt(tmp_path, "listproj") == ["+books.scifi", "+car"]
    assert todo_txt(tmp_path, "listcon") == ["@phone", "@town"]


@needs_todo_txt
def test_we_read_what_todo_txt_writes(tmp_path):
    (tmp_path / "todo.txt").write_text("", encoding="utf-8")
    first_day = date.today()
    todo_txt(tmp_path, "-t", "add", "Call Mom +Family @phone due:2026-12-24")
    todo_txt(tmp_path, "add", "Water plants")
    todo_txt(tmp_path, "pri", "1", "A")
    todo_txt(tmp_path, "pri", "2", "K")
    todo_txt(tmp_path, "-a", "do", "1")  # -a: stays in todo.txt, not archived
    lines = (tmp_path / "todo.txt").read_text(encoding="utf-8").splitlines()
    called, plants = parse_todotxt(lines)
    days = {
        datetime.combine(day, datetime.min.time()).astimezone() for day in (first_day, date.today())
    }
    assert called["status"] == "done"
    assert {called["completed_at"], called["created_at"]} <= days  # today (or past midnight)
    assert (called["title"], called["project"], called["tags"]) == ("Call Mom", "Family", ["phone"])
    assert called["due"].date() == date(2026, 12, 24)
    assert called["priority"] is None  # todo.txt-cli drops it on `do`
    assert (plants["status"], plants["priority"]) == ("pending", "low")
    assert plants["extra"]["todotxt"] == {"priority": "K"}
    assert [round_trip(line) for line in lines] == lines


def test_what_another_client_wrote_stays_on_one_line_and_reads_back():
    """A shared database holds whatever its other writers put there, extra included."""
    task = exported(
        {
            "title": "Pay\nx 2026-01-01 injected\x1b[2J",
            "project": "two words",
            "tags": ["ok", "a b", "", "tab\there"],
            "extra": {
                "todotxt": {
                    "projects": ["fine", 3, "sp ace"],
                    "keys": [["t", "1"], ["due", "2026-01-01"], ["a b", "c"], ["x"], "k:v"],
                    "contexts": None,
                    "text": 42,
                }
            },
        }
    )
    line = format_todotxt(task)
    # Names that are not one word cannot be a +project or @context: left out.
    assert line == "Pay\\nx 2026-01-01 injected\\x1b[2J @ok t:1"
    assert (one(line)["title"], one(line)["tags"]) == (
        "Pay\\nx 2026-01-01 injected\\x1b[2J",
        ["ok"],
    )


# Any line at all: read as a task or refused as one; a task read comes back from the
# line written for it (once stored, as the exporter hands it over: with its dates).
LINE = st.text(
    # No control characters: the importer refuses them in any field (validation.py).
    alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]),
    max_size=60,
) | st.lists(
    st.sampled_from(["x", "(A)", "(K)", "2026-11-26", "+p", "@c", "due:2026-12-01", "k:v", "w"]),
    max_size=8,
).map(" ".join)
STORED_AT = datetime(2026, 12, 3).astimezone()  # a day, as todo.txt can say it


@settings(max_examples=50, deadline=None)
@given(LINE)
def test_any_line_is_a_task_or_refused_and_a_task_survives_its_own_line(line):
    try:
        records = list(parse_todotxt([line]))
    except InvalidRecord:
        return
    assert len(records) <= 1
    for record in records:
        stored = exported({"created_at": STORED_AT, "updated_at": STORED_AT} | record)
        written = format_todotxt(stored)
        again = exported(one(written))
        for key in ("title", "status", "priority", "project", "tags", "due", "created_at"):
            assert again[key] == stored[key], key
        kept, kept_again = stored["extra"]["todotxt"], again["extra"]["todotxt"]
        assert {**kept, "text": None} == {**kept_again, "text": None}
        assert format_todotxt({**again, "updated_at": STORED_AT}) == written


def test_the_fixtures_come_back_through_the_database(cli, todo_env):
    """`todo import` then `todo export --format todotxt`: the lines as written, each
    ending in its uuid (so importing the export again changes nothing)."""
    pytest.importorskip("todo_cli.service.imports")  # the import/export commands (issue 16)
    lines = fixture_lines("todo.txt") + fixture_lines("done.txt")
    for name in ("todo.txt", "done.txt"):
        imported = cli("import", str(FIXTURES / name), "--format", "todotxt")
        assert imported.exit_code == 0, imported.stderr
    exported_lines = cli("export", "--format", "todotxt").stdout.splitlines()
    assert [line.rsplit(" uuid:", 1)[0] for line in exported_lines] == lines
    again = "\n".join(exported_lines) + "\n"
    assert cli("import", "-", "--format", "todotxt", input=again).exit_code == 0
    assert cli("export", "--format", "todotxt").stdout.splitlines() == exported_lines
