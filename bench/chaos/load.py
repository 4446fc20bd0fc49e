"""The load: careful clients opening cases and completing their steps on every node.

Each node gets an item of its own (published through its gateway's JSON API) and clients on
two paths: ``grpc`` straight to its case service, ``http`` through its gateway. A client
submits an application, accepts it and completes the steps one after another, then starts
the next case; a failed call is repeated with the same idempotency key until it succeeds
(a careful client). Asked to stop, a client finishes the call in hand first, so every call
that changed a case is one it was told succeeded: ``acknowledged`` (case number → the case's
sequence in the last answer) is what the case service must hold, no less (lost) and no more
(applied twice).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
import httpx
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from bench.cases import implementation_code
from infra.localnode import LocalNode
from services.shared.auth import mint_token

#: steps of the load's item; the clients complete all but the last (the decision)
STEPS = 6
CALL_TIMEOUT_S = 10.0
#: a call not through after this long is given up (its case is then left out of the counts
#: as uncertain, and reported)
GIVE_UP_S = 240.0
PACE_S = 0.1
APPLICANT = {"name": "容错测试", "id_type": "id_card", "id_number": "511602199001011236"}
DEPARTMENTS = {"511600": "市发展改革委", "511602": "区发展改革局"}
OFFLINE_REVIEW = {"legal_reviewer": "chaos-legal", "staffing_reviewer": "chaos-staffing",
                  "approving_document": "容错测试〔2026〕1号"}


def admin_token(node: LocalNode, region: str, subject: str = "chaos") -> str:
    return mint_token(node.env["SUNLIGHT_TOKEN_KEY"], f"{subject}-{region}", ["admin"],
                      [region], issuer=region, ttl_s=4 * 3600)


def publish_item(node: LocalNode, region: str, token: str) -> str:
    """The load's item at ``region``'s node: drafted and published through its gateway."""
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        reply = http.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
            "name": "企业投资项目备案（容错）", "code": implementation_code(region),
            "item_type": "01", "region": region,
            "department": DEPARTMENTS.get(region, "发展改革局"),
            "statutory_limit_days": 60, "promised_limit_days": STEPS,
            "steps": [{"key": f"s{i}", "name": f"环节{i}", "limit_days": 1, "role": "clerk"}
                      for i in range(STEPS)],
            "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}})
        if reply.status_code != 201:
            raise RuntimeError(f"{region}: drafting the load's item: {reply.status_code} "
                               f"{reply.text[:300]}")
        item_id = reply.json()["item"]["item_id"]
        reply = http.post(f"/v1/items/{item_id}/versions/1/publish",
                          json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        if reply.status_code != 200:
            raise RuntimeError(f"{region}: publishing the load's item: {reply.status_code} "
                               f"{reply.text[:300]}")
        return str(item_id)


@dataclass
class Tally:
    """What every client of the run did and was told (shared, under a lock)."""

    attempted: int = 0  # calls that change a case, each once whatever its tries
    tries: int = 0
    acknowledged: int = 0
    failed_tries: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_dict(self) -> dict:
        return {"attempted": self.attempted, "tries": self.tries,
                "acknowledged": self.acknowledged, "failed_tries_repeated": self.failed_tries,
                "given_up": self.given_up, "first_errors": self.errors[:8]}


class GaveUp(Exception):
    pass


class Client(threading.Thread):
    """One careful client of one node on one path (``grpc`` or ``http``)."""

    def __init__(self, region: str, path: str, submit: Callable[[str], tuple[str, int, str]],
                 act: Callable[[str, str, dict], tuple[int, str]], stop: threading.Event,
                 tally: Tally) -> None:
        super().__init__(daemon=True, name=f"chaos-{region}-{path}")
        self.region, self.path = region, path
        self.submit, self.act = submit, act
        self.stop_event, self.tally = stop, tally
        self.acknowledged: dict[str, int] = {}  # case number -> sequence last answered
        self.uncertain: set[str] = set()  # a call of the case given up: its count unknown
        self.last_ok = 0.0

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                number, sequence, running = self._until_ok(self.submit)
            except GaveUp:
                continue
            self.acknowledged[number] = sequence
            try:
                sequence, running = self._until_ok(
                    lambda key, n=number: self.act(n, key, {"accept": {}}))
                self.acknowledged[number] = sequence
                for _ in range(STEPS - 1):
                    if self.stop_event.wait(PACE_S):
                        return
                    sequence, running = self._until_ok(
                        lambda key, n=number, r=running: self.act(
                            n, key, {"complete_step": {"instance_id": r}}))
                    self.acknowledged[number] = sequence
            except GaveUp:
                self.uncertain.add(number)

    def _until_ok(self, call: Callable[[str], tuple]) -> tuple:
        key = uuid.uuid4().hex
        with self.tally.lock:
            self.tally.attempted += 1
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            with self.tally.lock:
                self.tally.tries += 1
            try:
                result = call(key)
            except (grpc.RpcError, httpx.HTTPError, RuntimeError) as exc:
                with self.tally.lock:
                    self.tally.failed_tries += 1
                    if len(self.tally.errors) < 8:
                        self.tally.errors.append(f"{self.region} {self.path}: "
                                                 f"{str(exc)[:160]}")
                if time.monotonic() > deadline:
                    with self.tally.lock:
                        self.tally.given_up += 1
                    raise GaveUp(key) from exc
                time.sleep(0.1)  # what it needs is coming back
                continue
            with self.tally.lock:
                self.tally.acknowledged += 1
            self.last_ok = time.monotonic()
            return result


def _running(instance_ids: list[str]) -> str:
    """The step that runs next: the first active one ("" once none is)."""
    return instance_ids[0] if instance_ids else ""


def clients_of(node: LocalNode, region: str, item_id: str, token: str, per_path: int,
               stop: threading.Event, tally: Tally) -> list[Client]:
    auth = (("authorization", f"Bearer {token}"),)
    clients = []
    for _ in range(per_path):
        stub = cases_pb2_grpc.CaseServiceStub(grpc.insecure_channel(
            f"127.0.0.1:{node.port('cases')}",
            options=[("grpc.use_local_subchannel_pool", 1)]))
        http = httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                            headers={"Authorization": f"Bearer {token}"},
                            timeout=CALL_TIMEOUT_S)

        def active(case: cases_pb2.Case) -> str:
            return _running([s.instance_id for s in case.steps
                             if s.status == cases_pb2.STEP_STATUS_ACTIVE])

        def grpc_submit(key: str, stub=stub) -> tuple[str, int, str]:  # type: ignore[no-untyped-def]
            case = stub.SubmitApplication(cases_pb2.SubmitApplicationRequest(
                idempotency_key=key, item_id=item_id, region=region,
                applicant=cases_pb2.Applicant(**APPLICANT)), metadata=auth,
                timeout=CALL_TIMEOUT_S).case
            return case.case_number, case.sequence, active(case)

        def grpc_act(number: str, key: str, action: dict,
                     stub=stub) -> tuple[int, str]:  # type: ignore[no-untyped-def]
            request = json_format.ParseDict({"idempotency_key": key, "case_number": number,
                                             **action}, cases_pb2.ActOnCaseRequest())
            case = stub.ActOnCase(request, metadata=auth, timeout=CALL_TIMEOUT_S).case
            return case.sequence, active(case)

        def http_case(reply: httpx.Response) -> dict:
            if reply.status_code >= 300:
                raise RuntimeError(f"{reply.status_code} {reply.text[:200]}")
            return dict(reply.json()["case"])

        def http_active(case: dict) -> str:
            return _running([s["instance_id"] for s in case["steps"]
                             if s["status"] == "STEP_STATUS_ACTIVE"])

        def http_submit(key: str, http=http) -> tuple[str, int, str]:  # type: ignore[no-untyped-def]
            case = http_case(http.post("/v1/cases", json={
                "idempotency_key": key, "item_id": item_id, "region": region,
                "applicant": APPLICANT}))
            return case["case_number"], int(case["sequence"]), http_active(case)

        def http_act(number: str, key: str, action: dict,
                     http=http) -> tuple[int, str]:  # type: ignore[no-untyped-def]
            case = http_case(http.post(f"/v1/cases/{number}/actions",
                                       json={"idempotency_key": key, **action}))
            return int(case["sequence"]), http_active(case)

        clients.append(Client(region, "grpc", grpc_submit, grpc_act, stop, tally))
        clients.append(Client(region, "http", http_submit, http_act, stop, tally))
    return clients


@dataclass
class Load:
    """Every client of every node, started and stopped together."""

    clients: list[Client]
    stop_event: threading.Event
    tally: Tally

    def start(self) -> None:
        for client in self.clients:
            client.start()

    def moving_since(self, moment: float) -> bool:
        """Every client has been told of a success since ``moment`` (monotonic)."""
        return all(c.last_ok > moment for c in self.clients)

    def stop(self, timeout_s: float = GIVE_UP_S + 30) -> list[str]:
        """Stop every client once its call in hand is through; the ones still running."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout_s
        for client in self.clients:
            client.join(max(deadline - time.monotonic(), 0.1))
        return [c.name for c in self.clients if c.is_alive()]

    def acknowledged(self, region: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for client in self.clients:
            if client.region == region:
                out.update({n: s for n, s in client.acknowledged.items()
                            if n not in client.uncertain})
        return out

    def uncertain(self) -> list[str]:
        return sorted(n for c in self.clients for n in c.uncertain)
