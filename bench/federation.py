"""Benchmark of the province's links: ``make bench-federation``.

Starts the province (510000) and the district (511602) as ``make run`` starts them (``python
-m infra.province setup``, every port a free one, a fresh RabbitMQ vhost per node, SQLite, no demo
data), publishes an item at the district, then:

* ``local_status_p50_ms`` / ``local_status_p99_ms`` — ``GET /v1/cases/{n}/status`` of a
  district case asked at the district's gateway; ``remote_status_*`` — the same asked at the
  province's, which routes it over the mutual-TLS peer port (``--status-requests`` each, one
  client, one after the other);
* ``mtls_hop_p50_ms`` — what the province's gateway and one mutual-TLS hop add to that call:
  ``remote_status_p50_ms`` minus ``local_status_p50_ms`` (the same case, the same answering
  node; the difference is the province gateway's routing, the peer call over TLS and the
  district gateway's check of the caller against the registry — not the TLS hop alone);
* ``routed_vs_direct_throughput`` — status calls a second through the province (routed)
  divided by those asked at the district directly, each with ``--clients`` clients for
  ``--throughput-s`` seconds in all (the target: at least 0.8), in ``--throughput-rounds``
  turns of direct then routed — a shared machine's speed drifts by tens of percent within
  a minute (``bench.machine``), which two long runs one after the other would count as the
  hop's; ``machine_speed`` is the speed index before each turn. On one machine both gateways
  share its cores, so a routed call also pays for the district's work on the same CPUs;
  ``cpu_ms_per_status`` says where: for each path, the CPU milliseconds a status call cost
  each process of the two nodes (``<region> <process>``), RabbitMQ, this client, and the
  machine as a whole (``machine_other``: the kernel's share and whatever else ran), over
  all turns, read when a turn's clock starts and stops (the clients' set-up not counted;
  ``bench.cases.cpu_per_transition``);
* ``province_search_p50_ms`` / ``province_search_p99_ms`` — the province-wide search
  (``GET /v1/province/items/search``) at the province's gateway, which asks every active node
  at once (``--search-requests``, one client); ``province_search_partial`` counts answers
  that lacked a node (``partial``: true);
* ``rollup_lag_p50_ms`` / ``rollup_lag_p99_ms`` — for every case event committed at the
  district while ``--cases`` cases are opened there (``--clients`` at once): from its commit
  (the district's outbox row) to its application by the province's supervision (the
  province's inbox row), through the district's relay, the shovel and the province's worker;
* ``catchup_s`` — the link is cut (the shovel removed) and cases are opened at the district
  for ``--cut-s`` seconds (600 by default: the issue's ten minutes; shorter with the flag);
  the link is restored and the load stops: the time until the province has applied every
  event committed meanwhile (null when not all were within ``--settle-s``). ``lost`` counts
  the events of the district that the province
  never applied (after ``--settle-s``), ``applied_twice`` what the province applied more
  often than the district (from the records' ``events_applied``).

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.cases import cpu_per_transition, write_result
from bench.cases import percentile as cases_percentile
from bench.cases import publish_item as bench_item
from bench.cpu import cpu_used
from bench.machine import speed_index
from infra import rollup
from infra.localnode import LocalProvince
from infra.province import Plan
from services.shared.auth import mint_token
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[1]
PROVINCE, DISTRICT = "510000", "511602"
#: the province-wide search asks for the bench's item (bench.cases: 企业投资项目核准（基准）)
SEARCH_QUERY = "企业投资项目核准"
AMQP_BASE = os.environ.get("SUNLIGHT_BENCH_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")


def percentile(values: list[float], q: float) -> float | None:
    """``bench.cases.percentile`` (the other benchmarks' rank) of ``q`` in 0–1, rounded;
    None without values."""
    return round(cases_percentile(values, q * 100), 2) if values else None


def client(province: LocalProvince, region: str) -> httpx.Client:
    node = province.node(region)
    token = mint_token(node.env["SUNLIGHT_TOKEN_KEY"], f"bench-{region}", ["admin"], [region],
                       issuer=region)
    return httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)


def publish_item(province: LocalProvince) -> str:
    """The case benchmark's item (``bench.cases``: 511602, 区发展改革局), at the district."""
    node = province.node(DISTRICT)
    token = mint_token(node.env["SUNLIGHT_TOKEN_KEY"], "bench-catalogue", ["admin"],
                       [DISTRICT], issuer=DISTRICT)
    return bench_item(node.port("gateway_http"), token).item_id


def open_case(api: httpx.Client, item_id: str) -> str:
    reply = api.post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": DISTRICT,
        "applicant": {"name": "张三", "id_type": "id_card",
                      "id_number": "511602199001011236"}})
    reply.raise_for_status()
    return reply.json()["case"]["case_number"]


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def committed(var: Path, since: datetime) -> dict[str, datetime]:
    """The district's case events committed since ``since``: event id → commit time."""
    with sqlite3.connect(var / DISTRICT / DISTRICT / "cases.db", timeout=30) as db:
        rows = db.execute("SELECT event_id, created_at FROM outbox WHERE exchange = "
                          "'cases.events'").fetchall()
    return {e: t for e, c in rows if (t := _moment(c)) >= since}


def applied(var: Path, events: set[str]) -> dict[str, datetime]:
    """Of ``events``, those the province's supervision applied: event id → when."""
    with sqlite3.connect(var / PROVINCE / PROVINCE / "monitoring.db", timeout=30) as db:
        rows = db.execute("SELECT event_id, received_at FROM inbox WHERE event_type LIKE "
                          "'case.%'").fetchall()
    return {e: _moment(r) for e, r in rows if e in events}


def applied_counts(var: Path, region: str) -> dict[str, int]:
    with sqlite3.connect(var / region / region / "monitoring.db", timeout=30) as db:
        return dict(db.execute("SELECT case_number, events_applied FROM case_records "
                               "WHERE region = ?", (DISTRICT,)).fetchall())


def wait_applied(var: Path, events: set[str], timeout_s: float
                 ) -> tuple[dict, float | None]:
    """The events applied at the province, and how long until all were (None: not all
    within ``timeout_s``)."""
    start = time.monotonic()
    while True:
        done = applied(var, events)
        if len(done) == len(events):
            return done, time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            return done, None
        time.sleep(0.2)


def status_latencies(api: httpx.Client, number: str, requests: int) -> list[float]:
    api.get(f"/v1/cases/{number}/status").raise_for_status()  # warm the channels
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        api.get(f"/v1/cases/{number}/status").raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return times


def throughput(make_client: Callable[[], httpx.Client], number: str, clients: int,
               seconds: float, cpu: Callable[[], dict[str, float]] | None = None
               ) -> tuple[int, float, dict[str, float]]:
    """Status calls answered by ``clients`` clients asking for ``seconds``, the seconds it
    took them, and what ``cpu`` (CPU seconds so far, by process) grew by meanwhile — timed
    and read once every client has made its client and its first (untimed) call, until the
    last has made its last (its client not closed yet)."""
    began, ended = [0.0], [0.0]
    stop = [0.0]
    used: list[dict[str, float]] = [{}, {}]

    def start_clock() -> None:  # the barrier's action: once all are warm, before any goes on
        if cpu is not None:
            used[0] = cpu()
        began[0] = time.monotonic()
        stop[0] = began[0] + seconds

    def stop_clock() -> None:  # once all have made their last call
        ended[0] = time.monotonic()
        if cpu is not None:
            used[1] = cpu()

    ready = threading.Barrier(clients, action=start_clock, timeout=60)
    done = threading.Barrier(clients, action=stop_clock, timeout=60 + seconds)
    counts = [0] * clients

    def work(slot: int) -> None:
        with make_client() as api:
            api.get(f"/v1/cases/{number}/status").raise_for_status()  # warm the channels
            ready.wait()
            while time.monotonic() < stop[0]:
                api.get(f"/v1/cases/{number}/status").raise_for_status()
                counts[slot] += 1
            done.wait()

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work, n) for n in range(clients)]:
            future.result()
    grown = {name: value - used[0].get(name, value) for name, value in used[1].items()}
    return sum(counts), ended[0] - began[0], grown


def search_latencies(api: httpx.Client, query: str, requests: int) -> tuple[list[float], int]:
    """The province-wide search, one after the other: times (ms) and partial answers."""
    params = {"q": query, "page_size": 10}
    api.get("/v1/province/items/search", params=params).raise_for_status()  # warm
    times, partial = [], 0
    for _ in range(requests):
        start = time.perf_counter()
        reply = api.get("/v1/province/items/search", params=params)
        times.append((time.perf_counter() - start) * 1000)
        reply.raise_for_status()
        partial += bool(reply.json()["partial"])
    return times, partial


def load(province: LocalProvince, item_id: str, clients: int, *, cases: int = 0,
         seconds: float = 0.0) -> int:
    """Open cases at the district: ``cases`` of them, or as many as ``seconds`` allow."""
    stop = time.monotonic() + seconds
    counter = iter(range(cases)) if cases else None
    lock = threading.Lock()
    opened = [0]

    def more() -> bool:
        with lock:
            if counter is not None:
                return next(counter, None) is not None
            return time.monotonic() < stop

    def work() -> None:
        with client(province, DISTRICT) as api:
            while more():
                open_case(api, item_id)
                with lock:
                    opened[0] += 1

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work) for _ in range(clients)]:
            future.result()
    return opened[0]


def cpu_now(province: LocalProvince) -> dict[str, float]:
    """CPU seconds used so far by every process of every node (``<region> <process>``, with
    its copies), RabbitMQ, this client and the machine (``bench.cpu.cpu_used``)."""
    return cpu_used({f"{region} {name}": pid for region, node in province.nodes.items()
                     for name, pid in node.pids().items()})


def bench_province(name: str) -> tuple[LocalProvince, Path]:
    """The province and the district as the benchmarks start them (not started yet), under a
    temporary directory (returned, for removal): SQLite, no demo data, each node's vhost
    ``sunlight-bench-<8 hex>-<region>`` (made by the province's setup, removed by ``stop``);
    the province takes ``SUNLIGHT_TOKEN_KEY`` from the environment when set, the district
    makes its own."""
    root = Path(tempfile.mkdtemp(prefix=f"sunlight-bench-{name}-"))
    return LocalProvince({"SUNLIGHT_VAR_DIR": str(root / "var"),
                          "AMQP_URI": f"{AMQP_BASE}/sunlight-bench-{uuid.uuid4().hex[:8]}",
                          "SUNLIGHT_DEMO_DATA": "0",
                          "SUNLIGHT_TOKEN_KEY": os.environ.get("SUNLIGHT_TOKEN_KEY")
                          or TokenKey.generate().to_text()},
                         [PROVINCE, DISTRICT], root / "logs"), root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--status-requests", type=int, default=300)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cut-s", type=float, default=600.0,
                        help="how long the link stays cut under load (the issue: ten minutes)")
    parser.add_argument("--search-requests", type=int, default=300)
    parser.add_argument("--throughput-s", type=float, default=20.0,
                        help="how long each of the routed and direct throughput runs lasts")
    parser.add_argument("--throughput-rounds", type=int, default=4,
                        help="turns of direct then routed the throughput runs are split into")
    parser.add_argument("--settle-s", type=float, default=300.0,
                        help="how long to wait for the province to apply everything")
    args = parser.parse_args(argv)
    if args.throughput_rounds < 1:
        parser.error("--throughput-rounds: at least 1")

    province, root = bench_province("federation")
    result: dict[str, object] = {"benchmark": "federation", "machine": platform.node(),
                                 "cpus": os.cpu_count(), "at": datetime.now(UTC).isoformat()}
    try:
        print("starting the province and the district…", file=sys.stderr)
        province.start()
        province.wait_healthy(timeout_s=600)
        plan = Plan.read(province.var_dir)
        assert plan is not None
        var = province.var_dir
        with client(province, DISTRICT) as district_api:
            item_id = publish_item(province)
            number = open_case(district_api, item_id)
            local = status_latencies(district_api, number, args.status_requests)
        with client(province, PROVINCE) as province_api:
            remote = status_latencies(province_api, number, args.status_requests)
        result.update(local_status_p50_ms=percentile(local, 0.5),
                      local_status_p99_ms=percentile(local, 0.99),
                      remote_status_p50_ms=percentile(remote, 0.5),
                      remote_status_p99_ms=percentile(remote, 0.99),
                      status_requests=args.status_requests)
        result["mtls_hop_p50_ms"] = round(percentile(remote, 0.5) - percentile(local, 0.5), 2)

        print(f"throughput: {args.throughput_s}s direct, {args.throughput_s}s routed, in "
              f"{args.throughput_rounds} turns…", file=sys.stderr)
        turn_s = args.throughput_s / args.throughput_rounds
        answered = {DISTRICT: [0, 0.0], PROVINCE: [0, 0.0]}  # calls, seconds
        used: dict[str, dict[str, float]] = {DISTRICT: {}, PROVINCE: {}}  # CPU s, by process
        speeds = []
        for _ in range(args.throughput_rounds):
            speeds.append(speed_index())
            for asked in (DISTRICT, PROVINCE):
                calls, spent, grown = throughput(
                    lambda asked=asked: client(province, asked), number, args.clients, turn_s,
                    cpu=lambda: cpu_now(province))
                for name, value in grown.items():
                    used[asked][name] = used[asked].get(name, 0.0) + value
                answered[asked][0] += calls
                answered[asked][1] += spent
        direct = answered[DISTRICT][0] / answered[DISTRICT][1]
        routed = answered[PROVINCE][0] / answered[PROVINCE][1]
        result.update(direct_status_per_s=round(direct, 1), routed_status_per_s=round(routed, 1),
                      machine_speed=speeds,
                      routed_vs_direct_throughput=round(routed / direct, 3),
                      cpu_ms_per_status={
                          path: cpu_per_transition({}, used[asked], answered[asked][0])
                          for path, asked in (("direct", DISTRICT), ("routed", PROVINCE))})

        with client(province, PROVINCE) as province_api:
            searches, partial = search_latencies(province_api, SEARCH_QUERY,
                                                 args.search_requests)
        result.update(province_search_p50_ms=percentile(searches, 0.5),
                      province_search_p99_ms=percentile(searches, 0.99),
                      province_search_partial=partial, search_requests=args.search_requests)

        print(f"roll-up lag: {args.cases} cases…", file=sys.stderr)
        since = datetime.now(UTC)
        load(province, item_id, args.clients, cases=args.cases)
        events = committed(var, since)
        done, _ = wait_applied(var, set(events), args.settle_s)
        lags = [(done[e] - events[e]).total_seconds() * 1000 for e in done]
        result.update(rollup_cases=args.cases, rollup_events=len(events),
                      rollup_lag_p50_ms=percentile(lags, 0.5),
                      rollup_lag_p99_ms=percentile(lags, 0.99),
                      rollup_not_applied=len(events) - len(done))

        print(f"cut for {args.cut_s}s under load…", file=sys.stderr)
        since = datetime.now(UTC)
        district = plan.node(DISTRICT)
        rollup.cut(district)
        opened = load(province, item_id, args.clients, seconds=args.cut_s)
        held = rollup.held(district)
        rollup.link(district, plan.node(PROVINCE))
        events = committed(var, since)
        done, catchup = wait_applied(var, set(events), args.settle_s)
        here, there = applied_counts(var, DISTRICT), applied_counts(var, PROVINCE)
        result.update(cut_s=args.cut_s, cut_cases=opened, cut_events=len(events),
                      held_at_restore=held,
                      catchup_s=round(catchup, 2) if catchup is not None else None,
                      lost=len(events) - len(done),
                      applied_twice=sum(max(0, there.get(n, 0) - c) for n, c in here.items()))
    finally:
        province.stop()  # the nodes' vhosts with it
        shutil.rmtree(root, ignore_errors=True)
    write_result("federation", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
