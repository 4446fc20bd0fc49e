"""A deliberately broken node for the conformance kit's platform side: a small gateway (HTTP,
a gRPC ``CaseService.GetCase``, and the case events on ``cases.events`` of a real broker)
that answers as a node does, except for the faults it is started with.

Without faults it passes every platform check (the tests prove it), so a check failing
against one fault fails for that fault. Each fault is named, one per way a node can break a
check (:data:`FAULTS` says which check each one is for); :data:`EVERYTHING` is all of them.
Only what the kit calls is served: the node's region, the OpenAPI document and
``/v1/methods``, the catalogue's items, submitting, reading and acting on a case (claim,
release, withdraw).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from concurrent import futures
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import grpc
import jwt
import pika
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from services.shared.token_keys import TokenKey

REGION = "511602"
#: 区发展改革局 (tests.support.departments.DEVELOPMENT): the department of the kit's token
DEPARTMENT = "115113016823646795"
ITEM_ID = "item-broken-platform"

#: fault → the check it is meant to break, and what the node does wrong
FAULTS: dict[str, tuple[str, str]] = {
    "discovery-unroled": ("PR01-DISCOVERY",
                          "GET /v1/cases/{case_number} in /openapi.json without "
                          "x-sunlight-roles"),
    "accept-no-token": ("PR03-AUTH-NO-TOKEN",
                        "a call without a token acts as a department system"),
    "accept-bad-signature": ("PR03-AUTH-BAD-SIGNATURE", "token signatures are not verified"),
    "accept-expired": ("PR03-AUTH-EXPIRED", "a token's exp is not verified"),
    "accept-wrong-audience": ("PR03-AUTH-WRONG-AUDIENCE", "a token's aud is not verified"),
    "ignore-permissions": ("PR03-AUTH-PERMISSION-DENIED",
                           "any role may submit: no 403 PERMISSION_DENIED"),
    "invalid-500": ("PR04-ERROR-INVALID-ARGUMENT",
                    "bad input is a 500 with a text body, not a 400 with its violations"),
    "not-found-200": ("PR04-ERROR-NOT-FOUND", "an unknown case is 200 with an empty body"),
    "case-number-undated": ("PR01-SUBMIT-APPLICATION",
                            "case numbers without their day: <region><6 digits>"),
    "replay-creates": ("PR01-IDEMPOTENT-REPLAY",
                       "the same key and body submitted again make a second case"),
    "reused-key-accepted": ("PR01-IDEMPOTENCY-KEY-REUSED",
                            "a key used for another application answers that case, no 409"),
    "action-replay-acts": ("PR01-ACT-IDEMPOTENT",
                           "an action replayed under its key acts again (a new event)"),
    "late": ("PR01-TIMEOUT-GATEWAY-DEADLINE",
             "GET /v1/items answered after late_s seconds"),
    "gateway-504": ("PR01-TIMEOUT-GATEWAY-DEADLINE",
                    "GET of an unknown case answered 504 DEADLINE_EXCEEDED"),
    "wedged": ("PR01-TIMEOUT-CLIENT-DEADLINE",
               "once a case was read (the hasty client's call), every call is 503"),
    "grpc-wedged": ("PR01-TIMEOUT-CLIENT-DEADLINE",
                    "gRPC GetCase is UNAVAILABLE after a call that gave up"),
    "event-transient": ("PR02-EVENT-ENVELOPE",
                        "events published non-persistent (delivery_mode 1)"),
    "event-not-json": ("PR02-EVENT-ENVELOPE",
                       "the case.step_claimed event published as text, not a JSON envelope"),
    "event-gap": ("PR02-EVENT-SEQUENCE",
                  "the case.step_claimed event never published: a gap in the sequence"),
    "event-new-id": ("PR02-EVENT-REDELIVERY",
                     "the case.submitted event published a second time under a new event_id"),
    "schema-mismatch": ("PR01-SCHEMA-RESPONSES",
                        "a case's created_at is a number where the document says a string"),
    "case-html": ("PR01-SCHEMA-RESPONSES",
                  "GET of a case answers 200 text/html where the document says JSON"),
}
#: harmless variations: what a conforming node may do, that no check may fail
ALLOWED = {"event-republished": "the case.submitted event published a second time under its "
                                "event_id (at least once, SUN-PR-02 §6)"}
EVERYTHING = frozenset(FAULTS)
CASE_PATH = re.compile(r"^/v1/cases/(?P<number>[^/]+)(?P<actions>/actions)?$")
ERROR = {"$ref": "#/components/schemas/answer.Error"}
CASE_ANSWER = {"$ref": "#/components/schemas/answer.CaseResponse"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *,
                 metadata: dict[str, str] | None = None,
                 violations: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.metadata, self.violations = metadata or {}, violations or []


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description or "answer",
            "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
COMPONENTS = {"schemas": {
    "answer.Error": _object({"error": _object({
        "code": STRING, "message": STRING, "identifier": STRING,
        "metadata": {"type": "object", "additionalProperties": STRING},
        "field_violations": {"type": "array", "items": _object(
            {"field": STRING, "description": STRING}, ["field", "description"])}},
        ["code", "message", "identifier", "metadata", "field_violations"])}, ["error"]),
    "answer.Step": _object({"instance_id": STRING, "key": STRING, "name": STRING,
                            "status": {"enum": ["STEP_STATUS_ACTIVE", "STEP_STATUS_CLAIMED",
                                                "STEP_STATUS_CANCELLED"]},
                            "handler": STRING},
                           ["instance_id", "key", "name", "status", "handler"]),
    "answer.Case": _object({
        "case_number": STRING, "region": STRING, "item_id": STRING, "sequence": INTEGER,
        "status": {"enum": ["CASE_STATUS_SUBMITTED", "CASE_STATUS_WITHDRAWN"]},
        "applicant_name": STRING, "created_at": STRING,
        "steps": {"type": "array", "items": {"$ref": "#/components/schemas/answer.Step"}}},
        ["case_number", "region", "item_id", "sequence", "status", "applicant_name",
         "created_at", "steps"]),
    "answer.CaseResponse": _object({"case": {"$ref": "#/components/schemas/answer.Case"}},
                                   ["case"]),
    "answer.Node": _object({"region": STRING, "name": STRING}, ["region", "name"]),
    "answer.Methods": _object({"methods": {"type": "array", "items": _object(
        {"method": STRING, "path": STRING, "roles": {"type": "array", "items": STRING}},
        ["method", "path", "roles"])}}, ["methods"]),
    "answer.Items": _object({"items": {"type": "array", "items": _object(
        {"item_id": STRING, "version": INTEGER, "content": {"type": "object"}},
        ["item_id", "version", "content"])}}, ["items"]),
}}
OPERATIONS: list[tuple[str, str, list[str], dict[str, Any]]] = [
    ("get", "/v1/node", [], {"200": _json({"$ref": "#/components/schemas/answer.Node"})}),
    ("get", "/v1/methods", [], {"200": _json({"$ref": "#/components/schemas/answer.Methods"})}),
    ("get", "/v1/items", ["department_system"],
     {"200": _json({"$ref": "#/components/schemas/answer.Items"}), "4XX": _json(ERROR)}),
    ("post", "/v1/cases", ["department_system"],
     {"200": _json(CASE_ANSWER, "the case of a replayed key"),
      "201": _json(CASE_ANSWER, "the case submitted"), "4XX": _json(ERROR)}),
    ("get", "/v1/cases/{case_number}", ["department_system"],
     {"200": _json(CASE_ANSWER), "4XX": _json(ERROR)}),
    ("post", "/v1/cases/{case_number}/actions", ["department_system"],
     {"200": _json(CASE_ANSWER), "4XX": _json(ERROR)}),
]


class BrokenPlatform:
    """The node, started with ``faults`` (names of :data:`FAULTS` or :data:`ALLOWED`) on
    127.0.0.1: ``url`` its HTTP gateway, ``grpc_target`` its gRPC port. Tokens are verified
    with ``token_key`` (the ``ed25519:…`` text); with ``amqp_url`` the case events are
    published, confirmed, before the call that made them is answered."""

    def __init__(self, token_key: str, faults: frozenset[str] | set[str] = frozenset(), *,
                 amqp_url: str | None = None, late_s: float = 2.0) -> None:
        unknown = set(faults) - set(FAULTS) - set(ALLOWED)
        if unknown:
            raise ValueError(f"no such fault: {', '.join(sorted(unknown))}")
        self.faults = frozenset(faults)
        self.key = TokenKey.of(token_key)
        self.amqp_url = amqp_url
        self.late_s = late_s
        self.cases: dict[str, dict[str, Any]] = {}
        #: idempotency key → (fingerprint of the body, case number)
        self.submissions: dict[str, tuple[str, str]] = {}
        #: (case number, idempotency key) → (fingerprint of the body, the case answered)
        self.actions: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self.wedged = False
        self._serial = int(uuid.uuid4().int % 900_000) + 1
        self._lock = threading.RLock()
        self._late = threading.Event()  # never set: what the late answer waits on
        self._channel: Any = None
        self._connection: Any = None
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                platform._handle(self, None)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                platform._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True, name="broken-platform-http")
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        cases_pb2_grpc.add_CaseServiceServicer_to_server(_CaseService(self), self.grpc_server)
        self.grpc_target = f"127.0.0.1:{self.grpc_server.add_insecure_port('127.0.0.1:0')}"

    # --- life -------------------------------------------------------------------------------

    def start(self) -> BrokenPlatform:
        if self.amqp_url:
            parameters = pika.URLParameters(self.amqp_url)
            parameters.socket_timeout = parameters.stack_timeout = 10
            self._connection = pika.BlockingConnection(parameters)
            self._channel = self._connection.channel()
            self._channel.exchange_declare("cases.events", "topic", durable=True,
                                           auto_delete=False)
            self._channel.confirm_delivery()
        self._thread.start()
        self.grpc_server.start()
        return self

    def close(self) -> None:
        self._late.set()
        self.server.shutdown()
        self.server.server_close()
        self.grpc_server.stop(grace=None).wait(10)
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def __enter__(self) -> BrokenPlatform:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def broken(self, fault: str) -> bool:
        return fault in self.faults

    # --- HTTP -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        path = urlsplit(request.path).path
        try:
            with self._lock:
                if self.wedged:
                    raise ApiError(503, "UNAVAILABLE", "网关暂不可用（一个调用方放弃后卡住）")
                status, answer = self._route(request, path, body)
        except ApiError as error:
            status, answer = error.status, {"error": {
                "code": error.code, "message": error.message,
                "identifier": uuid.uuid4().hex, "metadata": error.metadata,
                "field_violations": error.violations}}
        if path == "/v1/items" and self.broken("late"):
            self._late.wait(self.late_s)
        if isinstance(answer, bytes):
            self._send(request, status, answer, "text/plain; charset=utf-8")
        elif isinstance(answer, str):
            self._send(request, status, answer.encode("utf-8"), "text/html; charset=utf-8")
        else:
            self._send(request, status, json.dumps(answer, ensure_ascii=False).encode("utf-8"),
                       "application/json")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, data: bytes,
              content_type: str) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the client gave up (the kit's hasty call)
            request.close_connection = True

    def _route(self, request: BaseHTTPRequestHandler, path: str, body: Any
               ) -> tuple[int, Any]:
        method = request.command
        if method == "GET" and path == "/openapi.json":
            return 200, self.openapi()
        if method == "GET" and path == "/v1/node":
            return 200, {"region": REGION, "name": "广安区（一致性测试的坏节点）"}
        if method == "GET" and path == "/v1/methods":
            return 200, {"methods": [{"method": m.upper(), "path": p, "roles": roles}
                                     for m, p, roles, _ in OPERATIONS]}
        claims = self._authenticate(request.headers.get("Authorization"))
        if method == "GET" and path == "/v1/items":
            return 200, {"items": [self._item()]}
        if method == "POST" and path == "/v1/cases":
            return self._submit(claims, body)
        found = CASE_PATH.match(path)
        if found and method == "GET" and not found["actions"]:
            return self._get(found["number"])
        if found and method == "POST" and found["actions"]:
            return self._act(found["number"], body)
        raise ApiError(404, "NOT_FOUND", f"没有这个路径：{method} {path}")

    def openapi(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for method, path, roles, responses in OPERATIONS:
            operation: dict[str, Any] = {"responses": responses}
            if not (self.broken("discovery-unroled") and path == "/v1/cases/{case_number}"):
                operation["x-sunlight-roles"] = roles
            paths.setdefault(path, {})[method] = operation
        return {"openapi": "3.1.0", "info": {"title": "broken platform", "version": "1"},
                "paths": paths, "components": COMPONENTS}

    def _authenticate(self, authorization: str | None) -> dict[str, Any]:
        if not authorization:
            if self.broken("accept-no-token"):
                return {"sub": "anonymous", "roles": ["department_system"],
                        "regions": [REGION], "department": DEPARTMENT}
            raise ApiError(401, "UNAUTHENTICATED", "缺少令牌：请以 Authorization: Bearer 携带")
        token = authorization.partition(" ")[2]
        options = {"verify_signature": not self.broken("accept-bad-signature"),
                   "verify_exp": not self.broken("accept-expired"),
                   "verify_aud": not self.broken("accept-wrong-audience"),
                   "require": ["sub", "exp", "iat", "iss", "aud"]}
        try:
            return jwt.decode(token, self.key.public, algorithms=["EdDSA"], audience=REGION,
                              issuer=REGION, options=options)  # type: ignore[arg-type]
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "UNAUTHENTICATED", "令牌已过期") from None
        except jwt.InvalidAudienceError:
            raise ApiError(401, "TOKEN_FOR_ANOTHER_NODE", "令牌不是本节点的") from None
        except jwt.InvalidTokenError as exc:
            raise ApiError(401, "UNAUTHENTICATED", f"令牌无效：{exc}") from None

    @staticmethod
    def _item() -> dict[str, Any]:
        return {"item_id": ITEM_ID, "version": 1, "content": {
            "name": "企业投资项目备案（坏节点）", "department_code": DEPARTMENT,
            "region": REGION, "steps": [{"key": "accept", "kind": "STEP_KIND_ACCEPTANCE"}],
            "materials": [{"key": "application_form", "mandatory": True, "originals": 1}]}}

    # --- cases ------------------------------------------------------------------------------

    def _submit(self, claims: dict[str, Any], body: Any) -> tuple[int, Any]:
        if "department_system" not in claims.get("roles", []) \
                and not self.broken("ignore-permissions"):
            raise ApiError(403, "PERMISSION_DENIED", "本角色无权提交申请",
                           metadata={"permission": "cases.submit"})
        if not isinstance(body, dict):
            raise ApiError(400, "INVALID_ARGUMENT", "请求体应为 JSON 对象",
                           violations=[{"field": "(body)", "description": "JSON 对象"}])
        violations = [{"field": name, "description": why} for name, bad, why in (
            ("region", not re.fullmatch(r"[0-9]{6}", str(body.get("region", ""))),
             "6 位行政区划代码"),
            ("idempotency_key", not body.get("idempotency_key"), "必填"),
            ("item_id", body.get("item_id") != ITEM_ID, "本节点已发布的事项"),
            ("applicant", not isinstance(body.get("applicant"), dict), "必填")) if bad]
        if violations:
            if self.broken("invalid-500"):
                return 500, b"Internal Server Error"
            raise ApiError(400, "INVALID_ARGUMENT", "申请有误，见 field_violations",
                           violations=violations)
        key, fingerprint = str(body["idempotency_key"]), _fingerprint(body)
        known = self.submissions.get(key)
        if known is not None:
            same = known[0] == fingerprint
            if (same and not self.broken("replay-creates")) \
                    or (not same and self.broken("reused-key-accepted")):
                return 200, {"case": self._answer(self.cases[known[1]])}
            if not same:
                raise ApiError(409, "IDEMPOTENCY_KEY_REUSED", "该幂等键已用于另一申请")
        self._serial += 1
        day = "" if self.broken("case-number-undated") else f"{datetime.now(UTC):%Y%m%d}"
        number = f"{body['region']}{day}{self._serial % 1_000_000:06d}"
        case = {"case_number": number, "region": body["region"], "item_id": ITEM_ID,
                "sequence": 0, "status": "CASE_STATUS_SUBMITTED",
                "applicant_name": str(body["applicant"].get("name", "")),
                "created_at": _now(),
                "steps": [{"instance_id": uuid.uuid4().hex[:12], "key": "accept",
                           "name": "受理", "status": "STEP_STATUS_ACTIVE", "handler": ""}]}
        self.cases[number] = case
        self.submissions[key] = (fingerprint, number)
        self._event(case, "case.submitted")
        self._event(case, "case.step_started")
        return 201, {"case": self._answer(case)}

    def _get(self, number: str) -> tuple[int, Any]:
        case = self.cases.get(number)
        if case is None:
            if self.broken("gateway-504"):
                raise ApiError(504, "DEADLINE_EXCEEDED", "服务未在时限内应答")
            if self.broken("not-found-200"):
                return 200, {}
            raise ApiError(404, "CASE_NOT_FOUND", f"没有办件 {number}",
                           metadata={"case_number": number})
        if self.broken("wedged"):
            self.wedged = True
            raise ApiError(503, "UNAVAILABLE", "网关暂不可用（一个调用方放弃后卡住）")
        if self.broken("case-html"):
            return 200, f"<html><body>办件 {number}</body></html>"
        return 200, {"case": self._answer(case)}

    def _act(self, number: str, body: Any) -> tuple[int, Any]:
        case = self.cases.get(number)
        if case is None:
            raise ApiError(404, "CASE_NOT_FOUND", f"没有办件 {number}")
        if not isinstance(body, dict) or not body.get("idempotency_key"):
            raise ApiError(400, "INVALID_ARGUMENT", "缺少幂等键", violations=[
                {"field": "idempotency_key", "description": "必填"}])
        key, fingerprint = str(body["idempotency_key"]), _fingerprint(body)
        known = self.actions.get((number, key))
        if known is not None and not self.broken("action-replay-acts"):
            if known[0] != fingerprint:
                raise ApiError(409, "IDEMPOTENCY_KEY_REUSED", "该幂等键已用于另一操作")
            return 200, {"case": known[1]}
        if "claim" in body or "release" in body:
            name = "claim" if "claim" in body else "release"
            instance = str((body[name] or {}).get("instance_id", ""))
            step = next((s for s in case["steps"] if s["instance_id"] == instance), None)
            if step is None:
                raise ApiError(404, "STEP_NOT_FOUND", f"没有环节 {instance}")
            claimed = name == "claim"
            step["status"] = "STEP_STATUS_CLAIMED" if claimed else "STEP_STATUS_ACTIVE"
            step["handler"] = "conformance-kit" if claimed else ""
            self._event(case, "case.step_claimed" if claimed else "case.step_released")
        elif "withdraw" in body:
            case["status"] = "CASE_STATUS_WITHDRAWN"
            for step in case["steps"]:
                step["status"] = "STEP_STATUS_CANCELLED"
            self._event(case, "case.withdrawn")
        else:
            raise ApiError(400, "INVALID_ARGUMENT", "未知操作", violations=[
                {"field": "action", "description": "claim、release 或 withdraw"}])
        answer = self._answer(case)
        self.actions[(number, key)] = (fingerprint, answer)
        return 200, {"case": answer}

    def _answer(self, case: dict[str, Any]) -> dict[str, Any]:
        answer = json.loads(json.dumps(case))
        if self.broken("schema-mismatch"):
            answer["created_at"] = int(time.time())
        return answer

    # --- events -----------------------------------------------------------------------------

    def _event(self, case: dict[str, Any], kind: str) -> None:
        case["sequence"] += 1
        if self._channel is None:
            return
        if kind == "case.step_claimed" and self.broken("event-gap"):
            return
        region = case["region"]
        key = f"{kind}.{region[:2]}0000.{region[:4]}00.{region}"
        envelope = {"event_id": str(uuid.uuid4()), "type": kind, "occurred_at": _now(),
                    "node": REGION, "region": region, "schema": "sunlight.cases.v1.CaseEvent",
                    "data": {"case_number": case["case_number"], "region": region,
                             "item_id": case["item_id"], "sequence": str(case["sequence"]),
                             "status": case["status"]}}
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
        if kind == "case.step_claimed" and self.broken("event-not-json"):
            body, content_type = f"{kind} {case['case_number']}".encode(), "text/plain"
        self._publish(key, body, envelope, content_type)
        if kind == "case.submitted" and self.broken("event-republished"):
            self._publish(key, body, envelope, content_type)
        if kind == "case.submitted" and self.broken("event-new-id"):
            again = {**envelope, "event_id": str(uuid.uuid4())}
            self._publish(key, json.dumps(again, ensure_ascii=False).encode("utf-8"), again,
                          content_type)

    def _publish(self, key: str, body: bytes, envelope: dict[str, Any],
                 content_type: str) -> None:
        self._channel.basic_publish("cases.events", key, body, pika.BasicProperties(
            content_type=content_type, content_encoding="utf-8",
            delivery_mode=1 if self.broken("event-transient") else 2,
            message_id=envelope["event_id"], type=key,
            headers={"partition_key": envelope["data"]["case_number"]}))


class _CaseService(cases_pb2_grpc.CaseServiceServicer):
    """GetCase only: the case's number back, or as the faults say."""

    def __init__(self, platform: BrokenPlatform) -> None:
        self.platform = platform

    def GetCase(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        platform = self.platform
        if not dict(context.invocation_metadata()).get("authorization"):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "缺少令牌")
        if platform.broken("grpc-wedged"):
            context.abort(grpc.StatusCode.UNAVAILABLE, "网关暂不可用（一个调用方放弃后卡住）")
        with platform._lock:
            known = request.case_number in platform.cases
        if not known:
            context.abort(grpc.StatusCode.NOT_FOUND, f"没有办件 {request.case_number}")
        return cases_pb2.CaseResponse(case=cases_pb2.Case(case_number=request.case_number))


def _fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()
