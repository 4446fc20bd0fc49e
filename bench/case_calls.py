"""The case service's own CPU for each call of the hall's pages: ``python -m bench.case_calls
--database NAME`` (a database kept by ``python -m bench.hall --keep``).

In one process, no transport: the servicer (``CaseServicer`` over ``CaseService``) on the
kept database's cases, called on one thread as the hall calls it — ``ListQueue`` (the
handler's inbox, the first page of 20 of their group's running steps), ``GetCase`` and
``ListCaseAccesses`` (the citizen's case page, over their cases) — ``--calls`` times each
after 200 untimed, each call timed by ``time.process_time``: the CPU of the service's own
Python and its driver, without gRPC's. Two versions of the code compare by running this from
each one's tree in turn.

The last line printed is one JSON object: CPU milliseconds per call, by method.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sunlight.cases.v1 import cases_pb2 as pb

from bench.cases import APPLICANT, PG_ADMIN, REGION
from bench.hall import HANDLER, kept_content
from services.cases.api import CaseServicer
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar

NODE = "510000"


class Context:
    """What the servicer reads of a gRPC call: the caller's token."""

    def __init__(self, token: str) -> None:
        self.metadata = (("authorization", f"Bearer {token}"),)

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata

    def abort(self, code: Any, details: str) -> None:
        raise RuntimeError(code, details)

    def set_trailing_metadata(self, *_: Any) -> None:
        return None


def timed(call: Callable[[int], Any], calls: int) -> float:
    """CPU milliseconds per call, after 200 untimed."""
    for n in range(200):
        call(n)
    spent = 0.0
    for n in range(calls):
        began = time.process_time()
        call(n)
        spent += time.process_time() - began
    return round(spent * 1000 / calls, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="kept by bench.hall --keep")
    parser.add_argument("--calls", type=int, default=1000, help="timed calls a method")
    args = parser.parse_args()
    mine = json.loads(kept_content(args.database).read_text())["mine"]
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{args.database}".replace(
        "postgresql://", "postgresql+psycopg://")
    db = Database(url, "cases", pool_size=4)
    with db.engine.connect() as conn:
        code = conn.execute(text("SELECT department_code FROM step_instances WHERE key NOT "
                                 "LIKE '%/%' AND department_code <> '' LIMIT 1")).scalar()
    key = TokenKey.generate().to_text()
    servicer = CaseServicer(CaseService(db, None, WorkingCalendar.official(), NODE),
                            Authenticator(key, NODE))
    staff = Context(mint_token(key, HANDLER, ["clerk"], [REGION], department=code,
                               positions=("clerk", "chief"), issuer=NODE, ttl_s=3600))
    person = Context(mint_token(key, f"id_card:{APPLICANT['id_number']}", ["public"],
                                [REGION], issuer=NODE, ttl_s=3600))
    try:
        result = {
            "ListQueue": timed(lambda n: servicer.ListQueue(
                pb.ListQueueRequest(page_size=20), staff), args.calls),
            "GetCase": timed(lambda n: servicer.GetCase(
                pb.GetCaseRequest(case_number=mine[n % len(mine)]), person), args.calls),
            "ListCaseAccesses": timed(lambda n: servicer.ListCaseAccesses(
                pb.ListCaseAccessesRequest(case_number=mine[n % len(mine)], page_size=50),
                person), args.calls),
        }
    finally:
        db.dispose()
    print(json.dumps({"benchmark": "case service calls of the hall's pages",
                      "cpu_ms_per_call": result, "calls": args.calls,
                      "load_average": [round(v, 2) for v in os.getloadavg()]}))


if __name__ == "__main__":
    main()
