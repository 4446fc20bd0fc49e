"""Benchmark of supervision: ``make bench-supervision``.

On a real node (every process, PostgreSQL, RabbitMQ — ``bench.cases``'s node), four figures:

* **under the case load** — cases run whole straight to the case service (its fastest path)
  by ``--concurrency`` clients, one in ten a complete application refused (不予受理), which
  supervision warns of (``COMPLETE_APPLICATION_REJECTED``, red). ``lag_p50_ms`` /
  ``lag_p99_ms``: from the commit of the case event (its outbox row) to the warning it
  raised (``raised_at``);
  ``event_lag_*``: from each event's commit to supervision having applied it (its inbox row,
  written in the transaction that runs the rules on it). ``events_per_s``: the events
  supervision applied from the first to the last, load and drain together, and the backlog
  sampled each second.
* **rebuild** — every catalogue and case event of the run replayed from scratch (from the
  services' outboxes, in order) into an empty supervision database by
  ``services.monitoring.rebuild.rebuild`` (the days' sweeps included, case events in batches
  as the worker takes them): ``rebuild_events_per_s``, and whether the rebuilt warnings and
  case views are the live ones (``rebuild_same``).
* **sweep** — ``--sweep-cases`` open cases stored (views copied from cases of this run left
  at every stage, new numbers), ``--sweep-due`` of them due for a look today (their
  ``attention_on``: the day a step or the case nears or passes its limit), the others on one
  of the next four working days, the table then vacuumed and checkpointed (as autovacuum
  keeps a table written over months): ``sweep_1m_s``, one sweep — with ``--workers N``, the N
  partitions' sweeps at once, one process each, as the N workers sweep; ``sweep.per_due_case_us``.

``--workers N``: supervision's worker processes (``SUNLIGHT_SUPERVISION_WORKERS``; the case
events partitioned by case number over them); ``workers`` in the result. ``load_avg``: the
machine's load average (``uptime``) before the run and after the load phase.

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import psycopg

from bench.cases import (
    ROOT,
    Backlog,
    GrpcRoute,
    Record,
    bench_node,
    copy_text,
    drive,
    lag,
    outbox_seq,
    partial_case,
    percentile,
    publish_item,
    write_result,
)
from bench.machine import speed_index
from infra.localnode import LocalNode
from services.monitoring.projection import Projection
from services.monitoring.rebuild import rebuild as replay
from services.monitoring.supervision import Supervision
from services.shared.auth import mint_token
from services.shared.config import Settings
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar, local_day

REJECT_EVERY = 10
WATCH_COLUMNS = ("case_number", "region", "department", "item_id", "item_version", "sequence",
                 "closed", "attention_on", "state", "updated_at")


def warning_lag(pg_url: str, start: datetime) -> dict:
    """Commit of each refusal of a complete application → the red warning it raised."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT EXTRACT(EPOCH FROM (w.raised_at - o.created_at)) * 1000 "
            "FROM monitoring.warnings w JOIN cases.outbox o "
            "ON o.routing_key LIKE 'case.rejected%%' "
            "AND (o.body::jsonb -> 'data' ->> 'case_number') = w.case_number "
            "WHERE w.rule = 'COMPLETE_APPLICATION_REJECTED' AND o.created_at >= %s",
            (start,)).fetchall()
    values = [float(r[0]) for r in rows]
    if not values:
        return {"warnings": 0}
    return {"warnings": len(values), "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2), "max_ms": round(max(values), 2)}


def applied_rate(pg_url: str, start: datetime) -> dict:
    """Events supervision applied since ``start``, over the time from the first to the last."""
    with psycopg.connect(pg_url) as conn:
        count, first, last = conn.execute(
            "SELECT count(*), min(received_at), max(received_at) FROM monitoring.inbox "
            "WHERE received_at >= %s AND event_type LIKE 'case.%%'", (start,)).fetchone()
    span = (last - first).total_seconds() if count > 1 else 0.0
    return {"events": int(count), "span_s": round(span, 2),
            "events_per_s": round(count / span, 1) if span else None}


def warmed_direct_route(node: LocalNode, secret: str, concurrency: int
                        ) -> tuple[GrpcRoute, object]:
    """The benchmark's item published through the gateway, and a route straight to the case
    service warmed up by a few cases: (route, item)."""
    token = mint_token(secret, "bench", ["admin"], ["510000"], ttl_s=7200)
    chief = mint_token(secret, "bench-chief", ["admin"], ["510000"], ttl_s=7200)
    item = publish_item(node.port("gateway_http"), token)
    direct = GrpcRoute("direct", f"127.0.0.1:{node.port('cases')}", token, chief)
    direct.item_id = item.item_id
    drive(direct, item, 0, max(2 * concurrency, 20), concurrency)  # warm-up
    return direct, item


def load_phase(node: LocalNode, secret: str, pg_url: str, args: argparse.Namespace
               ) -> tuple[dict, GrpcRoute, object]:
    direct, item = warmed_direct_route(node, secret, args.concurrency)
    backlog = Backlog(pg_url, outbox_seq(pg_url))
    started = datetime.now(UTC)
    backlog.start()
    record, began, ended = drive(direct, item, 1000, args.cases, args.concurrency,
                                 reject_every=REJECT_EVERY)
    drain_s = backlog.drain()
    transitions = len(record.latencies)
    return {
        "cases": args.cases, "concurrency": args.concurrency,
        "transitions_per_s": round(transitions / (ended - began), 1),
        "warning_lag": warning_lag(pg_url, started),
        "event_lag": lag(pg_url, datetime.fromtimestamp(began, UTC),
                         datetime.fromtimestamp(ended, UTC)),
        "applied": applied_rate(pg_url, started),
        "backlog": backlog.report(), "drain_after_load_s": drain_s,
    }, direct, item


def _settings(node: LocalNode, url: str) -> Settings:
    return node.settings().model_copy(update={"database_url": url})


def rebuild(node: LocalNode, pg_url: str, name: str) -> dict:
    """Replay every event of the run into an empty supervision database; compare."""
    target = f"{name}_rebuild"
    admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target}"')
    url = pg_url.rsplit("/", 1)[0] + f"/{target}"
    sa_url = url.replace("postgresql://", "postgresql+psycopg://")
    try:
        upgrade(ROOT / "services" / "monitoring" / "migrations", sa_url, "monitoring")
        with psycopg.connect(pg_url) as conn:
            items = [r[0] for r in conn.execute(
                "SELECT body FROM catalogue.outbox ORDER BY seq")]
            cases = [r[0] for r in conn.execute(
                "SELECT body FROM cases.outbox WHERE routing_key LIKE 'case.%%' "
                "AND routing_key NOT LIKE 'case.trace_root%%' ORDER BY seq")]
        db = Database.for_service(_settings(node, sa_url), "monitoring")
        projection = Projection(db, Supervision(db, WorkingCalendar.official(),
                                                node.settings().node_region))
        events = [parse_event(json.loads(body)) for body in items + cases]
        began = time.perf_counter()
        replay(projection, events, local_day())
        elapsed = time.perf_counter() - began
        db.dispose()
        same = compare(pg_url, url)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    return {"events": len(events), "s": round(elapsed, 2),
            "events_per_s": round(len(events) / elapsed, 1) if elapsed else None, **same}


def compare(live_url: str, rebuilt_url: str) -> dict:
    """The warnings (id, severity, status, history's actions) and the case views of both."""
    def state(url: str) -> tuple[dict, dict]:
        with psycopg.connect(url) as conn:
            warnings = {r[0]: (r[1], r[2], [e["action"] for e in json.loads(r[3])])
                        for r in conn.execute("SELECT warning_id, severity, status, history "
                                              "FROM monitoring.warnings")}
            watches = {r[0]: (r[1], r[2]) for r in conn.execute(
                "SELECT case_number, state, attention_on FROM monitoring.case_watches")}
        return warnings, watches

    live_w, live_v = state(live_url)
    new_w, new_v = state(rebuilt_url)
    return {"warnings": len(new_w), "case_views": len(new_v),
            "rebuild_same": live_w == new_w and live_v == new_v,
            "warnings_differing": sorted(k for k in live_w.keys() | new_w.keys()
                                         if live_w.get(k) != new_w.get(k))[:5],
            "views_differing": sorted(k for k in live_v.keys() | new_v.keys()
                                      if live_v.get(k) != new_v.get(k))[:5]}


def sweep_partition(settings: Settings, today: object, partition: tuple[int, int]) -> int:
    """One worker's sweep of its partition (in a process of its own)."""
    db = Database.for_service(settings, "monitoring")
    try:
        return Supervision(db, WorkingCalendar.official(), settings.node_region).sweep(
            today, partition=partition)  # type: ignore[arg-type]
    finally:
        db.dispose()


def sweep_phase(node: LocalNode, pg_url: str, direct: GrpcRoute, item: object,
                wanted: int, due_share: float, workers: int) -> dict:
    """``wanted`` open cases' views, ``due_share`` of them due for a look today; one sweep."""
    record = Record()
    stopped = [n for n in (partial_case(direct, item, calls, record)  # type: ignore[arg-type]
                           for calls in range(1, 11)) if n]

    def views() -> list[tuple]:
        with psycopg.connect(pg_url) as conn:
            return conn.execute(
                f"SELECT {', '.join(WATCH_COLUMNS)} FROM monitoring.case_watches "
                "WHERE case_number = ANY(%s) AND NOT closed", (stopped,)).fetchall()

    deadline = time.monotonic() + 60
    while len(templates := views()) < len(stopped) and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker applies their last events
    if not templates:
        raise RuntimeError("supervision has no view of the open cases")
    today = local_day()
    calendar = WorkingCalendar.official()
    later = [calendar.add_working_days(today, k).day.isoformat() for k in range(1, 5)]
    every = round(1 / due_share) if due_share else 0  # one case in so many is due today
    began = time.monotonic()
    with psycopg.connect(pg_url) as conn:
        with conn.cursor().copy(f"COPY monitoring.case_watches ({', '.join(WATCH_COLUMNS)}) "
                                "FROM STDIN") as copy:
            chunk: list[str] = []
            for n in range(wanted):
                values = dict(zip(WATCH_COLUMNS, templates[n % len(templates)], strict=True))
                number = values["case_number"]
                new = f"511602{29990101 + n // 900_000:08d}{n % 900_000 + 100_000:06d}"
                due = bool(every) and n % every == 0
                values.update(case_number=new, state=values["state"].replace(number, new),
                              attention_on=today.isoformat() if due else later[n % 4])
                chunk.append("\t".join(copy_text(values[c]) for c in WATCH_COLUMNS) + "\n")
                if len(chunk) >= 5000:
                    copy.write("".join(chunk).encode())
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk).encode())
        conn.commit()
        conn.autocommit = True
        # as autovacuum leaves a table of views written over months: its tuples known
        # visible, its statistics current, its pages on disk (a sweep of a table COPY'd a
        # moment ago would time the first reads' hint-bit writes and the checkpoint instead)
        conn.execute("VACUUM ANALYZE monitoring.case_watches")
        conn.execute("CHECKPOINT")
        open_views = int(conn.execute("SELECT count(*) FROM monitoring.case_watches "
                                      "WHERE NOT closed").fetchone()[0])
    loaded_s = time.monotonic() - began
    settings = _settings(node, pg_url.replace("postgresql://", "postgresql+psycopg://"))
    began = time.monotonic()
    with ProcessPoolExecutor(workers) as pool:  # each worker sweeps its partition
        changed = sum(pool.map(sweep_partition, [settings] * workers, [today] * workers,
                               [(n, workers) for n in range(workers)]))
    swept_s = time.monotonic() - began
    due_today = len(range(0, wanted, every)) if every else 0
    return {"open_cases": open_views, "due_today": due_today,
            "template_views": len(templates), "bulk_load_s": round(loaded_s, 1),
            "sweep_s": round(swept_s, 2),
            "per_due_case_us": round(swept_s / due_today * 1e6, 1) if due_today else None,
            "warnings_changed": changed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=600, help="cases run whole under load")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sweep-cases", type=int, default=1_000_000,
                        help="open cases due for attention in the sweep (0: skip)")
    parser.add_argument("--sweep-due", type=float, default=0.1,
                        help="the share of them due for a look today (default 0.1)")
    parser.add_argument("--keep", action="store_true", help="keep the database and vhost")
    parser.add_argument("--workers", type=int, default=1,
                        help="supervision's worker processes (partitions; default 1)")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    speed_before = speed_index()  # bench.machine: what a CPU second buys now
    with bench_node(keep=args.keep, SUNLIGHT_SUPERVISION_WORKERS=str(args.workers)) as (
            node, secret, pg_url, name):
        loaded, direct, item = load_phase(node, secret, pg_url, args)
        load_after = [round(x, 2) for x in os.getloadavg()]
        rebuilt = rebuild(node, pg_url, name)
        swept = (sweep_phase(node, pg_url, direct, item, args.sweep_cases, args.sweep_due,
                             args.workers) if args.sweep_cases else {})
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    result = {
        "benchmark": "supervision",
        "database": "postgresql",
        "machine": {"cpus": os.cpu_count(), "memory_gib": memory_gib,
                    "python": platform.python_version(),
                    "speed_at_start": speed_before, "speed_at_end": speed_index()},
        "load": loaded, "rebuild": rebuilt, "sweep": swept,
        "workers": args.workers,
        "load_avg": {"before": load_before, "after_load": load_after},
        "lag_p50_ms": loaded["warning_lag"].get("p50_ms"),
        "lag_p99_ms": loaded["warning_lag"].get("p99_ms"),
        "event_lag_p50_ms": loaded["event_lag"].get("p50_ms"),
        "event_lag_p99_ms": loaded["event_lag"].get("p99_ms"),
        "events_per_s": loaded["applied"]["events_per_s"],
        "case_transitions_per_s": loaded["transitions_per_s"],
        "sweep_1m_s": swept.get("sweep_s"),
        "rebuild_events_per_s": rebuilt["events_per_s"],
        "rebuild_same": rebuilt["rebuild_same"],
        "command": "python -m bench.supervision " + " ".join(sys.argv[1:]),
        "run": uuid.uuid4().hex[:8],
    }
    write_result("supervision", result)


if __name__ == "__main__":
    sys.exit(main())
