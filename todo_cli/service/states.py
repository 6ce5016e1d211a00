"""Task states that no column holds, as SQL: what the virtual tags (+TEMPLATE ...) select.

Each state is a small function returning a boolean SQL expression over ``tasks``,
so a filter, a listing and a housekeeping step all mean the same thing by it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import col

from todo_cli.models import Task


def template() -> ColumnElement[bool]:
    """A series' template: only templates carry the series' type (``rtype``), whatever
    their status (a deleted template is still one; ``todo restore`` makes it recur again)."""
    return col(Task.rtype).is_not(None)


def instance() -> ColumnElement[bool]:
    """A task a series made: it names its template."""
    return col(Task.template_id).is_not(None)
