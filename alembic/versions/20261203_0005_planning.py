"""planning: wait, scheduled, until, recurrence, dependencies, contexts, UDAs

Revision ID: 0005
Revises: 0004

Tasks gain wait/scheduled/until, a recurrence (recur, rtype, the template an
instance belongs to and its occurrence, unique together so a series' next
instance exists once), depends (the uuids of the tasks it waits for) and udas
(user-defined attributes' values) and extra (what an import carried that todo
does not act on, written back on export). Templates get their own status, recurring.
Two personal tables: contexts (named filters) and attribute_definitions (UDAs),
under the same row-level security and grants as the others; users.context
names the active context.

Lock budget (the admin's table is big; one `todo db upgrade` is one transaction,
so every lock is held to its end): one ALTER TABLE reads the table once; the
new indexes are partial over columns empty at first (see ALTER_TASKS).
Every step is SQL, so `todo db upgrade --sql` prints all of it.
Create Date: 2026-12-03 12:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from todo_cli.db import policies

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES: tuple[str, ...] = ("contexts", "attribute_definitions")
OLD_STATUSES = "'pending', 'done', 'deleted'"
STATUSES = "'pending', 'done', 'deleted', 'recurring'"
NEW_COLUMNS: tuple[str, ...] = (
    *("wait timestamptz", "scheduled timestamptz", "until timestamptz", "recur text"),
    *("rtype varchar(8)", "template_id bigint", "occurrence integer"),
    *("depends uuid[] NOT NULL DEFAULT '{}'", "udas jsonb NOT NULL DEFAULT '{}'"),
    "extra jsonb NOT NULL DEFAULT '{}'",
)
# One statement that reads no row: the columns' defaults are constants (no
# rewrite), widening a varchar is a catalog change, and the constraints are taken
# on trust (NOT VALID), which every row already there meets by construction (its
# new columns are null, and the status list only grew). They hold for every row
# written from now on; validating them would scan the table under this lock.
ALTER_TASKS = (
    "ALTER TABLE tasks "
    + ", ".join(f"ADD COLUMN {column}" for column in NEW_COLUMNS)
    + ", ALTER COLUMN status TYPE varchar(9), DROP CONSTRAINT ck_tasks_status"
    + f", ADD CONSTRAINT ck_tasks_status CHECK (status IN ({STATUSES})) NOT VALID"
    + ", ADD CONSTRAINT ck_tasks_rtype CHECK (rtype IN ('periodic', 'chained')) NOT VALID"
    + ", ADD CONSTRAINT ck_tasks_occurrence"
    " CHECK (template_id IS NULL OR occurrence IS NOT NULL) NOT VALID"
    + ", ADD CONSTRAINT fk_tasks_template_id_tasks FOREIGN KEY (template_id)"
    " REFERENCES tasks (id) ON DELETE SET NULL NOT VALID"
)


def upgrade() -> None:
    op.execute(ALTER_TASKS)
    # Partial: every existing row has neither, so building them reads the table once
    # and sorts nothing (the lock budget), and they stay as small as their use.
    op.create_index(
        "ux_tasks_template_occurrence",
        "tasks",
        ["template_id", "occurrence"],
        unique=True,
        postgresql_where=sa.text("template_id IS NOT NULL"),
    )
    op.create_index(
        "ix_tasks_depends",
        "tasks",
        ["depends"],
        postgresql_using="gin",
        postgresql_where=sa.text("depends <> '{}'"),
    )
    # Filters by user-defined attributes: udas @> '{"size": "L"}' and udas ? 'size'.
    op.create_index(
        "ix_tasks_udas",
        "tasks",
        ["udas"],
        postgresql_using="gin",
        postgresql_where=sa.text("udas <> '{}'::jsonb"),
    )
    op.create_index(
        "ix_tasks_user_until",
        "tasks",
        ["user_id", "until"],
        postgresql_where=sa.text("status = 'pending' AND until IS NOT NULL"),
    )
    op.add_column("users", sa.Column("context", sa.Text(), nullable=True))
    _create_contexts()
    _create_attribute_definitions()
    for table in NEW_TABLES:
        for statement in policies.enable_rls(table):
            op.execute(statement)
        op.execute(policies.grant_like_tasks(table))
    op.execute(policies.regrant_writes("tasks"))
    op.execute(policies.grant_user_columns())


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    op.drop_column("users", "context")
    op.drop_index("ix_tasks_udas", table_name="tasks")
    op.drop_index("ix_tasks_user_until", table_name="tasks")
    op.drop_index("ix_tasks_depends", table_name="tasks")
    op.drop_index("ux_tasks_template_occurrence", table_name="tasks")
    # 0004 knows no templates: a series' template becomes a deleted task (its
    # instances stay as the plain tasks they are).
    op.execute("UPDATE tasks SET status = 'deleted' WHERE status = 'recurring'")
    op.execute(
        "ALTER TABLE tasks DROP CONSTRAINT ck_tasks_status, "
        f"ADD CONSTRAINT ck_tasks_status CHECK (status IN ({OLD_STATUSES})), "
        + ", ".join(f"DROP COLUMN {column.split()[0]}" for column in reversed(NEW_COLUMNS))
    )
    # status stays varchar(9): narrowing it would rewrite the table under an ACCESS
    # EXCLUSIVE lock, and 0004's check already keeps every value within 7 letters.
    op.execute(policies.regrant_writes("tasks"))


def _owner() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("user_id", sa.BigInteger(), nullable=False)


def _identity() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False)


def _created_at() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _create_contexts() -> None:
    op.create_table(
        "contexts",
        _identity(),
        _owner(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("words", postgresql.ARRAY(sa.Text()), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_contexts_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contexts"),
    )
    op.create_index("ux_contexts_user_name", "contexts", ["user_id", "name"], unique=True)


def _create_attribute_definitions() -> None:
    op.create_table(
        "attribute_definitions",
        _identity(),
        _owner(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("allowed", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("coefficient", sa.Float(), server_default="0", nullable=False),
        sa.Column(
            "value_coefficients", postgresql.JSONB(), server_default="{}", nullable=False
        ),
        _created_at(),
        sa.CheckConstraint(
            "type IN ('string', 'numeric', 'date', 'duration')",
            name="ck_attribute_definitions_type",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_attribute_definitions_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attribute_definitions"),
    )
    op.create_index(
        "ux_attribute_definitions_user_name",
        "attribute_definitions",
        ["user_id", "name"],
        unique=True,
    )
