"""Where the agent and its callers meet: below both the agent and the commands.

- ``runtime``: the private per-user directory, the install hash, the file names.
- ``protocol``: length-prefixed ``marshal`` frames over a Unix socket.
- ``control``: asking a running agent for its status, or to stop.

The client (``todo_cli.agent.client``), the agent's server and workers, and the
``todo agent status|stop`` commands (``todo_cli.cli.agent``) all import these, so
the commands need nothing from the agent layer above them. ``runtime`` and
``protocol`` stay as cheap as the client: they are on every command's path.
"""
