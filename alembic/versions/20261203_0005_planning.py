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

Lock budget (the admin's table is big): ACCESS EXCLUSIVE on tasks only for
statements that read no row. Going up, one ALTER TABLE in a transaction of its
own, then the indexes built CONCURRENTLY outside any transaction, then the rest
with the version. Going down, the columns go in one short ALTER, then the rows
and the status check are fixed outside it. A run that stops between those
steps leaves the version where it was, and every step before the version's
is written to run again (IF NOT EXISTS, a dropped-and-rebuilt index: a build
killed halfway leaves an INVALID index behind, which IF NOT EXISTS would keep).
Every step is SQL, so `todo db upgrade --sql` prints all of it.
Create Date: 2026-12-03 12:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from todo_cli.db import migration_lock, policies

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
# Run again after a run that stopped before the version (see the docstring), it
# adds nothing twice: columns IF NOT EXISTS, constraints dropped and added again.
ALTER_TASKS = (
    "ALTER TABLE tasks "
    + ", ".join(f"ADD COLUMN IF NOT EXISTS {column}" for column in NEW_COLUMNS)
    + ", ALTER COLUMN status TYPE varchar(9), DROP CONSTRAINT ck_tasks_status"
    + f", ADD CONSTRAINT ck_tasks_status CHECK (status IN ({STATUSES})) NOT VALID"
    + ", DROP CONSTRAINT IF EXISTS ck_tasks_rtype"
    + ", ADD CONSTRAINT ck_tasks_rtype CHECK (rtype IN ('periodic', 'chained')) NOT VALID"
    + ", DROP CONSTRAINT IF EXISTS ck_tasks_occurrence"
    + ", ADD CONSTRAINT ck_tasks_occurrence"
    " CHECK (template_id IS NULL OR occurrence IS NOT NULL) NOT VALID"
    + ", DROP CONSTRAINT IF EXISTS fk_tasks_template_id_tasks"
    + ", ADD CONSTRAINT fk_tasks_template_id_tasks FOREIGN KEY (template_id)"
    " REFERENCES tasks (id) ON DELETE SET NULL NOT VALID"
)
# Partial: every existing row has none of these, and they stay as small as their use.
# name -> (columns, unique, method, predicate)
INDEXES: dict[str, tuple[list[str], bool, str, str]] = {
    "ux_tasks_template_occurrence": (
        ["template_id", "occurrence"],
        True,
        "btree",
        "template_id IS NOT NULL",
    ),
    "ix_tasks_depends": (["depends"], False, "gin", "depends <> '{}'"),
    # Filters by user-defined attributes: udas @> '{"size": "L"}' and udas ? 'size'.
    "ix_tasks_udas": (["udas"], False, "gin", "udas <> '{}'::jsonb"),
    "ix_tasks_user_until": (
        ["user_id", "until"],
        False,
        "btree",
        "status = 'pending' AND until IS NOT NULL",
    ),
}


def upgrade() -> None:
    op.execute(ALTER_TASKS)
    with migration_lock.outside_transaction(revision=str(down_revision)):
        for name in INDEXES:
            _build_index_concurrently(name)
    op.add_column("users", sa.Column("context", sa.Text(), nullable=True))
    _create_contexts()
    _create_attribute_definitions()
    for table in NEW_TABLES:
        for statement in policies.enable_rls(table):
            op.execute(statement)
        op.execute(policies.grant_like_tasks(table))
    op.execute(policies.regrant_writes("tasks"))
    op.execute(policies.grant_user_columns())


def _build_index_concurrently(name: str) -> None:
    columns, unique, method, predicate = INDEXES[name]
    migration_lock.build_index_concurrently(
        name,
        "tasks",
        columns,
        unique=unique,
        postgresql_using=method,
        postgresql_where=sa.text(predicate),
    )


def downgrade() -> None:
    # IF EXISTS throughout: a run that stopped before the version can run again.
    for table in reversed(NEW_TABLES):
        op.drop_table(table, if_exists=True)
    op.drop_column("users", "context", if_exists=True)
    # Plain DROP INDEX: the ALTER below takes ACCESS EXCLUSIVE on tasks anyway, and
    # dropping reads no row (CONCURRENTLY would only add a wait for other transactions).
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="tasks", if_exists=True)
    # The check goes back on trust: validating it here would scan the table under
    # the ALTER's lock. From here on no row can become 'recurring'.
    op.execute(
        "ALTER TABLE tasks DROP CONSTRAINT ck_tasks_status, "
        f"ADD CONSTRAINT ck_tasks_status CHECK (status IN ({OLD_STATUSES})) NOT VALID, "
        + ", ".join(
            f"DROP COLUMN IF EXISTS {column.split()[0]}" for column in reversed(NEW_COLUMNS)
        )
    )
    # status stays varchar(9): narrowing it would rewrite the table under an ACCESS
    # EXCLUSIVE lock, and 0004's check already keeps every value within 7 letters.
    op.execute(policies.regrant_writes("tasks"))
    with migration_lock.outside_transaction(revision=revision):
        # 0004 knows no templates: a series' template becomes a deleted task (its
        # instances stay as the plain tasks they are). Then the check is validated
        # (SHARE UPDATE EXCLUSIVE: reads and writes go on), as 0004 made it.
        op.execute("UPDATE tasks SET status = 'deleted' WHERE status = 'recurring'")
        op.execute("ALTER TABLE tasks VALIDATE CONSTRAINT ck_tasks_status")


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
