"""`todo import` / `todo export` through the real Typer app (issue 16).

The Taskwarrior fixture was written by the real Taskwarrior 2.6.2; where `task` is
installed, our export is fed back to it. Every refusal is exit 2, one line on
stderr naming the line, and nothing written.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.rows import insert_task
from tests.support import assert_fails, ok, run_todo
from todo_cli.errors import ExitCode

# A copy of ../shared/fixtures/taskwarrior/export.json, which `task export` 2.6.2 wrote.
FIXTURE = Path(__file__).parent / "fixtures" / "taskwarrior" / "export.json"
COMPUTED = ("id", "urgency")  # `task export` works them out; an import drops them
TASK = shutil.which("task")


@pytest.fixture(autouse=True)
def _database(todo_env):
    """Every test here talks to its own database."""


def every_task(cli) -> list[dict]:
    return json.loads(ok(cli, "list", "status:all", "--sort", "id", "--json").stdout)


def original() -> dict[str, dict]:
    tasks = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return {task["uuid"]: _without_computed(task) for task in tasks}


def _without_computed(task: dict) -> dict:
    return {key: value for key, value in task.items() if key not in COMPUTED}


def exported(cli, *args) -> dict[str, dict]:
    tasks = json.loads(ok(cli, "export", *args).stdout)
    return {task["uuid"]: task for task in tasks}


def test_the_taskwarrior_fixture_comes_back_whole(cli):
    result = ok(cli, "import", str(FIXTURE))
    assert "9 new" in result.stdout
    assert exported(cli) == original()  # notes with their times, depends, series, mask


def test_the_fixture_lands_in_todo_fields(cli):
    ok(cli, "import", str(FIXTURE))
    tasks = {task["title"]: task for task in every_task(cli)}
    slides = tasks["Prepare slides for Monday"]
    assert (slides["priority"], slides["project"], slides["tags"]) == (
        "high",
        "work.talks",
        ["slides"],
    )
    assert slides["notes"] == [
        {"text": "use the new template", "created_at": "2026-11-26T05:56:41+00:00"}
    ]
    assert tasks["Review PR #42"]["depends"] == [slides["id"]]
    assert tasks["Book dentist"]["wait"] == "2026-12-01T00:00:00+00:00"
    assert tasks["Email landlord about heating"]["completed_at"] == "2026-11-26T05:56:41+00:00"
    series = [task for task in every_task(cli) if task["title"] == "Backup laptop"]
    template = next(task for task in series if task["status"] == "recurring")
    assert [task["template"] for task in series if task is not template] == [template["id"]]


def test_a_second_import_changes_nothing(cli):
    ok(cli, "import", str(FIXTURE))
    before = every_task(cli)
    assert "0 new, 0 updated, 9 unchanged" in ok(cli, "import", str(FIXTURE)).stdout
    assert every_task(cli) == before
    assert len(json.loads(ok(cli, "log", "--json").stdout)) == 1


def test_known_and_new_tasks_in_one_file_are_counted_apart(cli, tmp_path):
    ok(cli, "import", str(FIXTURE))
    known = {task["id"] for task in every_task(cli)}
    tasks = json.loads(FIXTURE.read_text(encoding="utf-8"))
    fresh = {"description": "Something new", "status": "pending", "entry": "20261201T000000Z"}
    (tmp_path / "more.json").write_text(json.dumps([*tasks, fresh]), encoding="utf-8")
    result = ok(cli, "import", str(tmp_path / "more.json"))
    assert "imported 10 tasks" in result.stdout
    assert "1 new, 0 updated, 9 unchanged" in result.stdout
    (added,) = [task for task in every_task(cli) if task["id"] not in known]
    assert (added["title"], added["id"]) == ("Something new", max(known) + 1)


def test_a_changed_task_is_updated_and_undo_puts_it_back(cli, tmp_path):
    ok(cli, "import", str(FIXTURE))
    before = every_task(cli)
    edited = FIXTURE.read_text(encoding="utf-8").replace("Book dentist", "Book the dentist")
    (tmp_path / "edited.json").write_text(edited, encoding="utf-8")
    assert "1 updated, 8 unchanged" in ok(cli, "import", str(tmp_path / "edited.json")).stdout
    assert "Book the dentist" in {task["title"] for task in every_task(cli)}
    ok(cli, "undo")  # moves updated_at, as every undo does
    assert _unstamped(every_task(cli)) == _unstamped(before)


def _unstamped(tasks: list[dict]) -> list[dict]:
    return [{**task, "updated_at": None} for task in tasks]


def test_undo_takes_a_whole_import_back(cli):
    ok(cli, "add", "Mine")
    ok(cli, "import", str(FIXTURE))
    ok(cli, "undo")
    assert [task["title"] for task in every_task(cli)] == ["Mine"]


def test_json_lines_bring_the_tasks_back_with_their_links(cli, tmp_path):
    ok(cli, "import", str(FIXTURE))
    before = every_task(cli)
    (tmp_path / "tasks.jsonl").write_text(ok(cli, "export", "--format", "jsonl").stdout)
    ok(cli, "undo")
    assert every_task(cli) == []
    ok(cli, "import", str(tmp_path / "tasks.jsonl"))  # the format read from the content
    after = every_task(cli)
    assert _by_uuid(after) == _by_uuid(before)


def _by_uuid(tasks: list[dict]) -> dict[str, dict]:
    """The tasks keyed by uuid, their links as uuids (numbers are never reused)."""
    uuids = {task["id"]: task["uuid"] for task in tasks}
    return {
        task["uuid"]: {
            **task,
            "id": None,
            "depends": [uuids[number] for number in task["depends"]],
            "template": uuids.get(task["template"]),
        }
        for task in tasks
    }


def test_stdin_and_an_output_file(cli, tmp_path):
    ok(cli, "import", "-", input=FIXTURE.read_text(encoding="utf-8"))
    target = tmp_path / "out.json"
    assert ok(cli, "export", "-o", str(target)).stdout == ""
    assert {task["uuid"] for task in json.loads(target.read_text(encoding="utf-8"))} == set(
        original()
    )


def test_an_empty_export_is_an_empty_array_and_imports_nothing(cli):
    assert json.loads(ok(cli, "export").stdout) == []
    assert ok(cli, "export", "--format", "jsonl").stdout == ""
    assert "imported 0 tasks" in ok(cli, "import", "-", input="[\n]\n").stdout


LINES = FIXTURE.read_text(encoding="utf-8").splitlines()


def with_line(number: int, text: str) -> str:
    """The fixture with its line ``number`` (1-based; line 1 is '[') replaced."""
    lines = list(LINES)
    lines[number - 1] = text
    return "\n".join(lines) + "\n"


BAD = {
    "truncated JSON": FIXTURE.read_text(encoding="utf-8")[:700],
    "a bad date": with_line(2, LINES[1].replace('"due":"20261129T000000Z"', '"due":"20261329"')),
    "tags of the wrong type": with_line(2, LINES[1].replace('["weekly"]', "7")),
    "a status todo does not know": with_line(2, LINES[1].replace('"pending"', '"someday"')),
    "a 10 MB title": with_line(2, LINES[1].replace("Water the plants", "x" * 10_000_000)),
    "a dependency on nothing": with_line(
        5,
        LINES[4].replace(
            "2bd1e8ff-795c-47d7-ae55-4b721d705637", "0" * 8 + "-0000-4000-8000-" + "0" * 12
        ),
    ),
    "a repeated uuid": "[\n" + LINES[1] + "\n" + LINES[1] + "\n]\n",
}


@pytest.mark.parametrize("name", BAD)
def test_a_bad_record_is_exit_2_naming_its_line_and_nothing_is_written(cli, tmp_path, name):
    ok(cli, "add", "Mine")
    before = every_task(cli)
    path = tmp_path / "bad.json"
    path.write_text(BAD[name], encoding="utf-8")
    message = assert_fails(cli("import", str(path), "--format", "taskwarrior"), ExitCode.USAGE)
    assert "line " in message
    assert "nothing imported" in message
    assert len(message) < 300  # the 10 MB title is not echoed back
    assert every_task(cli) == before


def test_invalid_utf8_is_refused_with_its_line(cli, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(FIXTURE.read_bytes().replace("Café".encode(), "Café".encode("latin-1")))
    message = assert_fails(cli("import", str(path)), ExitCode.USAGE)
    assert "line 7 is not valid UTF-8" in message
    assert every_task(cli) == []


def test_skip_invalid_imports_the_rest_and_names_each_skipped_line(cli, tmp_path):
    path = tmp_path / "some-bad.json"
    path.write_text(BAD["a bad date"].replace('"20261130T090000Z"', '"soon"'), encoding="utf-8")
    result = ok(cli, "import", str(path), "--skip-invalid")
    assert result.stderr.count("skipped") == 3
    assert "line 2:" in result.stderr
    assert "line 3:" in result.stderr
    # Line 5's task depends on line 3's: skipped with it, as its dependency is not there.
    assert "line 5:" in result.stderr
    assert "6 new" in result.stdout


def test_an_unreadable_file_is_exit_2(cli, tmp_path):
    assert_fails(cli("import", str(tmp_path / "absent.json")), ExitCode.USAGE)


@pytest.mark.skipif(TASK is None, reason="Taskwarrior (`task`) is not installed")
def test_the_real_taskwarrior_reads_our_export_back(cli, tmp_path):
    ok(cli, "import", str(FIXTURE))
    theirs = through_taskwarrior(ok(cli, "export").stdout, tmp_path)
    assert {task["uuid"]: _without_computed(task) for task in json.loads(theirs)} == original()


LONG_TEXT = 'a long text:\nits second line, a tab\there, "quotes", \\ and 🦀'


@pytest.mark.skipif(TASK is None, reason="Taskwarrior (`task`) is not installed")
def test_the_description_goes_through_taskwarrior_and_back(cli, tmp_path):
    """todo's long text rides as a key `task import` keeps (an orphan UDA) and writes back."""
    task = {"uuid": "00000000-0000-4000-8000-000000000001", "description": "Title",
            "entry": "20261101T000000Z", "todo_description": LONG_TEXT}  # fmt: skip
    ok(cli, "import", "-", input=json.dumps([task]))
    assert [each["description"] for each in every_task(cli)] == [LONG_TEXT]
    ours = ok(cli, "export").stdout
    assert [each["todo_description"] for each in json.loads(ours)] == [LONG_TEXT]
    assert json.loads(ok(cli, "export", "--format", "jsonl").stdout)["extra"] == {}  # not twice
    theirs = through_taskwarrior(ours, tmp_path)
    assert json.loads(theirs)[0]["todo_description"] == LONG_TEXT
    ok(cli, "undo")
    ok(cli, "import", "-", input=theirs)
    assert [each["description"] for each in every_task(cli)] == [LONG_TEXT]
    assert [each["todo_description"] for each in json.loads(ok(cli, "export").stdout)] == [
        LONG_TEXT
    ]


def through_taskwarrior(export: str, tmp_path) -> str:
    """``export`` imported by the real `task` into its own data, and its `task export`."""
    ours = tmp_path / "ours.json"
    ours.write_text(export, encoding="utf-8")
    data = tmp_path / "taskdata"
    data.mkdir()
    rc = tmp_path / "taskrc"
    # recurrence=off: `task` would otherwise add the series' next instances on export.
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\nrecurrence=off\n"
    )
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(data))
    task = [str(TASK), "rc.confirmation=off"]
    subprocess.run(
        [*task, "import", str(ours)], env=env, check=True, capture_output=True, timeout=60
    )
    result = subprocess.run([*task, "export"], env=env, check=True, capture_output=True, timeout=60)
    return result.stdout.decode()


def test_todotxt_goes_through_its_codec(cli, tmp_path):
    pytest.importorskip("todo_cli.interchange.todotxt")
    path = tmp_path / "todo.txt"
    path.write_text(
        "(A) Call mum +family @phone due:2026-12-01\nx 2026-11-20 Pay rent\n", encoding="utf-8"
    )
    ok(cli, "import", str(path))
    titles = {task["title"] for task in every_task(cli)}
    assert len(titles) == 2
    assert "Call mum" in ok(cli, "export", "--format", "todotxt").stdout


@pytest.mark.installed
def test_export_piped_to_import_on_the_installed_todo(database_url, tmp_path):
    env = dict(os.environ, TODO_DATABASE_URL=database_url)
    assert run_todo(env, "import", str(FIXTURE)).returncode == 0
    exported_lines = run_todo(env, "export", "--format", "jsonl")
    assert exported_lines.returncode == 0, exported_lines.stderr
    again = run_todo(env, "import", "-", input=exported_lines.stdout)
    assert again.returncode == 0, again.stderr
    assert "0 new, 0 updated, 9 unchanged" in again.stdout


# What COPY's text format escapes (backslash, newline, tab), what JSON escapes
# (quotes, control characters), what neither does (non-BMP, U+2028, DEL, C1).
TRICKY = (
    "back\\slash, \\n is not a newline, \\\\ two",
    "quote \" and ' apostrophe",
    "new\nline\ttab\rreturn",
    "crab 🦀, separators \u2028 \u2029, DEL \x7f, CSI \x9b, é",
)


def test_the_exports_carry_tricky_text_exactly(cli, todo_env):
    """Written as another client could (todo refuses control characters in a title)."""
    for title in TRICKY:
        insert_task(todo_env, title, description=title)
    written = ok(cli, "export").stdout
    assert written.startswith("[\n{")
    assert written.endswith("}\n]\n")
    assert [task["description"] for task in json.loads(written)] == list(TRICKY)
    lines = ok(cli, "export", "--format", "jsonl").stdout.split("\n")[:-1]  # U+2028 kept raw
    assert [json.loads(line)["title"] for line in lines] == list(TRICKY)
    assert [task["title"] for task in every_task(cli)] == list(TRICKY)
