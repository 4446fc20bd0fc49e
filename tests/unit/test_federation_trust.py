"""The province's CA, node certificates and the signed node registry (services.shared.pki,
services.shared.node_registry), without any network."""

from __future__ import annotations

import json
import os

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from services.shared.node_registry import (
    NodeRegistry,
    RegistryFile,
    RegistryProblem,
    check_method,
    empty,
    write_signed,
)
from services.shared.pki import (
    CertificateProblem,
    check_issued_by,
    create_ca,
    fingerprint,
    hosts_of,
    issue_node,
    region_of,
)
from services.shared.token_keys import TokenKey

HELLO = "/sunlight.gateway.v1.FederationService/Hello"


@pytest.fixture(scope="module")
def ca():
    return create_ca("510000", "四川省")


@pytest.fixture(scope="module")
def district(ca):
    return issue_node(*ca, "511602", "广安区", ["127.0.0.1", "gw.guangan.example"])


def test_a_node_certificate_names_its_region_and_its_gateway(ca, district) -> None:
    _, cert = district
    assert region_of(cert) == "511602"
    assert set(hosts_of(cert)) == {"511602.nodes.sunlight.internal", "gw.guangan.example",
                                   "127.0.0.1"}
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "511602"
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    check_issued_by(cert, ca[1])
    assert ca[1].extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_certificate_of_another_ca_is_not_this_provinces(ca, district) -> None:
    other = create_ca("510000", "四川省")  # same name, another key
    with pytest.raises(CertificateProblem, match="not signed by this province's CA"):
        check_issued_by(district[1], other[1])
    with pytest.raises(CertificateProblem, match="not by this province's CA"):
        check_issued_by(district[1], create_ca("500000", "重庆市")[1])


def test_a_certificate_without_a_node_name_names_no_region(ca) -> None:
    with pytest.raises(CertificateProblem, match="no subject alternative names"):
        region_of(ca[1])
    with pytest.raises(CertificateProblem, match="6-digit"):
        issue_node(*ca, "5116", "x", ["127.0.0.1"])


def registry_of(ca, district) -> NodeRegistry:
    province = issue_node(*ca, "510000", "四川省", ["127.0.0.1"])[1]
    registry = (empty("510000")
                .with_certificate("510000", "四川省", province, gateway="127.0.0.1:18060")
                .with_certificate("511602", "广安区", district[1], gateway="127.0.0.1:18160")
                .allowing("510000", "511602", HELLO))
    return registry


def test_deny_by_default_allow_by_rule(ca, district) -> None:
    registry = registry_of(ca, district)
    province_fp = registry.node("510000").certificates[0]
    assert registry.check_call("510000", "511602", HELLO, province_fp).allowed
    refused = registry.check_call("510000", "511602",
                                  "/sunlight.gateway.v1.NodeService/GetNode", province_fp)
    assert (refused.allowed, refused.code) == (False, "CALL_NOT_ALLOWED")
    assert "sunlight pki allow --caller 510000" in refused.message
    # rules go one way
    district_fp = fingerprint(district[1])
    assert registry.check_call("511602", "510000", HELLO, district_fp).code == "CALL_NOT_ALLOWED"
    # a whole service
    widened = registry.allowing("510000", "511602", "/sunlight.gateway.v1.NodeService/*")
    assert widened.check_call("510000", "511602", "/sunlight.gateway.v1.NodeService/GetNode",
                              province_fp).allowed
    assert not widened.check_call("510000", "511602",
                                  "/sunlight.gateway.v1.NodeServiceX/GetNode",
                                  province_fp).allowed
    assert widened.serial == registry.serial + 1


def test_unknown_nodes_and_certificates_are_refused(ca, district) -> None:
    registry = registry_of(ca, district)
    stranger = issue_node(*ca, "511600", "广安市", ["127.0.0.1"])[1]
    assert registry.check_call("511600", "511602", HELLO, fingerprint(stranger)).code == (
        "NODE_NOT_REGISTERED")
    # a certificate the CA issued but that the registry does not list for this node
    spare = issue_node(*ca, "510000", "四川省", ["127.0.0.1"])[1]
    assert registry.check_call("510000", "511602", HELLO, fingerprint(spare)).code == (
        "CERTIFICATE_NOT_REGISTERED")
    with pytest.raises(RegistryProblem, match="issue its certificate first"):
        registry.allowing("511600", "511602", HELLO)


def test_a_revoked_node_is_refused_calling_and_called(ca, district) -> None:
    registry = registry_of(ca, district).allowing("511602", "510000", HELLO)
    district_fp = fingerprint(district[1])
    province_fp = registry.node("510000").certificates[0]
    revoked = registry.revoking_node("511602", "key lost")
    decision = revoked.check_call("511602", "510000", HELLO, district_fp)
    assert (decision.allowed, decision.code) == (False, "CERTIFICATE_REVOKED")
    assert "key lost" in decision.message
    assert revoked.check_call("510000", "511602", HELLO, province_fp).code == "NODE_REVOKED"
    # a new certificate admits it again; the old one stays revoked
    fresh = issue_node(*ca, "511602", "广安区", ["127.0.0.1"])[1]
    again = revoked.with_certificate("511602", "广安区", fresh)
    assert again.check_call("511602", "510000", HELLO, fingerprint(fresh)).allowed
    assert again.check_call("511602", "510000", HELLO, district_fp).code == (
        "CERTIFICATE_REVOKED")


def test_token_keys_of_revoked_nodes_count_for_nothing(ca, district) -> None:
    key = TokenKey.generate()
    registry = registry_of(ca, district).with_node("511602", token_key=key.jwk)
    region, public = registry.token_key(key.kid)
    assert region == "511602" and public == key.public
    assert registry.revoking_node("511602", "gone").token_key(key.kid) is None
    with pytest.raises(RegistryProblem, match="registered for node 511602"):
        registry.with_node("510000", token_key=key.jwk)
    with pytest.raises(RegistryProblem, match="thumbprint"):
        registry.with_node("510000", token_key={**TokenKey.generate().jwk, "kid": "mine"})


def test_the_signed_registry_is_verified_against_the_ca(ca, district) -> None:
    registry = registry_of(ca, district)
    signed = registry.signed(*ca)
    assert NodeRegistry.verified(signed, ca[1]) == registry
    document = json.loads(signed)
    document["registry"]["calls"].append(
        {"caller": "511602", "callee": "510000", "method": "/x.Y/*"})
    with pytest.raises(RegistryProblem, match="not signed by this province's CA"):
        NodeRegistry.verified(json.dumps(document).encode(), ca[1])
    other = create_ca("510000", "四川省")
    with pytest.raises(RegistryProblem, match="not signed"):
        NodeRegistry.verified(registry.signed(*other), ca[1])


def test_a_node_reads_a_changed_registry_and_never_an_older_one(ca, district, tmp_path,
                                                                caplog) -> None:
    path = tmp_path / "registry.json"
    first = registry_of(ca, district)
    write_signed(path, first, *ca)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    held = RegistryFile(path, ca[1], check_every_s=0.0)
    revoked = first.revoking_node("511602", "test")
    write_signed(path, revoked, *ca)
    assert held.current().serial == revoked.serial
    write_signed(path, first, *ca)  # replayed: an older registry that still lets 511602 in
    assert held.current().serial == revoked.serial
    assert "older than the registry in use" in caplog.text
    path.write_text("{}")  # broken: the one in use stays
    assert held.current().serial == revoked.serial


def test_call_rules_name_grpc_methods() -> None:
    assert check_method("sunlight.cases.v1.CaseService/GetCase") == (
        "/sunlight.cases.v1.CaseService/GetCase")
    for bad in ("/CaseService/GetCase", "/a.B/Get/Case", "*", "/a.B/"):
        with pytest.raises(RegistryProblem, match="not a gRPC method"):
            check_method(bad)
