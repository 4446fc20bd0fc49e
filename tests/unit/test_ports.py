"""Ports chosen for local nodes: below the kernel's ephemeral range, distinct, and free."""

from __future__ import annotations

import socket

from infra import ports
from infra.province import quiet_port


def test_the_ports_are_distinct_free_and_below_the_ephemeral_range() -> None:
    chosen = ports.free_ports(40)
    assert len(set(chosen)) == 40
    span = ports.chosen_from()
    assert all(p in span for p in chosen)
    assert span.stop <= ports.ephemeral_low()  # never a port outgoing connections are given
    for port in chosen:  # each can be bound by the node that is given it
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_someone_listens_on_is_never_chosen(monkeypatch) -> None:
    monkeypatch.setattr(ports, "SPAN", 3)
    high = ports.chosen_from().stop
    listeners = []
    try:
        for port in range(high - 3, high - 1):  # two of the three candidates are taken
            sock = socket.socket()
            sock.bind(("127.0.0.1", port))
            sock.listen()
            listeners.append(sock)
        for _ in range(10):
            assert ports.free_ports(1) == [high - 1]
    finally:
        for sock in listeners:
            sock.close()


def test_avoided_ports_are_not_chosen_and_too_many_is_said(monkeypatch) -> None:
    monkeypatch.setattr(ports, "SPAN", 3)
    high = ports.chosen_from().stop
    taken = {high - 3, high - 2}
    assert quiet_port(taken) == high - 1
    assert taken == {high - 3, high - 2, high - 1}
    try:
        ports.free_ports(4)
    except RuntimeError as error:
        assert "no 4 free ports" in str(error)
    else:
        raise AssertionError("four ports out of three")
