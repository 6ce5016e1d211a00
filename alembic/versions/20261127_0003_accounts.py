"""accounts: credentials, sessions, row-level security

Revision ID: 0003
Revises: 0001

Passwords are stretched with argon2id on the client; the database keeps the
SHA-256 of the derived key (user_credentials) and of each session token
(user_sessions), in tables the shared role is never granted. Every personal
table gets forced row-level security keyed on todo_session_user(), a
SECURITY DEFINER function that reads the token the CLI sets per transaction
(`todo.session_token`). See todo_cli/db/policies.py and README "Accounts".
Create Date: 2026-11-27 06:07:26.787554

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from todo_cli.db import policies

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Tables keyed by user_id that get the owner_rows policy.
RLS_TABLES: tuple[str, ...] = ("tasks", "task_notes", "task_journal")
# Until someone registers, login parameters for unknown emails look like these
# (todo_cli/accounts/passwords.py DEFAULT_PARAMS); afterwards, like the newest account's.
FAKE_PARAMS = "2, 19456, 1"


def upgrade() -> None:
    op.create_table('todo_auth',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('salt_key', sa.LargeBinary(), nullable=False),
    sa.Column('local_user_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_todo_auth_single_row')),
    sa.ForeignKeyConstraint(['local_user_id'], ['users.id'], name=op.f('fk_todo_auth_local_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_todo_auth'))
    )
    op.create_table('user_credentials',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('salt', sa.LargeBinary(), nullable=False),
    sa.Column('time_cost', sa.Integer(), nullable=False),
    sa.Column('memory_kib', sa.Integer(), nullable=False),
    sa.Column('parallelism', sa.Integer(), nullable=False),
    sa.Column('verifier', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_credentials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_credentials')),
    sa.UniqueConstraint('email', name=op.f('uq_user_credentials_email'))
    )
    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    op.execute(LOCAL_USER)
    op.execute(AUTH_STATE)
    for name, signature in FUNCTIONS:
        # The schema is read by the server as the statement runs, not by Python
        # beforehand, so the offline SQL (`todo db upgrade --sql`) holds this step too.
        op.execute(policies.with_pinned_path(signature))
        op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
    for statement in users_rls():
        op.execute(statement)
    for table in RLS_TABLES:
        for statement in policies.enable_rls(table):
            op.execute(statement)


def downgrade() -> None:
    for table in (*RLS_TABLES, "users"):
        for statement in policies.disable_rls(table):
            op.execute(statement)
    op.execute("DROP POLICY IF EXISTS registration ON users")
    for name, _ in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {name}")
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_table('user_credentials')
    op.drop_table('todo_auth')


def users_rls() -> list[str]:
    # A person sees and changes only their own users row; new rows come from
    # todo_register (the shared role has no INSERT privilege on users).
    registration = "CREATE POLICY registration ON users FOR INSERT WITH CHECK (true)"
    return [*policies.enable_rls("users", column="id"), registration]


# One implicit local user, whatever LOGNAME says: the oldest <login>@localhost
# row a 0001 database already has, or a new one.
LOCAL_USER = """
INSERT INTO users (email)
SELECT 'local@localhost'
WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) LIKE '%@localhost')
"""

AUTH_STATE = """
INSERT INTO todo_auth (id, salt_key, local_user_id)
SELECT 1,
       sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                         || gen_random_uuid()::text, 'UTF8')),
       (SELECT id FROM users WHERE lower(email) LIKE '%@localhost' ORDER BY id LIMIT 1)
"""

DEFINER = "SECURITY DEFINER SET search_path = {path}"

SESSION_USER = """
CREATE FUNCTION todo_session_user() RETURNS bigint
LANGUAGE plpgsql STABLE """ + DEFINER + """ AS $$
DECLARE
    token text := current_setting('todo.session_token', true);
    found_user bigint;
BEGIN
    IF token IS NOT NULL AND token <> '' THEN
        SELECT s.user_id INTO found_user FROM user_sessions s
         WHERE s.token_hash = sha256(convert_to(token, 'UTF8'))
           AND s.revoked_at IS NULL AND s.expires_at > now();
        IF found_user IS NOT NULL THEN
            RETURN found_user;
        END IF;
    END IF;
    -- Single-user mode: with no account at all, everyone is the local user.
    IF EXISTS (SELECT 1 FROM user_credentials) THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT a.local_user_id FROM todo_auth a);
END $$
"""

ACCOUNTS_EXIST = """
CREATE FUNCTION todo_accounts_exist() RETURNS boolean
LANGUAGE sql STABLE """ + DEFINER + """ AS $$
    SELECT EXISTS (SELECT 1 FROM user_credentials)
$$
"""

WHOAMI = """
CREATE FUNCTION todo_whoami()
RETURNS TABLE (email text, is_local boolean, expires_at timestamptz)
LANGUAGE sql STABLE """ + DEFINER + """ AS $$
    SELECT u.email::text,
           NOT EXISTS (SELECT 1 FROM user_credentials c WHERE c.user_id = u.id),
           (SELECT s.expires_at FROM user_sessions s
             WHERE s.token_hash = sha256(convert_to(
                       current_setting('todo.session_token', true), 'UTF8'))
               AND s.user_id = u.id)
      FROM users u
     WHERE u.id = todo_session_user()
$$
"""

REGISTER = """
CREATE FUNCTION todo_register(
    login text, salt bytea, time_cost integer, memory_kib integer, parallelism integer,
    derived_key bytea, adopt_local boolean
) RETURNS TABLE (new_user_id bigint, adopted boolean, local_tasks_left bigint)
LANGUAGE plpgsql """ + DEFINER + """ AS $$
DECLARE
    address text := lower(btrim(login));
    local_id bigint;
    first_account boolean;
BEGIN
    IF address !~ '^[^@\\s]+@[^@\\s]+$' OR length(address) > 320 THEN
        RAISE EXCEPTION 'not an email address' USING ERRCODE = 'TD002';
    END IF;
    IF length(derived_key) <> 32 OR length(salt) < 16
       OR time_cost < 1 OR memory_kib < 8192 OR parallelism < 1 THEN
        RAISE EXCEPTION 'password parameters too weak' USING ERRCODE = 'TD002';
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
        new_user_id := nextval(pg_get_serial_sequence('users', 'id'));
        INSERT INTO users (id, email) VALUES (new_user_id, btrim(login));
    END IF;
    INSERT INTO user_credentials (user_id, email, salt, time_cost, memory_kib, parallelism, verifier)
    VALUES (new_user_id, address, salt, time_cost, memory_kib, parallelism, sha256(derived_key));
    RETURN NEXT;
END $$
"""

LOGIN_PARAMS = """
CREATE FUNCTION todo_login_params(login text)
RETURNS TABLE (salt bytea, time_cost integer, memory_kib integer, parallelism integer)
LANGUAGE plpgsql STABLE """ + DEFINER + """ AS $$
BEGIN
    RETURN QUERY SELECT c.salt, c.time_cost, c.memory_kib, c.parallelism
                   FROM user_credentials c WHERE c.email = lower(btrim(login));
    IF NOT FOUND THEN
        -- An unknown email gets a salt that is stable and looks random, and the
        -- parameters a real account has: the answer does not tell them apart.
        RETURN QUERY
        SELECT substring(sha256(a.salt_key || convert_to(lower(btrim(login)), 'UTF8')) FROM 1 FOR 16),
               p.time_cost, p.memory_kib, p.parallelism
          FROM todo_auth a,
               LATERAL ((SELECT c.time_cost, c.memory_kib, c.parallelism
                           FROM user_credentials c ORDER BY c.updated_at DESC LIMIT 1)
                        UNION ALL SELECT """ + FAKE_PARAMS + """
                        LIMIT 1) p;
    END IF;
END $$
"""

LOGIN = """
CREATE FUNCTION todo_login(login text, derived_key bytea, token text, days integer)
RETURNS timestamptz
LANGUAGE plpgsql """ + DEFINER + """ AS $$
DECLARE
    account bigint;
    expected bytea;
    expires timestamptz;
BEGIN
    IF length(token) < 32 THEN
        RAISE EXCEPTION 'session token too short' USING ERRCODE = 'TD002';
    END IF;
    SELECT c.user_id, c.verifier INTO account, expected
      FROM user_credentials c WHERE c.email = lower(btrim(login));
    -- Unknown email or wrong password: the same hash, the same comparison, the same NULL.
    IF sha256(derived_key) IS DISTINCT FROM coalesce(expected, decode('00', 'hex')) OR account IS NULL THEN
        RETURN NULL;
    END IF;
    expires := now() + make_interval(days => least(greatest(days, 1), 365));
    DELETE FROM user_sessions s
     WHERE s.user_id = account AND (s.expires_at < now() OR s.revoked_at IS NOT NULL);
    INSERT INTO user_sessions (user_id, token_hash, expires_at)
    VALUES (account, sha256(convert_to(token, 'UTF8')), expires);
    RETURN expires;
END $$
"""

LOGOUT = """
CREATE FUNCTION todo_logout() RETURNS boolean
LANGUAGE plpgsql """ + DEFINER + """ AS $$
BEGIN
    UPDATE user_sessions s SET revoked_at = now()
     WHERE s.token_hash = sha256(convert_to(current_setting('todo.session_token', true), 'UTF8'))
       AND s.revoked_at IS NULL;
    RETURN FOUND;
END $$
"""

# Created in this order (later ones call earlier ones), dropped in reverse.
FUNCTIONS = [
    ("todo_session_user()", SESSION_USER),
    ("todo_accounts_exist()", ACCOUNTS_EXIST),
    ("todo_whoami()", WHOAMI),
    ("todo_register(text, bytea, integer, integer, integer, bytea, boolean)", REGISTER),
    ("todo_login_params(text)", LOGIN_PARAMS),
    ("todo_login(text, bytea, text, integer)", LOGIN),
    ("todo_logout()", LOGOUT),
]
