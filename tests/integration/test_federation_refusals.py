"""What a node refuses from other nodes, over the real peer port (mutual TLS, certificates and
a registry signed by the province's CA, ``services.shared.pki``) and at its public HTTP API —
the cases ``test_federation_mtls`` and ``test_federation_calls`` leave out:

- **another audience, another node**: a node's own people's token (``aud`` = itself) carried
  to another node; a token another node signed presented at this node's public API; a token
  this node signed for another node presented here;
- **a revoked node's key**: an assertion signed by a revoked node, carried by a valid node
  over its own (valid) certificate — refused, as is the same assertion before revocation;
- **deny by default**: every method of every service of a node that no rule names, between
  every two nodes of a province as ``make run`` writes its rules; a registered node with no
  rule at all; a certificate the CA issued to a node the registry does not list, and a second
  certificate of a registered node the registry does not list.

Nothing of the checking code is replaced: the servers are ``gateway.peers.PeerServer`` with
the node registry read from the files the province writes; behind the check, a stand-in
answers every method that passes.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.gateway.v1 import gateway_pb2
from sunlight.monitoring.v1 import monitoring_pb2

from gateway.backends import Backends
from gateway.http_api import create_app
from gateway.peers import Peers, PeerServer, open_registry
from infra.ports import free_port, free_ports
from infra.province import calls_between
from services.cases.server import build as build_cases
from services.shared.auth import Authenticator, Principal, mint_assertion, mint_token
from services.shared.grpc_errors import error_detail_of
from services.shared.pki import PkiPaths, cert_pem, issue_node, key_pem, write_private
from tests.support.federation import Province

pytestmark = pytest.mark.integration

NODES = {"510000": "四川省", "511600": "广安市", "511602": "广安区"}
HELLO = "/sunlight.gateway.v1.FederationService/Hello"
TIMEOUT_S = 5.0
#: every method of every service a node's gateway could serve another node
ALL_METHODS = sorted(
    f"/{service.full_name}/{method.name}"
    for module in (cases_pb2, catalogue_pb2, monitoring_pb2, gateway_pb2)
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods)


class AnswersAnything(grpc.GenericRpcHandler):
    """Whatever method the registry let through answers an empty message."""

    def service(self, handler_call_details):  # noqa: ANN001 - grpc's signature
        return grpc.unary_unary_rpc_method_handler(lambda request, context: b"")


@pytest.fixture
def province(tmp_path) -> Iterator[Province]:
    """Three nodes serving their peer ports, the rules ``make run`` writes between them."""
    province = Province.create(tmp_path / "province")
    ports = dict(zip(NODES, free_ports(len(NODES)), strict=True))
    for region, name in NODES.items():
        province.add_node(region, name, f"127.0.0.1:{ports[region]}")

    def rules(registry):  # noqa: ANN001, ANN202
        for caller in NODES:
            for callee in NODES:
                if caller != callee:
                    for method in calls_between(caller, callee):
                        registry = registry.allowing(caller, callee, method)
        return registry.allowing("510000", "511602", HELLO).allowing("511600", "511602", HELLO)

    province.change(rules)
    servers = []
    for region, paths in province.nodes.items():
        server = PeerServer(f"127.0.0.1:{ports[region]}", region, region, paths,
                            open_registry(paths), province.token_keys[region])
        server.registry._check_every = 0.0  # noqa: SLF001 - read a changed registry at once
        server.add_generic(AnswersAnything())
        server.start()
        servers.append(server)
    yield province
    for server in servers:
        server.stop(0)


def peers_of(province: Province, region: str, paths: PkiPaths | None = None) -> Peers:
    paths = paths or province.nodes[region]
    return Peers(paths, open_registry(province.nodes[region]).current, TIMEOUT_S,
                 region=region, token_key=province.token_keys[region])


def outcome(peers: Peers, callee: str, method: str, bearer: str | None = None) -> str:
    """``OK``, or the refusal's status and ErrorDetail code."""
    metadata = (("authorization", f"Bearer {bearer}"),) if bearer else ()
    try:
        peers.channel(callee).unary_unary(method)(b"", timeout=TIMEOUT_S, metadata=metadata)
    except grpc.RpcError as error:
        detail = error_detail_of(error)
        return f"{error.code().name} {detail.code if detail else ''}".strip()
    return "OK"


# --- another audience, another node ----------------------------------------------------------
def test_a_nodes_own_token_carried_to_another_node_is_refused(province) -> None:
    peers = peers_of(province, "510000")
    person = Principal("wang.fang", roles=("supervisor",), regions=("510000",))
    # the assertion the province mints for the district passes …
    assertion = mint_assertion(province.token_keys["510000"], person, issuer="510000",
                               audience="511602")
    assert outcome(peers, "511602", HELLO, assertion) == "OK"
    # … the province's own token for the same person (aud 510000) does not
    own = mint_token(province.token_keys["510000"], "wang.fang", ["supervisor"], ["510000"],
                     issuer="510000")
    assert outcome(peers, "511602", HELLO, own) == "UNAUTHENTICATED TOKEN_FOR_ANOTHER_NODE"
    # nor an assertion the province made for the city, replayed at the district
    for_city = mint_assertion(province.token_keys["510000"], person, issuer="510000",
                              audience="511600")
    assert outcome(peers, "511602", HELLO, for_city) == "UNAUTHENTICATED TOKEN_FOR_ANOTHER_NODE"
    peers.close()


def test_tokens_of_another_node_or_for_another_node_are_refused_at_the_public_api(
        province, pg_settings) -> None:
    """The district's public API (its gateway in front of its real case service) trusts its
    own key, for itself: a token the province signed (even for the district), one the
    district signed for the city, or one naming another issuer than its signer is 401."""
    district_key = province.token_keys["511602"]
    cases = build_cases(pg_settings.model_copy(update={"token_key": district_key,
                                                       "node_region": "511602"}),
                        "127.0.0.1:0")
    address = f"127.0.0.1:{cases.start()}"
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 10.0)
    app = create_app(backends, "511602", "广安区",
                     authenticator=Authenticator(district_key, "511602"))
    tokens = {
        "UNKNOWN_TOKEN_KEY": mint_token(province.token_keys["510000"], "admin", ["admin"],
                                        ["510000"], issuer="510000", audience="511602"),
        "TOKEN_FOR_ANOTHER_NODE": mint_token(district_key, "sup", ["supervisor"], ["511602"],
                                             issuer="511602", audience="511600"),
        "WRONG_ISSUER": mint_token(district_key, "sup", ["supervisor"], ["511602"],
                                   issuer="511600", audience="511602"),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        for code, token in tokens.items():
            answer = client.get("/v1/cases/511602202611020000001",
                                headers={"Authorization": f"Bearer {token}"})
            assert (answer.status_code, answer.json()["error"]["code"]) == (401, code), code
        # the district's own token for itself reaches the case: no such case here
        own = mint_token(district_key, "sup", ["supervisor"], ["511602"], issuer="511602")
        answer = client.get("/v1/cases/511602202611020000001",
                            headers={"Authorization": f"Bearer {own}"})
        assert answer.status_code == 404, answer.text
    backends.close()
    cases.stop(0)


# --- a revoked node's key ----------------------------------------------------------------------
def test_an_assertion_of_a_revoked_node_is_refused_whoever_carries_it(province) -> None:
    """The city signs an assertion for the district; the province (valid certificate, a rule
    to say Hello to the district) carries it. Refused before the city is revoked (a node
    vouches for its own people only) and after (the city's keys count for nothing)."""
    carrier = peers_of(province, "510000")
    city_person = Principal("zhao", roles=("supervisor",), regions=("511600",))
    assertion = mint_assertion(province.token_keys["511600"], city_person, issuer="511600",
                               audience="511602")
    city = peers_of(province, "511600")
    assert outcome(city, "511602", HELLO, assertion) == "OK"  # the city's own: it passes
    assert outcome(carrier, "511602", HELLO, assertion) == (
        "UNAUTHENTICATED ASSERTION_NOT_CALLERS")

    province.change(lambda r: r.revoking_node("511600", "key lost"))
    assert outcome(carrier, "511602", HELLO) == "OK"  # the carrier itself is still welcome
    assert outcome(carrier, "511602", HELLO, assertion) == "UNAUTHENTICATED UNKNOWN_TOKEN_KEY"
    # and the city, with the same assertion it had verified before: shut out
    assert outcome(city, "511602", HELLO, assertion) == "PERMISSION_DENIED CERTIFICATE_REVOKED"
    for peers in (carrier, city):
        peers.close()


# --- deny by default -----------------------------------------------------------------------
def test_every_method_no_rule_names_is_refused_between_every_two_nodes(province) -> None:
    wrong = []
    for caller in NODES:
        peers = peers_of(province, caller)
        for callee in NODES:
            if callee == caller:
                continue
            allowed = set(calls_between(caller, callee)) | (
                {HELLO} if callee == "511602" and caller in ("510000", "511600") else set())
            for method in ALL_METHODS:
                if method in allowed:
                    continue
                got = outcome(peers, callee, method)
                if got != "PERMISSION_DENIED CALL_NOT_ALLOWED":
                    wrong.append(f"{caller} → {callee} {method}: {got}")
        peers.close()
    assert not wrong, "\n".join(wrong)
    # the writes of the case service are among them: no node acts on another's cases
    assert "/sunlight.cases.v1.CaseService/ActOnCase" in ALL_METHODS
    assert len(ALL_METHODS) > 50


def test_a_registered_node_without_rules_may_call_nothing(province, tmp_path) -> None:
    paths = province.add_node("511621", "岳池县", f"127.0.0.1:{free_port()}")
    newcomer = peers_of(province, "511621", paths)
    for callee in NODES:
        refused = {outcome(newcomer, callee, method) for method in ALL_METHODS}
        assert refused == {"PERMISSION_DENIED CALL_NOT_ALLOWED"}, (callee, refused)
    newcomer.close()


def test_certificates_the_registry_does_not_list_are_refused(province, tmp_path) -> None:
    # the CA issued 511621 a certificate, but nobody registered the node
    stranger = PkiPaths(tmp_path / "511621" / "pki")
    # a second certificate for the province, issued but never listed for it
    second = PkiPaths(tmp_path / "510000-second" / "pki")
    for region, paths in (("511621", stranger), ("510000", second)):
        key, cert = issue_node(province.ca_key, province.ca_cert, region, region, ["127.0.0.1"])
        write_private(paths.node_key, key_pem(key))
        write_private(paths.node_cert, cert_pem(cert))
        write_private(paths.ca_cert, cert_pem(province.ca_cert))
    unregistered = Peers(stranger, lambda: province.registry, TIMEOUT_S)
    assert outcome(unregistered, "511602", HELLO) == "PERMISSION_DENIED NODE_NOT_REGISTERED"
    unlisted = Peers(second, lambda: province.registry, TIMEOUT_S)
    assert outcome(unlisted, "511602", HELLO) == "PERMISSION_DENIED CERTIFICATE_NOT_REGISTERED"
    # the province's listed certificate, same rule: allowed
    assert outcome(peers_of(province, "510000"), "511602", HELLO) == "OK"
    for peers in (unregistered, unlisted):
        peers.close()
