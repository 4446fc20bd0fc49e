"""Benchmark of the case path: ``make bench-cases`` (``make bench`` runs the same).

Starts a real node (every process, under the supervisor of ``make run``) on PostgreSQL (a
fresh database) and RabbitMQ (a fresh vhost), publishes an item through the gateway's JSON
API — five steps: acceptance, review, a stage with two parallel branches of other
departments, a check and the decision, two mandatory materials — and runs cases through it,
whole, from the application to 办结, concurrently, along three paths one after the other:

* ``direct``        — gRPC straight to the case service
* ``gateway_grpc``  — the gateway's gRPC port, forwarding to the case service
* ``http``          — the gateway's JSON API

The mix: one case in ten comes without a mandatory material (the clerk asks for supplements,
they arrive, then the case is accepted), one in twenty is returned from its check to its
review (which runs again, branches and all). A *transition* is one call that changes a case:
the application or one action. Latency is per call, as the client sees it.

While each path runs, supervision's backlog (events committed but not yet applied) is sampled
every second; afterwards the lag of every event committed during the load, from its commit
(outbox row) to supervision's record of it (inbox row), and the time supervision needed to
apply the last of them once the load stopped. CPU per process (node processes, PostgreSQL's
backends of the node's database, RabbitMQ, and the benchmark's own client) per transition,
per path, and the whole machine's (``machine``: every process and the kernel). Then a raw-SQL
baseline (one insert + one update per transaction, psycopg, same
concurrency), then the status of a case (``GetCase``'s status view, ``CASE_VIEW_STATUS``,
through the gateway's gRPC port, 4 clients as threads of this process; alongside: straight to
the case service, one client, the 4 clients as processes of their own, and the case's file, an
audited read) with at least ``--status-cases`` cases stored: realistic case rows (states
copied from the run's own cases at every stage, new numbers) are bulk-loaded with COPY first.

The node runs ``--supervision-workers`` (1, as ``make run``) supervision workers, the case
events partitioned by case number over them; ``settings`` in the JSON says what ran.

Every case's integrity is checked at the end: each call a client was told succeeded is in the
case service once (its sequence), each event has one outbox row and was applied by
supervision exactly once. ``--kill`` adds a phase through the gateway's gRPC port that
SIGKILLs the case service and its relay in turn while the load runs (clients repeat a failed
call with the same idempotency key, as a careful client does): its lost and duplicated counts
are in the JSON.

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import multiprocessing
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import psycopg
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc

from bench.cpu import cpu_used, process_cpu_s
from bench.machine import speed_index
from infra.broker import enable_plugins, set_policies
from infra.localnode import LocalNode
from services.shared.auth import mint_token
from services.shared.codes import credit_check_char
from services.shared.migrations import upgrade
from services.shared.token_keys import TokenKey
from services.shared.working_days import local_day

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("SUNLIGHT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("SUNLIGHT_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")
REGION = "511602"
DEPARTMENT = "区发展改革局"
APPLICANT = {"name": "基准", "id_type": "id_card", "id_number": "511602199001011236"}
#: the flow: acceptance, review, a stage with two parallel branches, a check, the decision
FLOW: list[dict[str, Any]] = [
    {"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
    {"key": "review", "name": "审查", "limit_days": 2, "role": "clerk"},
    {"key": "joint", "name": "联合审查", "limit_days": 3, "role": "clerk",
     "parallel_branches": [
         {"key": "fire", "name": "消防审查", "department": "区消防救援大队",
          "department_code": "11511300MB1A21304N", "limit_days": 3, "role": "clerk"},
         {"key": "environment", "name": "环评审查", "department": "区生态环境局",
          "department_code": "11511301MB1D685275", "limit_days": 3, "role": "clerk"}]},
    {"key": "check", "name": "审核", "limit_days": 2, "role": "chief"},
    {"key": "decide", "name": "决定", "limit_days": 2, "role": "chief"},
]
MATERIALS: list[dict[str, Any]] = [
    {"key": "application_form", "name": "企业投资项目备案申请表", "mandatory": True,
     "originals": 1},
    {"key": "business_licence", "name": "营业执照", "mandatory": True, "copies": 1},
]
SUPPLEMENT_EVERY, RETURN_EVERY = 10, 20
PATHS = ("direct", "gateway_grpc", "http")
#: the node's settings that change how it runs, in the result
SETTINGS_SHOWN = ("cases_processes", "gateway_processes", "grpc_connections",
                  "supervision_workers")
KILLED = ("cases", "cases-relay")


def implementation_code(region: str = REGION) -> str:
    """A fresh, valid national implementation code (the catalogue checks it)."""
    n = uuid.uuid4().int % 10**8
    first17 = f"11511301{n:08d}1"
    return f"511A{n:010d}-{region}000000-000-{first17}{credit_check_char(first17)}-1-00"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(latencies: list[float], elapsed: float) -> dict:
    if not latencies:
        return {"transitions": 0}
    return {"transitions": len(latencies),
            "transitions_per_s": round(len(latencies) / elapsed, 1),
            "elapsed_s": round(elapsed, 2),
            "p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}


# --- the item --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    item_id: str
    material_keys: tuple[str, ...]
    branches: int  # parallel branches of the joint stage, as the catalogue kept them
    decision_key: str


def publish_item(port: int, token: str) -> Item:
    """The bench's item, drafted and published (reviewed outside the platform) through the
    gateway's JSON API, then read back: the keys the catalogue kept (or the contract's
    defaults where it keeps none: ``m<n>``, ``b<n>``)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: dict | None = None) -> dict:
        conn.request(method, path, body=json.dumps(body).encode() if body else None,
                     headers=auth)
        reply = conn.getresponse()
        text = reply.read()
        if reply.status >= 300:
            raise SystemExit(f"{method} {path}: {reply.status} {text[:500]!r}")
        return json.loads(text)

    created = call("POST", "/v1/items", {"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目核准（基准）", "code": implementation_code(), "item_type": "01",
        "region": REGION, "department": DEPARTMENT, "statutory_limit_days": 20,
        "promised_limit_days": 10, "steps": FLOW, "materials": MATERIALS,
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}})
    item_id = created["item"]["item_id"]
    call("POST", f"/v1/items/{item_id}/versions/1/publish",
         {"idempotency_key": uuid.uuid4().hex, "legal_reviewer": "bench-legal",
          "staffing_reviewer": "bench-staffing", "approving_document": "基准测试〔2026〕1号"})
    version = call("GET", f"/v1/items/{item_id}/versions/1")["item"]
    content = version.get("content", version.get("draft", {}))
    kept = content.get("materials", [])
    keys = tuple(m.get("key") or f"m{n + 1}" for n, m in enumerate(kept))
    steps = content.get("steps", [])
    branches = len(steps[2].get("parallel_branches", [])) if len(steps) > 2 else 0
    conn.close()
    return Item(item_id, keys, branches, steps[-1].get("key", "decide") if steps else "decide")


# --- clients ---------------------------------------------------------------------------------


@dataclass
class View:
    """What a client reads from an answer: enough to choose the next action."""

    number: str
    status: str
    active: list[tuple[str, str]]  # (instance id, step key), in order
    missing: bool
    sequence: int


class Route:
    """One way into the case service."""

    name = ""
    item_id = ""

    def submit(self, key: str, materials: list[dict]) -> View:
        raise NotImplementedError

    def act(self, number: str, key: str, action: str, args: dict, chief: bool) -> View:
        raise NotImplementedError


ACTION_MESSAGES = {"accept": kpb.Accept, "complete_step": kpb.CompleteStep,
                   "decide": kpb.Decide, "return_step": kpb.ReturnStep,
                   "request_supplement": kpb.RequestSupplement,
                   "receive_supplement": kpb.ReceiveSupplement,
                   "publish_result": kpb.PublishResult, "complete": kpb.CompleteCase,
                   "reject": kpb.Reject}
ACTIVE = kpb.STEP_STATUS_ACTIVE


class GrpcRoute(Route):
    """gRPC, one channel (one HTTP/2 connection) per client thread, as HTTP clients keep one
    connection each: with several processes on one port, each connection reaches one."""

    def __init__(self, name: str, address: str, token: str, chief: str) -> None:
        self.name = name
        self.address = address
        self.local = threading.local()
        self.md = (("authorization", f"Bearer {token}"),)
        self.md_chief = (("authorization", f"Bearer {chief}"),)

    @property
    def stub(self) -> kgrpc.CaseServiceStub:
        stub = getattr(self.local, "stub", None)
        if stub is None:
            # a subchannel pool of its own: its own connection, not one shared with the
            # other threads' channels
            stub = self.local.stub = kgrpc.CaseServiceStub(grpc.insecure_channel(
                self.address, options=[("grpc.use_local_subchannel_pool", 1)]))
        return stub

    @staticmethod
    def view(case: kpb.Case) -> View:
        return View(case.case_number, kpb.CaseStatus.Name(case.status),
                    [(s.instance_id, s.key) for s in case.steps if s.status == ACTIVE],
                    bool(case.missing_materials), case.sequence)

    def submit(self, key: str, materials: list[dict]) -> View:
        return self.view(self.stub.SubmitApplication(
            submit_request(self.item_id, key, materials), metadata=self.md, timeout=30).case)

    def act(self, number: str, key: str, action: str, args: dict, chief: bool) -> View:
        return self.view(self.stub.ActOnCase(
            act_request(number, key, action, args),
            metadata=self.md_chief if chief else self.md, timeout=30).case)


def submit_request(item_id: str, key: str, materials: list[dict]
                   ) -> kpb.SubmitApplicationRequest:
    """The bench's application, as the gRPC clients send it."""
    return kpb.SubmitApplicationRequest(
        idempotency_key=key, item_id=item_id, region=REGION,
        applicant=kpb.Applicant(**APPLICANT),
        materials=[kpb.MaterialGiven(**m) for m in materials])


def act_request(number: str, key: str, action: str, args: dict) -> kpb.ActOnCaseRequest:
    """One of ``run_case``'s actions, as the gRPC clients send it."""
    if action == "receive_supplement":
        body = kpb.ReceiveSupplement(materials=[kpb.MaterialGiven(**m)
                                                for m in args["materials"]])
    else:
        body = ACTION_MESSAGES[action](**args)
    return kpb.ActOnCaseRequest(idempotency_key=key, case_number=number, **{action: body})


class HttpError(Exception):
    pass


class HttpRoute(Route):
    """The gateway's JSON API over plain keep-alive connections, one per client thread."""

    name = "http"

    def __init__(self, port: int, token: str, chief: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"}
        self.headers_chief = {**self.headers, "Authorization": f"Bearer {chief}"}
        self.local = threading.local()

    def _post(self, path: str, body: dict, chief: bool = False) -> dict:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                                timeout=30)
        try:
            conn.request("POST", path, body=json.dumps(body).encode(),
                         headers=self.headers_chief if chief else self.headers)
            reply = conn.getresponse()
            text = reply.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.local.conn = None
            raise HttpError(repr(exc)) from None
        if reply.status >= 300:
            raise HttpError(f"{reply.status} {text[:300]!r}")
        return json.loads(text)["case"]

    @staticmethod
    def view(case: dict) -> View:
        return View(case["case_number"], case["status"],
                    [(s["instance_id"], s["key"]) for s in case["steps"]
                     if s["status"] == "STEP_STATUS_ACTIVE"],
                    bool(case.get("missing_materials")), int(case["sequence"]))

    def submit(self, key: str, materials: list[dict]) -> View:
        return self.view(self._post("/v1/cases", {
            "idempotency_key": key, "item_id": self.item_id, "region": REGION,
            "applicant": APPLICANT, "materials": materials}))

    def act(self, number: str, key: str, action: str, args: dict, chief: bool) -> View:
        return self.view(self._post(f"/v1/cases/{number}/actions",
                                    {"idempotency_key": key, action: args}, chief))


@dataclass
class Record:
    """What one path's clients did."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # case → last sequence
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_case(path: Route, item: Item, index: int, record: Record, retry: bool,
             reject_every: int = 0) -> None:
    """One case, from the application to 办结, with the mix's supplements and returns (and,
    with ``reject_every``, one complete application in so many refused — 不予受理, what
    supervision warns of)."""
    supplement = index % SUPPLEMENT_EVERY == 3
    give_back = index % RETURN_EVERY == 7
    refuse = bool(reject_every) and index % reject_every == 5
    licence = item.material_keys[-1]
    materials = [{"key": k, "originals": 1, "copies": 1} for k in item.material_keys
                 if not (supplement and k == licence)]
    latencies: list[float] = []

    def call(fn: Callable[[str], View]) -> View:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + 90
        while True:
            began = time.perf_counter()
            try:
                view = fn(key)
            except (grpc.RpcError, HttpError) as exc:
                if not retry or time.monotonic() > deadline:
                    raise
                with record.lock:
                    record.failures += 1
                    if len(record.errors) < 5:
                        record.errors.append(repr(exc)[:200])
                time.sleep(0.05)
                continue
            latencies.append(time.perf_counter() - began)
            return view

    view = call(lambda key: path.submit(key, materials))
    number, asked, returned = view.number, False, False
    today = local_day()
    while view.status not in ("CASE_STATUS_COMPLETED", "CASE_STATUS_REJECTED"):
        chief = False
        args: dict[str, Any] = {}
        if view.status == "CASE_STATUS_SUBMITTED":
            if view.missing and not asked:
                asked = True
                action, args = "request_supplement", {
                    "missing": [licence], "due_date": (today + timedelta(days=15)).isoformat()}
            elif refuse:
                action, args = "reject", {"reason_code": "NOT_QUALIFIED",
                                          "reasons": "申请人不符合条件"}
            else:
                action = "accept"
        elif view.status == "CASE_STATUS_SUPPLEMENT":
            action, args = "receive_supplement", {
                "materials": [{"key": licence, "originals": 1, "copies": 1}]}
        elif view.status == "CASE_STATUS_IN_PROGRESS":
            instance, key = view.active[0]
            if key == item.decision_key:
                action, args, chief = "decide", {"outcome": "DECISION_OUTCOME_APPROVE"}, True
            elif give_back and key == "check" and not returned:
                returned = True
                action, args = "return_step", {"instance_id": instance, "to_key": "review",
                                               "reason": "审查意见需补充"}
            else:
                action, args = "complete_step", {"instance_id": instance}
        elif view.status == "CASE_STATUS_DECIDED":
            action = "publish_result"
        elif view.status == "CASE_STATUS_PUBLISHED":
            action = "complete"
        else:
            raise RuntimeError(f"case {number} is {view.status}")
        view = call(lambda key, action=action, args=args, chief=chief: path.act(
            number, key, action, args, chief))
    with record.lock:
        record.latencies.extend(latencies)
        record.acknowledged[number] = view.sequence


def drive(path: Route, item: Item, first: int, count: int, concurrency: int,
          retry: bool = False, reject_every: int = 0) -> tuple[Record, float, float]:
    """``count`` cases through ``path`` by ``concurrency`` clients; (record, start, end)."""
    record = Record()
    indexes = iter(range(first, first + count))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            run_case(path, item, index, record, retry, reject_every)

    started = time.time()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    return record, started, time.time()


# --- what the node did -----------------------------------------------------------------------


def cpu_seconds(node: LocalNode, pg_url: str) -> dict[str, float]:
    """CPU time (user + system) used so far by each process of the node (with its copies),
    the PostgreSQL backends serving the node's database, RabbitMQ, this client and the
    machine (``bench.cpu.cpu_used``; Linux /proc)."""
    used = cpu_used(node.pids())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()]
    used["postgres"] = sum(process_cpu_s(pid) for pid in pids)
    return used


def cpu_per_transition(before: dict[str, float], after: dict[str, float],
                       transitions: int) -> dict[str, float]:
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    table = {name: round(value * 1000 / transitions, 3)
             for name, value in sorted(spent.items(), key=lambda kv: -kv[1])
             if value > 0.05}
    table["node_total"] = round(sum(v for k, v in table.items()
                                    if k not in ("bench-client", "machine")), 3)
    # the kernel's work for these processes, PostgreSQL's own background processes — and
    # whatever else ran on the machine meanwhile (other work on a shared machine shows here)
    table["machine_other"] = round(table.get("machine", 0.0) - table["node_total"]
                                   - table.get("bench-client", 0.0), 3)
    return table


class Backlog(threading.Thread):
    """Samples supervision's backlog every second: case events committed since the start
    (outbox rows past ``seq0``) that supervision has not applied yet (no inbox row)."""

    def __init__(self, pg_url: str, seq0: int) -> None:
        super().__init__(daemon=True)
        self.pg_url, self.seq0 = pg_url, seq0
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def count(self, conn: psycopg.Connection) -> int:
        row = conn.execute(
            "SELECT count(*) FROM cases.outbox o WHERE o.seq > %s "
            "AND o.routing_key NOT LIKE 'case.trace_root%%' AND NOT EXISTS (SELECT 1 FROM "
            "monitoring.inbox i WHERE i.consumer = 'monitoring' AND i.event_id = o.event_id)",
            (self.seq0,)).fetchone()
        return int(row[0])

    def run(self) -> None:
        started = time.monotonic()
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            while not self.stop.wait(1.0):
                self.samples.append((round(time.monotonic() - started, 1), self.count(conn)))

    def drain(self, timeout_s: float = 300) -> float:
        """Seconds until supervision has applied every event (after the load stopped)."""
        self.stop.set()
        self.join()
        began = time.monotonic()
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            while self.count(conn) > 0 and time.monotonic() - began < timeout_s:
                time.sleep(0.1)
        return round(time.monotonic() - began, 2)

    def report(self) -> dict:
        values = [v for _, v in self.samples]
        if not values:
            return {"samples": 0}
        half = len(values) // 2
        return {"samples": len(values), "max": max(values), "last": values[-1],
                "mean_first_half": round(statistics.fmean(values[:half] or values), 1),
                "mean_second_half": round(statistics.fmean(values[half:]), 1)}


def outbox_seq(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM cases.outbox").fetchone()[0])


def lag(pg_url: str, start: datetime, end: datetime) -> dict:
    """Commit (outbox row written) → applied by supervision (inbox row), for the events
    committed between ``start`` and ``end``."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT EXTRACT(EPOCH FROM (i.received_at - o.created_at)) * 1000 "
            "FROM cases.outbox o JOIN monitoring.inbox i ON i.event_id = o.event_id "
            "WHERE o.created_at >= %s AND o.created_at <= %s", (start, end)).fetchall()
    values = [float(r[0]) for r in rows]
    if not values:
        return {"events": 0}
    return {"events": len(values), "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2), "max_ms": round(max(values), 2)}


def integrity(pg_url: str, acknowledged: dict[str, int]) -> dict:
    """Each acknowledged call in the case service once, each event in the outbox once and
    applied by supervision exactly once."""
    numbers = list(acknowledged)
    with psycopg.connect(pg_url) as conn:
        stored = dict(conn.execute("SELECT case_number, sequence FROM cases.cases "
                                   "WHERE case_number = ANY(%s)", (numbers,)).fetchall())
        outbox = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT body::json->'data'->>'case_number', count(*), "
            "count(DISTINCT body::json->'data'->>'sequence') FROM cases.outbox "
            "WHERE routing_key NOT LIKE 'case.trace_root%%' "
            "AND body::json->'data'->>'case_number' = ANY(%s) GROUP BY 1", (numbers,))}
        records = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT case_number, events_applied, last_sequence FROM monitoring.case_records "
            "WHERE case_number = ANY(%s)", (numbers,))}
        unapplied = conn.execute(
            "SELECT count(*) FROM cases.outbox o WHERE body::json->'data'->>'case_number' = "
            "ANY(%s) AND NOT EXISTS (SELECT 1 FROM monitoring.inbox i WHERE i.event_id = "
            "o.event_id AND i.consumer = 'monitoring')", (numbers,)).fetchone()[0]
    lost_calls = sum(1 for n, s in acknowledged.items() if stored.get(n, 0) < s)
    extra_calls = sum(1 for n, s in acknowledged.items() if stored.get(n, 0) > s)
    events = sum(stored.get(n, 0) for n in numbers)
    missing_rows = sum(max(0, stored.get(n, 0) - outbox.get(n, (0, 0))[1]) for n in numbers)
    duplicate_rows = sum(c - d for c, d in outbox.values())
    applied_twice = sum(max(0, records.get(n, (0, 0))[0] - stored.get(n, 0)) for n in numbers)
    behind = sum(1 for n in numbers if records.get(n, (0, 0))[1] != stored.get(n, 0))
    return {"cases": len(numbers), "events": events,
            "lost_transitions": lost_calls, "duplicated_transitions": extra_calls,
            "lost_events": int(unapplied) + missing_rows,
            "duplicated_events": duplicate_rows + applied_twice,
            "records_not_current": behind}


# --- profiles --------------------------------------------------------------------------------


class Profiles:
    """py-spy (``--gil``: what holds the interpreter) on some of the node's processes while a
    path runs: collapsed stacks, ``<out>/<prefix><process>.txt``; nothing without ``out``."""

    PROCESSES = ("cases", "gateway", "cases-relay", "monitoring-worker", "catalogue")

    def __init__(self, out: Path | None, node: LocalNode,
                 processes: tuple[str, ...] = PROCESSES, prefix: str = "") -> None:
        self.out, self.node, self.processes, self.prefix = out, node, processes, prefix
        self.spies: list[subprocess.Popen] = []

    def __enter__(self) -> Profiles:
        if self.out is None:
            return self
        self.out.mkdir(parents=True, exist_ok=True)
        spy = Path(sys.executable).with_name("py-spy")
        pids = self.node.pids()
        for name in self.processes:
            self.spies.append(subprocess.Popen(
                [str(spy), "record", "--gil", "--nonblocking", "--subprocesses", "-r", "200",
                 "-f", "raw",
                 "-p", str(pids[name]), "-o", str(self.out / f"{self.prefix}{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return self

    def __exit__(self, *_: object) -> None:
        for spy in self.spies:
            spy.send_signal(signal.SIGINT)
        for spy in self.spies:
            try:
                spy.wait(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()


# --- the status of a case, with a million stored ------------------------------------------------


COLUMNS = ("case_number", "region", "item_id", "item_version", "department", "mode",
           "status", "state", "sequence", "trace_seq", "trace_head", "submitted_at",
           "accepted_at", "closed_at", "due_date", "updated_at")


def copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def bulk_number(n: int) -> str:
    """The case number of the ``n``-th case of a bulk load (``bulk_load``): the template
    ``n % len(templates)`` under this number."""
    day = (datetime(2025, 1, 1) + timedelta(days=n // 20_000)).strftime("%Y%m%d")
    return f"{REGION}{day}{n % 20_000 + 1:06d}"


def bulk_load(pg_url: str, templates: list[tuple], wanted: int) -> dict:
    """Case rows until ``wanted`` are stored: the templates' rows (states of cases of this
    run, at every stage) under new case numbers, 20,000 a day from 2025-01-01, by COPY."""
    with psycopg.connect(pg_url) as conn:
        have = int(conn.execute("SELECT count(*) FROM cases.cases").fetchone()[0])
    to_add = max(0, wanted - have)
    if not to_add:
        return {"added": 0, "s": 0.0}
    prepared = []
    for row in templates:
        values = dict(zip(COLUMNS, row, strict=True))
        number = values["case_number"]
        line = "\t".join(copy_text(values[c]) for c in COLUMNS) + "\n"
        prepared.append((line, number))
    began = time.monotonic()
    with psycopg.connect(pg_url) as conn:
        with conn.cursor().copy(f"COPY cases.cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            chunk: list[str] = []
            for n in range(to_add):
                line, number = prepared[n % len(prepared)]
                chunk.append(line.replace(number, bulk_number(n)))
                if len(chunk) >= 5000:
                    copy.write("".join(chunk).encode())
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk).encode())
        conn.commit()
        conn.autocommit = True
        # a table that has served for a while has been vacuumed: its rows' hint bits and
        # visibility map set, its statistics known. Straight after COPY the first read of
        # each page would write it back (and autovacuum would start under the timed calls)
        conn.execute("VACUUM (ANALYZE) cases.cases")
        conn.execute("CHECKPOINT")
        stored = int(conn.execute("SELECT count(*) FROM cases.cases").fetchone()[0])
    return {"added": to_add, "s": round(time.monotonic() - began, 1), "stored": stored}


def status_latency(address: str, token: str, numbers: list[str], calls: int,
                   concurrency: int, view: int = kpb.CASE_VIEW_STATUS, *,
                   processes: bool = False) -> dict:
    """``calls`` GetCase reads of ``numbers`` (chosen at random, the same every run) by
    ``concurrency`` clients: threads of this process sharing one channel, or with
    ``processes`` one process each with a channel of its own (``_status_lane``), so that no
    client waits for another's interpreter lock — a wait the latencies would count."""
    chosen = random.Random(7).choices(numbers, k=calls)
    if processes:
        latencies, elapsed = _status_in_processes(address, token, chosen, concurrency, view)
    else:
        latencies, elapsed = _status_in_threads(address, token, chosen, concurrency, view)
    result = summary(latencies, elapsed)
    return {"calls": len(latencies), "concurrency": concurrency,
            "clients": "processes" if processes else "threads",
            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
            "per_s": result["transitions_per_s"]}


def _status_in_threads(address: str, token: str, chosen: list[str], concurrency: int,
                       view: int) -> tuple[list[float], float]:
    stub = kgrpc.CaseServiceStub(grpc.insecure_channel(address))
    md = (("authorization", f"Bearer {token}"),)
    latencies: list[float] = []
    lock = threading.Lock()

    def one(number: str) -> None:
        began = time.perf_counter()
        stub.GetCase(kpb.GetCaseRequest(case_number=number, view=view), metadata=md,
                     timeout=30)
        spent = time.perf_counter() - began
        with lock:
            latencies.append(spent)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, chosen))
    return latencies, time.perf_counter() - started


def _status_lane(address: str, token: str, numbers: list[str], view: int,
                 ready: Any, results: Any) -> None:
    """One client process: its channel warmed by a first read, then — once every lane is
    ready — its share of the reads, one after the other; (latencies, start, end) to
    ``results``, or what went wrong (a string), so that the benchmark stops and says it."""
    try:
        stub = kgrpc.CaseServiceStub(grpc.insecure_channel(address))
        md = (("authorization", f"Bearer {token}"),)
        stub.GetCase(kpb.GetCaseRequest(case_number=numbers[0], view=view), metadata=md,
                     timeout=30)
        ready.wait()
        latencies = []
        started = time.perf_counter()
        for number in numbers:
            began = time.perf_counter()
            stub.GetCase(kpb.GetCaseRequest(case_number=number, view=view), metadata=md,
                         timeout=30)
            latencies.append(time.perf_counter() - began)
        results.put((latencies, started, time.perf_counter()))
    except BaseException as exc:  # noqa: BLE001 - said to the parent, which stops
        ready.abort()  # the lanes still waiting to start give up at once
        said = (f"{exc.code().name}: {exc.details()}" if isinstance(exc, grpc.Call)
                else f"{type(exc).__name__}: {exc}")
        results.put(f"GetCase at {address}: {said}"[:500])


def _status_in_processes(address: str, token: str, chosen: list[str], concurrency: int,
                         view: int) -> tuple[list[float], float]:
    """The reads split over ``concurrency`` client processes (spawned: gRPC does not survive
    a fork), timed from when the first lane starts to when the last ends; RuntimeError with
    the first lane's failure."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(concurrency, timeout=120), context.Queue()
    lanes = [context.Process(target=_status_lane, daemon=True,
                             args=(address, token, chosen[n::concurrency], view, ready,
                                   results))
             for n in range(concurrency)]
    for lane in lanes:
        lane.start()
    try:
        answers = [results.get(timeout=600) for _ in lanes]
    finally:
        for lane in lanes:
            lane.join(timeout=60)
    failed = [answer for answer in answers if isinstance(answer, str)]
    if failed:
        raise RuntimeError(f"a status client process failed: {failed[0]}")
    latencies = [spent for answer in answers for spent in answer[0]]
    return latencies, max(a[2] for a in answers) - min(a[1] for a in answers)


# --- the baseline ----------------------------------------------------------------------------


def baseline(url: str, transactions: int, concurrency: int) -> dict:
    """Raw SQL, same driver: INSERT one row + UPDATE one row per transaction."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, "
                     "case_number text, body text, created_at timestamptz DEFAULT now())")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_cases (case_number text PRIMARY KEY, "
                     "step int NOT NULL)")
        conn.execute("INSERT INTO bench_cases SELECT 'c' || g, 0 FROM "
                     f"generate_series(0, {concurrency - 1}) g ON CONFLICT DO NOTHING")
    per_lane = transactions // concurrency
    latencies: list[float] = []
    lock = threading.Lock()

    def lane(i: int) -> None:
        mine = []
        with psycopg.connect(url) as conn:
            for _ in range(per_lane):
                began = time.perf_counter()
                with conn.transaction():
                    conn.execute("INSERT INTO bench_rows (case_number, body) VALUES (%s, %s)",
                                 (f"c{i}", "x" * 200))
                    conn.execute("UPDATE bench_cases SET step = step + 1 "
                                 "WHERE case_number = %s", (f"c{i}",))
                mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lane, range(concurrency)))
    result = summary(latencies, time.perf_counter() - started)
    return {"tx_per_s": result["transitions_per_s"], "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], "transactions": len(latencies)}


# --- the run ---------------------------------------------------------------------------------


class Killer(threading.Thread):
    """SIGKILLs the case service and its relay in turn, every ``every_s``, while a path runs;
    supervisord starts each one again."""

    def __init__(self, node: LocalNode, every_s: float) -> None:
        super().__init__(daemon=True)
        self.node, self.every_s = node, every_s
        self.stop = threading.Event()
        self.kills: list[str] = []

    def run(self) -> None:
        for name in itertools.cycle(KILLED):
            if self.stop.wait(self.every_s):
                return
            try:
                self.node.kill(name)
            except RuntimeError:
                continue  # not running (still coming back): the next one
            self.kills.append(name)


def measure(node: LocalNode, secret: str, pg_url: str, args: argparse.Namespace) -> dict:
    speed_at_start = speed_index()  # bench.machine: what a CPU second buys now
    token = mint_token(secret, "bench", ["admin"], ["510000"], ttl_s=7200)
    # who accepted a case does not decide it: the decisions are another administrator's
    chief = mint_token(secret, "bench-chief", ["admin"], ["510000"], ttl_s=7200)
    item = publish_item(node.port("gateway_http"), token)
    paths: dict[str, Route] = {
        "direct": GrpcRoute("direct", f"127.0.0.1:{node.port('cases')}", token, chief),
        "gateway_grpc": GrpcRoute("gateway_grpc", f"127.0.0.1:{node.port('gateway_grpc')}",
                                 token, chief),
        "http": HttpRoute(node.port("gateway_http"), token, chief)}
    for path in paths.values():
        path.item_id = item.item_id
    drive(paths["direct"], item, 0, max(2 * args.concurrency, 20), args.concurrency)  # warm-up
    results: dict[str, dict] = {}
    acknowledged: dict[str, int] = {}
    first = 1000
    phases = [(name, False) for name in PATHS if name in args.paths] + (
        [("killed", True)] if args.kill else [])
    for label, killing in phases:
        path = paths["gateway_grpc" if label == "killed" else label]
        speed = speed_index()  # before the load, the node idle: what a CPU second buys now
        backlog = Backlog(pg_url, outbox_seq(pg_url))
        cpu_before = cpu_seconds(node, pg_url)
        killer = Killer(node, args.kill_every_s) if killing else None
        backlog.start()
        if killer:
            killer.start()
        with Profiles(args.profile if label == args.profile_path else None, node):
            record, started, ended = drive(path, item, first, args.cases, args.concurrency,
                                           retry=killing)
        if killer:
            killer.stop.set()
            killer.join()
            node.wait_healthy(timeout_s=90)
        first += args.cases
        drain_s = backlog.drain()
        cpu_after = cpu_seconds(node, pg_url)
        acknowledged.update(record.acknowledged)
        result = summary(record.latencies, ended - started)
        result["lag"] = lag(pg_url, datetime.fromtimestamp(started, UTC),
                            datetime.fromtimestamp(ended, UTC))
        result["backlog"] = backlog.report()
        result["drain_after_load_s"] = drain_s
        result["machine_speed"] = speed
        result["cpu_ms_per_transition"] = cpu_per_transition(cpu_before, cpu_after,
                                                             len(record.latencies))
        if killer:
            result["kills"] = killer.kills
            result["failed_calls_repeated"] = record.failures
            result["first_errors"] = record.errors
            result["integrity"] = integrity(pg_url, record.acknowledged)
        results[label] = result
    checked = integrity(pg_url, acknowledged)
    base = baseline(pg_url, 4000, args.concurrency)
    status: dict[str, Any] = {}
    if args.status_cases:
        status = measure_status(node, pg_url, token, paths["direct"], item, args)
    speed_at_end = speed_index()
    cpu = os.cpu_count()
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    grpc_path = results.get("gateway_grpc", {})
    worst_lag = max((results[p]["lag"].get("p99_ms", 0.0) for p in PATHS if p in results),
                    default=0.0)
    out = {
        "benchmark": "case path",
        "database": "postgresql",
        "machine": {"cpus": cpu, "memory_gib": memory_gib, "python": platform.python_version(),
                    "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
                    "speed_at_start": speed_at_start, "speed_at_end": speed_at_end},
        "concurrency": args.concurrency, "cases_per_path": args.cases,
        "settings": {name: getattr(node.settings(), name) for name in SETTINGS_SHOWN},
        "flow": {"steps": len(FLOW), "parallel_branches": item.branches,
                 "materials": list(item.material_keys),
                 "supplements": f"1 case in {SUPPLEMENT_EVERY}",
                 "returns": f"1 case in {RETURN_EVERY}"},
        **results,
        "integrity": checked,
        "baseline": base,
        "status": status,
        "transitions_per_s": grpc_path.get("transitions_per_s"),
        "http_transitions_per_s": results.get("http", {}).get("transitions_per_s"),
        "direct_transitions_per_s": results.get("direct", {}).get("transitions_per_s"),
        "p50_ms": grpc_path.get("p50_ms"),
        "p99_ms": grpc_path.get("p99_ms"),
        "lag_p99_ms": worst_lag,
        "baseline_tx_per_s": base["tx_per_s"],
        "cases_stored": status.get("cases_stored"),
        "status_p99_ms": status.get("p99_ms"),
        "cpu_ms_per_transition": grpc_path.get("cpu_ms_per_transition"),
        "lost": checked["lost_transitions"] + checked["lost_events"],
        "duplicated": checked["duplicated_transitions"] + checked["duplicated_events"],
    }
    return out


def measure_status(node: LocalNode, pg_url: str, token: str, direct: Route, item: Item,
                   args: argparse.Namespace) -> dict:
    """Cases left at every stage (their states are the templates of the bulk load), the
    bulk load, then GetCase through the gateway's gRPC port."""
    record = Record()
    stopped = []
    for stop_after in range(1, 11):  # a case stopped after 1, 2, … 10 calls
        number = partial_case(direct, item, stop_after, record)
        if number:
            stopped.append(number)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM cases.cases WHERE case_number = ANY(%s) "
            "UNION ALL (SELECT " + ", ".join(COLUMNS) + " FROM cases.cases "
            "WHERE status = 'completed' LIMIT 10)", (stopped,)).fetchall()
    loaded = bulk_load(pg_url, rows, args.status_cases)
    with psycopg.connect(pg_url) as conn:
        numbers = [r[0] for r in conn.execute(
            "SELECT case_number FROM cases.cases TABLESAMPLE SYSTEM (1) LIMIT 20000")]
    gateway = f"127.0.0.1:{node.port('gateway_grpc')}"
    with Profiles(args.profile if args.profile_path == "status" else None, node):
        result = status_latency(gateway, token, numbers, args.status_calls, 4)
    # where the time goes: straight to the case service, and one client alone
    direct_address = f"127.0.0.1:{node.port('cases')}"
    direct_result = status_latency(direct_address, token, numbers, args.status_calls, 4)
    alone = status_latency(gateway, token, numbers, args.status_calls // 5, 1)
    # the same 4 clients as processes of their own (none waits for another's interpreter)
    in_processes = status_latency(gateway, token, numbers, args.status_calls, 4,
                                  processes=True)
    # the case's file instead (a staff read: audited, with its documents), for comparison
    file_view = status_latency(gateway, token, numbers, args.status_calls, 4,
                               kpb.CASE_VIEW_FILE)
    return {"path": "gateway gRPC port, GetCase, status view", "cases_stored": loaded.get("stored"),
            "bulk_loaded": loaded["added"], "bulk_load_s": loaded["s"],
            "template_states": len(rows), **result,
            "direct": direct_result, "one_client": alone, "client_processes": in_processes,
            "file_view": file_view}


def partial_case(path: Route, item: Item, calls: int, record: Record) -> str:
    """A case through the first ``calls`` calls of the flow (index 3: with supplements)."""
    class Stop(Exception):
        pass

    done = [0]
    number = [""]
    original = path.act

    def counting(n: str, key: str, action: str, a: dict, chief: bool) -> View:
        if done[0] >= calls:
            number[0] = n
            raise Stop
        done[0] += 1
        return original(n, key, action, a, chief)

    path.act = counting  # type: ignore[method-assign]
    try:
        run_case(path, item, 3 if calls % 3 == 0 else 1, record, False)
    except Stop:
        pass
    finally:
        path.act = original  # type: ignore[method-assign]
    return number[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="cases per path (whole flows)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients per path")
    parser.add_argument("--status-cases", type=int, default=1_000_000,
                        help="cases stored before GetCase is timed (0: skip)")
    parser.add_argument("--status-calls", type=int, default=5000)
    parser.add_argument("--kill", action="store_true",
                        help="a phase that SIGKILLs cases and cases-relay under load")
    parser.add_argument("--kill-every-s", type=float, default=4.0)
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy profiles of the gateway gRPC phase into this directory")
    parser.add_argument("--profile-path", choices=(*PATHS, "killed", "status"),
                        default="gateway_grpc",
                        help="the phase --profile samples")
    parser.add_argument("--paths", type=lambda text: tuple(text.split(",")), default=PATHS,
                        help="the paths to run, comma-separated (default: all three)")
    parser.add_argument("--supervision-workers", type=int, default=1,
                        help="supervision's worker processes (SUNLIGHT_SUPERVISION_WORKERS; "
                             "default 1, as make run)")
    parser.add_argument("--keep", action="store_true", help="keep the database and vhost")
    parser.add_argument("--database", default=None,
                        help="run on this database, kept by an earlier --keep (its cases "
                             "count towards --status-cases), and keep it")
    args = parser.parse_args()

    with bench_node(args.database, args.keep,
                    SUNLIGHT_SUPERVISION_WORKERS=str(args.supervision_workers)) as (
            node, secret, pg_url, name):
        result = measure(node, secret, pg_url, args)
        result["command"] = "python -m bench.cases " + " ".join(sys.argv[1:])
        result["database_name"] = name
    write_result("cases", result)


@contextlib.contextmanager
def bench_node(database: str | None = None, keep: bool = False, **env: str
               ) -> Iterator[tuple[LocalNode, str, str, str]]:
    """A node of every process on a fresh PostgreSQL database (or ``database``, kept) and
    a fresh vhost: (node, its token secret, the database's URL, its name). ``env``: more
    settings of the node (``SUNLIGHT_…``)."""
    name = database or f"sunlight_bench_{uuid.uuid4().hex[:8]}"
    vhost = f"sunlight-bench-{uuid.uuid4().hex[:8]}"
    if not database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, timeout=60)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*",
                    ".*"], check=True, timeout=60)
    set_policies(vhost)
    enable_plugins()
    base = PG_ADMIN.rsplit("/", 1)[0]
    sa_url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    pg_url = f"{base}/{name}"
    secret = os.environ.get("SUNLIGHT_TOKEN_KEY") or TokenKey.generate().to_text()
    logs = Path(tempfile.mkdtemp(prefix="sunlight-bench-"))
    node = LocalNode.on_free_ports(logs, DATABASE_URL=sa_url, AMQP_URI=f"{AMQP_BASE}/{vhost}",
                                   SUNLIGHT_TOKEN_KEY=secret, SUNLIGHT_LOG_LEVEL="WARNING",
                                   **env)
    try:
        for service in ("catalogue", "cases", "monitoring", "hall"):
            upgrade(ROOT / "services" / service / "migrations", sa_url, service)
        node.start()
        node.wait_healthy(timeout_s=90)
        yield node, secret, pg_url, name
    finally:
        node.stop()
        if not keep:
            if not database:
                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], timeout=60)


def write_result(name: str, result: dict) -> None:
    """The result in ``bench/results/<name>-<time>.json``, and as the last line printed."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
