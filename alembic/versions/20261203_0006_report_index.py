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

Lock budget: the index is built while the table takes no writes (CREATE INDEX;
a few seconds at 1,000,000 rows). It is to be built CONCURRENTLY, outside the
migration's transaction, once the migration runner lets a revision leave its
transaction (autocommit_block), as 0005's indexes will be.
Create Date: 2026-12-03 16:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models.REPORT_COLUMNS as of this revision (a later change to the model must not
# change what this revision built).
REPORT_COLUMNS = ["project", "created_at", "completed_at", "started_at", "updated_at"]


def upgrade() -> None:
    op.create_index(
        "ix_tasks_user_reports",
        "tasks",
        ["user_id", "status"],
        postgresql_include=REPORT_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_user_reports", table_name="tasks")
