"""The suite's own guard: traffic beyond loopback fails the test instead of leaving the machine."""

import socket

import pytest

from tests.network import OffMachineTrafficError, is_loopback


def test_a_connect_beyond_loopback_is_refused():
    # 2001:db8::/32 is the documentation prefix; the guard stops the connect before any packet.
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(OffMachineTrafficError):
        sock.connect(("2001:db8::1", 5432))


def test_a_name_lookup_is_refused():
    with pytest.raises(OffMachineTrafficError):
        socket.getaddrinfo("db.example.com", 5432)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", None])
def test_loopback_passes(host):
    assert is_loopback(host)
