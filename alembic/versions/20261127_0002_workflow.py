"""workflow: started_at, task notes, the change journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One number per command: every journal row a command writes shares it.
CHANGE_SEQUENCE = "task_journal_change_id_seq"


def owner() -> sa.Column:
    return sa.Column("user_id", sa.BigInteger(), nullable=False)


def created_at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.add_column("tasks", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "task_notes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        owner(),
        sa.Column("text", sa.Text(), nullable=False),
        created_at("created_at"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_notes_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_notes")),
    )
    op.create_index("ix_task_notes_task_id_id", "task_notes", ["task_id", "id"], unique=False)
    op.execute(sa.schema.CreateSequence(sa.Sequence(CHANGE_SEQUENCE)))
    op.create_table(
        "task_journal",
        sa.Column("id", sa.BigInteger(), nullable=False),
        owner(),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=True),
        sa.Column("task_number", sa.Integer(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        created_at("changed_at"),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_journal_task_id_tasks"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_journal_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_journal")),
    )
    op.create_index(
        "ix_task_journal_user_change", "task_journal", ["user_id", sa.text("change_id DESC")], unique=False
    )
    op.create_index(
        "ix_task_journal_user_task_number", "task_journal", ["user_id", "task_number"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_task_journal_user_task_number", table_name="task_journal")
    op.drop_index("ix_task_journal_user_change", table_name="task_journal")
    op.drop_table("task_journal")
    op.execute(sa.schema.DropSequence(sa.Sequence(CHANGE_SEQUENCE)))
    op.drop_index("ix_task_notes_task_id_id", table_name="task_notes")
    op.drop_table("task_notes")
    op.drop_column("tasks", "started_at")
