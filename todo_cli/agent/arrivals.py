"""Requests read as their bytes arrive: a client that connects and stalls holds up nobody.

The agent's loop never blocks on one client. Each accepted connection is
non-blocking and read whenever it is readable, into its own buffer (with the
descriptors that come with the first bytes), until a whole frame is in; one
that has not sent its request within ``REQUEST_TIMEOUT`` is dropped.
"""

from __future__ import annotations

import _socket
import _struct
import marshal
import socket
import time
from typing import Any

from todo_cli.rendezvous import protocol

REQUEST_TIMEOUT = 5.0  # seconds for a connected client to send its request
CHUNK = 64 * 1024
MAX_FDS = 3  # stdin, stdout, stderr


class Arrival:
    """One accepted connection whose request is still coming in."""

    def __init__(self, connection: socket.socket, now: float | None = None) -> None:
        connection.setblocking(False)
        self.connection = connection
        self.deadline = (time.monotonic() if now is None else now) + REQUEST_TIMEOUT
        self.data = bytearray()
        self.fds: list[int] = []

    def fileno(self) -> int:
        return self.connection.fileno()

    def expired(self, now: float) -> bool:
        return now > self.deadline

    def read(self) -> Any | None:
        """What is there now; the request once it is whole, else None.

        ProtocolError when the client hung up or sent what is no request.
        """
        space = _socket.CMSG_SPACE(MAX_FDS * _struct.calcsize("i"))
        try:
            data, ancillary, _flags, _address = self.connection.recvmsg(CHUNK, space)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as exc:
            raise protocol.ProtocolError(f"cannot read the request: {exc}") from exc
        self.fds.extend(protocol.fds_from(ancillary))
        if not data:
            raise protocol.ProtocolError("the client hung up before its request was whole")
        self.data += data
        return self.request()

    def request(self) -> Any | None:
        if len(self.data) < protocol.HEADER_SIZE:
            return None
        (size,) = _struct.unpack_from(protocol.HEADER, self.data)
        if size > protocol.MAX_FRAME:
            raise protocol.ProtocolError("frame too large")
        if len(self.data) < protocol.HEADER_SIZE + size:
            return None
        try:
            return marshal.loads(
                bytes(self.data[protocol.HEADER_SIZE : protocol.HEADER_SIZE + size])
            )
        except (EOFError, ValueError, TypeError) as exc:
            raise protocol.ProtocolError("malformed frame") from exc

    def taken(self) -> tuple[socket.socket, list[int]]:
        """The connection (blocking again, for the short answers) and its descriptors."""
        self.connection.setblocking(True)
        self.connection.settimeout(REQUEST_TIMEOUT)
        return self.connection, self.fds

    def drop(self) -> None:
        protocol.close_all(self.fds)
        self.fds = []
        self.connection.close()
