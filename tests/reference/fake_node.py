"""A node's gateway for the office's tests (httpx MockTransport): a case runs the demo item's
flow — 受理 (accept), 审核 (the review step), 登簿 (the decision step ``record``), result
published, completed — answers each request with the case after it, keeps idempotency keys
as a node does, and can be taken down (no answer at all) or made to refuse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from sunlight_adapter import RetryPolicy, SunlightClient

FLOW = ("accept", "review", "record")


@dataclass
class FakeCase:
    number: str
    status: str = "CASE_STATUS_SUBMITTED"
    sequence: int = 1
    #: index in FLOW of the running step, len(FLOW) when none runs
    at: int = 0

    def json(self) -> dict[str, Any]:
        steps = [{"instance_id": f"s{i + 1}", "key": key,
                  "status": "STEP_STATUS_ACTIVE" if i == self.at else (
                      "STEP_STATUS_COMPLETED" if i < self.at else "STEP_STATUS_PENDING")}
                 for i, key in enumerate(FLOW) if i <= self.at]
        return {"case_number": self.number, "status": self.status,
                "sequence": str(self.sequence), "region": "511602", "steps": steps}


@dataclass
class FakeNode:
    down: bool = False
    cases: dict[str, FakeCase] = field(default_factory=dict)
    #: idempotency key → the answer given (a replay answers the case as it is now)
    keys: dict[str, str] = field(default_factory=dict)
    #: every request body received, in order (replays included)
    received: list[dict[str, Any]] = field(default_factory=list)
    #: action name → (status, code): refuse it
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        self.received.append(body)
        key = body["idempotency_key"]
        if key in self.keys:
            return httpx.Response(200, json={"case": self.cases[self.keys[key]].json()})
        if request.url.path == "/v1/cases":
            number = f"511602202611020{len(self.cases) + 1:06d}"
            self.cases[number] = FakeCase(number)
            self.keys[key] = number
            return httpx.Response(201, json={"case": self.cases[number].json()})
        number = request.url.path.split("/")[3]
        case = self.cases[number]
        (action, values), = ((k, v) for k, v in body.items() if k != "idempotency_key")
        if action in self.refuse:
            status, code = self.refuse[action]
            return httpx.Response(status, json={"error": {
                "code": code, "message": "refused", "identifier": "id-1"}})
        expected = {"accept": ("CASE_STATUS_SUBMITTED", 0), "complete_step": (
            "CASE_STATUS_IN_PROGRESS", 1), "decide": ("CASE_STATUS_IN_PROGRESS", 2)}
        if action in expected:
            status, at = expected[action]
            assert (case.status, case.at) == (status, at), (action, case)
            if action == "complete_step":
                assert values["instance_id"] == "s2", values
            case.at += 1
            case.status = "CASE_STATUS_DECIDED" if action == "decide" else (
                "CASE_STATUS_IN_PROGRESS")
        elif action == "publish_result":
            assert case.status == "CASE_STATUS_DECIDED"
            case.status = "CASE_STATUS_PUBLISHED"
        elif action == "complete":
            assert case.status == "CASE_STATUS_PUBLISHED"
            case.status = "CASE_STATUS_COMPLETED"
        else:
            raise AssertionError(action)
        case.sequence += 1
        self.keys[key] = number
        return httpx.Response(200, json={"case": case.json()})

    def client(self) -> SunlightClient:
        return SunlightClient("http://node.test:8080", "system-token", timeout_s=2,
                              retry=RetryPolicy(attempts=1),
                              transport=httpx.MockTransport(self), sleep=lambda _s: None)

    def event(self, number: str, kind: str, event_id: str) -> bytes:
        """The node's event of the case as it is now."""
        case = self.cases[number].json()
        active = [s for s in case["steps"] if s["status"] == "STEP_STATUS_ACTIVE"]
        return json.dumps({"event_id": event_id, "type": kind, "node": "510000",
                           "region": "511602", "schema": "sunlight.cases.v1.CaseEvent",
                           "data": {**case, "active_steps": active}}).encode()
