import json

from todo_cli.errors import ExitCode


def test_add_then_list_json(cli, todo_env):
    added = cli("add", "Buy milk", "--json")
    assert added.exit_code == ExitCode.OK, added.stderr
    listed = cli("list", "--json")
    assert [task["title"] for task in json.loads(listed.stdout)] == ["Buy milk"]
