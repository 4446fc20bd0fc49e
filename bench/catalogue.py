"""Benchmark: a Liaoning-scale catalogue (146,000 items) — import time and search latency.

The items are the real Guang'an district catalogue (1135 rows) replayed across Sichuan's real
county codes, each row's area code and the region part of its implementation code rewritten
to the county, until 146,000 rows. The real file cites no legal basis, and no power without one
is published (职权法定): the benchmark adds a column citing one law to every row (benchmark
data, not a fact about the items), so that the whole file is published. For each backend
(SQLite, PostgreSQL) a catalogue process is started on a fresh database, the file is imported
with ``sunlight catalogue import --publish-reviewed`` (wall time of the command =
``import_s``), then a fixed query mix (names, full pinyin, initials, filters) is sent over
gRPC: p50/p99 per backend.

The last line printed is one JSON object. Run: ``make bench-catalogue``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc
import psycopg
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from bench.cases import percentile, write_result
from infra.localnode import LocalNode
from services.shared.auth import mint_token
from services.shared.migrations import upgrade
from services.shared.region_data import RegionDirectory
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "catalogues" / "guang_an_511602.csv"
PG_ADMIN = os.environ.get("SUNLIGHT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ITEMS = 146_000
#: the legal basis the benchmark file cites for every row (see the module's docstring)
BENCH_LEGAL_BASIS = "《中华人民共和国行政许可法》"
QUERIES: list[tuple[str, dict]] = [
    ("企业投资项目备案", {}),
    ("建筑", {}),
    ("食品经营许可", {}),
    ("备案", {"region": "511602"}),
    ("qiyetouzi", {}),
    ("jianzhu", {}),
    ("qyba", {}),
    ("jzgc", {}),
    ("", {"region": "511602", "item_type": "01"}),
    ("许可", {"department": "区行政审批局"}),
    ("登记", {"region": "510100"}),
    ("ylbx", {"region": "511600"}),
]


def replay_file(target: Path, count: int = ITEMS) -> int:
    """Write ``count`` rows: the Guang'an rows replayed county by county across Sichuan."""
    with SOURCE.open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames or []
        rows = list(reader)
    counties = [r.code for r in RegionDirectory.load().counties_of_province("51")]
    written = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*columns, "legal_basis"])
        writer.writeheader()
        for county in counties:
            for row in rows:
                if written == count:
                    return written
                region12 = f"{county}000000"
                writer.writerow({**row, "area_code": region12,
                                 "item_code": row["item_code"].replace("511602000000",
                                                                       region12),
                                 "legal_basis": BENCH_LEGAL_BASIS})
                written += 1
    return written


def run_backend(label: str, env: dict[str, str], data: Path, secret: str, logs: Path,
                rounds: int) -> dict:
    node = LocalNode.on_free_ports(logs / label, SUNLIGHT_TOKEN_KEY=secret,
                                   SUNLIGHT_LOG_LEVEL="WARNING", **env)
    node.start(["catalogue"])
    try:
        node.wait_healthy(timeout_s=120)
        token = mint_token(secret, "bench-importer", ["admin"], ["510000"], ttl_s=7200)
        sunlight = Path(sys.executable).with_name("sunlight")
        report = logs / f"{label}-report.json"
        mapping = logs / "mapping.json"
        mapping.write_text(json.dumps({"legal_basis": "legal_basis"}), encoding="utf-8")
        started = time.perf_counter()
        result = subprocess.run(
            [str(sunlight), "catalogue", "import", str(data), "--region", "510000",
             "--mapping", str(mapping), "--publish-reviewed",
             "--legal-reviewer", "bench-legal", "--staffing-reviewer", "bench-staffing",
             "--approving-document", "基准测试〔2026〕1号",
             "--report", str(report), "--token", token],
            cwd=ROOT, env=node.full_env(), capture_output=True, text=True, timeout=1800)
        import_s = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"import failed: {result.stdout}\n{result.stderr}")
        counts = json.loads(report.read_text("utf-8"))
        stub = pb_grpc.CatalogueServiceStub(
            grpc.insecure_channel(f"127.0.0.1:{node.port('catalogue')}"))
        for query, filters in QUERIES:  # warm-up: first use of each query path
            stub.SearchItems(pb.SearchItemsRequest(query=query, page_size=20, **filters),
                             timeout=30)
        latencies: list[float] = []
        per_query: dict[str, list[float]] = {}
        hits: dict[str, int] = {}
        for _ in range(rounds):
            for query, filters in QUERIES:
                began = time.perf_counter()
                reply = stub.SearchItems(pb.SearchItemsRequest(
                    query=query, page_size=20, **filters), timeout=30)
                spent = (time.perf_counter() - began) * 1000
                latencies.append(spent)
                name = f"{query}|{','.join(f'{k}={v}' for k, v in filters.items())}"
                per_query.setdefault(name, []).append(spent)
                hits[name] = reply.total
        return {
            "import_s": round(import_s, 1),
            "imported": {k: counts[k] for k in ("total", "accepted", "flagged", "rejected")},
            "search_p50_ms": round(percentile(latencies, 50), 2),
            "search_p99_ms": round(percentile(latencies, 99), 2),
            "searches": len(latencies),
            "queries": {name: {"p50_ms": round(percentile(v, 50), 2),
                               "p99_ms": round(percentile(v, 99), 2), "total": hits[name]}
                        for name, v in per_query.items()},
        }
    finally:
        node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--rounds", type=int, default=50, help="passes over the query mix")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sunlight-bench-catalogue-"))
    data = work / "sichuan_146k.csv"
    rows = replay_file(data, args.items)
    secret = os.environ.get("SUNLIGHT_TOKEN_KEY") or TokenKey.generate().to_text()
    result: dict = {"benchmark": "catalogue import and search", "items": rows,
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
                                                    * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
                    "query_mix": [q for q, _ in QUERIES]}
    if args.backend in ("sqlite", "both"):
        var = work / "var"
        env = {"SUNLIGHT_VAR_DIR": str(var), "DATABASE_URL": ""}
        from services.shared.config import Settings  # noqa: PLC0415
        from services.shared.db import database_url  # noqa: PLC0415

        settings = Settings(var_dir=var, database_url=None)
        upgrade(ROOT / "services" / "catalogue" / "migrations",
                database_url(settings, "catalogue"), "catalogue")
        result["sqlite"] = run_backend("sqlite", env, data, secret, work, args.rounds)
    if args.backend in ("postgresql", "both"):
        name = f"sunlight_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
        try:
            upgrade(ROOT / "services" / "catalogue" / "migrations",
                    url.replace("postgresql://", "postgresql+psycopg://"), "catalogue")
            result["postgresql"] = run_backend("postgresql", {"DATABASE_URL": url}, data,
                                               secret, work, args.rounds)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    write_result("catalogue", result)


if __name__ == "__main__":
    main()
