"""A typed client of a node's gateway (HTTP JSON API, ``/v1/…``).

Every call has a timeout. A call that meets a transient failure (503, 504, 500, 429, a
timeout, a connection that failed) is sent again, unchanged — the same body, so the same
idempotency key — with exponential backoff and jitter, a few times; a refusal (4xx) is
raised at once as the typed error of :mod:`sunlight_adapter.errors`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from sunlight_adapter.errors import (
    GatewayUnavailable,
    RateLimited,
    SunlightError,
    TransientError,
    error_from_response,
)
from sunlight_adapter.models import (
    Action,
    Application,
    Case,
    CaseAction,
    Queue,
    check_case_number,
)

__all__ = ["RetryPolicy", "SunlightClient"]

log = logging.getLogger("sunlight_adapter.client")

#: A token, or a function answering the current one (called before each request: rotate
#: tokens there — a node's token lives at most 12 hours).
TokenSource = str | Callable[[], str]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried (per call)."""

    #: tries in all, the first included (1: never retry)
    attempts: int = 4
    #: the first wait; doubled after each failure, up to ``max_delay_s``
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def delay(self, failures: int, error: SunlightError) -> float:
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            return min(error.retry_after_s, self.max_delay_s * 4)
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (failures - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # jitter: callers do not align


class SunlightClient:
    """The gateway of one node, for one system identity.

    ``base_url``: the gateway, e.g. ``http://node:8080``; ``token``: the system's JWT (role
    ``department_system``) or a function answering it; ``timeout_s``: for each request
    (connect, read, write); ``transport``: an httpx transport (tests).
    """

    def __init__(self, base_url: str, token: TokenSource, *, timeout_s: float = 10.0,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 headers: Mapping[str, str] | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url: an http(s) URL of the node's gateway, not {base_url!r}")
        if timeout_s <= 0:
            raise ValueError("timeout_s: more than 0 seconds")
        self._token = token
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  transport=transport,
                                  headers={"Accept": "application/json", **(headers or {})})

    # --- the calls ----------------------------------------------------------------------

    def submit_application(self, application: Application) -> Case:
        """SubmitApplication: the case created (or, for a key sent before, the case that call
        created)."""
        application.check()
        return Case.from_json(self._call("POST", "/v1/cases", application.to_json())["case"])

    def act_on_case(self, case_number: str, action: Action, idempotency_key: str) -> Case:
        """ActOnCase: ``action`` on the case; the answer is the case after it."""
        return self.act(CaseAction(idempotency_key, case_number, action))

    def act(self, request: CaseAction) -> Case:
        request.check()
        reply = self._call("POST", f"/v1/cases/{request.case_number}/actions", request.body())
        return Case.from_json(reply["case"])

    def get_case(self, case_number: str) -> Case:
        check_case_number(case_number)
        return Case.from_json(self._call("GET", f"/v1/cases/{case_number}")["case"])

    def list_queue(self, *, department_code: str = "", role: str = "", region: str = "",
                   unclaimed_only: bool = False, mine_only: bool = False, page_size: int = 0,
                   page_token: str = "", query: str = "") -> Queue:
        """ListQueue: running steps of the department (the token's own when
        ``department_code`` is empty), earliest due first."""
        if not 0 <= page_size <= 200:
            raise ValueError("page_size: 0..200 (0: the node's default, 50)")
        params = {k: v for k, v in {
            "department_code": department_code, "role": role, "region": region,
            "unclaimed_only": "true" if unclaimed_only else "",
            "mine_only": "true" if mine_only else "",
            "page_size": str(page_size) if page_size else "", "page_token": page_token,
            "query": query}.items() if v}
        return Queue.from_json(self._call("GET", "/v1/queue", params=params))

    def verify_trace(self, case_number: str) -> dict[str, Any]:
        """VerifyTrace: ``intact``, ``entries``, ``head`` (and ``broken_at``, ``reason``)."""
        check_case_number(case_number)
        return self._call("GET", f"/v1/cases/{case_number}/trace/verify")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SunlightClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one request, retried while the failure is transient ----------------------------

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None,
              params: Mapping[str, str] | None = None) -> dict[str, Any]:
        failures = 0
        while True:
            try:
                return self._once(method, path, body, params)
            except TransientError as error:
                failures += 1
                if failures >= self.retry.attempts:
                    raise
                wait = self.retry.delay(failures, error)
                log.warning("%s %s failed (%s), try %d of %d in %.2fs", method, path,
                            error.code, failures + 1, self.retry.attempts, wait)
                self._sleep(wait)

    def _once(self, method: str, path: str, body: Mapping[str, Any] | None,
              params: Mapping[str, str] | None) -> dict[str, Any]:
        token = self._token() if callable(self._token) else self._token
        try:
            reply = self._http.request(method, path, json=body, params=params,
                                       headers={"Authorization": f"Bearer {token}"})
        except httpx.TimeoutException as exc:
            raise GatewayUnavailable(0, "TIMEOUT", f"no answer in time: {exc}") from exc
        except httpx.TransportError as exc:
            raise GatewayUnavailable(0, "CONNECTION_FAILED",
                                     f"could not reach the gateway: {exc}") from exc
        try:
            payload = reply.json()
        except ValueError:
            payload = None
        if reply.status_code >= 400:
            raise error_from_response(reply.status_code, payload, reply.text,
                                      reply.headers.get("Retry-After"))
        if not isinstance(payload, dict):
            raise GatewayUnavailable(reply.status_code, "MALFORMED_ANSWER",
                                     "the gateway's answer is not a JSON object")
        return payload
