"""The import codecs alone (no database): layouts, line numbers, field mapping."""

from datetime import UTC, datetime

from todo_cli.interchange.detect import Format, detect
from todo_cli.interchange.jsonlines import parse_json
from todo_cli.interchange.jsonstream import json_values
from todo_cli.interchange.records import InvalidRecord
from todo_cli.interchange.taskwarrior import parse_taskwarrior

UUID = "c27922cc-852a-4760-9341-2aee9a31e66a"


def test_every_layout_gives_each_value_with_its_line():
    assert list(json_values('[\n{"a":1},\n{"a":2}\n]\n')) == [(2, {"a": 1}), (3, {"a": 2})]
    assert list(json_values('{"a":1}\n\n{"a":2}\n')) == [(1, {"a": 1}), (3, {"a": 2})]
    assert list(json_values('[\n  {\n    "a": 1\n  },\n  {"a": 2}\n]')) == [
        (2, {"a": 1}),
        (5, {"a": 2}),
    ]
    assert list(json_values('{"a":1}{"a":2}')) == [(1, {"a": 1}), (1, {"a": 2})]


def test_a_bad_line_is_named_and_reading_goes_on():
    found = list(json_values('{"a":1}\n{"a":\n{"a":3}\n'))
    assert found[0] == (1, {"a": 1})
    assert isinstance(found[1], InvalidRecord)
    assert found[1].line_no == 2
    assert found[2] == (3, {"a": 3})


def test_an_array_never_closed_is_refused():
    assert isinstance(list(json_values('[\n{"a":1},\n'))[-1], InvalidRecord)


def test_taskwarrior_fields_attributes_and_the_rest():
    line = (
        f'{{"uuid":"{UUID}","description":"Water","status":"waiting","entry":"20261126T055641Z",'
        '"tags":"a,b","depends":"' + UUID.upper() + '","size":"L","mask":"--","urgency":3,'
        '"wait":"2026-12-01T10:00:00+01:00"}'
    )
    (record,) = parse_taskwarrior(line, attributes={"size"})
    assert not isinstance(record, InvalidRecord)
    assert record["status"] == "pending"
    assert record["tags"] == ["a", "b"]  # Taskwarrior before 2.6: comma-separated strings
    assert record["depends"] == [UUID]
    assert record["created_at"] == datetime(2026, 11, 26, 5, 56, 41, tzinfo=UTC)
    assert record["wait"] == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert record["udas"] == {"size": "L"}
    assert record["extra"] == {"taskwarrior": {"mask": "--"}}  # urgency is computed: dropped


def test_taskwarrior_refusals_name_the_problem():
    reasons = [
        item.reason
        for item in parse_taskwarrior(
            '{"status":"pending"}\n{"description":"x","recur":"whenever"}\n'
            '{"description":"x","parent":"' + UUID + '"}\n{"description":"x","priority":"Z"}\n'
        )
        if isinstance(item, InvalidRecord)
    ]
    assert len(reasons) == 4
    assert "no description" in reasons[0]
    assert "whenever" in reasons[1]
    assert "imask" in reasons[2]
    assert "H, M, L" in reasons[3]


def test_json_links_are_resolved_in_either_order():
    records = list(parse_json('{"id":7,"title":"b","depends":[9]}\n{"id":9,"title":"a"}\n'))
    assert records[0]["depends"] == [records[1]["uuid"]]
    (missing,) = [r for r in parse_json('{"id":1,"title":"b","template":4}') if r]
    assert isinstance(missing, InvalidRecord)
    assert "id 4" in missing.reason


def test_the_format_is_read_from_the_content():
    assert detect('[\n{"description":"x"}\n]') is Format.TASKWARRIOR
    assert detect('{"title":"x"}\n') is Format.JSON
    assert detect("(A) Call mum +family\n") is Format.TODOTXT
    assert detect("[]") is Format.TASKWARRIOR
