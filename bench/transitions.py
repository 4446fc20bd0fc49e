"""Benchmark: case step transitions through the gateway and straight to the case service.

Starts a real node (every process) on PostgreSQL (a fresh database) and RabbitMQ (a fresh
vhost), submits and accepts cases on a published item with many steps, and completes their
steps (the last one: the decision) concurrently:

* ``gateway``  — HTTP JSON API of the gateway (the end-to-end path a client uses)
* ``gateway_grpc`` — the gateway's gRPC port, forwarding to the case service
* ``direct``   — gRPC straight to the case service
* ``lag``      — commit of each event (outbox row) → supervision applied it (inbox row)
* ``baseline`` — raw SQL through the same driver (psycopg): one insert + one update per
  transaction, same concurrency, so the cost of the platform can be read as a ratio.

The last line printed is one JSON object. Run: ``make bench`` (see README for options).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx
import psycopg
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc

from infra.localnode import LocalNode
from services.shared.auth import mint_token
from services.shared.codes import credit_check_char
from services.shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("SUNLIGHT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("SUNLIGHT_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")
STEPS = 20


def implementation_code(region: str = "511602") -> str:
    """A fresh, valid national implementation code (the catalogue checks it)."""
    n = uuid.uuid4().int % 10**8
    first17 = f"11511301{n:08d}1"
    return f"511A{n:010d}-{region}000000-000-{first17}{credit_check_char(first17)}-1-00"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(latencies: list[float], elapsed: float) -> dict:
    return {"transitions": len(latencies),
            "transitions_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}


class Lanes:
    """Completes the steps of each case in order while cases run in parallel."""

    def __init__(self, cases: list[str], steps: int, call) -> None:  # type: ignore[no-untyped-def]
        self.cases, self.steps, self.call = cases, steps, call

    def run(self, concurrency: int) -> tuple[list[float], float]:
        latencies: list[float] = []
        lock = threading.Lock()

        def lane(number: str) -> None:
            mine = []
            for index in range(self.steps):
                began = time.perf_counter()
                self.call(number, index)
                mine.append(time.perf_counter() - began)
            with lock:
                latencies.extend(mine)

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lane, self.cases))
        return latencies, time.perf_counter() - started


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
    elapsed = time.perf_counter() - started
    result = summary(latencies, elapsed)
    return {"tx_per_s": result["transitions_per_s"], "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], "transactions": len(latencies)}


def lag(url: str, since: datetime) -> dict:
    """Commit (outbox row written) → applied by supervision (inbox row), per case event."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT EXTRACT(EPOCH FROM (i.received_at - o.created_at)) * 1000 "
            "FROM cases.outbox o JOIN monitoring.inbox i ON i.event_id = o.event_id "
            "WHERE o.created_at >= %s", (since,)).fetchall()
    values = [float(r[0]) for r in rows]
    if not values:
        return {"events": 0}
    return {"events": len(values), "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2), "max_ms": round(max(values), 2)}


def cpu_seconds(node: LocalNode, pg_url: str) -> dict[str, float]:
    """CPU time (user + system) used so far by each process of the node, and by the
    PostgreSQL backends serving the node's database (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    used = {name: of(pid) for name, pid in node.pids().items()}
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()]
    used["postgres"] = sum(of(pid) for pid in pids)
    return used


def wait_lag_complete(url: str, since: datetime, expected: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if lag(url, since).get("events", 0) >= expected:
            return
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=160, help="cases per path")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the database and vhost")
    args = parser.parse_args()

    name = f"sunlight_bench_{uuid.uuid4().hex[:8]}"
    vhost = f"sunlight-bench-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, timeout=60)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*",
                    ".*"], check=True, timeout=60)
    base = PG_ADMIN.rsplit("/", 1)[0]
    sa_url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    pg_url = f"{base}/{name}"
    secret = os.environ.get("SUNLIGHT_JWT_SECRET") or secrets.token_urlsafe(40)
    logs = Path(tempfile.mkdtemp(prefix="sunlight-bench-"))
    node = LocalNode.on_free_ports(logs, DATABASE_URL=sa_url, AMQP_URI=f"{AMQP_BASE}/{vhost}",
                                   SUNLIGHT_JWT_SECRET=secret, SUNLIGHT_LOG_LEVEL="WARNING")
    try:
        for service in ("catalogue", "cases", "monitoring"):
            upgrade(ROOT / "services" / service / "migrations", sa_url, service)
        node.start()
        node.wait_healthy(timeout_s=90)
        result = measure(node, secret, pg_url, args.cases, args.concurrency)
    finally:
        node.stop()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], timeout=60)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"transitions-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))


def measure(node: LocalNode, secret: str, pg_url: str, cases: int, concurrency: int) -> dict:
    token = mint_token(secret, "bench", ["admin"], ["510000"], ttl_s=7200)
    # who accepted a case does not decide it: the decisions are another administrator's
    chief = mint_token(secret, "bench-chief", ["admin"], ["510000"], ttl_s=7200)
    auth = {"Authorization": f"Bearer {token}"}
    md = [("authorization", f"Bearer {token}")]
    md_chief = [("authorization", f"Bearer {chief}")]
    http = httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                        headers=auth, timeout=30,
                        limits=httpx.Limits(max_connections=concurrency * 2))
    created = http.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": "企业投资项目备案（基准）", "code": implementation_code(),
        "item_type": "01", "region": "511602", "department": "区发展改革局",
        "statutory_limit_days": 60, "promised_limit_days": STEPS,
        "steps": [{"key": f"s{i}", "name": f"环节{i}", "limit_days": 1, "role": "clerk"}
                  for i in range(STEPS)],
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》"}]}})
    if created.status_code >= 300:
        raise SystemExit(f"cannot create the bench item: {created.status_code} {created.text}")
    item = created.json()["item"]
    published = http.post(f"/v1/items/{item['item_id']}/versions/1/publish",
                          json={"idempotency_key": uuid.uuid4().hex,
                                "legal_reviewer": "bench-legal",
                                "staffing_reviewer": "bench-staffing",
                                "approving_document": "基准测试〔2026〕1号"})
    if published.status_code >= 300:
        raise SystemExit(f"cannot publish the bench item: {published.status_code} "
                         f"{published.text}")
    direct = kgrpc.CaseServiceStub(grpc.insecure_channel(f"127.0.0.1:{node.port('cases')}"))
    via_gw = kgrpc.CaseServiceStub(
        grpc.insecure_channel(f"127.0.0.1:{node.port('gateway_grpc')}"))

    def open_cases(count: int) -> list[str]:
        """Applications submitted and accepted: their first step runs."""
        def one(_):  # type: ignore[no-untyped-def]
            number = direct.SubmitApplication(kpb.SubmitApplicationRequest(
                idempotency_key=uuid.uuid4().hex, item_id=item["item_id"], region="511602",
                applicant=kpb.Applicant(name="基准", id_type="id_card",
                                        id_number="511602199001011236")),
                metadata=md, timeout=30).case.case_number
            direct.ActOnCase(kpb.ActOnCaseRequest(
                idempotency_key=uuid.uuid4().hex, case_number=number, accept=kpb.Accept()),
                metadata=md, timeout=30)
            return number
        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(one, range(count)))

    def action(index: int) -> dict:
        """Step ``index`` of the flow: completed, or the last one decided. Instances are
        numbered as they start: step ``index`` runs as "s<index + 1>"."""
        if index == STEPS - 1:
            return {"decide": {"outcome": "DECISION_OUTCOME_APPROVE"}}
        return {"complete_step": {"instance_id": f"s{index + 1}"}}

    def via_http(number: str, index: int) -> None:
        headers = {"Authorization": f"Bearer {chief}"} if index == STEPS - 1 else None
        http.post(f"/v1/cases/{number}/actions", headers=headers,
                  json={"idempotency_key": uuid.uuid4().hex, **action(index)}
                  ).raise_for_status()

    def via_grpc(stub):  # type: ignore[no-untyped-def]
        def call(number: str, index: int) -> None:
            request = json_format.ParseDict({"idempotency_key": uuid.uuid4().hex,
                                             "case_number": number, **action(index)},
                                            kpb.ActOnCaseRequest())
            stub.ActOnCase(request, metadata=md_chief if index == STEPS - 1 else md,
                           timeout=30)
        return call

    Lanes(open_cases(concurrency), 3, via_grpc(direct)).run(concurrency)  # warm-up
    results = {}
    since = datetime.now(UTC)
    cpu_before = cpu_seconds(node, pg_url)
    for label, call in (("direct", via_grpc(direct)), ("gateway_grpc", via_grpc(via_gw)),
                        ("gateway", via_http)):
        numbers = open_cases(cases)
        latencies, elapsed = Lanes(numbers, STEPS, call).run(concurrency)
        results[label] = summary(latencies, elapsed)
    # per case: submitted, accepted with its first step's start, then per step its
    # completion and the next one's start, and at last the decision
    expected = cases * 3 * (2 * STEPS + 2)
    wait_lag_complete(pg_url, since, expected)
    cpu_after = cpu_seconds(node, pg_url)
    lag_result = lag(pg_url, since)
    base = baseline(pg_url, 4000, concurrency)
    cpu = os.cpu_count()
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "benchmark": "case step transitions",
        "database": "postgresql",
        "machine": {"cpus": cpu, "memory_gib": memory_gib, "python": platform.python_version()},
        "concurrency": concurrency, "steps_per_case": STEPS, "cases_per_path": cases,
        **{f"{label}": value for label, value in results.items()},
        "lag": lag_result,
        "baseline": base,
        # where the CPU went, from the first timed transition until supervision applied
        # the last event (PostgreSQL: backends of the node's database still open at the end)
        "cpu_ms_per_transition": {
            name: round((cpu_after[name] - cpu_before.get(name, 0.0)) * 1000
                        / (cases * 3 * STEPS), 3)
            for name in sorted(cpu_after, key=lambda n: cpu_before.get(n, 0.0) - cpu_after[n])
            if cpu_after[name] - cpu_before.get(name, 0.0) > 0.05},
        "transitions_per_s": results["gateway"]["transitions_per_s"],
        "p50_ms": results["gateway"]["p50_ms"],
        "p99_ms": results["gateway"]["p99_ms"],
        "direct_transitions_per_s": results["direct"]["transitions_per_s"],
        "lag_p99_ms": lag_result.get("p99_ms"),
        "baseline_tx_per_s": base["tx_per_s"],
        "ratio_direct_to_baseline": round(results["direct"]["transitions_per_s"]
                                          / base["tx_per_s"], 3),
    }


if __name__ == "__main__":
    sys.exit(main())
