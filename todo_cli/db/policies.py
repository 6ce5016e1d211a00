"""Row-level security and grants, as SQL statements generated per table.

The migrations apply ``enable_rls``/``disable_rls`` to each table that holds a
person's rows; ``todo db grant`` runs ``grant_statements`` for the shared
login role. Identifiers are quoted here; nothing user-typed is pasted raw.

The shared role never chooses an id: ids are identity columns (``GENERATED
ALWAYS``, migration 0004), and since ``OVERRIDING SYSTEM VALUE`` needs no
privilege of its own, the role may insert and update only the other columns
(column privileges). A migration that adds a column to a personal table runs
``regrant_writes`` so the roles already granted can write it too.
"""

from __future__ import annotations

# Tables whose rows belong to one person through a ``user_id`` column.
PERSONAL_TABLES: tuple[str, ...] = (
    *("tasks", "task_notes", "task_journal", "contexts", "attribute_definitions"),
)
# Personal tables whose rows also name a task (``task_id``): that task must be
# the caller's too; True where the column may be null (a purged task's history).
TASK_REFERENCES: dict[str, bool] = {"task_notes": False, "task_journal": True}
# Sequences the shared role draws from (ids are identity columns: no grant needed).
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
# The columns of ``users`` a person may update on their own row.
USER_COLUMNS = "last_task_number, updated_at, context"
# Never granted: password verifiers, session hashes, the fake-salt key.
SECRET_TABLES: tuple[str, ...] = ("user_credentials", "user_sessions", "todo_auth")


def quote(identifier: str) -> str:
    """A PostgreSQL identifier, double-quoted (what ``quote_ident`` does, always quoting)."""
    return '"' + identifier.replace('"', '""') + '"'


def owned(column: str = "user_id") -> str:
    """The row's ``column`` names the session's user."""
    return f"{quote(column)} = {SESSION_USER}"


def owned_with_task(table: str) -> str:
    """The row is the session user's, and so is the task it names (when it names one).

    Checked in USING and WITH CHECK alike, before any foreign key: a task id of
    another account and one that does not exist are refused the same way.
    The owner is looked up per row (one probe of the tasks' primary key), not
    with EXISTS: the planner may hash an EXISTS, reading all of the user's
    tasks before the first row, one heap page each on a shared database
    (`todo log` read 10,000 pages among 1,000,000 tasks to show 20 changes).
    """
    task = f"{quote(table)}.{quote('task_id')}"
    mine = f"(SELECT t.user_id FROM tasks t WHERE t.id = {task}) = {SESSION_USER}"
    if TASK_REFERENCES[table]:
        mine = f"({task} IS NULL OR {mine})"
    return f"{owned()} AND {mine}"


def owner_rows(table: str, predicate: str) -> str:
    """The one policy of a personal table: ``predicate`` for reading and for writing."""
    name = quote(table)
    return f"CREATE POLICY owner_rows ON {name} USING ({predicate}) WITH CHECK ({predicate})"


def replace_owner_rows(table: str, predicate: str) -> list[str]:
    return [f"DROP POLICY owner_rows ON {quote(table)}", owner_rows(table, predicate)]


def enable_rls(table: str, column: str = "user_id") -> list[str]:
    """Forced row-level security: only the session's user sees or writes a row of ``table``."""
    name = quote(table)
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        owner_rows(table, owned(column)),
    ]


def disable_rls(table: str) -> list[str]:
    name = quote(table)
    return [
        f"DROP POLICY IF EXISTS owner_rows ON {name}",
        f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
    ]


def grant_statements(role: str, schema: str, writable: dict[str, list[str]]) -> list[str]:
    """What the shared login role needs, and nothing on the secret tables.

    ``writable`` names, per personal table, the columns the role may insert and
    update: all but the identity ones. A table-wide INSERT or UPDATE (what a
    grant before 0004 gave) is revoked first, which also clears old column grants.
    """
    who = quote(role)
    tables = ", ".join(quote(table) for table in PERSONAL_TABLES)
    statements = [
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}",
        f"GRANT SELECT, DELETE ON {tables} TO {who}",
        f"REVOKE INSERT, UPDATE ON {tables} FROM {who}",
    ]
    for table in PERSONAL_TABLES:
        columns = ", ".join(quote(column) for column in writable[table])
        privileges = f"INSERT ({columns}), UPDATE ({columns})"
        statements.append(f"GRANT {privileges} ON {quote(table)} TO {who}")
    statements += [
        # Users are created by todo_register; a person may bump their own counter only.
        # and choose their active context.
        f"GRANT SELECT, UPDATE ({USER_COLUMNS}) ON users TO {who}",
        # Every command compares the schema revision with the one it knows.
        f"GRANT SELECT ON alembic_version TO {who}",
    ]
    statements += [f"GRANT USAGE ON SEQUENCE {quote(name)} TO {who}" for name in SHARED_SEQUENCES]
    statements += [f"GRANT EXECUTE ON FUNCTION {function} TO {who}" for function in AUTH_FUNCTIONS]
    return statements


def regrant_writes(table: str) -> str:
    """Every role that may write ``table`` may write exactly its non-identity columns.

    One DO block, so offline SQL (``--sql``) carries it: the column list and the
    roles are read from the catalog when it runs. A table-wide INSERT/UPDATE is
    revoked (that clears the column grants too) and granted again per column.
    """
    return f"""
DO $regrant$
DECLARE
    target regclass := to_regclass({literal(quote(table))});
    writable text;
    writer record;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO writable
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '';
    FOR writer IN
        SELECT DISTINCT acl.privilege_type AS privilege,
               CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                    ELSE quote_ident(pg_get_userbyid(acl.grantee)) END AS role
          FROM pg_class c
         CROSS JOIN LATERAL (SELECT c.relacl AS privileges
                             UNION ALL
                             SELECT a.attacl FROM pg_attribute a
                              WHERE a.attrelid = c.oid AND a.attnum > 0) granted
         CROSS JOIN LATERAL aclexplode(granted.privileges) acl
         WHERE c.oid = target AND acl.grantee <> c.relowner
           AND acl.privilege_type IN ('INSERT', 'UPDATE')
    LOOP
        EXECUTE 'REVOKE ' || writer.privilege || ' ON ' || target::text || ' FROM ' || writer.role;
        EXECUTE 'GRANT ' || writer.privilege || ' (' || writable || ') ON ' || target::text
             || ' TO ' || writer.role;
    END LOOP;
END $regrant$
"""


def grant_like_tasks(table: str) -> str:
    """Every role granted on ``tasks`` gets the same on the new personal ``table``: reading
    and deleting its rows, writing every column but the identity id. One DO block (offline
    SQL carries it), no ``%``."""
    return f"""
DO $grant$
DECLARE
    target regclass := to_regclass({literal(quote(table))});
    writable text;
    reader text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO writable
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '';
    FOR reader IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
          FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) acl
         WHERE c.oid = to_regclass('tasks') AND acl.grantee <> c.relowner
           AND acl.privilege_type = 'SELECT'
    LOOP
        EXECUTE 'GRANT SELECT, DELETE ON ' || target::text || ' TO ' || reader;
        EXECUTE 'GRANT INSERT (' || writable || '), UPDATE (' || writable || ') ON '
             || target::text || ' TO ' || reader;
    END LOOP;
END $grant$
"""


def grant_user_columns() -> str:
    """Every role that may bump its own task counter may also choose its context."""
    return f"""
DO $users$
DECLARE
    writer text;
BEGIN
    FOR writer IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
          FROM pg_attribute a CROSS JOIN LATERAL aclexplode(a.attacl) acl
         WHERE a.attrelid = to_regclass('users') AND a.attname = 'last_task_number'
           AND acl.privilege_type = 'UPDATE'
    LOOP
        EXECUTE 'GRANT UPDATE ({USER_COLUMNS}) ON users TO ' || writer;
    END LOOP;
END $users$
"""


def literal(text: str) -> str:
    """A PostgreSQL string literal (what ``quote_literal`` does)."""
    return "'" + text.replace("'", "''") + "'"


def with_pinned_path(function: str) -> str:
    """Run ``function`` (a CREATE with ``{path}`` where its search_path goes) in one DO
    block that fills in the schema the migration runs in.

    The server reads the schema as the statement runs: no Python step asks for it
    first, so offline SQL (``todo db upgrade --sql``) carries the whole step.
    """
    path = "'pg_catalog, ' || quote_ident(current_schema()) || ', pg_temp'"
    return (
        f"DO $define$ BEGIN EXECUTE replace($function${function}$function$, '{{path}}', {path}); "
        "END $define$"
    )
