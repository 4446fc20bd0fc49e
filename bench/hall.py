"""Benchmark of the hall's pages: ``make bench-hall``.

On a real node (every process, PostgreSQL, RabbitMQ — ``bench.cases``'s node), over HTTP
against the hall's own server, by ``--concurrency`` clients each on its keep-alive connection
with its own signed-in session, one request after another (a closed loop, no think time):

* ``inbox`` — a handler's workbench inbox (``/workbench``, the first page of their group's
  running steps, earliest due first) with ``--open-cases`` open cases in the node: cases of
  this run left at every stage of the flow are the templates of a bulk load (their case rows
  by ``bench.cases.bulk_load``, their step instances alike), so the handler's department and
  positions hold most of their running steps.
* ``track`` — a citizen's signed-in case page (``/my/cases/<number>``: where it stands, its
  clock, who holds it, its documents and who read it), over the citizen's own cases, run
  through the case service at every stage.
* ``guide`` — an item's public guide (``/items/<id>``: conditions, materials, fees, the
  flow chart drawn on the server, the history of versions).

Each answer is checked (200 and a word of the page), latencies are the clients'. With
``--profile DIR``, py-spy samples the hall, the case service and the catalogue during each
page's run (``DIR/<page>-<process>.txt``, collapsed stacks). The machine's load average
before and after each page, and the CPU the node and the rest of the machine used meanwhile,
say whether other work shared the machine.

The last line printed is one JSON object (a copy goes to ``bench/results/``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from bench.cases import (
    APPLICANT,
    COLUMNS,
    DEPARTMENT,
    REGION,
    ROOT,
    GrpcRoute,
    Profiles,
    Record,
    bench_node,
    bulk_load,
    bulk_number,
    copy_text,
    cpu_seconds,
    drive,
    partial_case,
    publish_item,
    summary,
    write_result,
)
from bench.machine import speed_index
from infra.localnode import LocalNode
from services.hall.identity import Kind
from services.hall.server import identity_provider
from services.shared.auth import mint_token

PASSWORD = "Ji-zhun-2026-hall"
HANDLER = "bench.handler"
TARGET_MS = 100.0
#: the node's limits, raised: the clients all come from one address
NODE_ENV = {"SUNLIGHT_RATE_LIMIT_PUBLIC_READS": "1000000/minute",
            "SUNLIGHT_RATE_LIMIT_SIGN_IN_CLIENT": "10000/minute",
            "SUNLIGHT_RATE_LIMIT_CASE_LOOKUP": "1000000/minute"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class HallClient:
    """One browser: a keep-alive connection and the session cookie the hall set."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, *, again: bool = True
                ) -> tuple[int, str, dict[str, str]]:
        sent = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        try:
            self.conn.request(method, path, body=body, headers=sent)
            reply = self.conn.getresponse()
            text = reply.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            if again and method == "GET":  # the server closed an idle connection
                return self.request(method, path, body, headers, again=False)
            raise
        cookie = reply.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return reply.status, text, dict(reply.getheaders())

    def get(self, path: str) -> tuple[int, str]:
        status, text, _ = self.request("GET", path)
        return status, text

    def sign_in(self, kind: Kind, login: str, password: str) -> None:
        status, page = self.get("/signin")
        found = CSRF.search(page)
        if status != 200 or not found:
            raise SystemExit(f"/signin: {status}, no form")
        form = urlencode({"csrf_token": found.group(1), "kind": kind.value, "login": login,
                          "password": password}).encode()
        status, text, _ = self.request(
            "POST", "/signin", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise SystemExit(f"sign-in of {login} refused: {status} {text[:300]!r}")


# --- the node's content ----------------------------------------------------------------------


def the_cases(direct: GrpcRoute, item: object) -> tuple[list[str], list[str]]:
    """Cases of the citizen: some run whole, one stopped after each call of the flow (the
    templates of the bulk load); (every case number, the open ones)."""
    record = Record()
    stopped = [n for n in (partial_case(direct, item, calls, record)  # type: ignore[arg-type]
                           for calls in range(1, 11)) if n]
    whole, _, _ = drive(direct, item, 0, 10, 4)  # type: ignore[arg-type]
    return [*stopped, *whole.acknowledged], stopped


def bulk_open_cases(pg_url: str, templates: list[str], wanted: int) -> dict:
    """``wanted`` more open cases: the templates' case rows (``bulk_load``) and their step
    instances, under the same new numbers."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM cases.cases "
                            "WHERE case_number = ANY(%s) ORDER BY case_number",
                            (templates,)).fetchall()
        have = int(conn.execute("SELECT count(*) FROM cases.cases").fetchone()[0])
        cursor = conn.execute("SELECT * FROM cases.step_instances WHERE case_number = ANY(%s)",
                              (templates,))
        columns = [d.name for d in cursor.description or ()]
        steps = cursor.fetchall()
    numbers = [r[0] for r in rows]
    loaded = bulk_load(pg_url, rows, have + wanted)
    by_case: dict[str, list[str]] = {n: [] for n in numbers}
    at = columns.index("case_number")
    for row in steps:
        by_case[row[at]].append("\t".join(copy_text(v) for v in row) + "\n")
    began = time.monotonic()
    added = loaded["added"]
    with psycopg.connect(pg_url) as conn:
        with conn.cursor().copy(f"COPY cases.step_instances ({', '.join(columns)}) "
                                "FROM STDIN") as copy:
            chunk: list[str] = []
            for n in range(added):
                template = numbers[n % len(numbers)]
                new = bulk_number(n)
                chunk.extend(line.replace(template, new) for line in by_case[template])
                if len(chunk) >= 10_000:
                    copy.write("".join(chunk).encode())
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk).encode())
        conn.commit()
        conn.autocommit = True
        # vacuumed as the case rows are (bench.cases.bulk_load): autovacuum would otherwise
        # start on the new rows, and the first reads set their hint bits, under the timed pages
        conn.execute("VACUUM (ANALYZE) cases.step_instances")
        open_cases = int(conn.execute("SELECT count(*) FROM cases.cases WHERE status NOT IN "
                                      "('completed', 'rejected', 'withdrawn', 'lapsed')"
                                      ).fetchone()[0])
        running = int(conn.execute("SELECT count(*) FROM cases.step_instances "
                                   "WHERE status = 'active'").fetchone()[0])
    return {"added": added, "open_cases": open_cases, "running_steps": running,
            "bulk_load_s": round(loaded["s"] + time.monotonic() - began, 1)}


def documents_rendered(pg_url: str, timeout_s: float = 300) -> float:
    """Seconds until the case service has rendered the PDFs of the run's documents (it does
    when idle): the pages are timed without that work beside them."""
    began = time.monotonic()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM cases.case_documents WHERE pdf IS NULL"
                           ).fetchone()[0] and time.monotonic() - began < timeout_s:
            time.sleep(0.5)
    return round(time.monotonic() - began, 1)


def department_code(pg_url: str, numbers: list[str]) -> str:
    """The item's department (its code), as its own steps' instances name it."""
    with psycopg.connect(pg_url) as conn:
        found = conn.execute("SELECT department_code FROM cases.step_instances "
                             "WHERE case_number = ANY(%s) AND key NOT LIKE '%%/%%' "
                             "AND department_code <> '' LIMIT 1", (numbers,)).fetchone()
    if not found:
        raise SystemExit("no step instance names the item's department")
    return str(found[0])


def accounts(node: LocalNode, pg_url: str, code: str) -> None:
    """The handler (the item's department, both positions of its flow) and the citizen."""
    provider = identity_provider(node.settings().model_copy(update={
        "database_url": pg_url.replace("postgresql://", "postgresql+psycopg://")}))
    provider.add(Kind.STAFF, HANDLER, "基准经办", PASSWORD, roles=("clerk",),
                 regions=(REGION,), department_code=code, department_name=DEPARTMENT,
                 positions=("clerk", "chief"))
    provider.add(Kind.PERSON, APPLICANT["id_number"], APPLICANT["name"], PASSWORD)
    provider.store.db.dispose()


# --- the measure -----------------------------------------------------------------------------


def load_page(clients: list[HallClient], paths: Callable[[int], str], marker: Callable[
        [int], str], requests: int, warm_up: int) -> dict:
    """``requests`` GETs by the clients at once (each its own thread), after ``warm_up``;
    every answer must be 200 and hold its marker."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(())

    def client(c: HallClient, until: int, keep: bool) -> None:
        mine: list[float] = []
        while True:
            with lock:
                n = next(counter)
            if n >= until:
                break
            path = paths(n)
            began = time.perf_counter()
            try:
                status, text = c.get(path)
            except (OSError, http.client.HTTPException) as exc:
                status, text = 0, repr(exc)
            spent = time.perf_counter() - began
            if status != 200 or marker(n) not in text:
                with lock:
                    if len(errors) < 5:
                        errors.append(f"{path}: {status} {text[:200]!r}")
                    errors.append("")
                continue
            mine.append(spent)
        if keep:
            with lock:
                latencies.extend(mine)

    for until, keep in ((warm_up, False), (warm_up + requests, True)):
        counter = iter(range(until - (requests if keep else warm_up), 10**9))
        started = time.perf_counter()
        with ThreadPoolExecutor(len(clients)) as pool:
            for future in [pool.submit(client, c, until, keep) for c in clients]:
                future.result()
        elapsed = time.perf_counter() - started
    result = summary(latencies, elapsed)
    return {"requests": len(latencies), "failed": sum(1 for e in errors if not e),
            "first_errors": [e for e in errors if e][:5],
            "per_s": result.get("transitions_per_s"), "p50_ms": result.get("p50_ms"),
            "p99_ms": result.get("p99_ms"), "mean_ms": result.get("mean_ms"),
            "max_ms": round(max(latencies) * 1000, 2) if latencies else None}


def measure(node: LocalNode, pg_url: str, name: str, run: Callable[[], dict]) -> dict:
    """One page's run, with the machine's load and who used the CPU meanwhile."""
    before_load = [round(v, 2) for v in os.getloadavg()]
    before = cpu_seconds(node, pg_url)
    result = run()
    after = cpu_seconds(node, pg_url)
    # PostgreSQL's backends are counted while they live: one that ended during the run takes
    # its CPU with it, so its figure is a lower bound (never below 0)
    spent = {k: round(max(0.0, after[k] - before.get(k, 0.0)), 2) for k in after}
    node_s = sum(v for k, v in spent.items() if k not in ("machine", "bench-client"))
    result["cpu_s"] = {**{k: v for k, v in sorted(spent.items(), key=lambda kv: -kv[1])
                          if v >= 0.05 and k not in ("machine", "bench-client")},
                       "node": round(node_s, 2),
                       "bench_client": spent.get("bench-client", 0.0),
                       "machine": spent.get("machine", 0.0),
                       "machine_other": round(spent.get("machine", 0.0) - node_s
                                              - spent.get("bench-client", 0.0), 2)}
    result["load_average"] = {"before": before_load,
                              "after": [round(v, 2) for v in os.getloadavg()]}
    return result


def kept_content(database: str) -> Path:
    """Where ``--keep`` writes what the kept database holds for the pages (read by
    ``--database``)."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    return out / f"hall-kept-{database}.json"


def make_content(node: LocalNode, secret: str, pg_url: str, open_cases: int) -> dict:
    """The item, the citizen's cases, the bulk of open cases and the accounts: what the
    pages show (the item's id, the citizen's case numbers, the bulk load's figures)."""
    token = mint_token(secret, "bench", ["admin"], ["510000"], ttl_s=7200)
    chief = mint_token(secret, "bench-chief", ["admin"], ["510000"], ttl_s=7200)
    item = publish_item(node.port("gateway_http"), token)
    direct = GrpcRoute("direct", f"127.0.0.1:{node.port('cases')}", token, chief)
    direct.item_id = item.item_id
    mine, open_ones = the_cases(direct, item)
    loaded = bulk_open_cases(pg_url, open_ones, open_cases)
    accounts(node, pg_url, department_code(pg_url, open_ones))
    return {"item_id": item.item_id, "mine": mine, "loaded": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open-cases", type=int, default=100_000,
                        help="open cases bulk-loaded before the inbox is timed")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="timed requests a page")
    parser.add_argument("--warm-up", type=int, default=200, help="untimed requests first")
    parser.add_argument("--pages", type=lambda text: tuple(p for p in text.split(",") if p),
                        default=("inbox", "track", "guide"),
                        help="the pages to time, comma-separated (default: all three)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy profiles during each page's run, into this directory")
    parser.add_argument("--profile-processes", type=lambda text: tuple(text.split(",")),
                        default=("hall", "cases", "catalogue"),
                        help="the processes --profile samples (default: hall,cases,catalogue)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database (and what it holds, for --database) and vhost")
    parser.add_argument("--database", default=None,
                        help="run on this database, kept by an earlier --keep: its content "
                             "(item, cases, bulk load, accounts) is used as it is, not made "
                             "again")
    args = parser.parse_args()
    with bench_node(args.database, keep=args.keep, **NODE_ENV) as (node, secret, pg_url,
                                                                   name):
        if args.database:
            content = json.loads(kept_content(name).read_text())
        else:
            content = make_content(node, secret, pg_url, args.open_cases)
            if args.keep:
                kept_content(name).write_text(json.dumps(content, ensure_ascii=False))
        item_id, mine, loaded = content["item_id"], content["mine"], content["loaded"]
        loaded = {**loaded, "documents_rendered_s": documents_rendered(pg_url),
                  "database": name, "reused": bool(args.database)}
        port = node.port("hall")
        handlers = [HallClient(port) for _ in range(args.concurrency)]
        citizens = [HallClient(port) for _ in range(args.concurrency)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: c.sign_in(Kind.STAFF, HANDLER, PASSWORD), handlers))
            list(pool.map(lambda c: c.sign_in(Kind.PERSON, APPLICANT["id_number"], PASSWORD),
                          citizens))
        anonymous = [HallClient(port) for _ in range(args.concurrency)]
        status, page = handlers[0].get("/workbench")
        shown = re.search(r"inbox-total\">([0-9,]+)<", page)
        pages = {
            "inbox": (handlers, lambda n: "/workbench", lambda n: "/workbench/cases/"),
            "track": (citizens, lambda n: f"/my/cases/{mine[n % len(mine)]}",
                      lambda n: mine[n % len(mine)]),
            "guide": (anonymous, lambda n: f"/items/{item_id}",
                      lambda n: "企业投资项目核准（基准）"),
        }
        results: dict[str, dict] = {}
        speeds: dict[str, float] = {}
        for label in args.pages:
            clients, paths, marker = pages[label]
            speeds[label] = speed_index()  # bench.machine: what a CPU second buys now
            with Profiles(args.profile, node, args.profile_processes, f"{label}-"):
                results[label] = measure(node, pg_url, label, lambda c=clients, p=paths,
                                         m=marker: load_page(c, p, m, args.requests,
                                                             args.warm_up))
        for c in (*handlers, *citizens, *anonymous):
            c.conn.close()
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    result = {
        "benchmark": "hall pages",
        "database": "postgresql",
        "machine": {"cpus": os.cpu_count(), "memory_gib": memory_gib,
                    "python": platform.python_version(),
                    "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
                    "speed_before_each_page": speeds},
        "concurrency": args.concurrency, "requests_per_page": args.requests,
        "node": {**loaded, "handler_inbox_first_page": status,
                 "handler_inbox_total": shown.group(1) if shown else None,
                 "citizen_cases": len(mine)},
        **results,
        "target_ms": TARGET_MS,
        "inbox_p99_ms": results.get("inbox", {}).get("p99_ms"),
        "track_p99_ms": results.get("track", {}).get("p99_ms"),
        "guide_p99_ms": results.get("guide", {}).get("p99_ms"),
        "command": "python -m bench.hall " + " ".join(sys.argv[1:]),
        "run": uuid.uuid4().hex[:8],
    }
    write_result("hall", result)


if __name__ == "__main__":
    sys.exit(main())
