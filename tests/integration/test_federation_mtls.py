"""Two gateways' peer ports on this machine, mutual TLS, the node registry deciding each call.

The province (510000) and Guang'an district (511602) each serve their peer port with their own
certificate; the registry lets 510000 say Hello to 511602 and nothing else. Refused: a call no
rule allows, a caller without a certificate, a caller whose certificate was revoked (the
running gateway reads the changed registry by itself), a certificate of another CA, and a
node answering for a region it is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from sunlight.gateway.v1 import gateway_pb2, gateway_pb2_grpc

from gateway.peers import Peers, PeerServer, open_registry
from infra.ports import free_port, free_ports
from services.shared.auth import Principal, mint_assertion
from services.shared.grpc_errors import error_detail_of
from services.shared.pki import PkiPaths, fingerprint, load_cert
from services.shared.token_keys import TokenKey
from tests.support.federation import Province
from tests.support.wait import wait_for

HELLO = "/sunlight.gateway.v1.FederationService/Hello"
GET_NODE = "/sunlight.gateway.v1.NodeService/GetNode"
TIMEOUT_S = 5.0


class FixedNode(gateway_pb2_grpc.NodeServiceServicer):
    def __init__(self, region: str) -> None:
        self.region = region

    def GetNode(self, request, context):  # noqa: N802 - the gRPC method's name
        return gateway_pb2.GetNodeResponse(region=self.region, name="test")


@pytest.fixture
def province(tmp_path) -> Iterator[tuple[Province, dict[str, PeerServer]]]:
    province = Province.create(tmp_path / "province")
    ports = dict(zip(("510000", "511602"), free_ports(2), strict=True))
    for region, name in (("510000", "四川省"), ("511602", "广安区")):
        province.add_node(region, name, f"127.0.0.1:{ports[region]}")
    province.change(lambda r: r.allowing("510000", "511602", HELLO))
    servers = {}
    for region, paths in province.nodes.items():
        server = PeerServer(f"127.0.0.1:{ports[region]}", region, region, paths,
                            open_registry(paths), province.token_keys[region],
                            node_servicer=FixedNode(region))
        server.registry._check_every = 0.0  # noqa: SLF001 - read a changed registry at once
        server.start()
        servers[region] = server
    yield province, servers
    for server in servers.values():
        server.stop(0)


def peers_of(province: Province, region: str, token_key: str | None = None) -> Peers:
    paths = province.nodes[region]
    return Peers(paths, open_registry(paths).current, TIMEOUT_S, region=region,
                 token_key=token_key or province.token_keys[region])


def refusal(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    detail = error_detail_of(caught.value)
    return caught.value.code(), detail.code if detail else ""


def test_an_allowed_call_passes_and_names_the_caller_from_its_certificate(province) -> None:
    province, _ = province
    peers = peers_of(province, "510000")
    answer = peers.hello("511602")
    assert (answer.region, answer.caller_region, answer.subject) == ("511602", "510000", "")
    assert answer.registry_serial == province.registry.serial
    peers.close()


def test_a_person_travels_as_an_assertion_of_the_calling_node(province) -> None:
    province, _ = province
    person = Principal("wang.fang", roles=("supervisor",), regions=("510000",))
    peers = peers_of(province, "510000")
    assert peers.hello("511602", person=person).subject == "wang.fang"
    # an assertion signed with another node's key: the caller may vouch for its own people only
    # the province's certificate, signing as the district (with the district's key)
    posing = Peers(province.nodes["510000"], open_registry(province.nodes["510000"]).current,
                   TIMEOUT_S, region="511602", token_key=province.token_keys["511602"])
    district_person = Principal("li", roles=("supervisor",), regions=("511602",))
    assert refusal(lambda: posing.hello("511602", person=district_person)) == (
        grpc.StatusCode.UNAUTHENTICATED, "ASSERTION_NOT_CALLERS")
    # an assertion by a key the registry does not hold
    stranger = peers_of(province, "510000", token_key=TokenKey.generate().to_text())
    assert refusal(lambda: stranger.hello("511602", person=person)) == (
        grpc.StatusCode.UNAUTHENTICATED, "UNKNOWN_TOKEN_KEY")
    # an assertion meant for another node
    other = Principal("wang.fang", roles=("supervisor",), regions=("510000",))
    token = mint_assertion(province.token_keys["510000"], other, issuer="510000",
                           audience="511600")
    hello = peers.channel("511602").unary_unary(
        HELLO, request_serializer=gateway_pb2.HelloRequest.SerializeToString,
        response_deserializer=gateway_pb2.HelloResponse.FromString)
    assert refusal(lambda: hello(gateway_pb2.HelloRequest(), timeout=TIMEOUT_S,
                                 metadata=(("authorization", f"Bearer {token}"),))) == (
        grpc.StatusCode.UNAUTHENTICATED, "TOKEN_FOR_ANOTHER_NODE")
    for client in (peers, posing, stranger):
        client.close()


def test_a_call_the_registry_does_not_allow_is_refused(province) -> None:
    province, _ = province
    province_peers, district_peers = peers_of(province, "510000"), peers_of(province, "511602")
    # the method exists on the peer port, but no rule names it
    assert refusal(lambda: province_peers.call(
        "511602", GET_NODE, gateway_pb2.GetNodeRequest(), gateway_pb2.GetNodeResponse)
    ) == (grpc.StatusCode.PERMISSION_DENIED, "CALL_NOT_ALLOWED")
    # the rule is one way: the district may not say Hello to the province
    assert refusal(lambda: district_peers.hello("510000")) == (
        grpc.StatusCode.PERMISSION_DENIED, "CALL_NOT_ALLOWED")
    province.change(lambda r: r.allowing("510000", "511602", "/sunlight.gateway.v1.NodeService/*"))
    answer = wait_for(lambda: province_peers.call(
        "511602", GET_NODE, gateway_pb2.GetNodeRequest(), gateway_pb2.GetNodeResponse),
        timeout_s=10, what="the new rule to take effect")
    assert answer.region == "511602"


def test_a_caller_without_a_certificate_is_refused(province) -> None:
    province, _ = province
    address = province.registry.node("511602").gateway
    ca = province.nodes["510000"].ca_cert.read_bytes()
    channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=ca),
                                  options=[("grpc.ssl_target_name_override",
                                            "511602.nodes.sunlight.internal")])
    hello = channel.unary_unary(
        HELLO, request_serializer=gateway_pb2.HelloRequest.SerializeToString,
        response_deserializer=gateway_pb2.HelloResponse.FromString)
    with pytest.raises(grpc.RpcError) as caught:
        hello(gateway_pb2.HelloRequest(), timeout=TIMEOUT_S)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE  # the handshake fails
    plain = grpc.insecure_channel(address)
    with pytest.raises(grpc.RpcError) as caught:
        plain.unary_unary(HELLO, request_serializer=gateway_pb2.HelloRequest.SerializeToString,
                          response_deserializer=gateway_pb2.HelloResponse.FromString)(
            gateway_pb2.HelloRequest(), timeout=TIMEOUT_S)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    channel.close()
    plain.close()


def test_a_revoked_node_is_refused_by_the_running_gateway(province) -> None:
    province, _ = province
    peers = peers_of(province, "510000")
    assert peers.hello("511602").caller_region == "510000"
    province.change(lambda r: r.revoking_node("510000", "key lost"))
    assert wait_for(lambda: refusal(lambda: peers.hello("511602"))[1] == "CERTIFICATE_REVOKED",
                    timeout_s=10, what="the revocation to take effect")
    peers.close()


def test_one_revoked_certificate_is_refused_while_the_node_stays(province) -> None:
    province, _ = province
    cert = load_cert(province.nodes["510000"].node_cert)
    province.change(lambda r: r.revoking_certificate(fingerprint(cert), "host retired"))
    peers = peers_of(province, "510000")
    code, reason = wait_for(lambda: (lambda r: r if r[1] == "CERTIFICATE_REVOKED" else None)(
        refusal(lambda: peers.hello("511602"))), timeout_s=10, what="the revocation")
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert province.registry.node("510000").revoked is None
    peers.close()


def test_revoking_a_certificate_refuses_its_next_call_even_with_warm_caches(province) -> None:
    province, _ = province
    person = Principal("wang.fang", roles=("supervisor",), regions=("510000",))
    peers = peers_of(province, "510000")
    for _ in range(3):  # the assertion minted once, verified once, reused
        assert peers.hello("511602", person=person).subject == "wang.fang"
    cert = load_cert(province.nodes["510000"].node_cert)
    province.change(lambda r: r.revoking_certificate(fingerprint(cert), "host retired"))
    # the district's gateway reads its registry on every call here (_check_every = 0)
    assert refusal(lambda: peers.hello("511602", person=person)) == (
        grpc.StatusCode.PERMISSION_DENIED, "CERTIFICATE_REVOKED")
    peers.close()


def test_a_certificate_of_another_ca_is_refused(province, tmp_path) -> None:
    province, _ = province
    other = Province.create(tmp_path / "elsewhere")
    # another province's CA issues "510000" a certificate: same region, wrong CA
    forged_paths = other.add_node("510000", "四川省", "127.0.0.1:1")
    # it trusts this province's CA (so the server's certificate passes): only its own fails
    forged_paths.ca_cert.write_bytes(province.nodes["511602"].ca_cert.read_bytes())
    forged = Peers(forged_paths, lambda: province.registry, TIMEOUT_S)
    with pytest.raises(grpc.RpcError) as caught:
        forged.hello("511602")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE  # refused in the handshake
    forged.close()


def test_a_gateway_answering_for_another_region_is_not_believed(province) -> None:
    province, _ = province
    peers = peers_of(province, "510000")
    # dial the province's own peer port as if it were the district's
    address = province.registry.node("510000").gateway
    with pytest.raises(grpc.RpcError) as caught:
        peers.hello("511602", address=address)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE  # its name is not 511602's
    peers.close()


def test_the_gateway_serves_the_peer_port_once_the_node_has_its_certificate(tmp_path) -> None:
    from gateway.server import build_peers  # noqa: PLC0415 - the gateway process's wiring
    from services.shared.config import Settings  # noqa: PLC0415

    var = tmp_path / "var"
    alone = Settings(var_dir=var, node_region="511602", gateway_peer_port=free_port())
    assert build_peers(alone, backends=None) is None
    province = Province.create(tmp_path / "province")
    paths = province.add_node("511602", "广安区", f"127.0.0.1:{alone.gateway_peer_port}")
    var.mkdir(mode=0o700)
    paths.root.rename(var / "pki")  # where the district keeps it
    server = build_peers(alone, backends=None)
    assert server is not None
    server.start()
    try:
        province.nodes["511602"] = PkiPaths.under(var)
        province.add_node("510000", "四川省", "127.0.0.1:1")
        province.change(lambda r: r.allowing("510000", "511602", HELLO))
        peers = peers_of(province, "510000")
        answer = wait_for(lambda: peers.hello("511602"), timeout_s=10,
                          what="the district's gateway to read the new rule")
        assert answer.region == "511602"
        peers.close()
    finally:
        server.stop(0)


def test_threads_calling_a_peer_first_at_once_share_one_channel(province, monkeypatch) -> None:
    """A gateway's first calls to a peer come from many threads together: one channel is made
    (a second one would never be closed). Making a channel is slowed until a second thread
    makes one too — which, with the lock, never comes: the first waits its half second out."""
    province, _ = province
    peers = peers_of(province, "510000")
    made, second = [], threading.Event()
    real = grpc.secure_channel

    def slow_channel(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made.append(args[0])
        if len(made) >= 2:
            second.set()
        second.wait(timeout=0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr("gateway.peers.grpc.secure_channel", slow_channel)
    start = threading.Barrier(8)

    def first_call() -> str:
        start.wait(timeout=10)
        return peers.hello("511602").region

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: first_call(), range(8)))
    assert answers == ["511602"] * 8
    assert len(made) == 1 and len(peers._channels) == 1  # noqa: SLF001
    peers.close()
