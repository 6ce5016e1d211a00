"""What journaling costs `todo add`: medians of in-process adds with and without it.

    TODO_DATABASE_URL=postgresql://... python tests/benchmarks/bench_journal.py [--runs 21]

Each add runs as the command does (one session scope, one transaction, the
local user) on an engine kept warm between runs, as in a resident agent; the
"without" runs replace journal.record by a no-op for the measurement only.
Runs alternate so drift hits both sides alike. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from todo_cli.db.engine import build_engine, session_scope
from todo_cli.db.urls import parse_url, translate
from todo_cli.models import TaskCreate
from todo_cli.service import journal
from todo_cli.service.tasks import add_task
from todo_cli.service.users import local_user
from todo_cli.settings import Settings


async def one_add(engine: Any) -> float:
    start = time.perf_counter()
    async with session_scope(engine) as session:
        user = await local_user(session)
        assert user is not None  # made by migration 0003
        await add_task(session, user=user, task=TaskCreate(title="Buy milk", tags=["errand"]))
    return time.perf_counter() - start


async def no_record(*args: Any, **kwargs: Any) -> None:
    return None


async def measure(runs: int) -> dict[str, list[float]]:
    url = os.environ["TODO_DATABASE_URL"]
    settings = Settings(database_url=url)
    target = translate(parse_url(url), connect_timeout=10, application_name="bench")
    engine = build_engine(target, settings)
    real: Callable[..., Awaitable[None]] = journal.record
    times: dict[str, list[float]] = {"with journal": [], "without journal": []}
    try:
        for _ in range(3):  # warm the pool and the statement caches
            await one_add(engine)
        for _ in range(runs):
            journal.record = real  # type: ignore[assignment]
            times["with journal"].append(await one_add(engine))
            journal.record = no_record  # type: ignore[assignment]
            times["without journal"].append(await one_add(engine))
    finally:
        journal.record = real  # type: ignore[assignment]
        await engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    times = asyncio.run(measure(parser.parse_args().runs))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:<16} median {value:6.2f} ms over {len(times[name])} adds")
    extra = medians["with journal"] - medians["without journal"]
    print(f"journal cost     {extra:+6.2f} ms per add")


if __name__ == "__main__":
    main()
