"""The OpenAPI document and the server agree: every limit the document states for a field —
a length, a range, a list size, an enum, a required field — is what the node enforces.

The gateway's HTTP API runs in process, wired to the real catalogue, case and supervision
services on PostgreSQL. For each operation, starting from a request the node accepts, each
documented limit is tried at the limit (the limits let it through: neither the gateway nor the
contract check refuses the field) and one step beyond it (400 naming the field, never 500 or
429); each documented-required field is left out (400 naming it). Domain answers to a value at
the limit (a page token the service did not issue, an unknown item) are fine: the limits are
the question here.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.backends import Backends
from gateway.http_api import create_app
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.monitoring.server import build as build_monitoring
from services.shared.auth import mint_token

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(pg_settings) -> Iterator[TestClient]:
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    catalogue_port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue_port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    monitoring = build_monitoring(settings, "127.0.0.1:0")
    monitoring_port = monitoring.start()
    backends = Backends({"catalogue": f"127.0.0.1:{catalogue_port}",
                         "cases": f"127.0.0.1:{cases_port}",
                         "monitoring": f"127.0.0.1:{monitoring_port}"}, 10.0)
    token = mint_token(pg_settings.token_key, "admin-openapi", ["admin"], ["510000"])
    with TestClient(create_app(backends, "510000", "四川省"), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client
    backends.close()
    for server in (monitoring, cases, catalogue):
        server.stop(0)


def _key() -> str:
    return uuid.uuid4().hex


DRAFT = {"name": "企业投资项目备案",
         "code": "511A0064100152-511602000000-000-115113016823646795-1-00",
         "item_type": "01", "region": "511602", "department": "区发展改革局",
         "statutory_limit_days": 20, "promised_limit_days": 10,
         "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}],
         "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                   {"key": "decide", "name": "决定", "limit_days": 1, "role": "chief"}]}
APPLICANT = {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}
#: a body each action of POST /v1/cases/{case_number}/actions accepts (whether the case allows
#: it now is the engine's question, not this test's)
ACTIONS: dict[str, dict[str, Any]] = {
    "accept": {"opinion": "材料齐全"},
    "reject": {"reason_code": "NOT_QUALIFIED", "reasons": "不符合条件"},
    "request_supplement": {"missing": ["form"], "due_date": "2099-12-31"},
    "receive_supplement": {"materials": [{"key": "form", "originals": 1, "copies": 0}]},
    "lapse": {},
    "claim": {"instance_id": "s2"},
    "release": {"instance_id": "s2"},
    "reassign": {"instance_id": "s2", "to": "li.si"},
    "complete_step": {"instance_id": "s2", "opinion": "同意", "countermeasures": ["双人审核"]},
    "return_step": {"instance_id": "s2", "to_key": "accept", "reason": "补充意见"},
    "start_procedure": {"kind": "hearing", "reason": "依申请听证", "extension_days": 0},
    "end_procedure": {"result": "听证结束"},
    "decide": {"outcome": "refuse", "reasons": "不符合条件", "legal_basis": ["《行政许可法》"],
               "document_number": "广发改〔2026〕1号", "certificate": "",
               "valid_until": "2030-01-01", "countermeasures": ["集体研究"]},
    "publish_result": {},
    "complete": {},
    "withdraw": {"reason": "不再申请"},
    "record_evidence": {"evidence": {"kind": "documentary", "description": "进货单",
                                     "sha256": "ab" * 32}},
    "notify": {"intended": "拟罚款 1000 元", "hearing_right": True, "notified_on": "2026-11-30",
               "penalty": {"circumstance": "d1", "measures": ["fine"],
                           "amount": {"units": 1000}, "departure": ""}},
    "record_statement": {"text": "当事人陈述"},
    "request_hearing": {"requested_on": "2026-11-30"},
    "waive_hearing": {"reason": "书面放弃"},
    "schedule_hearing": {"on": "2026-12-10", "place": "第一会议室", "host": "host-1"},
    "hold_hearing": {"record": "听证笔录", "outcome": "维持", "party_absent": False},
    "record_collective_review": {
        "held_on": "2026-11-30", "minutes": "会议纪要", "outcome": "同意",
        "participants": [{"name": n, "position": "委员"} for n in ("甲", "乙", "丙")],
        "opinions": [{"participant": n, "opinion": "同意"} for n in ("甲", "乙", "丙")]},
    "serve": {"method": "direct", "recipient": "张三", "served_on": "2026-11-30", "note": ""},


    "urge": {"instance_id": "s2", "note": "请尽快出具意见"},
    "assist": {"kind": "guide", "note": "引导填写申请表"},
    "charge_fee": {"name": "工本费", "amount": {"units": 10, "nanos": 500000000},
                   "quantity": 2, "receipt_number": "SC-2026-000123", "waived": False,
                   "basis": ""},
}


@pytest.fixture(scope="module")
def item(api) -> dict[str, Any]:
    draft = {**DRAFT, "code": DRAFT["code"].replace("0064100152", uuid.uuid4().hex[:10].upper()
                                                    .replace("I", "1").replace("O", "0"))}
    created = api.post("/v1/items", json={"idempotency_key": _key(), "draft": draft})
    assert created.status_code == 201, created.text
    item_id = created.json()["item"]["item_id"]
    published = api.post(f"/v1/items/{item_id}/versions/1/publish", json={
        "idempotency_key": _key(), "legal_reviewer": "li.na", "staffing_reviewer": "wang.fang",
        "approving_document": "广安府发〔2024〕12号"})
    assert published.status_code == 200, published.text
    case = api.post("/v1/cases", json={"idempotency_key": _key(), "item_id": item_id,
                                       "region": "511602", "applicant": APPLICANT})
    assert case.status_code == 201, case.text
    return {"item_id": item_id, "case_number": case.json()["case"]["case_number"]}


def operations(item: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path template, path and query values, body) the node accepts, per route."""
    i, c = item["item_id"], item["case_number"]
    return [
        ("get", "/v1/items", {"region": "511602", "page_size": 10}, {}),
        ("get", "/v1/items/search", {"q": "备案", "region": "511602", "page_size": 10}, {}),
        ("post", "/v1/items", {}, {"draft": DRAFT}),
        ("get", "/v1/items/{item_id}/versions/{version}", {"item_id": i, "version": 1}, {}),
        ("put", "/v1/items/{item_id}/versions/{version}", {"item_id": i, "version": 1},
         {"draft": DRAFT}),
        ("post", "/v1/items/{item_id}/versions/{version}/submit", {"item_id": i, "version": 1},
         {}),
        ("post", "/v1/items/{item_id}/versions/{version}/review", {"item_id": i, "version": 1},
         {"kind": "legal", "decision": "return", "reason": "请补充材料"}),
        ("post", "/v1/items/{item_id}/versions/{version}/publish", {"item_id": i,
                                                                     "version": 1},
         {"legal_reviewer": "li.na", "staffing_reviewer": "wang.fang",
          "approving_document": "广安府发〔2024〕12号"}),
        ("post", "/v1/items/{item_id}/versions", {"item_id": i}, {}),
        ("post", "/v1/items/{item_id}/adjust", {"item_id": i},
         {"action": "suspend", "reason": "机构调整", "target": ""}),
        ("get", "/v1/items/{item_id}/history", {"item_id": i}, {}),
        ("post", "/v1/changes", {}, {"kind": "legal_basis", "item_id": i, "basis": "某条例",
                                     "description": "条例修订", "effective_on": "2026-11-02"}),
        ("get", "/v1/obligations", {"region": "511602", "page_size": 10}, {}),
        ("post", "/v1/cases", {}, {"item_id": i, "region": "511602", "applicant": APPLICANT,
                                   "mode": "promised", "channel": "counter"}),
        *(("post", "/v1/cases/{case_number}/actions", {"case_number": c}, {name: body})
          for name, body in ACTIONS.items()),
        ("get", "/v1/cases/{case_number}", {"case_number": c}, {}),
        ("get", "/v1/cases/{case_number}/trace", {"case_number": c}, {}),
        ("get", "/v1/cases/{case_number}/trace/verify", {"case_number": c}, {}),
        ("get", "/v1/cases/{case_number}/documents", {"case_number": c}, {}),
        ("get", "/v1/cases/{case_number}/documents/{document_id}",
         {"case_number": c, "document_id": "d1"}, {}),
        ("get", "/v1/cases/{case_number}/documents/{document_id}/verify",
         {"case_number": c, "document_id": "d1"}, {}),
        ("get", "/v1/queue", {"region": "511602", "page_size": 10, "query": "张三"}, {}),
        ("get", "/v1/my/cases", {"page_size": 10}, {}),
        ("get", "/v1/cases/{case_number}/accesses", {"case_number": c, "page_size": 10}, {}),
        ("post", "/v1/consultations", {}, {"item_id": i, "title": "收费吗",
                                           "question": "办理收费吗？", "contact": "13900000000"}),
        ("get", "/v1/consultations", {"page_size": 10, "status": "submitted"}, {}),
        ("post", "/v1/consultations/{consultation_id}/actions",
         {"consultation_id": "511602-ZX-20261201-ABCDEF"}, {"answer": {"answer": "不收费"}}),
        ("get", "/v1/parallel-branches", {"region": "511602", "page_size": 10}, {}),
        # reads by POST (a second factor or a query code kept out of addresses): no key
        ("post", "/v1/cases/lookup", {}, {"case_number": c, "applicant_name": "张三"}),
        ("post", "/v1/consultations/{consultation_id}/read",
         {"consultation_id": "511602-ZX-20261201-ABCDEF"}, {"query_code": "ABCD2345"}),
        ("get", "/v1/supervision/cases/{case_number}", {"case_number": c}, {}),
        *(("get", f"/v1/supervision/evaluation{suffix}",
           {"period": "2026-11", "region": "511602", "dimension": "department"}, {})
          for suffix in ("", ".csv", ".svg")),
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The operation's documented JSON body (empty without one)."""
    if "requestBody" not in operation:
        return {}
    return _resolve(document,
                    operation["requestBody"]["content"]["application/json"]["schema"])


class Caller:
    def __init__(self, api: TestClient, method: str, template: str, values: dict[str, Any],
                 body: dict[str, Any], parameters: list[dict[str, Any]],
                 keyed: bool = True) -> None:
        self.api, self.method, self.template = api, method, template
        self.values, self.body = values, body
        self.in_path = {p["name"] for p in parameters if p["in"] == "path"}
        #: whether the body carries an idempotency key: writes do, reads by POST do not
        self.keyed = keyed

    def send(self, values: dict[str, Any] | None = None, body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
        values = self.values if values is None else values
        body = self.body if body is None else body
        path = self.template.format(**{k: v for k, v in values.items() if k in self.in_path})
        query = {k: v for k, v in values.items() if k not in self.in_path}
        if self.method == "get":
            return self.api.get(path, params=query)
        sent = {**body}
        if self.keyed and "idempotency_key" not in sent:
            sent["idempotency_key"] = _key()
        return self.api.request(self.method.upper(), path, params=query, json=sent)


def _limit_refusal(response, field: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the answer is a 400 of the gateway's parameter checks or of the contract
    check that names ``field`` (a dotted path; parameters as query.x / path.x)."""
    if response.status_code != 400:
        return False
    error = response.json()["error"]
    names = {v["field"] for v in error["field_violations"]}
    by_gateway = any(n.startswith(("query.", "path.")) for n in names)
    by_contract = "request" in error["metadata"]
    return (by_gateway or by_contract) and any(
        n == field or n.startswith(field + "[") or n.endswith("." + field) for n in names)


def _beyond(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, (field, response.status_code, response.text[:300])
    names = {v["field"] for v in response.json()["error"]["field_violations"]}
    assert any(n == field or n.startswith(field + "[") or n.endswith("." + field)
               for n in names), (field, names)


def _text(schema: dict[str, Any], length: int) -> str:
    pattern = schema.get("pattern", "")
    char = "1" if "0-9" in pattern and "a-z" not in pattern else "a"
    return char * length


def _checks(schema: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, a value at the limit, a value beyond it) for one property's schema."""
    found = []
    if "maxLength" in schema and "enum" not in schema:
        found.append(("maxLength", _text(schema, schema["maxLength"]),
                      _text(schema, schema["maxLength"] + 1)))
    kind = schema.get("type") or (schema.get("anyOf") or [{}])[0].get("type")
    numbers = schema if "type" in schema else (schema.get("anyOf") or [{}])[0]
    if kind == "integer" and "maximum" in numbers:
        found.append(("maximum", numbers["maximum"], numbers["maximum"] + 1))
    if kind == "integer" and "minimum" in numbers:
        found.append(("minimum", numbers["minimum"], numbers["minimum"] - 1))
    if kind == "string" and "enum" in schema:
        found.append(("enum", schema["enum"][-1], "NOT_A_VALUE"))
    if kind == "array" and "maxItems" in schema and schema["items"].get("type") == "string":
        one = _text(schema["items"], 1) if "pattern" in schema["items"] else "甲"
        found.append(("maxItems", [one] * schema["maxItems"], [one] * (schema["maxItems"] + 1)))
    if kind == "array" and "minItems" in schema and schema["items"].get("type") == "string":
        one = _text(schema["items"], 1) if "pattern" in schema["items"] else "甲"
        found.append(("minItems", [one] * schema["minItems"], [one] * (schema["minItems"] - 1)))
    return found


def test_documented_limits_of_parameters_and_bodies_are_the_servers(api, item) -> None:
    document = api.get("/openapi.json").json()
    tried = 0
    for method, template, values, body in operations(item):
        operation = document["paths"][template][method]
        parameters = operation.get("parameters", [])
        schema = _body_schema(document, operation)
        caller = Caller(api, method, template, values, body, parameters,
                        keyed="idempotency_key" in schema.get("properties", {}))
        for parameter in parameters:
            name, where = parameter["name"], parameter["in"]
            for what, at, beyond in _checks(parameter["schema"]):
                if name not in values and where == "query" and what == "minimum":
                    continue
                accepted = caller.send({**values, name: at})
                assert not _limit_refusal(accepted, name), (template, name, what, accepted.text)
                assert accepted.status_code < 500, (template, name, accepted.text)
                _beyond(caller.send({**values, name: beyond}), name)
                tried += 1
            if parameter.get("required") and where == "query":
                _beyond(caller.send({k: v for k, v in values.items() if k != name}), name)
        if not schema:
            continue
        for name, prop in schema["properties"].items():
            for what, at, beyond in _checks(_resolve(document, prop)):
                accepted = caller.send(body={**body, name: at})
                assert not _limit_refusal(accepted, name), (template, name, what, accepted.text)
                assert accepted.status_code < 500, (template, name, accepted.text)
                _beyond(caller.send(body={**body, name: beyond}), name)
                tried += 1
        for name in schema.get("required", ()):
            if name == "idempotency_key":
                sent = caller.send(body={**body, name: ""})
            else:
                sent = caller.send(body={k: v for k, v in body.items() if k != name})
            _beyond(sent, name)
            tried += 1
    assert tried > 80
    assert {"/v1/cases/lookup", "/v1/consultations/{consultation_id}/read"} <= {
        template for _, template, _, _ in operations(item)}


def test_a_read_by_post_takes_no_idempotency_key(api, item) -> None:
    """Reads by POST document no key, and a body that sends one is refused by name (it is
    not theirs); without it they answer as reads do."""
    document = api.get("/openapi.json").json()
    for path, template, body in (
            ("/v1/cases/lookup", "/v1/cases/lookup",
             {"case_number": item["case_number"], "applicant_name": "张三"}),
            ("/v1/consultations/511602-ZX-20261201-ABCDEF/read",
             "/v1/consultations/{consultation_id}/read", {"query_code": "ABCD2345"})):
        schema = _body_schema(document, document["paths"][template]["post"])
        assert "idempotency_key" not in schema["properties"], template
        assert "idempotency_key" not in schema.get("required", ()), template
        answered = api.post(path, json=body)
        assert answered.status_code in (200, 404), (template, answered.text)
        _beyond(api.post(path, json={**body, "idempotency_key": _key()}), "idempotency_key")


@pytest.mark.parametrize("nested", ["draft", "applicant", *ACTIONS])
def test_documented_limits_of_nested_messages_are_the_servers(api, item, nested) -> None:
    """The draft of an item, the applicant of a case and each action on a case, field by
    field."""
    document = api.get("/openapi.json").json()
    method, template, values, body = next(
        op for op in operations(item) if nested in op[3] and op[0] == "post")
    operation = document["paths"][template][method]
    caller = Caller(api, method, template, values, body, operation.get("parameters", []))
    outer = _resolve(document,
                     operation["requestBody"]["content"]["application/json"]["schema"])
    schema = _resolve(document, outer["properties"][nested])
    for name, prop in schema["properties"].items():
        for what, at, beyond in _checks(_resolve(document, prop)):
            accepted = caller.send(body={**body, nested: {**body[nested], name: at}})
            assert not _limit_refusal(accepted, f"{nested}.{name}"), (name, what, accepted.text)
            assert accepted.status_code < 500, (name, accepted.text)
            _beyond(caller.send(body={**body, nested: {**body[nested], name: beyond}}),
                    f"{nested}.{name}")
    for name in schema.get("required", ()):
        _beyond(caller.send(body={**body, nested: {k: v for k, v in body[nested].items()
                                                   if k != name}}), f"{nested}.{name}")


def test_the_documented_one_action_is_the_servers(api, item) -> None:
    """The action body's oneOf: no action, or two, is a 400 naming it; each one alone is
    let through the limits."""
    document = api.get("/openapi.json").json()
    schema = document["paths"]["/v1/cases/{case_number}/actions"]["post"]["requestBody"][
        "content"]["application/json"]["schema"]
    assert {o["required"][0] for o in schema["oneOf"]} == set(ACTIONS)
    path = f"/v1/cases/{item['case_number']}/actions"
    _beyond(api.post(path, json={"idempotency_key": _key()}), "action")
    two = api.post(path, json={"idempotency_key": _key(), "accept": {}, "withdraw": {}})
    assert two.status_code == 400 and "action" in two.json()["error"]["message"], two.text
    for name, body in ACTIONS.items():
        answer = api.post(path, json={"idempotency_key": _key(), name: body})
        assert answer.status_code < 500 and not _limit_refusal(answer, name), (name,
                                                                                answer.text)


def test_documented_list_sizes_of_a_draft_are_the_servers(api, item) -> None:
    document = api.get("/openapi.json").json()
    steps = _resolve(document, document["components"]["schemas"][
        "sunlight.catalogue.v1.ItemDraft"]["properties"]["steps"])
    limit = steps["maxItems"]
    many = [{"key": f"s{n}", "name": "环节", "limit_days": 0, "role": "clerk"}
            for n in range(limit + 1)]
    at = api.post("/v1/items", json={"idempotency_key": _key(),
                                     "draft": {**DRAFT, "steps": many[:limit]}})
    assert not _limit_refusal(at, "draft.steps") and at.status_code < 500, at.text
    _beyond(api.post("/v1/items", json={"idempotency_key": _key(),
                                        "draft": {**DRAFT, "steps": many}}), "draft.steps")
    long_name = copy.deepcopy(DRAFT)
    long_name["steps"][0]["name"] = "环" * 100_000
    _beyond(api.post("/v1/items", json={"idempotency_key": _key(), "draft": long_name}),
            "draft.steps[0].name")


def test_an_oversized_value_is_a_field_error_not_the_transports_429(api) -> None:
    """A 100,000-character value once came back as "received metadata size exceeds hard
    limit" (HTTP 429), the error echoing it in its trailer."""
    response = api.post("/v1/items", json={"idempotency_key": _key(), "draft": {
        **DRAFT, "item_type": "0" * 100_000}})
    _beyond(response, "draft.item_type")
    assert len(response.text) < 10_000
