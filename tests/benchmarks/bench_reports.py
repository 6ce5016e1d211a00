"""Summaries and reports: does a user's report grow with other users' data, and how
long does each take at 100,000 tasks?

    python tests/benchmarks/bench_reports.py [--runs 7] [--users 100] [--tasks 10000]
        [--large 100000] [--server postgresql://postgres@127.0.0.1:5432/postgres]
        [--keep | --reuse TAG] [--jit-compare]

On the server given (a superuser maintenance URL; loopback only) it makes three
scratch databases, migrated by a non-superuser owner, with a users' role granted
and one registered account (bench@example.com) as in bench_rls.py:

- alone:  that user's N tasks and nothing else;
- shared: the same N tasks among USERS users' N each (1,000,000 by default), rows
  of all users interleaved on the pages as a shared database fills them;
- large:  that user's LARGE tasks.

Every task also has the journal entry of the `add` that made it, so `todo log`
reads a journal as large as the tasks. Then it times the installed `todo`
(through its resident agent, over row-level security) for `list`, `next`, `add`,
`log`, `projects` and every report in each database, interleaved, and prints
medians, the shared/alone ratio (1.0: no growth with others' data) and the
times at LARGE tasks. Each timed `add` is followed by an untimed `todo undo`
(which deletes the task again), so every database keeps its size. Figures
only, no thresholds.

The databases and roles are dropped at the end, unless `--keep` (seeding a
million tasks takes minutes): then `--reuse TAG` times the same databases again.
`--jit-compare` also times the shared and large databases with PostgreSQL's JIT
turned back on (`options=-c jit=on` in the URL) and prints on/off ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench_rls import execute, seconds, todo, url  # a sibling script (its folder is on sys.path)

TODO = str(Path(sys.executable).parent / "todo")
PLACES = ("alone", "shared", "large")
PASSWORD = "bench-password\n"
COMMANDS = {
    "list": ("list",),
    "next": ("next",),
    "add": ("add", "Benchmark add with a few words", "project:work", "+errand"),
    "log": ("log",),
    "projects": ("projects",),
    "summary": ("summary",),
    "history": ("history",),
    "ghistory": ("ghistory",),
    "burndown": ("burndown", "--period", "daily", "--periods", "30"),
    "calendar": ("calendar",),
}
# Run untimed after a command so the database keeps its size: `undo` deletes the task added.
RESTORE = {"add": ("undo",)}
OTHERS_SQL = (
    "INSERT INTO users (email) SELECT 'other' || n || '@example.com' FROM generate_series(1, $1) n"
)
# Every user's tasks, numbered 1..n each, written in the order a shared database
# receives them: one task of each user in turn, so each user's rows are spread
# over the whole table (the case that made `todo projects` grow).
TASKS_SQL = """
INSERT INTO tasks (user_id, number, title, status, priority, due, tags, project,
                   created_at, updated_at, completed_at, started_at)
SELECT u.id, n, 'Task ' || n || ' with a few words',
       (ARRAY['pending', 'pending', 'done', 'deleted'])[1 + n % 4],
       (ARRAY['low', 'medium', 'high', NULL])[1 + n % 4],
       CASE WHEN n % 3 = 0 THEN NULL ELSE now() + (n % 200 - 100) * interval '1 day' END,
       CASE WHEN n % 2 = 0 THEN ARRAY['errand', 'home'] ELSE '{}' END,
       (ARRAY[NULL, 'home.garden', 'work', 'home', 'work.reports'])[1 + n % 5],
       now() - (n % 700) * interval '1 day' - interval '1 hour',
       now() - (n % 300) * interval '1 day',
       CASE WHEN n % 4 = 2 THEN now() - (n % 300) * interval '1 day' END,
       CASE WHEN n % 4 = 0 AND n % 7 = 0 THEN now() - interval '2 days' END
FROM generate_series(1, $1) AS n
CROSS JOIN (SELECT id FROM users WHERE email NOT LIKE '%@localhost' ORDER BY id) AS u
ORDER BY n, u.id
"""
COUNTERS_SQL = "UPDATE users SET last_task_number = $1"
# The journal entry of the `add` that made each task, in the tasks' (interleaved) order.
JOURNAL_SQL = """
INSERT INTO task_journal (user_id, change_id, task_id, task_number, command, before, after)
SELECT user_id, nextval('task_journal_change_id_seq'), id, number, 'add ' || title, NULL,
       jsonb_build_object('title', title, 'status', 'pending', 'priority', priority,
                          'due', due, 'tags', tags, 'project', project)
FROM tasks ORDER BY id
"""


@dataclass(frozen=True)
class Names:
    """The scratch roles and databases of one run (TAG: this process, or a kept run's)."""

    tag: str

    @property
    def admin(self) -> str:
        return f"bench_reports_admin_{self.tag}"

    @property
    def users(self) -> str:
        return f"bench_reports_users_{self.tag}"

    def database(self, where: str) -> str:
        return f"bench_reports_{where}_{self.tag}"


def create_roles(server: str, names: Names) -> None:
    asyncio.run(
        execute(
            server,
            f"CREATE ROLE {names.admin} LOGIN PASSWORD 'bench-pw'",
            f"CREATE ROLE {names.users} LOGIN PASSWORD 'bench-pw'",
        )
    )


def make_database(
    server: str, names: Names, where: str, *, tasks: int, others: int, env: dict[str, str]
) -> None:
    """A migrated database with the bench account, ``others`` more users, ``tasks`` each."""
    database = names.database(where)
    asyncio.run(execute(server, f"CREATE DATABASE {database} OWNER {names.admin}"))
    maintenance = url(server, database=database)
    asyncio.run(execute(maintenance, f"ALTER SCHEMA public OWNER TO {names.admin}"))
    todo(as_admin(server, names, where, env), "db", "upgrade")
    todo(as_admin(server, names, where, env), "db", "grant", names.users)
    users_env = {**env, "TODO_DATABASE_URL": url(server, role=names.users, database=database)}
    todo(users_env, "register", "bench@example.com", "--password-stdin", stdin=PASSWORD)
    # The implicit local user of the migration stays (it owns nothing); the others are new.
    statements = [(OTHERS_SQL, (others,))] if others else []
    statements += [(TASKS_SQL, (tasks,)), (COUNTERS_SQL, (tasks,)), (JOURNAL_SQL, ())]
    for statement, args in statements:
        asyncio.run(execute(maintenance, statement, args=args))
    asyncio.run(execute(maintenance, "VACUUM ANALYZE"))


def as_admin(server: str, names: Names, where: str, env: dict[str, str]) -> dict[str, str]:
    """The environment of the database's owner (who migrates it)."""
    return {
        **env,
        "TODO_DATABASE_URL": url(server, role=names.admin, database=names.database(where)),
    }


def logged_in(
    server: str, names: Names, where: str, env: dict[str, str], *, options: str = ""
) -> dict[str, str]:
    """The bench account's environment for one database (``options``: server settings)."""
    database_url = url(server, role=names.users, database=names.database(where))
    if options:
        database_url += "?" + urlencode({"options": options})
    users_env = {**env, "TODO_DATABASE_URL": database_url}
    token = todo(
        users_env, "login", "bench@example.com", "--password-stdin", "--print-token", stdin=PASSWORD
    ).strip()
    return {**users_env, "TODO_SESSION_TOKEN": token}


def measure(envs: dict[str, dict[str, str]], runs: int) -> dict[tuple[str, str], list[float]]:
    """Interleaved (each command in each database, then again) so load hits all alike."""
    for env in envs.values():  # the agent started, its pool and caches warm
        for name, argv in COMMANDS.items():
            timed(env, name, argv)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            for where, env in envs.items():
                times.setdefault((name, where), []).append(timed(env, name, argv))
    return times


def timed(env: dict[str, str], name: str, argv: tuple[str, ...]) -> float:
    took = seconds(env, *argv)
    if name in RESTORE:
        seconds(env, *RESTORE[name])
    return took


def tear_down(server: str, names: Names) -> None:
    statements = [
        f"DROP DATABASE IF EXISTS {names.database(where)} WITH (FORCE)" for where in PLACES
    ]
    statements += [f"DROP ROLE IF EXISTS {names.admin}", f"DROP ROLE IF EXISTS {names.users}"]
    asyncio.run(execute(server, *statements))


def report(times: dict[tuple[str, str], list[float]], args: argparse.Namespace) -> None:
    def ms(name: str, where: str) -> float:
        return statistics.median(times[name, where]) * 1000

    shared = f"{args.users}x{args.tasks}"
    print(f"agent on; {platform.node()}, {os.cpu_count()} CPUs, {platform.python_version()}")
    print(f"median of {args.runs}, ms    alone {args.tasks:>7}  shared {shared:>9}  ratio"
          f"  alone {args.large}")  # fmt: skip
    for name in COMMANDS:
        alone, among, large = ms(name, "alone"), ms(name, "shared"), ms(name, "large")
        print(f"todo {name:<20}{alone:13.1f}{among:18.1f}{among / alone:7.2f}{large:13.1f}")
    if args.jit_compare:
        report_jit(ms)


def report_jit(ms: Callable[[str, str], float]) -> None:
    print(
        "\nJIT on vs off (as run), ms   shared off  shared on  on/off  large off  large on  on/off"
    )
    for name in COMMANDS:
        row = ""
        for where in ("shared", "large"):
            off, on = ms(name, where), ms(name, f"{where} jit")
            row += f"{off:11.1f}{on:11.1f}{on / off:8.2f}"
        print(f"todo {name:<20}{row}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", action="store_true", help="leave the databases for --reuse")
    kept.add_argument("--reuse", metavar="TAG", help="time the databases a --keep run left")
    parser.add_argument("--jit-compare", action="store_true")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    env["TODO_AGENT"] = "1"
    names = Names(args.reuse or str(os.getpid()))
    sizes = {"alone": (args.tasks, 0), "shared": (args.tasks, args.users - 1)}
    sizes["large"] = (args.large, 0)
    try:
        if args.reuse:  # kept by an older todo, perhaps
            for where in PLACES:
                todo(as_admin(args.server, names, where, env), "db", "upgrade")
        else:
            create_roles(args.server, names)
            for where, (tasks, others) in sizes.items():
                make_database(args.server, names, where, tasks=tasks, others=others, env=env)
        envs = {where: logged_in(args.server, names, where, env) for where in PLACES}
        if args.jit_compare:
            for where in ("shared", "large"):
                envs[f"{where} jit"] = logged_in(
                    args.server, names, where, env, options="-c jit=on"
                )
        times = measure(envs, args.runs)
    finally:
        subprocess.run([TODO, "agent", "stop"], env=env, capture_output=True)
        if args.keep or args.reuse:
            print(f"kept: --reuse {names.tag} times them again", file=sys.stderr)
        else:
            tear_down(args.server, names)
    report(times, args)


if __name__ == "__main__":
    main()
