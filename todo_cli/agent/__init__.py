"""The resident agent: one pre-imported process per user and install, a fork per command.

Why fork-per-request (Mercurial's ``chg`` model) and not one event loop serving
requests concurrently: Typer, Click and Rich write to the process-global
``sys.stdout``/``sys.stderr`` and read ``os.environ``; pydantic-settings reads
``os.environ``; the local time zone is process state (``TZ`` + ``time.tzset``).
Only a process of its own per request isolates the environment, cwd, umask,
TZ, NO_COLOR, COLUMNS and configuration of concurrent commands for free. The
parent imports the heavy stack once and never opens an event loop or a
database connection (neither survives a fork), so each worker connects on its
own; what the agent saves is the ~0.5 s of imports, not the connect.

Pieces:

- ``client``: the ``todo`` entry point. Standard library built-ins only (no
  typer, no json, not even ``socket``): sends argv, the environment, cwd and
  umask, passes fds 0, 1 and 2 (SCM_RIGHTS), forwards signals to the worker
  and exits with its code. No agent answering means: start one in the
  background and run this command in-process.
- ``server``: the agent. Private socket per user and install, peer uid checked
  on every connection, exits when idle, stale or stopped.
- ``worker``: the forked child that becomes the command's process.
- ``runtime``: the private directory, the install hash, the file names.
- ``protocol``: length-prefixed ``marshal`` frames over a Unix socket.
"""
