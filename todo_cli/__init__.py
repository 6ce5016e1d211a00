"""todo: a task manager for the terminal on PostgreSQL."""

__version__ = "0.1.0"
