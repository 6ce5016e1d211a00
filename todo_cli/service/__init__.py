"""Business rules: the only place that queries the database.

Every function is keyword-only and takes the session explicitly:
``await add_task(session, user=user, title="Buy milk")``.
"""
