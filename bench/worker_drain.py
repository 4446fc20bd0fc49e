"""What supervision's worker costs an event, its framework apart: ``python -m bench.worker_drain``.

On a real node (``bench.cases``'s: every process, PostgreSQL, RabbitMQ, one supervision
worker), each of ``--rounds`` rounds:

1. the worker is stopped and ``--cases`` cases are run whole straight to the case service, so
   that their events wait in its queue (the relay publishes them; nothing consumes them);
2. the worker is started and drains the queue: ``worker_cpu_ms_per_event`` is the CPU it
   spent from its start until it had applied them all (its inbox rows), less what a start
   costs it with an empty queue (measured in the same round, after the drain: stopped,
   started again, healthy, idle for a second); PostgreSQL's CPU over the drain beside it;
3. the same events are applied in this process, with no broker and no nameko, in
   transactions of ``--batch`` (``Projection.apply_case_events`` into an empty supervision
   database, as ``bench.supervision``'s rebuild does):
   ``projection_cpu_ms_per_event``, this process's CPU (``time.process_time``).

The difference of the two is what nameko, kombu and eventlet — receiving, decoding,
dispatching and acknowledging each message — add to the projection's own work: the number to
move when the worker is made cheaper. A drain applies events in full batches (up to 64 a
transaction), the cheapest way it can: under a live load the batches are smaller
(``bench.cases`` measures that).

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import sys
import time
import urllib.request
from typing import Any

import psycopg

from bench.cases import (
    ROOT,
    GrpcRoute,
    bench_node,
    drive,
    outbox_seq,
    write_result,
)
from bench.cpu import process_cpu_s
from bench.machine import speed_index
from bench.supervision import warmed_direct_route
from infra.localnode import LocalNode
from services.monitoring.projection import Projection
from services.monitoring.supervision import Supervision
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar

WORKER = "monitoring-worker"


def case_events_since(pg_url: str, seq: int) -> list[tuple[str, str]]:
    """(event id, body) of the case events committed after outbox row ``seq``, in order: what
    the worker's partition queue receives (``case.#``)."""
    with psycopg.connect(pg_url) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT event_id, body FROM cases.outbox WHERE seq > %s "
            "AND routing_key LIKE 'case.%%' ORDER BY seq", (seq,))]


def wait_published(pg_url: str, timeout_s: float = 120.0) -> None:
    """Until the case relay has published every outbox row."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(pg_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            left = conn.execute(
                "SELECT count(*) FROM cases.outbox WHERE published_at IS NULL").fetchone()[0]
            if left == 0:
                return
            time.sleep(0.1)
    raise RuntimeError(f"the case relay left rows unpublished after {timeout_s} s")


def backend_cpu(pg_url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the node's database."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()]
    return {pid: process_cpu_s(pid) for pid in pids}


def applied(pg_url: str, ids: list[str]) -> int:
    with psycopg.connect(pg_url) as conn:
        return int(conn.execute("SELECT count(*) FROM monitoring.inbox "
                                "WHERE event_id = ANY(%s)", (ids,)).fetchone()[0])


def wait_worker_healthy(node: LocalNode, timeout_s: float = 60.0) -> None:
    url = f"http://127.0.0.1:{node.port('monitoring_worker_health')}/healthz"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"supervision's worker not healthy after {timeout_s} s")


def started_worker(node: LocalNode) -> int:
    node.start_process(WORKER)
    deadline = time.monotonic() + 30
    while not (pid := node.pid(WORKER)):
        if time.monotonic() > deadline:
            raise RuntimeError("supervision's worker did not start")
        time.sleep(0.05)
    return pid


def drain_round(node: LocalNode, pg_url: str, route: GrpcRoute, item: Any, first: int,
                cases: int, concurrency: int) -> tuple[dict, list[tuple[str, str]]]:
    """One round: the events of ``cases`` cases queued while the worker is stopped, then
    drained by it; its CPU an event."""
    node.stop_process(WORKER)
    seq = outbox_seq(pg_url)
    drive(route, item, first, cases, concurrency)
    wait_published(pg_url)
    events = case_events_since(pg_url, seq)
    ids = [event_id for event_id, _ in events]
    before = backend_cpu(pg_url)
    began = time.monotonic()
    pid = started_worker(node)
    while (done := applied(pg_url, ids)) < len(ids):
        if time.monotonic() - began > 600:
            raise RuntimeError(f"the worker applied {done} of {len(ids)} events in 600 s")
        time.sleep(0.05)
    drained_s = time.monotonic() - began
    drain_cpu = process_cpu_s(pid)
    after = backend_cpu(pg_url)  # the worker's own connections are new: counted whole
    postgres_s = sum(spent - before.get(pid, 0.0) for pid, spent in after.items())
    # what a start costs the worker with nothing to do: started again, healthy, a second idle
    node.stop_process(WORKER)
    pid = started_worker(node)
    wait_worker_healthy(node)
    time.sleep(1.0)
    start_cpu = process_cpu_s(pid)
    worker_s = max(drain_cpu - start_cpu, 0.0)
    return {
        "events": len(ids), "drain_s": round(drained_s, 2),
        "worker_cpu_s": round(drain_cpu, 3), "worker_start_cpu_s": round(start_cpu, 3),
        "worker_cpu_ms_per_event": round(worker_s * 1000 / len(ids), 3),
        "postgres_cpu_ms_per_event": round(
            postgres_s * 1000 / len(ids), 3),
    }, events


def projection_round(node: LocalNode, pg_url: str, name: str, events: list[tuple[str, str]],
                     batch: int, profile: int = 0) -> dict:
    """The same case events applied in this process into an empty supervision database (with
    the run's catalogue events first), ``batch`` a transaction."""
    target = f"{name}_drain"
    admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    sa_url = (pg_url.rsplit("/", 1)[0] + f"/{target}").replace("postgresql://",
                                                              "postgresql+psycopg://")
    try:
        upgrade(ROOT / "services" / "monitoring" / "migrations", sa_url, "monitoring")
        settings = node.settings().model_copy(update={"database_url": sa_url})
        db = Database.for_service(settings, "monitoring")
        projection = Projection(db, Supervision(db, WorkingCalendar.official(),
                                                settings.node_region))
        with psycopg.connect(pg_url) as conn:
            for (body,) in conn.execute("SELECT body FROM catalogue.outbox ORDER BY seq"):
                projection.apply(parse_event(json.loads(body)))
        parsed = [parse_event(json.loads(body)) for _, body in events]
        profiler = cProfile.Profile() if profile else None
        began = time.process_time()
        if profiler is not None:
            profiler.enable()
        for n in range(0, len(parsed), batch):
            for outcome in projection.apply_case_events(parsed[n:n + batch]):
                if isinstance(outcome, BaseException):
                    raise outcome
        spent = time.process_time() - began
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
        db.dispose()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    return {"events": len(parsed), "batch": batch,
            "projection_cpu_ms_per_event": round(spent * 1000 / len(parsed), 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200, help="cases run whole per round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64,
                        help="events a transaction when applied in this process")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile the projection's rounds: their N costliest functions "
                             "(own time) on standard error; the profiler's cost is in "
                             "projection_cpu_ms_per_event then")
    args = parser.parse_args(argv)
    speeds = [speed_index()]
    rounds = []
    with bench_node(SUNLIGHT_SUPERVISION_WORKERS="1") as (node, secret, pg_url, name):
        route, item = warmed_direct_route(node, secret, args.concurrency)
        for n in range(args.rounds):
            drained, events = drain_round(node, pg_url, route, item, 1000 + n * args.cases,
                                          args.cases, args.concurrency)
            speeds.append(speed_index())
            rounds.append({**drained, **projection_round(node, pg_url, name, events,
                                                         args.batch, args.profile),
                           "machine_speed": speeds[-1]})
    worker = statistics.median(r["worker_cpu_ms_per_event"] for r in rounds)
    own = statistics.median(r["projection_cpu_ms_per_event"] for r in rounds)
    write_result("worker-drain", {
        "benchmark": "supervision worker drain",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "speed": speeds},
        "cases_per_round": args.cases, "rounds": rounds,
        "worker_cpu_ms_per_event": worker, "projection_cpu_ms_per_event": own,
        "framework_cpu_ms_per_event": round(worker - own, 3),
        "command": "python -m bench.worker_drain " + " ".join(argv or sys.argv[1:]),
    })


if __name__ == "__main__":
    main()
