"""Benchmark of the audit of case-file reads: ``.venv/bin/python -m bench.audit``.

What one audited read costs the case service on PostgreSQL: ``CaseService.get`` of one case
``--reads`` times, in turn with the audit row written and without it (the case's read
alone), for the applicant's own read (the citizen's status page, ``/my/cases/<number>``:
the row rides on the case's read, one round trip for both) and a clerk's read of the
internal view (the row in a round trip of its own after the case's read: BEGIN, the row,
COMMIT with ``synchronous_commit`` off for that transaction alone). The database is a schema of
its own in ``--database`` (default: the local server's ``test`` database), dropped at the end.

The last line printed is one JSON object: median, p95 and p99 in milliseconds per case.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from services.cases.service import CaseService
from services.shared.auth import Principal, permissions_of
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.working_days import WorkingCalendar
from tests.support.cases import APPLICANT, CLERK, application, item, key

CASES = Path(__file__).resolve().parents[1] / "services" / "cases" / "migrations"


class _Items:
    def __init__(self) -> None:
        self.item = item()

    def in_force(self, item_id: str, version: int):  # type: ignore[no-untyped-def]
        return self.item


def _timed(read, count: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for _ in range(50):  # warm: connections, decoded snapshots, compiled statements
        read()
    spent = []
    for _ in range(count):
        start = time.perf_counter()
        read()
        spent.append((time.perf_counter() - start) * 1000)
    spent.sort()
    return {"median_ms": round(statistics.median(spent), 3),
            "p95_ms": round(spent[int(count * 0.95) - 1], 3),
            "p99_ms": round(spent[int(count * 0.99) - 1], 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args(argv)
    schema = f"bench_audit_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, args.database, schema)
    db = Database(args.database, schema, pool_size=2)
    try:
        items = _Items()
        service = CaseService(db, items, WorkingCalendar.official(), "510000")
        number = service.submit(CLERK, application(items.item), key()).number
        citizen = Principal(f"id_card:{APPLICANT.id_number}", ("public",), ("511602",),
                            permissions=permissions_of(["public"]))
        results: dict[str, object] = {"reads": args.reads, "database": "postgresql"}
        store = service.store
        kept_log, kept_own = store.log_access, store.read_own_case
        for who, principal in (("own", citizen), ("clerk", CLERK)):
            def read(p: Principal = principal) -> None:
                service.get(p, number)

            results[f"{who}_audited"] = _timed(read, args.reads)
            # the same read without its row: the case's read alone
            store.log_access = lambda row: None  # type: ignore[method-assign]
            store.read_own_case = lambda n, k, r: (store.read_case(n), True)  # type: ignore[method-assign]
            results[f"{who}_unaudited"] = _timed(read, args.reads)
            store.log_access, store.read_own_case = kept_log, kept_own  # type: ignore[method-assign]
        with db.read() as s:
            results["rows"] = s.execute(text("SELECT count(*) FROM case_accesses")).scalar()
        print(json.dumps(results))
    finally:
        db.dispose()
        cleanup = Database(args.database, schema, pool_size=1)
        with cleanup.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        cleanup.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
