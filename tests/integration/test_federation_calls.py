"""Every peer method between the nodes of a small province: allowed exactly as the registry
``infra.province`` writes allows it (``calls_between``), refused otherwise.

The province (510000), the city (511600) and a district below it (511602) serve their peer
ports (mutual TLS, the registry deciding each call) with a stand-in answering every method
once authorised; no full node is started: what is tested is the registry's decision.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import grpc
import pytest

from gateway.peers import Peers, PeerServer, open_registry
from gateway.routing import GET_CASE, RECONNECT_WAIT_S, Router
from infra.ports import free_ports
from infra.province import CALLS, DOWN_CALLS, DOWNWARD_CALLS, UP_CALLS, calls_between
from services.shared.errors import DomainError
from services.shared.grpc_errors import error_detail_of
from tests.support.federation import Province

pytestmark = pytest.mark.integration

NODES = {"510000": "四川省", "511600": "广安市", "511602": "广安区"}
METHODS = (*CALLS, *DOWNWARD_CALLS, *UP_CALLS, *DOWN_CALLS)
TIMEOUT_S = 5.0


class AnswersAnything(grpc.GenericRpcHandler):
    """Whatever method the registry let through answers an empty message."""

    def service(self, handler_call_details):  # noqa: ANN001 - grpc's signature
        return grpc.unary_unary_rpc_method_handler(lambda request, context: b"")


@pytest.fixture
def province(tmp_path) -> Iterator[Province]:
    province = Province.create(tmp_path / "province")
    ports = dict(zip(NODES, free_ports(len(NODES)), strict=True))
    for region, name in NODES.items():
        province.add_node(region, name, f"127.0.0.1:{ports[region]}")

    def allow_all(registry):
        for caller in NODES:
            for callee in NODES:
                if caller != callee:
                    for method in calls_between(caller, callee):
                        registry = registry.allowing(caller, callee, method)
        return registry

    province.change(allow_all)
    servers = []
    for region, paths in province.nodes.items():
        server = PeerServer(f"127.0.0.1:{ports[region]}", region, region, paths,
                            open_registry(paths), province.token_keys[region])
        server.add_generic(AnswersAnything())
        server.start()
        servers.append(server)
    yield province
    for server in servers:
        server.stop(0)


def outcome(peers: Peers, callee: str, method: str) -> str:
    call = peers.channel(callee).unary_unary(method)
    try:
        call(b"", timeout=TIMEOUT_S)
    except grpc.RpcError as error:
        detail = error_detail_of(error)
        return f"{error.code().name} {detail.code if detail else ''}"
    return "OK"


def test_every_peer_method_is_allowed_exactly_where_the_registry_says(province) -> None:
    wrong = []
    for caller in NODES:
        paths = province.nodes[caller]
        peers = Peers(paths, open_registry(paths).current, TIMEOUT_S, region=caller,
                      token_key=province.token_keys[caller])
        try:
            for callee in NODES:
                if callee == caller:
                    continue
                allowed = set(calls_between(caller, callee))
                for method in METHODS:
                    got = outcome(peers, callee, method)
                    expected = "OK" if method in allowed else "PERMISSION_DENIED CALL_NOT_ALLOWED"
                    if got != expected:
                        wrong.append(f"{caller} → {callee} {method}: {got}, expected {expected}")
        finally:
            peers.close()
    assert not wrong, "\n".join(wrong)
    # the one-way rules are not symmetric: each appears refused somewhere above
    assert set(UP_CALLS) - set(calls_between("511600", "511602"))
    assert set(DOWNWARD_CALLS) - set(calls_between("511602", "510000"))


def test_a_routed_call_waits_for_a_peer_that_came_back_and_names_one_that_did_not(
        tmp_path) -> None:
    """After a peer's gateway restarts, the channel to it reconnects with a back-off and
    fails calls at once meanwhile: a routed call waits (within its deadline) for the channel
    to connect again instead of telling the person the node is unavailable; a node that stays
    down is still named as not answering, within a few seconds."""
    province = Province.create(tmp_path / "province")
    ports = dict(zip(NODES, free_ports(len(NODES)), strict=True))
    for region, name in NODES.items():
        province.add_node(region, name, f"127.0.0.1:{ports[region]}")
    province.change(lambda registry: registry.allowing("510000", "511602", GET_CASE))
    district = province.nodes["511602"]

    def serve() -> PeerServer:
        server = PeerServer(f"127.0.0.1:{ports['511602']}", "511602", "511602", district,
                            open_registry(district), province.token_keys["511602"])
        server.add_generic(AnswersAnything())
        server.start()
        return server

    paths = province.nodes["510000"]
    peers = Peers(paths, open_registry(paths).current, TIMEOUT_S, region="510000",
                  token_key=province.token_keys["510000"])
    router = Router("510000", province.token_keys["510000"],
                    registry=open_registry(paths).current, peers=peers, timeout_s=TIMEOUT_S)

    async def scenario() -> tuple[str, float, bytes]:
        started = time.monotonic()
        with pytest.raises(DomainError) as refused:  # nobody listens: the channel backs off
            await router.call_raw_async("511602", GET_CASE, b"", None)
        down = refused.value.code
        waited = time.monotonic() - started
        server = serve()  # the peer is back while the channel still backs off
        try:
            answer = await router.call_raw_async("511602", GET_CASE, b"", None)
        finally:
            server.stop(0)
        return down, waited, answer

    try:
        down, waited, answer = asyncio.run(scenario())
    finally:
        peers.close()
    assert down == "NODE_UNAVAILABLE"
    assert waited < RECONNECT_WAIT_S + 1.5
    assert answer == b""
