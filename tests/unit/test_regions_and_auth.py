import pytest

from services.shared.auth import Authenticator, mint_token
from services.shared.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.shared.regions import covers, level, parent, validate_region

SECRET = "k" * 40


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


@pytest.mark.parametrize("bad", ["51000", "5100000", "51000a", "", "000000"])
def test_invalid_region_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_region(bad, "draft.region")
    assert info.value.field_violations[0].field == "draft.region"


def test_token_roundtrip_and_region_scope() -> None:
    auth = Authenticator(SECRET)
    token = mint_token(SECRET, "li", ["clerk"], ["511602"], department="区行政审批局")
    who = auth.principal(f"Bearer {token}")
    assert who.department == "区行政审批局"
    who.require("case.open", "511602")
    with pytest.raises(PermissionDenied) as info:
        who.require("case.open", "511600")
    assert info.value.code == "REGION_OUT_OF_SCOPE"
    with pytest.raises(PermissionDenied):
        who.require("item.publish", "511602")


def test_bad_tokens_are_unauthenticated() -> None:
    auth = Authenticator(SECRET)
    forged = mint_token("x" * 40, "li", ["admin"], ["510000"])
    with pytest.raises(Unauthenticated, match="not valid"):
        auth.principal(f"Bearer {forged}")
    expired = mint_token(SECRET, "li", ["admin"], ["510000"], ttl_s=-10)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.principal(f"Bearer {expired}")
    with pytest.raises(Unauthenticated):
        auth.principal("Basic abc")
    assert auth.principal(None).anonymous


def test_anonymous_is_asked_to_sign_in() -> None:
    with pytest.raises(Unauthenticated):
        Authenticator(SECRET).principal("").require("case.read")


def test_unknown_role_cannot_be_minted() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        mint_token(SECRET, "x", ["emperor"], ["510000"])


def test_scope_prefix_is_the_rule_covers_applies() -> None:
    from services.shared.regions import scope_prefix

    assert [scope_prefix(c) for c in ("510000", "511600", "511602")] == ["51", "5116",
                                                                          "511602"]


def test_department_staff_act_for_their_own_department_only() -> None:
    auth = Authenticator(SECRET)
    clerk = auth.principal("Bearer " + mint_token(SECRET, "li", ["clerk"], ["511602"],
                                                  department="区教科体局"))
    clerk.require_department("区教科体局")
    with pytest.raises(PermissionDenied) as info:
        clerk.require_department("区发展改革局")
    assert info.value.code == "OTHER_DEPARTMENT"
    for roles, department in ((["admin"], "区教科体局"), (["supervisor"], None)):
        auth.principal("Bearer " + mint_token(SECRET, "x", roles, ["511602"],
                                              department=department)
                       ).require_department("区发展改革局")
