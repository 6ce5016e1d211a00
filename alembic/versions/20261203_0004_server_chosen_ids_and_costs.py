"""server-chosen ids, notes and history only on one's own tasks, server-fixed argon2 costs

Revision ID: 0004
Revises: 0003

Ids: every serial id becomes an identity column (GENERATED ALWAYS) whose
sequence carries on from the old one's position; the roles that may write the
personal tables keep INSERT/UPDATE on every column but the id (OVERRIDING
SYSTEM VALUE needs no privilege, so GENERATED ALWAYS alone would not stop
them), and need no sequence grant any more.
Policies: a note or a journal row may name only a task of the caller's.
Accounts: todo_register accepts only the argon2 costs the server fixes, and
todo_login_params answers unknown emails with those costs, never a stored row's.

Every step is plain SQL (DO blocks read the catalog where the data decides),
so `alembic upgrade --sql` prints all of it.
Create Date: 2026-12-03 08:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

from todo_cli.db import policies
from todo_cli.db.policies import with_pinned_path

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose id came from a serial sequence (0001-0003).
ID_TABLES: tuple[str, ...] = ("users", "tasks", "task_notes", "task_journal", "user_sessions")
# The argon2id costs every new account gets: todo_cli/accounts/passwords.py
# DEFAULT_PARAMS (time cost, memory in KiB, parallelism).
SERVER_COSTS = "2, 19456, 1"


def upgrade() -> None:
    for table in ID_TABLES:
        for statement in serial_to_identity(table):
            op.execute(statement)
    for table in policies.PERSONAL_TABLES:
        op.execute(policies.regrant_writes(table))
    for table in policies.TASK_REFERENCES:
        for statement in policies.replace_owner_rows(table, owned_with_task(table)):
            op.execute(statement)
    for function in (REGISTER, LOGIN_PARAMS):
        op.execute(with_pinned_path(function))


def downgrade() -> None:
    accounts = op.get_context().script.get_revision("0003").module
    for function in (accounts.REGISTER, accounts.LOGIN_PARAMS):
        op.execute(with_pinned_path(function.replace("CREATE FUNCTION", REPLACE, 1)))
    for table in policies.TASK_REFERENCES:
        for statement in policies.replace_owner_rows(table, policies.owned()):
            op.execute(statement)
    for table in reversed(ID_TABLES):
        for statement in identity_to_serial(table):
            op.execute(statement)
    for table in policies.PERSONAL_TABLES:
        op.execute(sequence_for_writers(table))


def owned_with_task(table: str) -> str:
    """policies.owned_with_task as of this revision (0007 looks the owner up per row)."""
    task = f"{policies.quote(table)}.{policies.quote('task_id')}"
    session_user = policies.SESSION_USER
    mine = f"EXISTS (SELECT 1 FROM tasks t WHERE t.id = {task} AND t.user_id = {session_user})"
    if policies.TASK_REFERENCES[table]:
        mine = f"({task} IS NULL OR {mine})"
    return f"{policies.owned()} AND {mine}"


def serial_to_identity(table: str) -> list[str]:
    """The id column becomes GENERATED ALWAYS, its sequence going on where the old one was."""
    name, sequence = policies.quote(table), f"{table}_id_seq"
    old = policies.quote(f"{sequence}_serial")
    return [
        f"ALTER TABLE {name} ALTER COLUMN id DROP DEFAULT",
        f"ALTER SEQUENCE {policies.quote(sequence)} OWNED BY NONE",
        f"ALTER SEQUENCE {policies.quote(sequence)} RENAME TO {old}",
        f"ALTER TABLE {name} ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY "
        f"(SEQUENCE NAME {policies.quote(sequence)})",
        f"SELECT setval({policies.literal(policies.quote(sequence))}, last_value, is_called) "
        f"FROM {old}",
        f"DROP SEQUENCE {old}",
    ]


def identity_to_serial(table: str) -> list[str]:
    """Back to a bigserial column (0003's shape), its sequence where the identity one was."""
    name, sequence = policies.quote(table), f"{table}_id_seq"
    new = policies.quote(f"{sequence}_serial")
    return [
        f"CREATE SEQUENCE {new}",
        f"SELECT setval({policies.literal(new)}, last_value, is_called) "
        f"FROM {policies.quote(sequence)}",
        f"ALTER TABLE {name} ALTER COLUMN id DROP IDENTITY",
        f"ALTER SEQUENCE {new} RENAME TO {policies.quote(sequence)}",
        f"ALTER SEQUENCE {policies.quote(sequence)} OWNED BY {name}.id",
        f"ALTER TABLE {name} ALTER COLUMN id SET DEFAULT "
        f"nextval({policies.literal(policies.quote(sequence))}::regclass)",
    ]


def sequence_for_writers(table: str) -> str:
    """Under 0003 an insert draws its id from the sequence: whoever may insert needs it.

    The column grants 0004 made stay (they keep ids out of the role's hands at
    0003 as well); only the sequence grant the serial default needs is added.
    """
    sequence = policies.literal(policies.quote(f"{table}_id_seq"))
    return f"""
DO $sequence$
DECLARE
    writer text;
BEGIN
    FOR writer IN
        SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC'
                             ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
          FROM pg_attribute a CROSS JOIN LATERAL aclexplode(a.attacl) acl
         WHERE a.attrelid = to_regclass({policies.literal(policies.quote(table))})
           AND acl.privilege_type = 'INSERT'
    LOOP
        EXECUTE 'GRANT USAGE ON SEQUENCE ' || to_regclass({sequence})::text || ' TO ' || writer;
    END LOOP;
END $sequence$
"""


REPLACE = "CREATE OR REPLACE FUNCTION"


DEFINER = "SECURITY DEFINER SET search_path = {path}"

# As 0003's, but the costs are the server's (anything else is refused, so no
# caller can store costs that would then tell accounts from unknown emails), and
# the users row's id is drawn from its identity column's sequence.
REGISTER = (
    REPLACE
    + """ todo_register(
    login text, salt bytea, time_cost integer, memory_kib integer, parallelism integer,
    derived_key bytea, adopt_local boolean
) RETURNS TABLE (new_user_id bigint, adopted boolean, local_tasks_left bigint)
LANGUAGE plpgsql """
    + DEFINER
    + """ AS $$
DECLARE
    address text := lower(btrim(login));
    local_id bigint;
    first_account boolean;
BEGIN
    IF address !~ '^[^@\\s]+@[^@\\s]+$' OR length(address) > 320 THEN
        RAISE EXCEPTION 'not an email address' USING ERRCODE = 'TD002';
    END IF;
    IF length(derived_key) <> 32 OR length(salt) < 16 THEN
        RAISE EXCEPTION 'password parameters too weak' USING ERRCODE = 'TD002';
    END IF;
    IF (time_cost, memory_kib, parallelism) IS DISTINCT FROM ("""
    + SERVER_COSTS
    + """) THEN
        RAISE EXCEPTION 'these argon2 costs are not the server''s ("""
    + SERVER_COSTS
    + """); upgrade todo'
            USING ERRCODE = 'TD002';
    END IF;
    -- Registrations queue here, so exactly one of them is the first account.
    PERFORM pg_advisory_xact_lock(hashtext('todo_register'));
    first_account := NOT EXISTS (SELECT 1 FROM user_credentials);
    SELECT a.local_user_id INTO local_id FROM todo_auth a;
    IF adopt_local AND NOT first_account THEN
        RAISE EXCEPTION 'only the first account can adopt the local tasks, and accounts exist'
            USING ERRCODE = 'TD004';
    END IF;
    adopted := adopt_local AND local_id IS NOT NULL;
    local_tasks_left := 0;
    IF adopted THEN
        -- The local user becomes the account: its tasks and short IDs stay as they are.
        new_user_id := local_id;
        UPDATE users SET email = btrim(login) WHERE id = local_id;
        UPDATE todo_auth SET local_user_id = NULL;
    ELSE
        IF first_account THEN
            SELECT count(*) INTO local_tasks_left FROM tasks t WHERE t.user_id = local_id;
        END IF;
        -- Drawn first, not RETURNING: under forced row-level security the new row is
        -- not yet visible to this session, and RETURNING would be refused.
        new_user_id := nextval(pg_get_serial_sequence('users', 'id'));
        INSERT INTO users (id, email) OVERRIDING SYSTEM VALUE VALUES (new_user_id, btrim(login));
    END IF;
    INSERT INTO user_credentials (user_id, email, salt, time_cost, memory_kib, parallelism, verifier)
    VALUES (new_user_id, address, salt, """
    + SERVER_COSTS
    + """, sha256(derived_key));
    RETURN NEXT;
END $$
"""
)

# An account answers with its own row; an unknown email with a stable salt
# that looks random and the server's costs, whatever anyone registered.
LOGIN_PARAMS = (
    REPLACE
    + """ todo_login_params(login text)
RETURNS TABLE (salt bytea, time_cost integer, memory_kib integer, parallelism integer)
LANGUAGE plpgsql STABLE """
    + DEFINER
    + """ AS $$
BEGIN
    RETURN QUERY SELECT c.salt, c.time_cost, c.memory_kib, c.parallelism
                   FROM user_credentials c WHERE c.email = lower(btrim(login));
    IF NOT FOUND THEN
        RETURN QUERY
        SELECT substring(sha256(a.salt_key || convert_to(lower(btrim(login)), 'UTF8')) FROM 1 FOR 16),
               """
    + SERVER_COSTS
    + """
          FROM todo_auth a;
    END IF;
END $$
"""
)
