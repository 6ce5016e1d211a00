"""What row-level security costs: `todo list` over N tasks and `todo add`, policies on and off.

    python tests/benchmarks/bench_rls.py [--runs 10] [--tasks 10000]
        [--server postgresql://postgres@127.0.0.1:5432/postgres]

On the server given (a superuser maintenance URL; loopback only) it makes a
scratch database and two roles, migrates as the (non-superuser) owner, grants
the users' role, registers one account and seeds N tasks for it; then it times
the installed `todo` as a subprocess over the users' role with the session in
TODO_SESSION_TOKEN, first with the policies, then with row-level security
disabled on the tables (the session lookup itself stays). The scratch database
and roles are dropped at the end. `--agent off` times one-shot processes
instead of the resident agent (the default). Figures only, no thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

TODO = str(Path(sys.executable).parent / "todo")
PID = os.getpid()
ADMIN, USERS, DATABASE = f"bench_admin_{PID}", f"bench_users_{PID}", f"bench_rls_{PID}"
SEED_SQL = """
WITH owner AS (SELECT id, last_task_number AS last FROM users WHERE email = 'bench@example.com'),
new AS (
    INSERT INTO tasks (user_id, number, title, priority, due, tags, project)
    SELECT owner.id, owner.last + n, 'Benchmark task ' || n || ' with a few words',
           (ARRAY['low', 'medium', 'high', NULL])[1 + n % 4],
           CASE WHEN n % 3 = 0 THEN NULL ELSE now() + (n - 2000) * interval '1 hour' END,
           CASE WHEN n % 2 = 0 THEN ARRAY['errand', 'home'] ELSE '{}' END,
           CASE WHEN n % 5 = 0 THEN NULL ELSE 'home.garden' END
    FROM owner, generate_series(1, $1) AS n
    RETURNING 1
)
UPDATE users SET last_task_number = last_task_number + (SELECT count(*) FROM new)
 WHERE email = 'bench@example.com'
"""
RLS_TABLES = ("tasks", "users")


def url(server: str, *, role: str | None = None, database: str | None = None) -> str:
    parsed = make_url(server)
    if role:
        parsed = parsed.set(username=role, password="bench-pw")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def execute(dsn: str, *statements: str, args: tuple[object, ...] = ()) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement, *args)
    finally:
        await connection.close()


def todo(env: dict[str, str], *argv: str, stdin: str | None = None) -> str:
    done = subprocess.run([TODO, *argv], env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"todo {' '.join(argv)} failed: {done.stderr}")
    return done.stdout


def seconds(env: dict[str, str], *argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([TODO, *argv], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def set_up(server: str, count: int, env: dict[str, str]) -> dict[str, str]:
    asyncio.run(
        execute(
            server,
            f"CREATE ROLE {ADMIN} LOGIN PASSWORD 'bench-pw'",
            f"CREATE ROLE {USERS} LOGIN PASSWORD 'bench-pw'",
            f"CREATE DATABASE {DATABASE} OWNER {ADMIN}",
        )
    )
    asyncio.run(execute(url(server, database=DATABASE), f"ALTER SCHEMA public OWNER TO {ADMIN}"))
    admin_env = {**env, "TODO_DATABASE_URL": url(server, role=ADMIN, database=DATABASE)}
    todo(admin_env, "db", "upgrade")
    todo(admin_env, "db", "grant", USERS)
    users_env = {**env, "TODO_DATABASE_URL": url(server, role=USERS, database=DATABASE)}
    todo(users_env, "register", "bench@example.com", "--password-stdin", stdin="bench-password\n")
    token = todo(
        users_env,
        "login",
        "bench@example.com",
        "--password-stdin",
        "--print-token",
        stdin="bench-password\n",
    ).strip()
    asyncio.run(execute(url(server, database=DATABASE), SEED_SQL, args=(count,)))
    return {**users_env, "TODO_SESSION_TOKEN": token}


def commands(count: int) -> dict[str, tuple[str, ...]]:
    return {
        f"todo list ({count} tasks, piped)": ("list",),
        f"todo list --json ({count} tasks)": ("list", "--json"),
        "todo list (no match)": ("list", "--search", "matches-nothing"),
        "todo add": ("add", "timed add"),
    }


def measure(server: str, runs: int, env: dict[str, str], count: int) -> dict[str, list[float]]:
    """Interleaved (on, off, on, off...) so the machine's other load hits both alike."""
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for enabled in (True, False):
            toggle_rls(server, enabled)
            for name, argv in commands(count).items():
                times.setdefault(f"{name}|{enabled}", []).append(seconds(env, *argv))
    toggle_rls(server, True)
    return times


async def query_ms(dsn: str, token: str, runs: int) -> float:
    """The list query alone, server round trip included, as the users' role."""
    connection = await asyncpg.connect(dsn)
    try:
        samples = []
        for _ in range(runs):
            async with connection.transaction():
                await connection.execute("SELECT set_config('todo.session_token', $1, true)", token)
                start = time.perf_counter()
                await connection.fetch(LIST_SQL)
                samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)
    finally:
        await connection.close()


LIST_SQL = (
    "SELECT * FROM tasks WHERE user_id = (SELECT todo_session_user()) AND status = 'pending' "
    "ORDER BY due NULLS LAST, number"
)


def query_costs(server: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    costs = []
    for enabled in (True, False):
        toggle_rls(server, enabled)
        costs.append(
            asyncio.run(query_ms(env["TODO_DATABASE_URL"], env["TODO_SESSION_TOKEN"], runs))
        )
    toggle_rls(server, True)
    return costs[0], costs[1]


def toggle_rls(server: str, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    statements = [f"ALTER TABLE {table} {verb} ROW LEVEL SECURITY" for table in RLS_TABLES]
    asyncio.run(execute(url(server, database=DATABASE), *statements))


def tear_down(server: str) -> None:
    asyncio.run(
        execute(
            server,
            f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
            f"DROP ROLE IF EXISTS {ADMIN}",
            f"DROP ROLE IF EXISTS {USERS}",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--agent", choices=("on", "off"), default="on", help="todo's resident agent (default on)"
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    env["TODO_AGENT"] = "1" if args.agent == "on" else "0"
    try:
        users_env = set_up(args.server, args.tasks, env)
        times = measure(args.server, args.runs, users_env, args.tasks)
        on_ms, off_ms = query_costs(args.server, users_env, args.runs * 5)
    finally:
        subprocess.run([TODO, "agent", "stop"], env=env, capture_output=True)
        tear_down(args.server)
    print(
        f"agent {args.agent}; {platform.node()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    )
    print(f"{'median of ' + str(args.runs):<36}{'with RLS':>10}{'without':>10}{'cost':>10}")
    for name in commands(args.tasks):
        on, off = (statistics.median(times[f"{name}|{state}"]) for state in (True, False))
        print(f"{name:<36}{on:9.3f}s{off:9.3f}s{(on - off) * 1000:+8.1f}ms")
    print(
        f"{'list query alone (' + str(args.tasks) + ' rows)':<36}{on_ms:8.1f}ms{off_ms:8.1f}ms"
        f"{on_ms - off_ms:+8.1f}ms"
    )


if __name__ == "__main__":
    main()
