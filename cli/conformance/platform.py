"""The platform's side: a node's gateway checked against SUN-PR-01…04 as a department's
system meets it — over HTTP (``--target``), the events of ``cases.events`` (``--amqp``) and
the gRPC port (``--grpc``).

The run acts as a department's system: it submits one application on an item of the token's
department (``--item``, or the first such item the catalogue lists), claims and releases its
acceptance step and withdraws it, replaying and reusing idempotency keys on the way. Checks
that need what is not given (a broker URL, the node's token key to mint the refused tokens)
are skipped, saying what they need.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from cli.conformance.checks import PLATFORM, Failed, Skipped, check, expect

#: SUN-PR-01 §3: the gateway's own deadline when the caller sets none
DOCUMENTED_DEADLINE_S = 5.0
#: what the kit allows over the deadline for the HTTP layer and the network
DEADLINE_SLACK_S = 1.5
CASE_NUMBER = re.compile(r"^(?P<region>[0-9]{6})(?P<day>[0-9]{8})[0-9]{6}$")
RFC3339_MICRO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: a valid unified social credit code for the kit's applicant (GB 32100 check character)
APPLICANT = {"name": "一致性测试有限公司（测试）", "id_type": "credit_code",
             "id_number": "91511602MA6C5K8R4C"}
#: the case's events the run waits for (the last one its withdrawal's)
LAST_EVENT = "case.withdrawn"


@dataclass
class Exchange:
    """One HTTP request of the run and its answer, kept for the schema and deadline checks."""

    method: str
    path: str
    status: int
    body: Any
    elapsed_s: float
    content_type: str = ""


@dataclass
class PlatformTarget:
    """What the platform's side runs against, and what the run learnt on the way."""

    url: str
    token: str
    #: the node's token key (``ed25519:…``): mints the tokens the auth checks need refused
    token_key: str | None = None
    item_id: str | None = None
    amqp_url: str | None = None
    grpc_target: str | None = None
    deadline_s: float = DOCUMENTED_DEADLINE_S
    timeout_s: float = 15.0
    events_timeout_s: float = 30.0
    transport: httpx.BaseTransport | None = None
    # --- learnt
    exchanges: list[Exchange] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)
    openapi: dict[str, Any] | None = None
    node_region: str = ""
    item: dict[str, Any] | None = None
    submission: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    events: list[dict[str, Any]] | None = None
    redelivered: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    #: messages on the region's case routing keys that are no JSON envelope (a few bytes each)
    unreadable: list[str] = field(default_factory=list)
    events_problem: str | None = None
    _http: httpx.Client | None = None
    _queue: Any = None

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self.claims = claims_of(self.token)

    # --- HTTP -----------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=self.timeout_s,
                                      transport=self.transport)
        return self._http

    def request(self, method: str, path: str, *, token: str | None = "",
                json_body: Any = None, params: dict[str, str] | None = None) -> Exchange:
        """One call; ``token`` "" is the run's own, None none at all."""
        headers = {"Accept": "application/json"}
        bearer = self.token if token == "" else token
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        started = time.monotonic()
        try:
            reply = self.http.request(method, path, json=json_body, params=params,
                                      headers=headers)
        except httpx.TimeoutException as exc:
            raise Failed(f"an answer to {method} {path} within {self.timeout_s:g} s",
                         f"none ({exc!r})") from exc
        except httpx.TransportError as exc:  # a wrong --target is no pass (nor a skip)
            raise Failed(f"an answer from the gateway at {self.url}",
                         f"none: it cannot be reached ({exc})") from exc
        elapsed = time.monotonic() - started
        try:
            body = reply.json()
        except ValueError:
            body = reply.text
        exchange = Exchange(method, path, reply.status_code, body, elapsed,
                            reply.headers.get("content-type", ""))
        self.exchanges.append(exchange)
        return exchange

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        if self._queue is not None:
            self._queue.close()

    # --- what the run needs -----------------------------------------------------------------

    @property
    def region(self) -> str:
        regions = self.claims.get("regions") or []
        if not regions:
            raise Skipped("the token names no region (claim `regions`)")
        return str(regions[0])

    def ensure_node(self) -> str:
        if not self.node_region:
            reply = self.request("GET", "/v1/node", token=None)
            expect(reply.status == 200 and isinstance(reply.body, dict),
                   "GET /v1/node to answer 200 with the node",
                   f"{reply.status} {reply.body!r:.200}")
            node = reply.body.get("node", reply.body)
            self.node_region = str(node.get("region", ""))
        return self.node_region

    def ensure_item(self) -> dict[str, Any]:
        """The item to submit on: ``--item``, else the first item of the token's department
        the node lists as published in the token's region."""
        if self.item is not None:
            return self.item
        department = str(self.claims.get("department", ""))
        reply = self.request("GET", "/v1/items", params={"region": self.region,
                                                         "page_size": "200"})
        items = reply.body.get("items", []) if isinstance(reply.body, dict) else []
        for entry in items:  # ItemVersion: item_id, version, content (the item)
            if not isinstance(entry, dict):
                continue
            item_id = entry.get("item_id", "")
            content = entry.get("content") or {}
            if self.item_id and item_id != self.item_id:
                continue
            if not self.item_id and (content.get("department_code") != department
                                     or _opened_by_government(content)):
                continue
            self.item = {**content, "item_id": item_id}
            return self.item
        if self.item_id:  # not listed (another region, paging): submit on it all the same
            self.item = {"item_id": self.item_id, "region": self.region}
            return self.item
        raise Skipped(f"no published item of department {department} in region "
                      f"{self.region} to submit on: give --item ITEM_ID")

    def ensure_case(self) -> dict[str, Any]:
        if self.case is None:
            raise Skipped("no case was submitted (PR01-SUBMIT-APPLICATION did not pass)")
        return self.case

    def mint(self, *, roles: list[str] | None = None, audience: str | None = None,
             expired: bool = False) -> str:
        """A token like the run's own (its subject, regions, department) signed with the node's
        key, changed as asked: other roles, another audience, expired."""
        if not self.token_key:
            raise Skipped("needs the node's token key to mint the token "
                          "(--token-key or SUNLIGHT_TOKEN_KEY)")
        from services.shared.auth import mint_token  # noqa: PLC0415 - as `sunlight token`

        node = self.ensure_node()
        department = self.claims.get("department")
        now = int(time.time())
        return mint_token(self.token_key, str(self.claims.get("sub", "conformance-kit")),
                          roles or list(self.claims.get("roles", [])), [self.region],
                          department=department if department and not roles else None,
                          name="conformance kit", issuer=node, audience=audience or node,
                          ttl_s=3600 if expired else 600,
                          issued_at=now - 7200 if expired else now)

    def application(self, key: str, **changes: Any) -> dict[str, Any]:
        item = self.ensure_item()
        materials = [{"key": m["key"], "originals": max(1, int(m.get("originals") or 0))}
                     for m in item.get("materials", []) if m.get("mandatory")]
        return {"idempotency_key": key, "item_id": item["item_id"],
                "region": item.get("region") or self.region, "applicant": dict(APPLICANT),
                "channel": "CHANNEL_SYSTEM", "materials": materials, **changes}


def _opened_by_government(version: dict[str, Any]) -> bool:
    steps = version.get("steps") or []
    return bool(steps) and "OPENING" in str(steps[0].get("kind", ""))


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (the kit reads its own token's subject and regions)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise ValueError(f"--token: not a JWT ({exc})") from None


def error_of(exchange: Exchange) -> dict[str, Any]:
    """The ``error`` object of an error answer, checked against SUN-PR-04 §3's shape."""
    body = exchange.body
    expect(isinstance(body, dict) and isinstance(body.get("error"), dict),
           'an error body {"error": {code, message, identifier, metadata, field_violations}} '
           "(SUN-PR-04 §3)", f"{exchange.status} {body!r:.300}")
    error = body["error"]
    shape = {"code": str, "message": str, "identifier": str, "metadata": dict,
             "field_violations": list}
    wrong = [f"{name} ({type(error.get(name)).__name__})" for name, kind in shape.items()
             if not isinstance(error.get(name), kind)]
    expect(not wrong, "every field of the error detail with its type (SUN-PR-04 §3)",
           f"missing or mistyped: {', '.join(wrong)} in {error!r:.300}")
    expect(bool(error["code"]) and bool(error["message"].strip()),
           "a non-empty code and message", error)
    return error


def expect_error(exchange: Exchange, status: int, codes: tuple[str, ...],
                 what: str) -> dict[str, Any]:
    expect(exchange.status == status, f"HTTP {status} for {what}",
           f"{exchange.status} {exchange.body!r:.300}")
    error = error_of(exchange)
    expect(error["code"] in codes, f"code {' or '.join(codes)} for {what}", error["code"])
    return error


# --- discovery ----------------------------------------------------------------------------


@check("PR01-DISCOVERY", PLATFORM, "the OpenAPI document and /v1/methods describe every "
       "operation with its roles", "SUN-PR-01 §3-4")
def discovery(t: PlatformTarget) -> None:
    reply = t.request("GET", "/openapi.json", token=None)
    expect(reply.status == 200 and isinstance(reply.body, dict), "200 and a JSON document",
           f"{reply.status} {reply.body!r:.200}")
    document = reply.body
    expect(str(document.get("openapi", "")).startswith("3."), "an OpenAPI 3 document",
           document.get("openapi"))
    paths = document.get("paths") or {}
    for route in ("/v1/cases", "/v1/cases/{case_number}", "/v1/cases/{case_number}/actions"):
        expect(route in paths, f"the route {route} in the document", sorted(paths)[:20])
    unroled = [f"{m.upper()} {p}" for p, ops in paths.items() for m, op in ops.items()
               if isinstance(op, dict) and not isinstance(op.get("x-sunlight-roles"), list)]
    expect(not unroled, "x-sunlight-roles on every operation", unroled[:10])
    submit = paths["/v1/cases"]["post"]
    expect("department_system" in submit["x-sunlight-roles"],
           "POST /v1/cases open to the role department_system", submit["x-sunlight-roles"])
    t.openapi = document
    methods = t.request("GET", "/v1/methods", token=None)
    expect(methods.status == 200, "GET /v1/methods to answer 200", methods.status)
    listed = methods.body.get("methods", []) if isinstance(methods.body, dict) else []
    routes = {(str(m.get("method", "")).upper(), m.get("path")) for m in listed}
    expect(("POST", "/v1/cases") in routes, "POST /v1/cases among /v1/methods",
           sorted(routes)[:10])


# --- authentication -------------------------------------------------------------------------


def _probe_body(t: PlatformTarget) -> dict[str, Any]:
    """A submission that would be valid: refusals must come from the token alone."""
    return t.application(f"conformance-auth-{uuid.uuid4().hex}")


@check("PR03-AUTH-NO-TOKEN", PLATFORM, "a call without a token is refused 401 UNAUTHENTICATED",
       "SUN-PR-03 §3")
def no_token(t: PlatformTarget) -> None:
    reply = t.request("POST", "/v1/cases", token=None, json_body=_probe_body(t))
    expect_error(reply, 401, ("UNAUTHENTICATED",), "POST /v1/cases without a token")


@check("PR03-AUTH-BAD-SIGNATURE", PLATFORM, "a token whose signature does not hold is refused "
       "401 UNAUTHENTICATED", "SUN-PR-03 §3")
def bad_signature(t: PlatformTarget) -> None:
    head, payload, signature = t.token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    reply = t.request("POST", "/v1/cases", token=f"{head}.{payload}.{flipped}",
                      json_body=_probe_body(t))
    expect_error(reply, 401, ("UNAUTHENTICATED",), "a token with a broken signature")


@check("PR03-AUTH-EXPIRED", PLATFORM, "an expired token is refused 401 UNAUTHENTICATED",
       "SUN-PR-03 §3")
def expired(t: PlatformTarget) -> None:
    reply = t.request("POST", "/v1/cases", token=t.mint(expired=True), json_body=_probe_body(t))
    expect_error(reply, 401, ("UNAUTHENTICATED",), "an expired token")


@check("PR03-AUTH-WRONG-AUDIENCE", PLATFORM, "a token for another node is refused 401 "
       "TOKEN_FOR_ANOTHER_NODE", "SUN-PR-03 §3")
def wrong_audience(t: PlatformTarget) -> None:
    other = "110000" if t.ensure_node() != "110000" else "120000"
    reply = t.request("POST", "/v1/cases", token=t.mint(audience=other),
                      json_body=_probe_body(t))
    expect_error(reply, 401, ("TOKEN_FOR_ANOTHER_NODE",), f"a token whose aud is {other}")


@check("PR03-AUTH-PERMISSION-DENIED", PLATFORM, "a role without the permission is refused 403 "
       "PERMISSION_DENIED", "SUN-PR-03 §3, SUN-PR-04 §6")
def permission_denied(t: PlatformTarget) -> None:
    reply = t.request("POST", "/v1/cases", token=t.mint(roles=["openness_officer"]),
                      json_body=_probe_body(t))
    error = expect_error(reply, 403, ("PERMISSION_DENIED",),
                         "a submission with a token of the role openness_officer")
    expect(bool(error["metadata"].get("permission")),
           "metadata `permission` naming the permission lacked", error["metadata"])


# --- errors ---------------------------------------------------------------------------------


@check("PR04-ERROR-INVALID-ARGUMENT", PLATFORM, "bad input is 400 with the error detail and "
       "its field violations", "SUN-PR-04 §3-4")
def invalid_argument(t: PlatformTarget) -> None:
    body = t.application(f"conformance-invalid-{uuid.uuid4().hex}", region="5116")
    reply = t.request("POST", "/v1/cases", json_body=body)
    expect(reply.status == 400, "HTTP 400 for a region of 4 digits",
           f"{reply.status} {reply.body!r:.300}")
    error = error_of(reply)
    violations = error["field_violations"]
    expect(bool(violations) and all(isinstance(v, dict) and v.get("field")
                                    and v.get("description") for v in violations),
           "field_violations naming the field and why", violations)
    expect(any("region" in str(v.get("field")) for v in violations),
           "a violation naming `region`", violations)


@check("PR04-ERROR-NOT-FOUND", PLATFORM, "an unknown case is 404 CASE_NOT_FOUND",
       "SUN-PR-04 §4, §6")
def not_found(t: PlatformTarget) -> None:
    number = f"{t.region}20000101999999"
    reply = t.request("GET", f"/v1/cases/{number}")
    expect_error(reply, 404, ("CASE_NOT_FOUND",), f"GET /v1/cases/{number}")


# --- cases and idempotency -------------------------------------------------------------------


@check("PR01-SUBMIT-APPLICATION", PLATFORM, "a department system's application is 201 with a "
       "case number and CASE_STATUS_SUBMITTED", "SUN-PR-01 §6")
def submit(t: PlatformTarget) -> None:
    if t.amqp_url:  # bound before anything happens to the case: every event reaches it
        try:
            t._queue = EventQueue(t.amqp_url, t.region)
        except Exception as exc:  # noqa: BLE001 - said by the event checks
            t.events_problem = f"cannot bind a queue on {redact(t.amqp_url)}: {exc!r}"
    body = t.application(f"conformance-{uuid.uuid4().hex}")
    reply = t.request("POST", "/v1/cases", json_body=body)
    expect(reply.status == 201, "HTTP 201 for the application",
           f"{reply.status} {reply.body!r:.400}")
    case = reply.body.get("case", {}) if isinstance(reply.body, dict) else {}
    number = str(case.get("case_number", ""))
    match = CASE_NUMBER.match(number)
    expect(match is not None and match["region"] == body["region"],
           "case_number <region><YYYYMMDD><6 digits>", number)
    expect(case.get("status") == "CASE_STATUS_SUBMITTED", "status CASE_STATUS_SUBMITTED",
           case.get("status"))
    t.submission, t.case = body, case


@check("PR01-IDEMPOTENT-REPLAY", PLATFORM, "the same key with the same body answers the same "
       "case again, acting once", "SUN-PR-01 §8")
def replay(t: PlatformTarget) -> None:
    case = t.ensure_case()
    assert t.submission is not None
    reply = t.request("POST", "/v1/cases", json_body=t.submission)
    expect(reply.status in (200, 201), "2xx for the replayed application",
           f"{reply.status} {reply.body!r:.300}")
    again = reply.body.get("case", {})
    expect(again.get("case_number") == case["case_number"],
           f"the case of the first call, {case['case_number']}", again.get("case_number"))


@check("PR01-IDEMPOTENCY-KEY-REUSED", PLATFORM, "the same key with another body is 409 "
       "IDEMPOTENCY_KEY_REUSED and does nothing", "SUN-PR-01 §8, SUN-PR-04 §4")
def key_reused(t: PlatformTarget) -> None:
    t.ensure_case()
    assert t.submission is not None
    other = {**t.submission, "applicant": {**APPLICANT, "name": "另一个申请人（测试）"}}
    reply = t.request("POST", "/v1/cases", json_body=other)
    expect_error(reply, 409, ("IDEMPOTENCY_KEY_REUSED",),
                 "an application under a key used for another")


@check("PR01-ACT-IDEMPOTENT", PLATFORM, "actions replay by their key, and a reused key is 409",
       "SUN-PR-01 §7-8")
def act_idempotent(t: PlatformTarget) -> None:
    case = t.ensure_case()
    number = case["case_number"]
    steps = [s for s in case.get("steps", []) if s.get("status") == "STEP_STATUS_ACTIVE"]
    expect(bool(steps), "a running acceptance step in the submitted case", case.get("steps"))
    instance = steps[0]["instance_id"]
    try:
        _replay_actions(t, number, instance)
    except Exception:
        # the case is withdrawn all the same: the event checks wait for its withdrawal
        _wind_up(t, number, instance, strict=False)
        raise
    _wind_up(t, number, instance, strict=True)


def _replay_actions(t: PlatformTarget, number: str, instance: str) -> None:
    key = f"conformance-claim-{uuid.uuid4().hex}"
    claim = {"idempotency_key": key, "claim": {"instance_id": instance}}
    first = t.request("POST", f"/v1/cases/{number}/actions", json_body=claim)
    expect(first.status == 200, f"200 for claiming {instance}", f"{first.status} "
           f"{first.body!r:.300}")
    second = t.request("POST", f"/v1/cases/{number}/actions", json_body=claim)
    expect(second.status == 200 and second.body.get("case", {}).get("sequence")
           == first.body.get("case", {}).get("sequence"),
           "the replayed claim answered 200 with no new event (same sequence)",
           f"{second.status} sequence {second.body.get('case', {}).get('sequence')!r} after "
           f"{first.body.get('case', {}).get('sequence')!r}")
    reused = t.request("POST", f"/v1/cases/{number}/actions",
                       json_body={"idempotency_key": key, "release": {"instance_id": instance}})
    expect_error(reused, 409, ("IDEMPOTENCY_KEY_REUSED",), "a release under the claim's key")


def _wind_up(t: PlatformTarget, number: str, instance: str, *, strict: bool) -> None:
    """Release the step and withdraw the case; ``strict``: each must answer 200."""
    for name, action in (("release", {"instance_id": instance}),
                         ("withdraw", {"reason": "一致性测试结束，撤回"})):
        done = t.request("POST", f"/v1/cases/{number}/actions",
                         json_body={"idempotency_key": f"conformance-{name}-{uuid.uuid4().hex}",
                                    name: action})
        if strict:
            expect(done.status == 200, f"200 for {name}", f"{done.status} {done.body!r:.300}")
        if done.status == 200 and isinstance(done.body, dict) and "case" in done.body:
            t.case = done.body["case"]


# --- timeouts -------------------------------------------------------------------------------


@check("PR01-TIMEOUT-GATEWAY-DEADLINE", PLATFORM, "every call of the run was answered within "
       "the gateway's deadline", "SUN-PR-01 §3, SUN-PR-04 §4")
def gateway_deadline(t: PlatformTarget) -> None:
    if not t.exchanges:
        raise Skipped("no call was made")
    bound = t.deadline_s + DEADLINE_SLACK_S
    slow = [f"{e.method} {e.path}: {e.elapsed_s:.2f} s" for e in t.exchanges
            if e.elapsed_s > bound]
    expect(not slow, f"answers within {t.deadline_s:g} s (+{DEADLINE_SLACK_S:g} s)", slow)
    late = [f"{e.method} {e.path}" for e in t.exchanges if e.status == 504]
    expect(not late, "no 504 DEADLINE_EXCEEDED on a quiet node", late)


@check("PR01-TIMEOUT-CLIENT-DEADLINE", PLATFORM, "a tiny client deadline is honoured, and the "
       "node serves on", "SUN-PR-01 §3")
def client_deadline(t: PlatformTarget) -> None:
    case = t.ensure_case()
    number = case["case_number"]
    # HTTP carries no deadline: a client that gives up leaves the gateway serving
    started = time.monotonic()
    try:
        with httpx.Client(base_url=t.url, timeout=0.001, transport=t.transport) as hasty:
            hasty.get(f"/v1/cases/{number}", headers={"Authorization": f"Bearer {t.token}"})
    except httpx.TimeoutException:
        pass
    after = t.request("GET", f"/v1/cases/{number}")
    expect(after.status == 200, "the next call answered 200 after a client gave up",
           f"{after.status} after {time.monotonic() - started:.2f} s")
    if not t.grpc_target:
        return
    import grpc  # noqa: PLC0415 - only with --grpc
    from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc  # noqa: PLC0415

    metadata = [("authorization", f"Bearer {t.token}")]
    with grpc.insecure_channel(t.grpc_target) as channel:
        stub = cases_pb2_grpc.CaseServiceStub(channel)
        started = time.monotonic()
        try:
            stub.GetCase(cases_pb2.GetCaseRequest(case_number=number), metadata=metadata,
                         timeout=0.001)
            code = None
        except grpc.RpcError as error:
            code = error.code()
        took = time.monotonic() - started
        # on a warm connection a node may answer within the millisecond: honoured all the same
        expect(code in (grpc.StatusCode.DEADLINE_EXCEEDED, None) and took < 1.0,
               "DEADLINE_EXCEEDED (or the answer) within 1 s for a 1 ms deadline",
               f"{code} after {took:.2f} s")
        try:
            answer = stub.GetCase(cases_pb2.GetCaseRequest(case_number=number),
                                  metadata=metadata, timeout=t.deadline_s + DEADLINE_SLACK_S)
        except grpc.RpcError as error:
            raise Failed("GetCase answered after the tiny deadline", f"{error.code()}: "
                         f"{error.details()}") from None
        expect(answer.case.case_number == number, f"case {number}", answer.case.case_number)


# --- events -----------------------------------------------------------------------------------


class EventQueue:
    """An exclusive queue of the kit's own bound to ``cases.events`` for the region."""

    def __init__(self, amqp_url: str, region: str) -> None:
        import pika  # noqa: PLC0415 - only with --amqp

        parameters = pika.URLParameters(amqp_url)
        parameters.socket_timeout = parameters.stack_timeout = 10
        parameters.blocked_connection_timeout = 30
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.exchange_declare("cases.events", "topic", durable=True,
                                      auto_delete=False)
        self.queue = self.channel.queue_declare("", exclusive=True,
                                                auto_delete=True).method.queue
        self.channel.queue_bind(self.queue, "cases.events", f"case.#.{region}")

    def get(self) -> tuple[Any, Any, bytes] | None:
        method, properties, body = self.channel.basic_get(self.queue)
        return None if method is None else (method, properties, body)

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()


def redact(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//…@", url)


def collect_events(t: PlatformTarget) -> list[dict[str, Any]]:
    """The case's events (with their AMQP properties), until its withdrawal's arrived; the
    first one is sent back once (requeued) to see it redelivered."""
    if t.events is not None:
        return _complete(t, t.events)
    if not t.amqp_url:
        raise Skipped("needs the node's broker: give --amqp AMQP_URL")
    if t.events_problem:
        raise Skipped(t.events_problem)
    case = t.ensure_case()
    number = case["case_number"]
    queue = t._queue
    events: list[dict[str, Any]] = []
    sent_back: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + t.events_timeout_s
    while time.monotonic() < deadline:
        got = queue.get()
        if got is None:
            queue.connection.sleep(0.1)
            continue
        method, properties, body = got
        try:
            envelope = json.loads(body)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            # whose case it is cannot be read: said by PR02-EVENT-ENVELOPE, not passed over
            queue.channel.basic_ack(method.delivery_tag)
            t.unreadable.append(f"{method.routing_key} ({properties.content_type}): "
                                f"{body[:80]!r}")
            continue
        if envelope["data"].get("case_number") != number:
            queue.channel.basic_ack(method.delivery_tag)
            continue
        seen = {"envelope": envelope, "routing_key": method.routing_key,
                "redelivered": bool(method.redelivered), "message_id": properties.message_id,
                "content_type": properties.content_type, "delivery_mode":
                properties.delivery_mode, "headers": dict(properties.headers or {}),
                "body": body}
        event_id = envelope.get("event_id")
        if not sent_back and not method.redelivered:
            sent_back[event_id] = seen
            queue.channel.basic_nack(method.delivery_tag, requeue=True)
            continue
        queue.channel.basic_ack(method.delivery_tag)
        if event_id in sent_back and method.redelivered:
            t.redelivered.append((sent_back[event_id], seen))
        events.append(seen)
        if envelope.get("type") == LAST_EVENT:
            break
    t.events = events
    return _complete(t, events)


def _complete(t: PlatformTarget, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events, if they reached the withdrawal; every event check fails alike otherwise."""
    if not any(e["envelope"].get("type") == LAST_EVENT for e in events):
        raise Failed(f"the case's events up to {LAST_EVENT} within {t.events_timeout_s:g} s",
                     [e["envelope"].get("type") for e in events] if events else
                     "none (is --amqp the node's broker and vhost, its AMQP_URI?)")
    return events


@check("PR02-EVENT-ENVELOPE", PLATFORM, "each event is a persistent JSON EventEnvelope with "
       "message_id, routing key and partition_key as SUN-PR-02 says", "SUN-PR-02 §3-4")
def event_envelope(t: PlatformTarget) -> None:
    events = collect_events(t)
    number = t.ensure_case()["case_number"]
    expect(not t.unreadable, "every message on the region's case routing keys a JSON "
           "EventEnvelope with its data", t.unreadable[:3])
    for seen in events:
        e = seen["envelope"]
        what = f"event {e.get('type')} #{e.get('data', {}).get('sequence')}"
        expect(isinstance(e.get("event_id"), str) and len(e["event_id"]) <= 36
               and bool(e["event_id"]), f"{what}: event_id of at most 36 characters",
               e.get("event_id"))
        expect(RFC3339_MICRO.match(str(e.get("occurred_at", ""))) is not None,
               f"{what}: occurred_at RFC 3339 UTC with microseconds", e.get("occurred_at"))
        expect(e.get("schema") == "sunlight.cases.v1.CaseEvent",
               f"{what}: schema sunlight.cases.v1.CaseEvent", e.get("schema"))
        for name in ("node", "region"):
            expect(re.fullmatch(r"[0-9]{6}", str(e.get(name, ""))) is not None,
                   f"{what}: {name} a 6-digit region code", e.get(name))
        region = str(e.get("region"))
        key = f"{e.get('type')}.{region[:2]}0000."
        expect(seen["routing_key"].startswith(key) and seen["routing_key"].endswith(region),
               f"{what}: routing key <type>.<province>.<city>.<region>", seen["routing_key"])
        expect(seen["message_id"] == e.get("event_id"), f"{what}: message_id = event_id",
               f"{seen['message_id']} / {e.get('event_id')}")
        expect(seen["content_type"] == "application/json" and seen["delivery_mode"] == 2,
               f"{what}: content_type application/json, delivery_mode 2 (persistent)",
               f"{seen['content_type']}, {seen['delivery_mode']}")
        expect(seen["headers"].get("partition_key") == number,
               f"{what}: header partition_key = the case number", seen["headers"])
    # the same event published again (at least once, SUN-PR-02 §6) keeps its event_id
    facts: dict[str, set[tuple[str, str]]] = {}
    for s in events:
        e = s["envelope"]
        facts.setdefault(str(e.get("event_id")), set()).add(
            (str(e.get("type")), str(e["data"].get("sequence"))))
    shared = {i: sorted(f) for i, f in facts.items() if len(f) > 1}
    expect(not shared, "a distinct event_id per event", shared)


@check("PR02-EVENT-SEQUENCE", PLATFORM, "a case's events carry sequence 1, 2, 3 … without gap "
       "or repeat", "SUN-PR-02 §6 (Order)")
def event_sequence(t: PlatformTarget) -> None:
    # an event that came twice under its event_id (at least once) counts once
    events = list({s["envelope"].get("event_id"): s for s in collect_events(t)}.values())
    sequences = [int(s["envelope"].get("data", {}).get("sequence", 0)) for s in events]
    expect(sorted(sequences) == list(range(1, len(sequences) + 1)),
           "sequences 1..n, each once (arrival order may differ)", sequences)
    first = min(events, key=lambda s: int(s["envelope"]["data"].get("sequence", 0)))
    expect(first["envelope"].get("type") == "case.submitted",
           "sequence 1 to be case.submitted", first["envelope"].get("type"))
    assert t.case is not None
    expect(max(sequences) == int(t.case.get("sequence", 0) or 0),
           "the last event's sequence to be the case's", f"{max(sequences)} / "
           f"{t.case.get('sequence')}")


@check("PR02-EVENT-REDELIVERY", PLATFORM, "an event delivered again keeps its event_id and its "
       "content", "SUN-PR-02 §4, §6 (Redelivery)")
def event_redelivery(t: PlatformTarget) -> None:
    collect_events(t)
    expect(bool(t.redelivered), "the event sent back to come again, marked redelivered",
           "it did not come back")
    for first, again in t.redelivered:
        expect(again["envelope"].get("event_id") == first["envelope"].get("event_id")
               and again["message_id"] == first["message_id"],
               "the same event_id and message_id", f"{first['message_id']} then "
               f"{again['message_id']}")
        expect(again["body"] == first["body"], "the same body", "another body")
    # the broker keeps what it redelivers; a node's relay publishing an event again (a relay
    # killed between publishing and marking it, SUN-PR-02 §6) must keep its event_id too
    ids: dict[str, set[str]] = {}
    bodies: dict[str, set[bytes]] = {}
    for seen in t.events or []:
        e = seen["envelope"]
        ids.setdefault(f"{e.get('type')} #{e['data'].get('sequence')}", set()).add(
            str(e.get("event_id")))
        bodies.setdefault(str(e.get("event_id")), set()).add(seen["body"])
    renamed = {fact: sorted(i) for fact, i in ids.items() if len(i) > 1}
    expect(not renamed, "an event published again under the same event_id",
           f"under several: {renamed}")
    changed = sorted(i for i, b in bodies.items() if len(b) > 1)
    expect(not changed, "an event published again with the same body",
           f"other bodies under {changed}")


# --- schemas ----------------------------------------------------------------------------------


def _operation_of(document: dict[str, Any], method: str, path: str
                  ) -> tuple[str, dict[str, Any]] | None:
    for template, operations in document.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None


def schema_problems(document: dict[str, Any], exchange: Exchange) -> list[str]:
    """What about one answer does not match the document (empty: it matches)."""
    import jsonschema  # noqa: PLC0415 - the schema check only

    found = _operation_of(document, exchange.method, exchange.path.split("?")[0])
    if found is None:
        return [f"{exchange.method} {exchange.path}: no such operation in the document"]
    template, operation = found
    responses = operation.get("responses", {})
    answer = responses.get(str(exchange.status)) or responses.get(f"{exchange.status // 100}XX")
    if answer is None:
        return [f"{exchange.method} {template}: status {exchange.status} is not documented "
                f"(documented: {', '.join(sorted(responses))})"]
    content = answer.get("content", {}).get("application/json")
    if content is not None and "json" not in exchange.content_type:
        return [f"{exchange.method} {template} {exchange.status}: content type "
                f"{exchange.content_type or '(none)'}, documented application/json"]
    if content is None or "schema" not in content:
        return []
    # as documented: the answers' schemas (``answer.<message>``) state what an answer holds,
    # without the limits of what a caller may send, so nothing is loosened here
    schema = {**content["schema"], "components": document.get("components", {})}
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{exchange.method} {template} {exchange.status}: "
            f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message[:200]}"
            for error in list(validator.iter_errors(exchange.body))[:3]]


@check("PR01-SCHEMA-RESPONSES", PLATFORM, "every answer of the run matches its operation's "
       "schema in /openapi.json", "SUN-PR-01 §3, SUN-PR-05 §2")
def response_schemas(t: PlatformTarget) -> None:
    if t.openapi is None:
        raise Skipped("the OpenAPI document was not read (PR01-DISCOVERY did not pass)")
    # every answer, a JSON one or not: one the document says is JSON must be
    checked = [e for e in t.exchanges if e.path not in ("/openapi.json",)]
    problems = [p for e in checked for p in schema_problems(t.openapi, e)]
    expect(not problems, f"{len(checked)} answers matching their documented schemas",
           "; ".join(problems[:5]))
