"""Reading and writing other task managers' files (Taskwarrior, todo.txt, JSON, JSON Lines).

Every codec turns its format into :class:`records.Record` dicts (import) and a
``Record`` back into its format (export); the database side never sees a format.
"""
