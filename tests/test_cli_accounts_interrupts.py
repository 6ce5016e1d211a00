"""Account commands change the database for good: a Ctrl-C after their COMMIT says so."""

from sqlalchemy import text

from todo_cli.cli.accounts import _in_transaction
from todo_cli.cli.app import interrupted
from todo_cli.cli.environment import Environment


def test_an_account_transaction_tells_the_watch_its_change_was_saved(todo_env):
    env = Environment.from_process()
    answer = _in_transaction(lambda session: session.scalar(text("SELECT 1")), env)
    assert answer == 1
    assert env.interrupts.saved == "final"
    assert interrupted(env.interrupts.saved) == "interrupted after the change was saved"
