"""`todo projects` and `todo tags`: counts computed by PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.models import User

# Every task counts in its project and in each parent: home.garden also in home.
# Counted per project first (an index-only scan of the user's entries in
# ix_tasks_user_reports: the time follows the user's rows, not the table's), then
# the few projects are split into their prefixes. Splitting every row instead
# made the planner expect a thousand prefixes a row, and a plan costly enough to
# be JIT-compiled (tens of milliseconds) for a query that takes a few.
PROJECTS = text(
    """
    WITH counted AS (
        SELECT project,
               count(*) FILTER (WHERE status = 'pending') AS pending,
               count(*) FILTER (WHERE status = 'done') AS done
        FROM tasks
        WHERE user_id = :user_id AND project IS NOT NULL AND status IN ('pending', 'done')
        GROUP BY project
    )
    SELECT prefix.name AS project, sum(counted.pending)::bigint AS pending,
           sum(counted.done)::bigint AS done
    FROM counted
    CROSS JOIN LATERAL (
        SELECT array_to_string((string_to_array(counted.project, '.'))[1:depth], '.') AS name
        FROM generate_series(1, cardinality(string_to_array(counted.project, '.'))) AS depth
    ) AS prefix
    GROUP BY prefix.name
    ORDER BY prefix.name
    """
)

TAGS = text(
    """
    SELECT tag, count(*) AS pending
    FROM tasks CROSS JOIN LATERAL unnest(tasks.tags) AS tag
    WHERE tasks.user_id = :user_id AND tasks.status = 'pending'
    GROUP BY tag
    ORDER BY tag
    """
)


@dataclass(frozen=True)
class ProjectSummary:
    project: str
    pending: int
    done: int

    @property
    def percent(self) -> int:
        """Share of finished tasks, rounded down (100 only when nothing is pending)."""
        return self.done * 100 // (self.pending + self.done)


@dataclass(frozen=True)
class TagSummary:
    tag: str
    pending: int


async def project_summaries(session: AsyncSession, *, user: User) -> list[ProjectSummary]:
    """Projects with pending or done tasks, parents included, by name (deleted ones skipped)."""
    rows = await (await session.connection()).execute(PROJECTS, {"user_id": user.id})
    return [ProjectSummary(row.project, row.pending, row.done) for row in rows]


async def tag_summaries(session: AsyncSession, *, user: User) -> list[TagSummary]:
    """Tags of pending tasks and how many pending tasks carry each."""
    rows = await (await session.connection()).execute(TAGS, {"user_id": user.id})
    return [TagSummary(row.tag, row.pending) for row in rows]
