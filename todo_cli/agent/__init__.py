"""The resident agent: one pre-imported process per user and install, a pool of workers.

Why long-lived workers forked from a pre-imported parent (gunicorn's prefork
model), and not one event loop serving requests concurrently: Typer, Click
and Rich write to the process-global ``sys.stdout``/``sys.stderr`` and read
``os.environ``; pydantic-settings reads ``os.environ``; the local time zone is
process state (``TZ`` + ``time.tzset``). A process that serves one request at
a time owns all of that for the request's duration. Why not a fork per
request (Mercurial's ``chg``), which isolates just as well: a forked child
dies with its request, and with it its connections, so every command would
connect, authenticate and compile its SQL afresh, and the connection pool the
design asks for would never reuse a connection. A worker keeps its event loop
and its engines for its life and restores a clean slate between requests.
The parent imports the heavy stack once and never opens an event loop or a
database connection (neither survives a fork).

Pieces:

- ``client``: the ``todo`` entry point. Standard library built-ins only (no
  typer, no json, not even ``socket``): sends argv, the environment, cwd and
  umask, passes fds 0, 1 and 2 (SCM_RIGHTS), forwards signals to the worker
  and exits with its code. No agent answering means: start one in the
  background and run this command in-process.
- ``server``: the agent. Private socket per user and install, peer uid checked
  on every connection, exits when idle, stale or stopped.
- ``pool``: the agent's workers, an idle one always ready.
- ``worker``: a forked worker serving one request after another.
- ``host``: a worker's event loop and engines, lent to each command.
- ``slate``: what a request may change in the process, put back after it.

Where the agent lives and how one talks to it (the private directory and
install hash, the wire protocol, status and stop) is ``todo_cli.rendezvous``,
below this package and the commands both: ``todo agent status|stop`` needs
nothing from here.
"""
