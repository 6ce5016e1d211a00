"""The columns of the task table, by the names `list --columns` and the
report_columns setting use: plain data, so settings can check a value without Rich."""

from todo_cli.errors import UsageError

# The columns `list --columns` and the report_columns setting name, and their headers.
COLUMNS = {
    "id": "ID",
    "status": "Status",
    "priority": "Pri",
    "due": "Due",
    "scheduled": "Sched",
    "wait": "Wait",
    "until": "Until",
    "project": "Project",
    "tags": "Tags",
    "age": "Age",
    "urgency": "Urg",
    "title": "Title",
}


def read_columns(text: str) -> tuple[str, ...]:
    """``id,age,urgency,title`` as column names, checked; the ID always comes first and
    the title last (every row needs both), wherever they were named."""
    names = tuple(name.strip().lower() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or not names:
        known = ", ".join(COLUMNS)
        raise UsageError(
            f"unknown column {', '.join(map(repr, unknown)) or 'list'}; known: {known}"
        )
    middle = tuple(dict.fromkeys(name for name in names if name not in ("id", "title")))
    return ("id", *middle, "title")
