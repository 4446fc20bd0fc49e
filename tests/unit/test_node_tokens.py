"""Tokens signed per node: key id, issuer and audience, and a person's assertion to a peer
node checked against the node registry (services.shared.auth, services.shared.token_keys)."""

from __future__ import annotations

import jwt
import pytest

from services.shared.auth import Authenticator, Principal, mint_assertion, mint_token
from services.shared.errors import Unauthenticated
from services.shared.node_registry import empty
from services.shared.pki import create_ca, issue_node
from services.shared.token_keys import TokenKey, public_jwk, public_key_of

PROVINCE_KEY, DISTRICT_KEY = TokenKey.generate(), TokenKey.generate()


@pytest.fixture(scope="module")
def registry():
    ca = create_ca("510000", "四川省")
    registry = empty("510000")
    for region, name, key in (("510000", "四川省", PROVINCE_KEY),
                              ("511602", "广安区", DISTRICT_KEY)):
        cert = issue_node(*ca, region, name, ["127.0.0.1"])[1]
        registry = registry.with_certificate(region, name, cert).with_node(
            region, token_key=key.jwk)
    return registry


def test_a_token_names_its_key_its_node_and_the_node_it_is_for() -> None:
    token = mint_token(DISTRICT_KEY, "li", ["supervisor"], ["511602"], issuer="511602")
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("EdDSA", DISTRICT_KEY.kid)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("511602", "511602")
    who = Authenticator(DISTRICT_KEY, "511602").principal(f"Bearer {token}")
    assert (who.subject, who.issuer) == ("li", "511602")


def test_the_key_id_is_the_keys_thumbprint_and_its_text_round_trips() -> None:
    again = TokenKey.from_text(DISTRICT_KEY.to_text())
    assert again.kid == DISTRICT_KEY.kid == public_jwk(DISTRICT_KEY.public)["kid"]
    assert public_key_of(DISTRICT_KEY.jwk)[0] == DISTRICT_KEY.kid
    assert DISTRICT_KEY.to_text() not in repr(DISTRICT_KEY)
    for bad in ("k" * 40, "ed25519:abc", "ed25519:" + "A" * 40):
        with pytest.raises(ValueError):
            TokenKey.from_text(bad)


def test_a_token_for_another_node_is_refused() -> None:
    for_city = mint_token(DISTRICT_KEY, "li", ["supervisor"], ["511602"], issuer="511602",
                          audience="511600")
    with pytest.raises(Unauthenticated) as caught:
        Authenticator(DISTRICT_KEY, "511602").principal(f"Bearer {for_city}")
    assert caught.value.code == "TOKEN_FOR_ANOTHER_NODE"


def test_an_own_key_vouches_only_for_this_node_as_issuer() -> None:
    posing = mint_token(DISTRICT_KEY, "li", ["admin"], ["510000"], issuer="510000",
                        audience="511602")
    with pytest.raises(Unauthenticated) as caught:
        Authenticator(DISTRICT_KEY, "511602").principal(f"Bearer {posing}")
    assert caught.value.code == "WRONG_ISSUER"


def test_a_peer_assertion_is_checked_against_the_registry(registry) -> None:
    person = Principal("wang", roles=("supervisor",), regions=("511602",))
    assertion = mint_assertion(DISTRICT_KEY, person, issuer="511602", audience="510000")
    at_province = Authenticator(PROVINCE_KEY, "510000", peer_keys=registry.token_key)
    who = at_province.principal(f"Bearer {assertion}")
    assert (who.subject, who.regions, who.issuer) == ("wang", ("511602",), "511602")
    assert who.can("supervision.read", "511602")
    # without the registry the province knows only its own keys
    with pytest.raises(Unauthenticated) as caught:
        Authenticator(PROVINCE_KEY, "510000").principal(f"Bearer {assertion}")
    assert caught.value.code == "UNKNOWN_TOKEN_KEY"
    # the registry's key of another node does not make the district the province
    posing = mint_token(DISTRICT_KEY, "wang", ["admin"], ["511602"], issuer="510000")
    with pytest.raises(Unauthenticated) as caught:
        at_province.principal(f"Bearer {posing}")
    assert caught.value.code == "WRONG_ISSUER"


def test_a_node_asserts_people_of_its_own_region_only(registry) -> None:
    overreach = Principal("wang", roles=("admin",), regions=("510000",))
    assertion = mint_assertion(DISTRICT_KEY, overreach, issuer="511602", audience="510000")
    with pytest.raises(Unauthenticated) as caught:
        Authenticator(PROVINCE_KEY, "510000", peer_keys=registry.token_key).principal(
            f"Bearer {assertion}")
    assert caught.value.code == "ASSERTION_OUT_OF_SCOPE"


def test_a_revoked_nodes_assertions_are_refused_at_once(registry) -> None:
    person = Principal("wang", roles=("supervisor",), regions=("511602",))
    assertion = f"Bearer {mint_assertion(DISTRICT_KEY, person, issuer='511602', audience='510000')}"
    current = {"registry": registry}
    at_province = Authenticator(PROVINCE_KEY, "510000",
                                peer_keys=lambda kid: current["registry"].token_key(kid))
    assert at_province.principal(assertion).subject == "wang"
    current["registry"] = registry.revoking_node("511602", "compromised")
    with pytest.raises(Unauthenticated) as caught:
        at_province.principal(assertion)  # the same token, verified before
    assert caught.value.code == "UNKNOWN_TOKEN_KEY"


def test_a_retired_key_still_verifies_its_last_tokens() -> None:
    old, new = TokenKey.generate(), TokenKey.generate()
    token = mint_token(old, "li", ["supervisor"], ["511602"], issuer="511602")
    both = Authenticator([new, old], "511602")
    assert both.principal(f"Bearer {token}").subject == "li"
    with pytest.raises(Unauthenticated):
        Authenticator(new, "511602").principal(f"Bearer {token}")
