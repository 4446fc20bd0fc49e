"""Ports chosen for local nodes: below the kernel's ephemeral range, distinct, and free."""

from __future__ import annotations

import socket

import pytest

from infra import ports
from infra.province import NODES, PORT_FIELDS, listening_ports, plan, quiet_port
from services.shared.config import Settings


@pytest.fixture(autouse=True)
def _whole_span(monkeypatch) -> None:
    """The span of a picker on its own (the workers of `make test` take a share each)."""
    monkeypatch.delenv("SUNLIGHT_PORTS_SHARE", raising=False)


def test_the_ports_are_distinct_free_and_below_the_ephemeral_range() -> None:
    chosen = ports.free_ports(40)
    assert len(set(chosen)) == 40
    span = ports.chosen_from()
    assert all(p in span for p in chosen)
    assert span.stop <= ports.ephemeral_low()  # never a port outgoing connections are given
    for port in chosen:  # each can be bound by the node that is given it
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_the_default_ports_of_every_node_lie_below_the_ephemeral_range() -> None:
    """A default port inside the kernel's ephemeral range (Linux: from 32768) can be taken by
    any outgoing connection before its server binds it: `make run` once found a district's
    peer port "already in use". Nor may a default fall in the pickers' span (tests start
    nodes on chosen ports while others run on the defaults)."""
    defaults = {name: Settings.model_fields[name].default for name in PORT_FIELDS}
    used = [port + layout.port_offset for layout in NODES.values()
            for port in defaults.values() if port]
    assert len(used) == len(set(used))  # no two processes of the province on one port
    assert max(used) < min(32768, ports.ephemeral_low()), (
        f"default ports {sorted(used)} reach into the ephemeral range (from "
        f"{ports.ephemeral_low()} here): move the defaults, or this machine's range")
    assert not set(used) & set(ports.chosen_from())


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
    # a province set up on free ports is told why it cannot be, in a line, not a traceback
    with pytest.raises(SystemExit, match="--free-ports: no 1 free ports"):
        quiet_port(taken)


def test_pickers_side_by_side_choose_from_parts_that_do_not_overlap(monkeypatch) -> None:
    whole = ports.chosen_from()
    shares = []
    for k in (1, 2, 3):
        monkeypatch.setenv("SUNLIGHT_PORTS_SHARE", f"{k}/3")
        shares.append(set(ports.chosen_from()))
        assert set(ports.free_ports(20)) <= shares[-1]
    assert not shares[0] & shares[1] and not shares[1] & shares[2] and not shares[0] & shares[2]
    assert set().union(*shares) <= set(whole)
    assert all(len(share) == len(whole) // 3 for share in shares)


def test_a_share_of_a_share_lies_within_it_and_the_parts_do_not_overlap(monkeypatch) -> None:
    """Two runs side by side, each given half, each on two workers: four disjoint parts, each
    inside its run's half (the workers divide what their run was given)."""
    parts = {}
    for run in (1, 2):
        monkeypatch.setenv("SUNLIGHT_PORTS_SHARE", f"{run}/2")
        half = set(ports.chosen_from())
        for worker in (1, 2):
            monkeypatch.setenv("SUNLIGHT_PORTS_SHARE", f" {run}/2, {worker}/2 ")
            parts[run, worker] = set(ports.chosen_from())
            assert parts[run, worker] <= half and len(parts[run, worker]) == len(half) // 2
    for one in parts:
        for other in parts:
            assert one == other or not parts[one] & parts[other]


@pytest.mark.parametrize("share", ["half", "0/2", "3/2", "1/0", "1/2/3", "1/2,3/2", "1/2,x"])
def test_a_share_that_is_not_k_of_n_is_refused_with_what_is_expected(monkeypatch, share) -> None:
    monkeypatch.setenv("SUNLIGHT_PORTS_SHARE", share)
    with pytest.raises(ValueError, match="SUNLIGHT_PORTS_SHARE"):
        ports.chosen_from()


def test_a_province_whose_further_processes_reach_another_nodes_port_is_refused() -> None:
    """Partition n of the supervision worker answers on the partition health port + n − 1:
    eight workers reach 8100, the city's hall, and the province is refused before anything
    starts; a node alone, or seven workers, or the most copies there may be, fit."""
    regions = list(NODES)
    with pytest.raises(SystemExit, match=r"port 8100 would be both node 510000 "
                       r"SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT of partition 7"
                       r" and node 511600 SUNLIGHT_HALL_PORT"):
        plan(regions, Settings(_env_file=None, supervision_workers=8))
    plan(regions[:1], Settings(_env_file=None, supervision_workers=8))
    plan(regions, Settings(_env_file=None, supervision_workers=7))
    plan(regions, Settings(_env_file=None, cases_processes=32, gateway_processes=32))


def test_a_nodes_listening_ports_include_its_further_processes() -> None:
    found = listening_ports(Settings(_env_file=None, cases_processes=3, gateway_processes=2,
                                     supervision_workers=3, catalogue_metrics_port=0))
    assert len(found) == len(PORT_FIELDS) - 1 + 2 + 1 + 1  # catalogue's metrics off
    assert {9111, 9112, 9151, 8095} <= set(found) and 9101 not in found
    assert found[9112] == "SUNLIGHT_CASES_METRICS_PORT of cases process 2"
    assert found[9151] == "SUNLIGHT_GATEWAY_METRICS_PORT of gateway process 1"
    # partition 1 answers on the partition health port itself, partition 2 on the next
    assert found[8094] == "SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT"
    assert found[8095] == "SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT of partition 2"
