"""A scripted stand-in for a node's gateway (httpx MockTransport): it records every request
and answers from a script, then with a case for each submission or action."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sunlight_adapter import RetryPolicy, SunlightClient

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def error(status: int, code: str, message: str = "refused", **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"error": {
        "code": code, "message": message, "identifier": f"id-{code.lower()}",
        "metadata": extra.pop("metadata", {}), "field_violations": extra.pop("violations", [])
    }}, headers=extra.pop("headers", None))


def case(number: str, status: str = "CASE_STATUS_SUBMITTED", **fields: Any) -> dict[str, Any]:
    return {"case_number": number, "status": status, "region": "511602", "item_id": "item-1",
            "item_version": 1, "sequence": "1", "steps": [
                {"instance_id": "s1", "key": "accept", "name": "受理",
                 "status": "STEP_STATUS_ACTIVE", "department_code": "115113016823646795"}],
            "allowed_actions": ["accept", "reject"], **fields}


@dataclass
class FakeGateway:
    #: answers given before the default ones, in order (a response, or an exception raised)
    script: list[Answer] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    #: idempotency key → case number, as the node keeps them
    cases: dict[str, str] = field(default_factory=dict)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.content]

    def keys(self) -> list[str]:
        return [b["idempotency_key"] for b in self.bodies()]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer(request) if callable(answer) else answer
        if request.method == "POST" and request.url.path == "/v1/cases":
            key = json.loads(request.content)["idempotency_key"]
            number = self.cases.setdefault(key, f"511602202611020{len(self.cases) + 1:06d}")
            return httpx.Response(201, json={"case": case(number)})
        if request.method == "POST" and request.url.path.endswith("/actions"):
            number = request.url.path.split("/")[3]
            return httpx.Response(200, json={"case": case(number, "CASE_STATUS_IN_PROGRESS")})
        if request.method == "GET" and request.url.path.startswith("/v1/cases/"):
            return httpx.Response(200, json={"case": case(request.url.path.split("/")[3])})
        return error(404, "NOT_FOUND", "no such route")

    def client(self, attempts: int = 4, token: Any = "system-token",  # noqa: S107 - a fake token
               sleeps: list[float] | None = None) -> SunlightClient:
        record = sleeps if sleeps is not None else []
        return SunlightClient("http://node.test:8080", token, timeout_s=2,
                              retry=RetryPolicy(attempts=attempts, base_delay_s=0.1),
                              transport=httpx.MockTransport(self), sleep=record.append)
