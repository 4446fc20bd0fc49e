"""The case service's own CPU per transition, in one process: ``python -m bench.case_transitions``.

``bench-cases``' flow and mix (``bench.cases.run_case``: five steps with a two-branch
parallel stage, one case in ten with supplements, one in twenty with a return) called
straight on the servicer (``CaseServicer`` over ``CaseService``), no transport: the requests
and answers are the protos gRPC would carry, the unit of work writes state, steps, trace and
outbox to a fresh PostgreSQL database (dropped afterwards), and the item's published version
is the bench's item converted as the catalogue's answer would be (``snapshot_from_pb``). No
relay, no supervision, no gRPC: what is left is the service's own Python and its driver, the
2 ms a transition that is the largest single cost of ``bench-cases``.

``--cases`` whole flows are timed by ``time.process_time`` after ``--warm`` untimed ones; the
figure includes the client's few microseconds of building requests. ``--profile N`` prints
cProfile's N costliest functions by their own CPU time and by cumulative CPU time (cProfile
slows every call: compare the shares, not the milliseconds). Two versions of the code compare
by running this from each one's tree in turn, at like speed (``speed_index`` is in the result).

CPU time on a shared virtual machine moves by ±15 % from run to run, more than most changes
of the code; instructions do not. Under ``valgrind --tool=callgrind`` the run's instructions
are counted (its ``Collected`` line); two runs with ``--warm 10`` and ``--cases 10`` and
``40`` differ by 30 cases' transitions, and the difference of their counts divided by the
difference of their transitions is the instructions a transition costs, start-up left out
(~1.5 minutes each run).

The last line printed is one JSON object: ``cpu_ms_per_transition`` (and the wall time, the
database's round trips included).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
import uuid

import psycopg
from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from bench.case_calls import Context
from bench.cases import (
    DEPARTMENT,
    FLOW,
    MATERIALS,
    PG_ADMIN,
    REGION,
    ROOT,
    GrpcRoute,
    Item,
    Record,
    Route,
    View,
    act_request,
    implementation_code,
    run_case,
    submit_request,
)
from bench.machine import speed_index
from services.cases.api import CaseServicer
from services.cases.catalogue_client import snapshot_from_pb
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.migrations import upgrade
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar

NODE = "510000"
ITEM_ID = "bench-item"


def bench_snapshot() -> ItemSnapshot:
    """The bench's item as the case service keeps the catalogue's answer for it."""
    version = cpb.ItemVersion(item_id=ITEM_ID, version=1, current_version=1,
                              status=cpb.VERSION_STATUS_PUBLISHED, state=cpb.ITEM_STATE_ACTIVE)
    json_format.ParseDict({
        "name": "企业投资项目核准（基准）", "code": implementation_code(), "item_type": "01",
        "region": REGION, "department": DEPARTMENT, "statutory_limit_days": 20,
        "promised_limit_days": 10, "steps": FLOW, "materials": MATERIALS,
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]},
        version.content)
    return snapshot_from_pb(version)


class Items:
    """The catalogue, answering the one item (its network call is not the service's CPU)."""

    def __init__(self, snapshot: ItemSnapshot) -> None:
        self.snapshot = snapshot

    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return self.snapshot


class InProcessRoute(Route):
    """``bench-cases``' requests, handed to the servicer in this thread."""

    name = "in_process"
    item_id = ITEM_ID

    def __init__(self, servicer: CaseServicer, token: str, chief: str) -> None:
        self.servicer = servicer
        self.context, self.chief = Context(token), Context(chief)

    def submit(self, key: str, materials: list[dict]) -> View:
        return GrpcRoute.view(self.servicer.SubmitApplication(
            submit_request(self.item_id, key, materials), self.context).case)

    def act(self, number: str, key: str, action: str, args: dict, chief: bool) -> View:
        return GrpcRoute.view(self.servicer.ActOnCase(
            act_request(number, key, action, args), self.chief if chief else self.context).case)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="timed cases (whole flows)")
    parser.add_argument("--warm", type=int, default=40, help="untimed cases first")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print cProfile's N costliest functions of the timed cases")
    args = parser.parse_args()
    name = f"sunlight_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")
    db: Database | None = None
    try:
        upgrade(ROOT / "services" / "cases" / "migrations", url, "cases")
        db = Database(url, "cases", pool_size=2)
        key = TokenKey.generate().to_text()
        servicer = CaseServicer(
            CaseService(db, Items(bench_snapshot()), WorkingCalendar.official(), NODE),
            Authenticator(key, NODE))
        # who accepted a case does not decide it: the decisions are another administrator's
        route = InProcessRoute(
            servicer, mint_token(key, "bench", ["admin"], [NODE], issuer=NODE, ttl_s=7200),
            mint_token(key, "bench-chief", ["admin"], [NODE], issuer=NODE, ttl_s=7200))
        item = Item(ITEM_ID, tuple(m["key"] for m in MATERIALS), 2, FLOW[-1]["key"])
        for index in range(args.warm):
            run_case(route, item, index, Record(), retry=False)
        speed = speed_index()
        record = Record()
        profile = cProfile.Profile(time.process_time) if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        for index in range(1000, 1000 + args.cases):
            run_case(route, item, index, record, retry=False)
        if profile:
            profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        if db is not None:
            db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
    transitions = len(record.latencies)
    print(json.dumps({
        "benchmark": "case service, one process, no transport",
        "cpu_ms_per_transition": round(cpu * 1000 / transitions, 3),
        "wall_ms_per_transition": round(wall * 1000 / transitions, 3),
        "transitions": transitions, "cases": args.cases, "profiled": bool(profile),
        "speed_index": speed, "load_average": [round(v, 2) for v in os.getloadavg()]}))


if __name__ == "__main__":
    main()
