"""reports: a covering index of the user's tasks for summaries and reports

Revision ID: 0006
Revises: 0005

`todo projects`, `summary`, `history`, `ghistory` and `burndown` count a user's
tasks by status, project and timestamps. Through ix_tasks_user_status_due they
visit every heap page that holds one of the user's rows, and on a shared
database those pages hold everyone else's rows too: at 1,000,000 tasks across
100 users `todo projects` read 7,500 pages where the user's 10,000 alone fill
500, and took about twice as long. This index carries what the reports read, so
they are index-only scans of the user's entries (flat in other users' data).

Lock budget: the index is built CONCURRENTLY (SHARE UPDATE EXCLUSIVE: tasks is
read and written meanwhile), outside the migration's transaction, as 0005's
indexes are; one an interrupted run left behind (perhaps INVALID) is dropped
first. Dropping it reads no row.
Create Date: 2026-12-03 16:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

from todo_cli.db import migration_lock

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models.REPORT_COLUMNS as of this revision (a later change to the model must not
# change what this revision built).
INDEX = "ix_tasks_user_reports"
REPORT_COLUMNS = ["project", "created_at", "completed_at", "started_at", "updated_at"]


def upgrade() -> None:
    with migration_lock.outside_transaction(revision=str(down_revision)):
        migration_lock.build_index_concurrently(
            INDEX, "tasks", ["user_id", "status"], postgresql_include=REPORT_COLUMNS
        )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tasks", if_exists=True)
