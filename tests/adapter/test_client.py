"""The adapter's client against a scripted gateway: what it sends, what it retries (with the
same idempotency key) and what it raises."""

from __future__ import annotations

import httpx
import pytest
from sunlight_adapter import (
    Applicant,
    Application,
    CompleteStep,
    Conflict,
    Decide,
    GatewayUnavailable,
    InvalidRequest,
    Material,
    OtherAction,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unauthenticated,
)

from tests.adapter.fake_gateway import FakeGateway, error

APPLICANT = Applicant("广安市某某科技有限公司", "91511602MA6C5K8R4C")


def application(key: str = "FGJ-2026-004711") -> Application:
    return Application(key, "item-1", "511602", APPLICANT,
                       materials=[Material("application_form", originals=1)])


def test_a_submission_is_sent_as_the_contract_says_and_answered_as_a_typed_case() -> None:
    gateway = FakeGateway()
    case = gateway.client(token=lambda: "fresh-token").submit_application(application())
    (request,) = gateway.requests
    assert (request.method, request.url.path) == ("POST", "/v1/cases")
    assert request.headers["authorization"] == "Bearer fresh-token"
    assert gateway.bodies() == [{
        "idempotency_key": "FGJ-2026-004711", "item_id": "item-1", "item_version": 0,
        "region": "511602", "mode": "promised", "channel": "system",
        "applicant": {"name": "广安市某某科技有限公司", "id_type": "credit_code",
                      "id_number": "91511602MA6C5K8R4C"},
        "materials": [{"key": "application_form", "originals": 1, "copies": 0}]}]
    assert case.case_number == "511602202611020000001"
    assert case.status == "CASE_STATUS_SUBMITTED" and case.sequence == 1
    assert case.step("accept").instance_id == "s1" and not case.closed


def test_an_action_names_one_field_beside_its_key() -> None:
    gateway = FakeGateway()
    client = gateway.client()
    client.act_on_case("511602202611020000001", CompleteStep("s2", "经审查，符合条件"),
                       "FGJ-2026-004711-review")
    client.act_on_case("511602202611020000001",
                       OtherAction("charge_fee", {"name": "工本费", "waived": True,
                                                  "basis": "免收"}), "FGJ-fee-1")
    first, second = gateway.requests
    assert first.url.path == "/v1/cases/511602202611020000001/actions"
    assert gateway.bodies() == [
        {"idempotency_key": "FGJ-2026-004711-review",
         "complete_step": {"instance_id": "s2", "opinion": "经审查，符合条件",
                           "countermeasures": []}},
        {"idempotency_key": "FGJ-fee-1",
         "charge_fee": {"name": "工本费", "waived": True, "basis": "免收"}}]


@pytest.mark.parametrize("failure", [
    error(503, "UNAVAILABLE", "cases is not available right now"),
    error(504, "DEADLINE_EXCEEDED"),
    error(500, "INTERNAL"),
    httpx.ConnectError("connection refused"),
    httpx.ReadTimeout("timed out"),
])
def test_a_transient_failure_is_retried_with_the_same_key_and_backoff(failure) -> None:
    gateway = FakeGateway(script=[failure, failure])
    sleeps: list[float] = []
    case = gateway.client(sleeps=sleeps).submit_application(application())
    assert case.case_number
    assert len(gateway.requests) == 3
    assert set(gateway.keys()) == {"FGJ-2026-004711"}
    assert len({r.content for r in gateway.requests}) == 1  # the very same body each time
    # exponential backoff with jitter: half to all of 0.1 s, then of 0.2 s
    assert len(sleeps) == 2 and 0.05 <= sleeps[0] <= 0.1 and 0.1 <= sleeps[1] <= 0.2


def test_retries_end_with_the_last_transient_error() -> None:
    gateway = FakeGateway(script=[error(503, "CATALOGUE_UNAVAILABLE")] * 3)
    with pytest.raises(GatewayUnavailable) as raised:
        gateway.client(attempts=3).submit_application(application())
    assert raised.value.code == "CATALOGUE_UNAVAILABLE" and raised.value.transient
    assert len(gateway.requests) == 3


def test_no_answer_at_all_is_transient_with_status_zero() -> None:
    gateway = FakeGateway(script=[httpx.ConnectTimeout("connect timed out")])
    with pytest.raises(GatewayUnavailable) as raised:
        gateway.client(attempts=1).get_case("511602202611020000001")
    assert (raised.value.status, raised.value.code) == (0, "TIMEOUT")


def test_a_rate_limit_waits_as_long_as_the_gateway_asks() -> None:
    gateway = FakeGateway(script=[error(429, "RATE_LIMITED", headers={"Retry-After": "3"})])
    sleeps: list[float] = []
    gateway.client(sleeps=sleeps).get_case("511602202611020000001")
    assert sleeps == [3.0]
    with pytest.raises(RateLimited) as raised:
        FakeGateway(script=[error(429, "RATE_LIMITED", headers={"Retry-After": "7"})]
                    ).client(attempts=1).get_case("511602202611020000001")
    assert raised.value.retry_after_s == 7.0


@pytest.mark.parametrize(("status", "code", "kind"), [
    (400, "INVALID_CODE", InvalidRequest),
    (401, "UNAUTHENTICATED", Unauthenticated),
    (409, "IDEMPOTENCY_KEY_REUSED", Conflict),
    (422, "ACTION_NOT_ALLOWED", PreconditionFailed),
])
def test_a_refusal_is_raised_at_once_as_its_typed_error(status, code, kind) -> None:
    gateway = FakeGateway(script=[error(
        status, code, "申请人证件号码校验位不正确", metadata={"status": "submitted"},
        violations=[{"field": "applicant.id_number", "description": "check character"}])])
    with pytest.raises(kind) as raised:
        gateway.client().submit_application(application())
    refusal = raised.value
    assert len(gateway.requests) == 1  # never retried
    assert not refusal.transient and refusal.status == status and refusal.code == code
    assert refusal.message == "申请人证件号码校验位不正确"
    assert refusal.identifier == f"id-{code.lower()}"
    assert refusal.metadata == {"status": "submitted"}
    assert refusal.field_violations[0].field == "applicant.id_number"


def test_an_answer_outside_the_error_model_still_raises_by_its_status() -> None:
    gateway = FakeGateway(script=[httpx.Response(502, text="<html>bad gateway</html>")])
    with pytest.raises(ServerError) as raised:
        gateway.client(attempts=1).get_case("511602202611020000001")
    assert raised.value.code == "HTTP_502" and "bad gateway" in raised.value.message


@pytest.mark.parametrize(("change", "field"), [
    ({"idempotency_key": ""}, "idempotency_key"),
    ({"idempotency_key": "k" * 129}, "idempotency_key"),
    ({"region": "5116"}, "region"),
    ({"mode": "fast"}, "mode"),
    ({"applicant": Applicant("张三", "5116021990", "passport")}, "applicant.id_type"),
    ({"materials": [Material("Application Form")]}, "materials[0].key"),
])
def test_a_request_breaking_the_contract_is_refused_before_sending(change, field) -> None:
    gateway = FakeGateway()
    values = {**vars(application()), **change}
    with pytest.raises(ValueError, match=rf"^{field.replace('[', '.').replace(']', '.')}"):
        gateway.client().submit_application(Application(**values))
    with pytest.raises(ValueError, match="decide.outcome"):
        gateway.client().act_on_case("511602202611020000001", Decide("maybe"), "k1")
    assert gateway.requests == []
