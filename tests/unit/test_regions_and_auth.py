import time

import jwt
import pytest

from services.shared.auth import MAX_TOKEN_TTL_S, Authenticator, Principal, mint_token
from services.shared.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.shared.regions import covers, level, parent, validate_region
from services.shared.token_keys import TokenKey
from tests.support.departments import DEVELOPMENT, EDUCATION, FIRE, SERVICE_CENTRE

SECRET = TokenKey.generate().to_text()


@pytest.mark.parametrize(("scope", "region", "expected"), [
    ("510000", "511602", True), ("510000", "510000", True), ("510000", "520102", False),
    ("511600", "511602", True), ("511600", "511702", False), ("511602", "511602", True),
    ("511602", "511600", False),
])
def test_covers(scope: str, region: str, expected: bool) -> None:
    assert covers(scope, region) is expected


def test_levels_and_parents() -> None:
    assert [level(c) for c in ("510000", "511600", "511602")] == ["province", "city", "county"]
    assert parent("511602") == "511600" and parent("511600") == "510000"
    assert parent("510000") is None


@pytest.mark.parametrize("bad", ["51000", "5100000", "51000a", "", "000000", "５１１６０２",
                                 "511602\n", "51160２"])
def test_invalid_region_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_region(bad, "draft.region")
    assert info.value.field_violations[0].field == "draft.region"


def test_token_roundtrip_and_region_scope() -> None:
    auth = Authenticator(SECRET)
    token = mint_token(SECRET, "li", ["clerk"], ["511602"], department=DEVELOPMENT,
                       department_name="区发展改革局")
    who = auth.principal(f"Bearer {token}")
    assert (who.department, who.department_name) == (DEVELOPMENT, "区发展改革局")
    who.require("case.open", "511602")
    with pytest.raises(PermissionDenied) as info:
        who.require("case.open", "511600")
    assert info.value.code == "REGION_OUT_OF_SCOPE"
    with pytest.raises(PermissionDenied):
        who.require("item.publish", "511602")


def test_bad_tokens_are_unauthenticated() -> None:
    auth = Authenticator(SECRET)
    forged = mint_token(TokenKey.generate(), "li", ["admin"], ["510000"])
    with pytest.raises(Unauthenticated, match="a key this node does not know"):
        auth.principal(f"Bearer {forged}")
    # the right key id on a token another key signed
    header, _, _ = mint_token(SECRET, "li", ["admin"], ["510000"]).partition(".")
    _, body, signature = forged.split(".")
    with pytest.raises(Unauthenticated, match="not valid"):
        auth.principal(f"Bearer {header}.{body}.{signature}")
    expired = _raw_token(exp=int(time.time()) - 10, iat=int(time.time()) - 100)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.principal(f"Bearer {expired}")
    with pytest.raises(Unauthenticated):
        auth.principal("Basic abc")
    assert auth.principal(None).anonymous


def test_anonymous_is_asked_to_sign_in() -> None:
    with pytest.raises(Unauthenticated):
        Authenticator(SECRET).principal("").require("case.read")


def test_unknown_role_cannot_be_minted() -> None:
    with pytest.raises(ValueError, match="unknown"):
        mint_token(SECRET, "x", ["emperor"], ["510000"])
    with pytest.raises(Unauthenticated, match="unknown"):
        Authenticator(SECRET).principal("Bearer " + _raw_token(roles=["emperor"]))


def test_scope_prefix_is_the_rule_covers_applies() -> None:
    from services.shared.regions import scope_prefix

    assert [scope_prefix(c) for c in ("510000", "511600", "511602")] == ["51", "5116",
                                                                          "511602"]


def _raw_token(**claims: object) -> str:
    """A token signed with the right key, saying whatever the test wants it to say."""
    now = int(time.time())
    body = {"sub": "li", "roles": ["supervisor"], "regions": ["510000"], "iss": "510000",
            "aud": "510000", "iat": now, "exp": now + 600, **claims}
    key = TokenKey.of(SECRET)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key.private,
                      algorithm="EdDSA", headers={"kid": key.kid})


@pytest.mark.parametrize("regions", [[""], [], ["51"], ["５１００００"], ["519999"],
                                     ["000000"], [510000], ["510000", "x"]])
def test_a_token_acts_only_for_real_region_codes(regions: list) -> None:
    """An empty region used to cover every region; now no malformed or unknown region (GB/T
    2260) makes a valid token."""
    with pytest.raises(Unauthenticated):
        Authenticator(SECRET).principal("Bearer " + _raw_token(regions=regions))
    if all(isinstance(r, str) for r in regions):
        with pytest.raises(ValueError):
            mint_token(SECRET, "li", ["supervisor"], regions)


def test_an_empty_scope_covers_nothing() -> None:
    assert not covers("", "511602") and not covers("5", "511602")
    assert not Principal("x", ("admin",), ("",)).can("case.read", "511602")


def test_token_lifetimes_have_a_maximum() -> None:
    auth = Authenticator(SECRET)
    now = int(time.time())
    for claims in ({"exp": 253402300799}, {"iat": now, "exp": now + MAX_TOKEN_TTL_S + 60},
                   {"iat": now + 10 * MAX_TOKEN_TTL_S, "exp": now + 10 * MAX_TOKEN_TTL_S + 60},
                   {"iat": None}):
        with pytest.raises(Unauthenticated):
            auth.principal("Bearer " + _raw_token(**claims))
    with pytest.raises(ValueError, match="ttl"):
        mint_token(SECRET, "li", ["supervisor"], ["510000"], ttl_s=MAX_TOKEN_TTL_S + 1)
    assert auth.principal("Bearer " + mint_token(SECRET, "li", ["supervisor"], ["510000"],
                                                 ttl_s=MAX_TOKEN_TTL_S)).subject == "li"


def test_every_token_names_its_one_subject_and_clerks_their_department() -> None:
    auth = Authenticator(SECRET)
    for claims in ({"sub": ""}, {"sub": "x" * 129}, {"roles": ["clerk"]},
                   {"roles": ["clerk"], "department": " "}, {"roles": []},
                   # a department by its name (as tokens said before codes), or by a code
                   # that is not a credit code, or not written upper case
                   {"roles": ["clerk"], "department": "区发展改革局"},
                   {"roles": ["clerk"], "department": "682364679"},
                   {"roles": ["clerk"], "department": FIRE.lower()},
                   {"roles": ["clerk"], "department": DEVELOPMENT, "department_name": 7}):
        with pytest.raises(Unauthenticated):
            auth.principal("Bearer " + _raw_token(**claims))
    with pytest.raises(ValueError, match="department"):
        mint_token(SECRET, "li", ["clerk"], ["511602"])


def test_department_staff_act_for_their_own_department_only() -> None:
    auth = Authenticator(SECRET)
    clerk = auth.principal("Bearer " + mint_token(SECRET, "li", ["clerk"], ["511602"],
                                                  department=EDUCATION,
                                                  department_name="区教科体局"))
    clerk.require("case.open", "511602", EDUCATION)
    with pytest.raises(PermissionDenied) as info:
        clerk.require("case.open", "511602", DEVELOPMENT)
    assert info.value.code == "OTHER_DEPARTMENT"
    assert "区教科体局 (115113010833722043)" in info.value.message
    for name in ("区教科体局", ""):  # a name is no department; an unknown code is nobody's
        with pytest.raises(PermissionDenied):
            clerk.require("case.open", "511602", name)
    assert clerk.bound_department("item.read_internal") == EDUCATION
    for roles, department in ((["admin"], EDUCATION), (["supervisor"], None),
                              (["window_clerk"], SERVICE_CENTRE)):
        other = auth.principal("Bearer " + mint_token(SECRET, "x", roles, ["511602"],
                                                      department=department))
        other.require("case.read", "511602", DEVELOPMENT)
        other.require("case.read", "511602", "")  # not department-bound: unknown too
        assert other.bound_department("case.read") is None


def test_window_staff_accept_for_every_department_but_handle_none() -> None:
    """综合窗口: the service centre accepts applications for every department it hosts."""
    window = Authenticator(SECRET).principal("Bearer " + mint_token(
        SECRET, "wu", ["window_clerk"], ["511602"], department=SERVICE_CENTRE))
    for department in (DEVELOPMENT, EDUCATION):
        window.require("case.open", "511602", department)
    assert not window.can("case.handle", "511602", DEVELOPMENT)
    assert not window.can("item.write", "511602")
    assert not window.can("case.open", "511603", DEVELOPMENT)
    # the service centre leads parallel approvals and guides or assists applicants
    for permission in ("case.coordinate", "case.assist"):
        window.require(permission, "511602")
    assert not window.can("case.coordinate", "511603")
