"""Killing any one process of a running node under load (SIGKILL, as a crash or the OOM killer
would): the others keep serving, the supervisor of ``make run`` brings it back within seconds,
and nothing is lost — every transition a client was told succeeded is in the case service,
and supervision applied every event exactly once."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import httpx
import psycopg
import pytest
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from cli.processes import node_processes
from infra.localnode import LocalNode
from services.shared.auth import mint_token
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code
from tests.support.nodes import run_node
from tests.support.wait import wait_for

pytestmark = pytest.mark.e2e
KILLED = ["catalogue", "cases", "monitoring", "monitoring-worker", "catalogue-relay",
          "cases-relay", "monitoring-relay", "gateway", "hall"]
BACK_WITHIN_S = 15.0
STEPS = 20  # of the item's flow; the last is its decision, which the load leaves alone
CLIENTS_PER_PATH = 2
PACE_S = 0.1  # a client completes a step at most every 100 ms: load, not a CPU hog
# Health answers that report on other processes too: NOT_SERVING while one of those is down.
REPORTS_ON = {"gateway-http": {"catalogue", "cases", "monitoring"},
              "hall": {"catalogue", "cases"}}
# The processes each client call needs.
NEEDS = {("grpc", "open"): {"cases", "catalogue"}, ("grpc", "complete"): {"cases"},
         ("http", "open"): {"gateway", "cases", "catalogue"},
         ("http", "complete"): {"gateway", "cases"}}


@dataclass(frozen=True)
class Call:
    path: str
    op: str
    started: float
    ended: float
    ok: bool
    error: str = ""

    def overlaps(self, start: float, end: float) -> bool:
        return self.started <= end and self.ended >= start


class Client(threading.Thread):
    """Submits applications, accepts them and completes their steps one after another through
    one path. A failed call is repeated with the same idempotency key until it succeeds, as a
    careful client does; asked to stop, it finishes the call in hand first, so every success
    is known. ``act(number, key, action)`` answers the id of the step that runs next."""

    def __init__(self, path: str, submit: Callable[[str], str],
                 act: Callable[[str, str, dict], str], stop: threading.Event,
                 calls: list[Call]) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.submit = submit
        self.act = act
        self.stop = stop
        self.calls = calls
        self.completed: dict[str, int] = {}  # case number -> steps done

    def run(self) -> None:
        while not self.stop.is_set():
            number = self._until_ok("open", self.submit)
            self.completed[number] = 0
            running = self._until_ok("complete", lambda key, number=number: self.act(
                number, key, {"accept": {}}))
            for _ in range(STEPS - 1):
                running = self._until_ok("complete", lambda key, number=number,
                                         running=running: self.act(
                    number, key, {"complete_step": {"instance_id": running}}))
                self.completed[number] += 1
                if self.stop.wait(PACE_S):
                    return

    def _until_ok(self, op: str, call: Callable[[str], str | None]) -> str:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                result = call(key)
            except (grpc.RpcError, httpx.HTTPError) as exc:
                self.calls.append(Call(self.path, op, started, time.monotonic(), False,
                                       repr(exc)[:300]))
                time.sleep(0.05)  # the process it needs is restarting
                continue
            self.calls.append(Call(self.path, op, started, time.monotonic(), True))
            return result or ""
        raise AssertionError(f"{self.path} {op} failed for 60 s")


@dataclass(frozen=True)
class Sample:
    at: float
    process: str
    answered: bool
    serving: bool
    state: str


class HealthWatch(threading.Thread):
    """Asks every process of the node for its health, over and over."""

    def __init__(self, node: LocalNode, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.processes = node_processes(node.settings())
        self.stop = stop
        self.samples: list[Sample] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for process in self.processes:
                serving, state = process.check(5.0)
                self.samples.append(Sample(time.monotonic(), process.name,
                                           not state.startswith("no answer"), serving, state))
            self.stop.wait(0.05)


@pytest.fixture(scope="module")
def node(database_url, amqp_uri, tmp_path_factory):
    yield from run_node(database_url, amqp_uri, tmp_path_factory.mktemp("restart-logs"))


def _publish_item(http: httpx.Client) -> str:
    reply = http.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目备案（重启）", "code": implementation_code(),
        "item_type": "01", "region": "511602", "department": "区发展改革局",
        "statutory_limit_days": 60, "promised_limit_days": STEPS,
        "steps": [{"key": f"s{i}", "name": f"环节{i}", "limit_days": 1, "role": "clerk"}
                  for i in range(STEPS)],
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}})
    assert reply.status_code == 201, reply.text
    item_id = reply.json()["item"]["item_id"]
    reply = http.post(f"/v1/items/{item_id}/versions/1/publish",
                      json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
    assert reply.status_code == 200, reply.text
    return item_id


def _clients(node: LocalNode, token: str, item_id: str, stop: threading.Event,
             calls: list[Call]) -> list[Client]:
    auth = [("authorization", f"Bearer {token}")]
    applicant = {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}
    clients = []
    for _ in range(CLIENTS_PER_PATH):
        stub = cases_pb2_grpc.CaseServiceStub(
            grpc.insecure_channel(f"127.0.0.1:{node.port('cases')}"))
        http = httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)

        def grpc_open(key: str, stub=stub) -> str:  # type: ignore[no-untyped-def]
            return stub.SubmitApplication(cases_pb2.SubmitApplicationRequest(
                idempotency_key=key, item_id=item_id, region="511602",
                applicant=cases_pb2.Applicant(**applicant)), metadata=auth,
                timeout=10).case.case_number

        def grpc_act(number: str, key: str, action: dict,
                     stub=stub) -> str:  # type: ignore[no-untyped-def]
            request = json_format.ParseDict({"idempotency_key": key, "case_number": number,
                                             **action}, cases_pb2.ActOnCaseRequest())
            case = stub.ActOnCase(request, metadata=auth, timeout=10).case
            return next((s.instance_id for s in case.steps
                         if s.status == cases_pb2.STEP_STATUS_ACTIVE), "")

        def http_open(key: str, http=http) -> str:  # type: ignore[no-untyped-def]
            reply = http.post("/v1/cases", json={
                "idempotency_key": key, "item_id": item_id, "region": "511602",
                "applicant": applicant})
            reply.raise_for_status()
            return reply.json()["case"]["case_number"]

        def http_act(number: str, key: str, action: dict,
                     http=http) -> str:  # type: ignore[no-untyped-def]
            reply = http.post(f"/v1/cases/{number}/actions",
                              json={"idempotency_key": key, **action})
            reply.raise_for_status()
            return next((s["instance_id"] for s in reply.json()["case"]["steps"]
                         if s["status"] == "STEP_STATUS_ACTIVE"), "")

        clients.append(Client("grpc", grpc_open, grpc_act, stop, calls))
        clients.append(Client("http", http_open, http_act, stop, calls))
    return clients


def _back(node: LocalNode, name: str, old_pid: int) -> bool:
    """Restarted (a new pid) and answering its health check(s) again."""
    if node.pid(name) in (0, old_pid):
        return False
    mine = [p for p in node_processes(node.settings()) if p.name.removesuffix("-http") == name]
    return all(p.check(2.0)[0] for p in mine)


def test_any_process_killed_under_load_comes_back_and_nothing_is_lost(node, pg_database):
    secret = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    token = mint_token(secret, "e2e-restarts", ["admin"], ["510000"], ttl_s=3600)
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        item_id = _publish_item(http)

    stop_load, stop_watch = threading.Event(), threading.Event()
    calls: list[Call] = []
    clients = _clients(node, token, item_id, stop_load, calls)
    watch = HealthWatch(node, stop_watch)
    watch.start()
    for client in clients:
        client.start()

    def progress_since(moment: float) -> bool:
        paths = {c.path for c in list(calls) if c.ok and c.started > moment}
        return paths == {"grpc", "http"}

    windows: list[tuple[str, float, float]] = []
    try:
        wait_for(lambda: progress_since(time.monotonic() - 1), timeout_s=30,
                 what="load through both paths")
        for name in KILLED:
            killed_at = time.monotonic()
            old_pid = node.kill(name)
            wait_for(lambda name=name, old_pid=old_pid: _back(node, name, old_pid),
                     timeout_s=BACK_WITHIN_S, interval_s=0.1,
                     what=f"{name} restarted and serving after SIGKILL")
            # … and the node whole again: the processes that report on it see it back
            wait_for(lambda: all(p.check(2.0)[0] for p in watch.processes),
                     timeout_s=BACK_WITHIN_S, interval_s=0.1,
                     what=f"every process serving again after {name} came back")
            back_at = time.monotonic()
            windows.append((name, killed_at, back_at))
            wait_for(lambda back_at=back_at: progress_since(back_at), timeout_s=30,
                     what=f"both paths succeeding again after {name} came back")
    finally:
        stop_load.set()
        for client in clients:
            client.join(timeout=90)
        stop_watch.set()
        watch.join(timeout=30)
    assert not any(c.is_alive() for c in clients)

    problems = []
    for name, start, end in windows:
        assert end - start < BACK_WITHIN_S
        down = {name, f"{name}-http"}
        for s in watch.samples:
            if start <= s.at <= end and s.process not in down:
                if not s.answered:
                    problems.append(f"{s.process} did not answer while {name} was down: "
                                    f"{s.state}")
                elif not s.serving and name not in REPORTS_ON.get(s.process, ()):
                    problems.append(f"{s.process} not serving while {name} was down")
        during = [c for c in calls if c.overlaps(start, end)]
        for c in during:
            if not c.ok and name not in NEEDS[c.path, c.op]:
                problems.append(f"{c.path} {c.op} failed while only {name} was down: "
                                f"{c.error}")
        if name in ("cases", "gateway"):  # clients of the killed process see it
            assert any(not c.ok for c in during if name in NEEDS[c.path, c.op]), name
    assert not problems, "\n".join(problems[:20])

    # Nothing lost: every step a client was told was completed is in the case service …
    completed = {n: done for c in clients for n, done in c.completed.items()}
    assert sum(completed.values()) >= 100, completed
    stub = cases_pb2_grpc.CaseServiceStub(
        grpc.insecure_channel(f"127.0.0.1:{node.port('cases')}"))
    for number, done in completed.items():
        case = stub.GetCase(cases_pb2.GetCaseRequest(case_number=number), timeout=10,
                            metadata=[("authorization", f"Bearer {token}")]).case
        in_service = sum(1 for s in case.steps if s.status == cases_pb2.STEP_STATUS_DONE
                         and s.stage >= 0)
        assert in_service == done, (number, in_service, done)

    # … and supervision applied each of their events exactly once.
    url = pg_database.url.replace("postgresql+psycopg://", "postgresql://")

    def events_by_case() -> dict[str, set[str]]:
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT event_id, body FROM cases.outbox").fetchall()
        out: dict[str, set[str]] = {}
        for event_id, body in rows:
            number = json.loads(body)["data"].get("case_number")
            if number in completed:
                out.setdefault(number, set()).add(event_id)
        return out

    def supervision_caught_up() -> dict | None:
        events = events_by_case()
        with psycopg.connect(url) as conn:
            records = {r[0]: (r[1], r[2]) for r in conn.execute(
                "SELECT case_number, events_applied, steps_completed "
                "FROM monitoring.case_records WHERE case_number = ANY(%s)",
                (list(completed),)).fetchall()}
            applied = {r[0] for r in conn.execute(
                "SELECT event_id FROM monitoring.inbox WHERE consumer = 'monitoring' "
                "AND event_id = ANY(%s)", ([e for ids in events.values() for e in ids],))}
        if all(records.get(n, (0, 0))[0] == len(events.get(n, ())) for n in completed) \
                and applied == {e for ids in events.values() for e in ids}:
            return {"events": events, "records": records}
        return None

    final = wait_for(supervision_caught_up, timeout_s=60, interval_s=0.5,
                     what="supervision's records of every case")
    for number, done in completed.items():
        # submitted; accepted with the first step's start; then for each step done its
        # completion and the next one's start
        expected = 3 + 2 * done
        assert len(final["events"][number]) == expected, (number, done)
        assert final["records"][number] == (expected, done)
