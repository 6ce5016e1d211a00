"""Row-level security and grants, as SQL statements generated per table.

The migrations apply ``enable_rls``/``disable_rls`` to each table that holds a
person's rows; ``todo db grant`` runs ``grant_statements`` for the shared
login role. Identifiers are quoted here; nothing user-typed is pasted raw.
"""

from __future__ import annotations

# Tables whose rows belong to one person through a ``user_id`` column.
PERSONAL_TABLES: tuple[str, ...] = ("tasks", "task_notes", "task_journal")
# Sequences the shared role draws from besides the tables' own id columns.
SHARED_SEQUENCES: tuple[str, ...] = ("task_journal_change_id_seq",)
# The session function: wrapped in a scalar subquery in every policy so the
# planner evaluates it once per statement (an InitPlan), not once per row.
SESSION_USER = "(SELECT todo_session_user())"
# Callable by the shared role; everything else about accounts is not.
AUTH_FUNCTIONS: tuple[str, ...] = (
    "todo_session_user()",
    "todo_accounts_exist()",
    "todo_whoami()",
    "todo_register(text, bytea, integer, integer, integer, bytea, boolean)",
    "todo_login_params(text)",
    "todo_login(text, bytea, text, integer)",
    "todo_logout()",
)
# Never granted: password verifiers, session hashes, the fake-salt key.
SECRET_TABLES: tuple[str, ...] = ("user_credentials", "user_sessions", "todo_auth")


def quote(identifier: str) -> str:
    """A PostgreSQL identifier, double-quoted (what ``quote_ident`` does, always quoting)."""
    return '"' + identifier.replace('"', '""') + '"'


def enable_rls(table: str, column: str = "user_id") -> list[str]:
    """Forced row-level security: only the session's user sees or writes a row of ``table``."""
    name = quote(table)
    owner = f"{quote(column)} = {SESSION_USER}"
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY owner_rows ON {name} USING ({owner}) WITH CHECK ({owner})",
    ]


def disable_rls(table: str) -> list[str]:
    name = quote(table)
    return [
        f"DROP POLICY IF EXISTS owner_rows ON {name}",
        f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
    ]


def grant_statements(role: str, schema: str, sequences: list[str]) -> list[str]:
    """What the shared login role needs, and nothing on the secret tables."""
    who = quote(role)
    tables = ", ".join(quote(table) for table in PERSONAL_TABLES)
    statements = [
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {who}",
        # Users are created by todo_register; a person may bump their own counter only.
        f"GRANT SELECT, UPDATE (last_task_number, updated_at) ON users TO {who}",
        # Every command compares the schema revision with the one it knows.
        f"GRANT SELECT ON alembic_version TO {who}",
    ]
    every_sequence = [*sequences, *(quote(name) for name in SHARED_SEQUENCES)]
    statements += [f"GRANT USAGE ON SEQUENCE {sequence} TO {who}" for sequence in every_sequence]
    statements += [f"GRANT EXECUTE ON FUNCTION {function} TO {who}" for function in AUTH_FUNCTIONS]
    return statements
