"""Local sockets that misbehave like a broken network, for the timeout tests.

Everything listens on 127.0.0.1 and talks only to the test's own server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import make_url


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word (a black-holed server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in held:
            connection.close()


def server_address(server_url: str) -> tuple[int, str | tuple[str, int]]:
    """How to reach the test server: a TCP address or the embedded server's Unix socket."""
    url = make_url(server_url)
    host = url.host or url.query.get("host")
    port = url.port or 5432
    if isinstance(host, str) and host.startswith("/"):
        return socket.AF_UNIX, f"{host}/.s.PGSQL.{port}"
    return socket.AF_INET, (host or "127.0.0.1", port)


class FreezingProxy:
    """Relays to the real server until the client sends ``trigger``; then goes silent.

    Like a pooler that is PAUSEd mid-session: the connection stays open, the
    statement is swallowed and nothing ever comes back.
    """

    def __init__(self, server_url: str, trigger: bytes) -> None:
        self.upstream = server_address(server_url)
        self.trigger = trigger
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client = self.listener.accept()[0]
            except OSError:
                return
            family, address = self.upstream
            server = socket.socket(family, socket.SOCK_STREAM)
            server.connect(address)
            self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if from_client and self.trigger in data:
                self.frozen.set()
            if self.frozen.is_set():
                continue  # swallowed: the pooler has stopped answering
            try:
                target.sendall(data)
            except OSError:
                return


class NoNameResolution:
    """The name-resolution edge, faked: every name but localhost is unknown, nothing is sent.

    Installed over ``socket.getaddrinfo``, which asyncio's resolver calls.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.asked: list[object] = []

    def __call__(self, host: object, *args: Any, **kwargs: Any) -> Any:
        if is_loopback(host):
            return self.real(host, *args, **kwargs)
        self.asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: object) -> bool:
    """127.0.0.0/8, ::1 or a loopback name; anything else would leave this machine."""
    import ipaddress

    if host is None or host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


class OffMachineTrafficError(AssertionError):
    """A test tried to reach beyond loopback (or to resolve a name through the network)."""


def guard_loopback_only(monkeypatch: Any) -> None:
    """Refuse, in this process, every connect and lookup that is not loopback or a Unix socket."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise OffMachineTrafficError(f"a test tried to connect to {address[0]}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise OffMachineTrafficError(f"a test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
