"""journal: a row's task checked per row, not hashed; an index for the task a row names

Revision ID: 0007
Revises: 0006

0004's policies on task_notes and task_journal asked EXISTS (a task of the
caller's with that id). The planner may run that EXISTS as a hash of all of
the caller's task ids, built before the first row is read: on a shared
database each of those tasks sits on its own heap page, so `todo log` among
1,000,000 tasks (100 users) read 10,000 pages to show 20 changes, ten times
as long as on a database of that user's tasks alone. The same check as a
scalar subquery (the task's owner, by primary key) is evaluated per row read.
Same rows pass, same rows are refused.

Deleting a task (undo of an add, purge) sets the task_id of its journal rows to
null (the foreign key's ON DELETE SET NULL), which, without an index on
task_id, read the whole journal, every user's: 8-13 ms per task deleted with
10,000 journal rows, 280-670 ms among 1,000,000. ix_task_journal_task_id.

Lock budget: DROP POLICY and CREATE POLICY take ACCESS EXCLUSIVE on the two
tables for the time of a catalog change; no row is read. The index is built
CONCURRENTLY (SHARE UPDATE EXCLUSIVE: the journal is read and written
meanwhile), outside the migration's transaction, as 0006's is; one an
interrupted run left behind is dropped first. Dropping it reads no row.
Create Date: 2026-12-03 19:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

from todo_cli.db import migration_lock, policies

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_task_journal_task_id"


def upgrade() -> None:
    with migration_lock.outside_transaction(revision=str(down_revision)):
        migration_lock.build_index_concurrently(INDEX, "task_journal", ["task_id"])
    for table in policies.TASK_REFERENCES:
        for statement in policies.replace_owner_rows(table, policies.owned_with_task(table)):
            op.execute(statement)


def downgrade() -> None:
    before = op.get_context().script.get_revision("0004").module
    for table in policies.TASK_REFERENCES:
        for statement in policies.replace_owner_rows(table, before.owned_with_task(table)):
            op.execute(statement)
    op.drop_index(INDEX, table_name="task_journal", if_exists=True)
