"""Summaries and reports: does a user's report grow with other users' data, and how
long does each take at 100,000 tasks?

    python tests/benchmarks/bench_reports.py [--runs 7] [--users 100] [--tasks 10000]
        [--large 100000] [--server postgresql://postgres@127.0.0.1:5432/postgres]

On the server given (a superuser maintenance URL; loopback only) it makes three
scratch databases, migrated by a non-superuser owner, with a users' role granted
and one registered account (bench@example.com) as in bench_rls.py:

- alone:  that user's N tasks and nothing else;
- shared: the same N tasks among USERS users' N each (1,000,000 by default), rows
  of all users interleaved on the pages as a shared database fills them;
- large:  that user's LARGE tasks.

Then it times the installed `todo` (through its resident agent, over row-level
security) for `projects` and every report in each database, interleaved, and
prints medians, the shared/alone ratio (1.0: no growth with others' data) and
the times at LARGE tasks. Figures only, no thresholds; the databases and roles
are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from bench_rls import execute, seconds, todo, url  # a sibling script (its folder is on sys.path)

TODO = str(Path(sys.executable).parent / "todo")
PID = os.getpid()
ADMIN, USERS = f"bench_reports_admin_{PID}", f"bench_reports_users_{PID}"
COMMANDS = {
    "projects": ("projects",),
    "summary": ("summary",),
    "history": ("history",),
    "ghistory": ("ghistory",),
    "burndown": ("burndown", "--period", "daily", "--periods", "30"),
    "calendar": ("calendar",),
    "next (control)": ("next",),
}
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


def create_roles(server: str) -> None:
    asyncio.run(
        execute(
            server,
            f"CREATE ROLE {ADMIN} LOGIN PASSWORD 'bench-pw'",
            f"CREATE ROLE {USERS} LOGIN PASSWORD 'bench-pw'",
        )
    )


def make_database(
    server: str, database: str, *, tasks: int, others: int, env: dict[str, str]
) -> dict[str, str]:
    """A migrated database with the bench account, ``others`` more users, ``tasks`` each."""
    asyncio.run(execute(server, f"CREATE DATABASE {database} OWNER {ADMIN}"))
    maintenance = url(server, database=database)
    asyncio.run(execute(maintenance, f"ALTER SCHEMA public OWNER TO {ADMIN}"))
    admin_env = {**env, "TODO_DATABASE_URL": url(server, role=ADMIN, database=database)}
    todo(admin_env, "db", "upgrade")
    todo(admin_env, "db", "grant", USERS)
    users_env = {**env, "TODO_DATABASE_URL": url(server, role=USERS, database=database)}
    password = "bench-password\n"
    todo(users_env, "register", "bench@example.com", "--password-stdin", stdin=password)
    token = todo(
        users_env, "login", "bench@example.com", "--password-stdin", "--print-token", stdin=password
    ).strip()
    # The implicit local user of the migration stays (it owns nothing); the others are new.
    statements = [(OTHERS_SQL, (others,))] if others else []
    statements += [(TASKS_SQL, (tasks,)), (COUNTERS_SQL, (tasks,))]
    for statement, args in statements:
        asyncio.run(execute(maintenance, statement, args=args))
    asyncio.run(execute(maintenance, "VACUUM ANALYZE"))
    return {**users_env, "TODO_SESSION_TOKEN": token}


def measure(envs: dict[str, dict[str, str]], runs: int) -> dict[tuple[str, str], list[float]]:
    """Interleaved (each command in each database, then again) so load hits all alike."""
    for env in envs.values():  # the agent started, its pool and caches warm
        for argv in COMMANDS.values():
            seconds(env, *argv)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            for where, env in envs.items():
                times.setdefault((name, where), []).append(seconds(env, *argv))
    return times


def tear_down(server: str, databases: list[str]) -> None:
    statements = [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in databases]
    statements += [f"DROP ROLE IF EXISTS {ADMIN}", f"DROP ROLE IF EXISTS {USERS}"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    env["TODO_AGENT"] = "1"
    names = {where: f"bench_reports_{where}_{PID}" for where in ("alone", "shared", "large")}
    sizes = {"alone": (args.tasks, 0), "shared": (args.tasks, args.users - 1)}
    sizes["large"] = (args.large, 0)
    try:
        create_roles(args.server)
        envs = {
            where: make_database(args.server, names[where], tasks=tasks, others=others, env=env)
            for where, (tasks, others) in sizes.items()
        }
        times = measure(envs, args.runs)
    finally:
        subprocess.run([TODO, "agent", "stop"], env=env, capture_output=True)
        tear_down(args.server, list(names.values()))
    report(times, args)


if __name__ == "__main__":
    main()
