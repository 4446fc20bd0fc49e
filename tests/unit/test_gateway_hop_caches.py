"""What a routed call no longer computes every time, and when it must again: verified tokens
and assertions (by their exact bytes, until they expire or the registry changes), the
assertion a node mints for a person and a peer, the token the callee mints for its own
backends (services.shared.expiring_cache, services.shared.auth, gateway.peers, gateway.routing).
"""

from __future__ import annotations

import time

import pytest

from gateway.peers import ASSERTION_REUSE_MARGIN_S, Assertions
from gateway.routing import LOCAL_TOKEN_REUSE_MARGIN_S, LOCAL_TOKEN_TTL_S, PeerForwarder
from services.shared.auth import ASSERTION_TTL_S, Authenticator, Principal, mint_assertion
from services.shared.errors import Unauthenticated
from services.shared.expiring_cache import ExpiringCache
from services.shared.node_registry import empty
from services.shared.pki import create_ca, issue_node
from services.shared.token_keys import TokenKey

PROVINCE_KEY, DISTRICT_KEY = TokenKey.generate(), TokenKey.generate()
WANG = Principal("wang", roles=("supervisor",), regions=("511602",))


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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


REAL_TIME = time.time


def later(monkeypatch, seconds: float) -> None:
    """time.time() ``seconds`` ahead of the real time from now on (the caches' clock; the
    tokens' claims are still checked against the real one)."""
    monkeypatch.setattr(time, "time", lambda: REAL_TIME() + seconds)


def counting_verifications(authenticator: Authenticator, monkeypatch) -> list[str]:
    verified: list[str] = []
    verify = authenticator._verify  # noqa: SLF001 - counting the signature checks

    def counted(token: str):
        verified.append(token)
        return verify(token)

    monkeypatch.setattr(authenticator, "_verify", counted)
    return verified


# --- the cache itself ------------------------------------------------------------------------

def test_an_entry_is_served_until_its_deadline_and_within_its_generation_only() -> None:
    clock, first, second = Clock(), object(), object()
    cache: ExpiringCache[str] = ExpiringCache(10, clock)
    cache.put("token", "wang", deadline=1010.0, generation=first)
    assert cache.get("token", first) == "wang"
    assert cache.get("token", second) is None  # another registry: dropped…
    assert cache.get("token", first) is None  # …for good
    cache.put("token", "wang", deadline=1010.0)
    clock.now = 1009.9
    assert cache.get("token") == "wang"
    clock.now = 1010.0
    assert cache.get("token") is None and len(cache) == 0


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: ExpiringCache[int] = ExpiringCache(2, Clock())
    cache.put("a", 1, 2000.0)
    cache.put("b", 2, 2000.0)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3, 2000.0)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    with pytest.raises(ValueError):
        ExpiringCache(0)


# --- verified tokens and assertions (the receiving side) ------------------------------------

def test_a_nodes_own_token_is_verified_once_then_again_after_it_expires(monkeypatch) -> None:
    from services.shared.auth import mint_token  # noqa: PLC0415

    people = Authenticator(DISTRICT_KEY, "511602")
    verified = counting_verifications(people, monkeypatch)
    token = "Bearer " + mint_token(DISTRICT_KEY, "li", ["supervisor"], ["511602"],
                                   issuer="511602", ttl_s=60)
    for _ in range(3):
        assert people.principal(token).subject == "li"
    assert len(verified) == 1
    later(monkeypatch, 61)  # past its exp by the caches' clock: checked again
    people.principal(token)
    assert len(verified) == 2


def test_an_assertion_is_verified_once_per_registry(registry, monkeypatch) -> None:
    current = {"registry": registry}
    at_province = Authenticator(PROVINCE_KEY, "510000",
                                peer_keys=lambda kid: current["registry"].token_key(kid),
                                generation=lambda: current["registry"])
    verified = counting_verifications(at_province, monkeypatch)
    assertion = "Bearer " + mint_assertion(DISTRICT_KEY, WANG, issuer="511602",
                                           audience="510000")
    for _ in range(3):
        assert at_province.principal(assertion).subject == "wang"
    assert len(verified) == 1
    # other bytes of the very same claims are verified on their own
    other = mint_assertion(DISTRICT_KEY, Principal("li", roles=("supervisor",),
                                                   regions=("511602",)),
                           issuer="511602", audience="510000")
    at_province.principal(f"Bearer {other}")
    assert len(verified) == 2
    # a registry that changes in anything: verified again
    current["registry"] = registry.allowing("510000", "511602",
                                            "/sunlight.gateway.v1.FederationService/Hello")
    at_province.principal(assertion)
    assert len(verified) == 3


def test_a_revoked_nodes_remembered_assertion_is_refused_at_once(registry) -> None:
    current = {"registry": registry}
    at_province = Authenticator(PROVINCE_KEY, "510000",
                                peer_keys=lambda kid: current["registry"].token_key(kid),
                                generation=lambda: current["registry"])
    assertion = "Bearer " + mint_assertion(DISTRICT_KEY, WANG, issuer="511602",
                                           audience="510000")
    assert at_province.principal(assertion).subject == "wang"
    assert at_province.principal(assertion).subject == "wang"  # remembered
    current["registry"] = registry.revoking_node("511602", "key lost")
    with pytest.raises(Unauthenticated) as caught:
        at_province.principal(assertion)
    assert caught.value.code == "UNKNOWN_TOKEN_KEY"


def test_without_a_generation_assertions_are_verified_every_time(registry, monkeypatch) -> None:
    at_province = Authenticator(PROVINCE_KEY, "510000", peer_keys=registry.token_key)
    verified = counting_verifications(at_province, monkeypatch)
    assertion = "Bearer " + mint_assertion(DISTRICT_KEY, WANG, issuer="511602",
                                           audience="510000")
    at_province.principal(assertion)
    at_province.principal(assertion)
    assert len(verified) == 2


def test_a_refused_token_is_not_remembered(registry) -> None:
    at_province = Authenticator(PROVINCE_KEY, "510000", peer_keys=registry.token_key,
                                generation=lambda: registry)
    for_city = "Bearer " + mint_assertion(DISTRICT_KEY, WANG, issuer="511602",
                                          audience="511600")
    for _ in range(2):
        with pytest.raises(Unauthenticated) as caught:
            at_province.principal(for_city)
        assert caught.value.code == "TOKEN_FOR_ANOTHER_NODE"


# --- the assertion a node mints (the calling side) ------------------------------------------

def counting(monkeypatch, module, name: str) -> list[tuple]:
    """Every call of ``module.name`` (what it minted for whom), still minting."""
    calls: list[tuple] = []
    mint = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return mint(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_one_assertion_per_person_and_node_reused_until_shortly_before_it_expires(
        registry, monkeypatch) -> None:
    import gateway.peers  # noqa: PLC0415

    minted = counting(monkeypatch, gateway.peers, "mint_assertion")
    current = {"registry": registry}
    assertions = Assertions(DISTRICT_KEY.to_text(), "511602", lambda: current["registry"])
    first = assertions.header(WANG, "510000")
    assert assertions.header(WANG, "510000") == first and len(minted) == 1
    at_province = Authenticator(PROVINCE_KEY, "510000", peer_keys=registry.token_key)
    assert at_province.principal(first).subject == "wang"
    # another node, another person (or the same person said otherwise): minted for them
    assertions.header(WANG, "511600")
    assertions.header(Principal("wang", roles=("admin",), regions=("511602",)), "510000")
    assert len(minted) == 3
    # within the margin before its expiry it is no longer handed out
    later(monkeypatch, ASSERTION_TTL_S - ASSERTION_REUSE_MARGIN_S - 2)
    assert assertions.header(WANG, "510000") == first and len(minted) == 3
    later(monkeypatch, ASSERTION_TTL_S - ASSERTION_REUSE_MARGIN_S + 1)
    assert assertions.header(WANG, "510000") != first and len(minted) == 4
    assert assertions.header(WANG, "510000") and len(minted) == 4  # the renewed one, reused
    # a changed registry: minted afresh
    current["registry"] = registry.allowing("511602", "510000",
                                            "/sunlight.gateway.v1.FederationService/Hello")
    assertions.header(WANG, "510000")
    assert len(minted) == 5


def test_a_margin_as_long_as_the_assertion_reuses_none(monkeypatch) -> None:
    import gateway.peers  # noqa: PLC0415

    minted = counting(monkeypatch, gateway.peers, "mint_assertion")
    assertions = Assertions(DISTRICT_KEY.to_text(), "511602", margin_s=ASSERTION_TTL_S)
    assertions.header(WANG, "510000")
    assertions.header(WANG, "510000")
    assert len(minted) == 2


def test_no_token_key_no_assertion() -> None:
    with pytest.raises(Unauthenticated):
        Assertions("", "511602").header(WANG, "510000")


# --- the token the callee mints for its own backends ----------------------------------------

def test_the_local_token_is_reused_per_person_until_shortly_before_it_expires(
        monkeypatch) -> None:
    import gateway.routing  # noqa: PLC0415

    minted = counting(monkeypatch, gateway.routing, "mint_token")
    forwarder = PeerForwarder("511602", DISTRICT_KEY.to_text(), {}, timeout_s=5.0, methods=())
    asserted = Principal("wang", roles=("supervisor",), regions=("511602",), issuer="510000")
    first = forwarder.local_token(asserted)
    assert forwarder.local_token(asserted) == first and len(minted) == 1
    who = Authenticator(DISTRICT_KEY, "511602").principal(f"Bearer {first}")
    assert (who.subject, who.roles, who.issuer) == ("wang", ("supervisor",), "511602")
    # the backends' audit learns which node vouched for the person (asserted_by)
    assert who.asserted_by == "510000"
    forwarder.local_token(Principal("wang", roles=("supervisor",), regions=("511602",),
                                    issuer="511600"))  # vouched for by another node
    assert len(minted) == 2
    later(monkeypatch, LOCAL_TOKEN_TTL_S - LOCAL_TOKEN_REUSE_MARGIN_S - 2)
    assert forwarder.local_token(asserted) == first and len(minted) == 2
    later(monkeypatch, LOCAL_TOKEN_TTL_S - LOCAL_TOKEN_REUSE_MARGIN_S + 1)
    assert forwarder.local_token(asserted) != first and len(minted) == 3


def test_a_forwarding_deadline_longer_than_the_margin_widens_it(monkeypatch) -> None:
    import gateway.routing  # noqa: PLC0415

    minted = counting(monkeypatch, gateway.routing, "mint_token")
    forwarder = PeerForwarder("511602", DISTRICT_KEY.to_text(), {}, timeout_s=30.0, methods=())
    forwarder.local_token(WANG)
    later(monkeypatch, LOCAL_TOKEN_TTL_S - 31 - 1)
    forwarder.local_token(WANG)
    assert len(minted) == 1
    later(monkeypatch, LOCAL_TOKEN_TTL_S - 31 + 1)  # 30 s of deadline and a second left
    forwarder.local_token(WANG)
    assert len(minted) == 2


def test_the_peer_ports_guard_is_made_once_per_method_and_handler() -> None:
    """The authorisation hands the same guarded handler to every call of a method (the
    metrics interceptor in front of it keeps its timed version per handler object: a new
    one per call made a new recorder per call); another method, or another handler for it,
    gets its own — each checking its own method."""
    import grpc  # noqa: PLC0415

    from gateway.peers import PeerAuthorisation  # noqa: PLC0415

    authorisation = PeerAuthorisation("511602", lambda: empty("510000"), b"",
                                      TokenKey.generate().to_text())
    first = grpc.unary_unary_rpc_method_handler(lambda request, context: b"")
    second = grpc.unary_unary_rpc_method_handler(lambda request, context: b"")

    class Details(grpc.HandlerCallDetails):
        def __init__(self, method: str) -> None:
            self.method, self.invocation_metadata = method, ()

    def served(method: str, handler: object) -> object:
        return authorisation.intercept_service(lambda _: handler, Details(method))

    get_case = "/sunlight.cases.v1.CaseService/GetCase"
    once = served(get_case, first)
    assert once is not first and served(get_case, first) is once
    assert served("/sunlight.cases.v1.CaseService/LookupCase", first) is not once
    assert served(get_case, second) is not once
    assert authorisation.intercept_service(lambda _: None, Details(get_case)) is None
