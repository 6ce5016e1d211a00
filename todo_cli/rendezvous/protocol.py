"""Frames on the agent's socket: a 4-byte length, then a ``marshal``-ed value.

``marshal`` and ``_struct`` are built into the interpreter, so the client pays
nothing to import them; both ends are the same interpreter (the install hash
names the socket), so ``marshal``'s version-specific format is no problem.

Client to agent: one request dict (``kind``: run, status or stop), with fds
0, 1 and 2 attached to a ``run``. Agent to client for a run: ``("pid", n)``,
then the client answers ``GO`` (committing to the agent: it never falls back
after that), then ``("exit", code)``, ``("declined", why)`` or, from the parent
when the worker died without an exit code, ``("signal", n)``.
"""

from __future__ import annotations

import _socket
import _struct
import marshal
import os

TYPE_CHECKING = False  # typing itself costs the client milliseconds
if TYPE_CHECKING:
    from typing import Any

VERSION = 1
HEADER = ">I"
HEADER_SIZE = 4
MAX_FRAME = 16 * 1024 * 1024
GO = b"G"
FD_FORMAT = "3i"


class ProtocolError(Exception):
    """The peer hung up or sent something this version does not speak."""


def send(sock: _socket.socket, value: Any, fds: tuple[int, ...] = ()) -> None:
    """One frame; ProtocolError (nothing sent) for a value ``marshal`` cannot carry."""
    try:
        body = marshal.dumps(value)
    except ValueError as exc:  # an int subclass such as an IntEnum, any object
        raise ProtocolError(f"cannot send {value!r}: {exc}") from exc
    frame = _struct.pack(HEADER, len(body)) + body
    if fds:
        rights = _struct.pack(f"{len(fds)}i", *fds)
        sent = sock.sendmsg([frame], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
        frame = frame[sent:]
    if frame:
        sock.sendall(frame)


def receive(sock: _socket.socket) -> Any:
    (size,) = _struct.unpack(HEADER, receive_exactly(sock, HEADER_SIZE))
    if size > MAX_FRAME:
        raise ProtocolError("frame too large")
    try:
        return marshal.loads(receive_exactly(sock, size))
    except (EOFError, ValueError, TypeError) as exc:
        raise ProtocolError("malformed frame") from exc


def receive_with_fds(sock: _socket.socket, count: int) -> tuple[Any, list[int]]:
    """The first frame of a request and the descriptors that came with it."""
    space = _socket.CMSG_SPACE(count * _struct.calcsize("i"))
    data, ancillary, _flags, _address = sock.recvmsg(HEADER_SIZE, space)
    fds = fds_from(ancillary)
    try:
        if len(data) < HEADER_SIZE:
            data += receive_exactly(sock, HEADER_SIZE - len(data))
        (size,) = _struct.unpack(HEADER, data)
        if size > MAX_FRAME:
            raise ProtocolError("frame too large")
        return marshal.loads(receive_exactly(sock, size)), fds
    except BaseException:
        close_all(fds)
        raise


def fds_from(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            whole = len(payload) - len(payload) % 4
            fds.extend(_struct.unpack(f"{whole // 4}i", payload[:whole]))
    return fds


def receive_exactly(sock: _socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            raise ProtocolError("the peer hung up")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def close_all(fds: list[int]) -> None:

    for fd in fds:
        try:  # noqa: SIM105 - contextlib costs the client an import
            os.close(fd)
        except OSError:
            pass
