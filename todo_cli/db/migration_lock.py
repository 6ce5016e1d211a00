"""One migration run at a time per database: an advisory lock held for the whole run.

A run may commit more than once: an index built CONCURRENTLY (migration 0005)
runs outside any transaction, so Alembic commits before it and begins again
after it. A transaction-scoped lock taken by the migrating connection would end
at the first of those commits and let a second admin in mid-migration, to read
the old revision and run the same migration again.

So the lock is held by a second connection of the same engine, in a transaction
of its own that stays open until the run ends. Why not a session-level lock
(``pg_advisory_lock``) on the migrating connection: behind PgBouncer in
transaction mode (TODO_TRANSACTION_POOLING) a session lock stays on whichever
server connection ran it, and that connection goes back to the pool: another
client then holds the lock too, and our unlock may run on another server
connection, leaving the lock taken for good. An open transaction pins its
server connection in every pool mode, and its lock ends with it whatever becomes
of the process (the server rolls back a closed connection's transaction): it can
neither leak nor be shared. The cost is a second connection during a run.

The holding transaction reads no table and, idle under READ COMMITTED, holds no
snapshot, so CREATE INDEX CONCURRENTLY (which waits for older snapshots and for
locks on its table) does not wait for it; nor for a waiting run (``_take``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

# One key for every todo process: concurrent runs queue on it, and each reads
# the version table only once it holds the lock.
MIGRATION_LOCK_KEY = 0x746F646F
TAKE_LOCK = f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
# The lock holder is an idle transaction, possibly for minutes (an index built
# concurrently on a big table): no server timeout may end it. Read from
# pg_settings because transaction_timeout exists only from PostgreSQL 17.
NO_IDLE_TIMEOUTS = (
    "SELECT set_config(name, '0', true) FROM pg_settings"
    " WHERE name IN ('idle_in_transaction_session_timeout', 'transaction_timeout')"
)
# Taken or refused at once (55P03, lock_not_available): see ``held`` for why a
# waiter does not simply wait in pg_advisory_xact_lock.
TRY_LOCK = (
    f"DO $try$ BEGIN IF NOT pg_try_advisory_xact_lock({MIGRATION_LOCK_KEY}) THEN"
    " RAISE EXCEPTION 'another migration is running' USING ERRCODE = '55P03';"
    " END IF; END $try$"
)
RETRY_SECONDS = 0.1

# An offline script checks, under the lock, that the database is where the
# script assumes: run against another one it stops before any change.
VERSION_GUARD = """
DO $guard$
BEGIN
    IF to_regclass('alembic_version') IS NULL THEN
        RAISE EXCEPTION 'this script migrates a database at revision {revision}; this one has none';
    END IF;
    IF (SELECT max(version_num) FROM alembic_version) IS DISTINCT FROM '{revision}' THEN
        RAISE EXCEPTION 'this script migrates a database at revision {revision}; this one is not';
    END IF;
END $guard$
"""


@asynccontextmanager
async def held(engine: AsyncEngine) -> AsyncIterator[None]:
    """The migration lock, held by a connection of its own until the block ends.

    A second `todo db upgrade` queues behind the first for as long as that one
    runs (no lock_timeout), then finds the work done.
    """
    async with engine.connect() as holder:
        raw = await holder.get_raw_connection()
        # asyncpg itself, for the simple query protocol: a statement run through the
        # extended one (SQLAlchemy prepares every statement) leaves the idle
        # transaction holding a snapshot, and CREATE INDEX CONCURRENTLY waits for it.
        lock = raw.driver_connection
        assert lock is not None  # a connection just checked out of the pool
        try:
            await _take(lock)
        except BaseException:
            await holder.invalidate()  # never back to the pool mid-transaction
            raise
        try:
            yield
        finally:
            await lock.execute("ROLLBACK")  # the lock ends with the transaction


async def _take(lock: Any) -> None:
    """Try, and between tries hold no transaction.

    A waiter blocked in pg_advisory_xact_lock would hold its statement's snapshot
    all the while, and CREATE INDEX CONCURRENTLY in the holder's run waits for
    every transaction with an older snapshot to end: each would wait for the other
    until the index build's lock_timeout. A refused try ends its transaction at once.
    """
    import asyncio

    from asyncpg.exceptions import LockNotAvailableError

    while True:
        try:
            await lock.execute(f"BEGIN; {NO_IDLE_TIMEOUTS}; {TRY_LOCK}")
            return
        except LockNotAvailableError:
            await lock.execute("ROLLBACK")
        await asyncio.sleep(RETRY_SECONDS)


@contextmanager
def outside_transaction(revision: str) -> Iterator[None]:
    """Statements that must run outside a transaction (CONCURRENTLY), in a migration.

    Alembic commits before them and begins again after them. Online, the lock
    is held for the run (``held``). An offline script's lock is transaction-scoped
    (psql runs it on one connection, but possibly through a pooler), so it is
    taken again after the block, with a check that the database is still at
    ``revision``, where the migration found it: the script is not run twice at once.
    """
    from alembic import op

    context = op.get_context()
    with context.autocommit_block():
        yield
    if context.as_sql:
        op.execute(TAKE_LOCK)
        op.execute(VERSION_GUARD.format(revision=revision))


def build_index_concurrently(name: str, table: str, columns: list[str], **options: Any) -> None:
    """An index built while ``table`` is read and written (SHARE UPDATE EXCLUSIVE).

    For use inside ``outside_transaction``. One an earlier run left behind
    (perhaps INVALID after an interrupted build) is dropped first: IF NOT EXISTS
    would keep an invalid index.
    """
    from alembic import op

    op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    op.create_index(name, table, columns, postgresql_concurrently=True, **options)
