"""After the faults: what the clients were told, against what every node holds.

For each node, once its outboxes are empty and supervision has caught up (a bounded wait):

- every acknowledged transition is in the case service exactly once: the case's sequence is
  the one the client last read (less: lost; more: applied twice) — ``bench.cases.integrity``;
- every event of those cases has one outbox row, published, and supervision applied it once
  (its inbox row; its record of the case counts each event once and is at the case's last
  sequence);
- every case's trace chain verifies (``VerifyTrace``, as ``sunlight cases verify`` asks);
- no outbox row of any service is left unpublished;
- with the province's node in the run (510000), every node below it rolled its events up
  (``infra.rollup``): the province's supervision received each once and its record of each
  case is at the case's last sequence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import grpc
import psycopg
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from bench.cases import integrity
from infra.localnode import LocalNode

DRAIN_TIMEOUT_S = 180.0


def pg_url(node: LocalNode) -> str:
    return node.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def outbox_tables(conn: psycopg.Connection) -> list[str]:
    return [f"{schema}.outbox" for (schema,) in conn.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' "
        "ORDER BY 1").fetchall()]


def unpublished(url: str) -> dict[str, int]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        return {table: int(conn.execute(
            f"SELECT count(*) FROM {table} WHERE published_at IS NULL").fetchone()[0])  # noqa: S608
            for table in outbox_tables(conn)}


def counts(url: str, numbers: list[str]) -> dict[str, int]:
    """Transitions committed (Σ the cases' sequences), their events delivered to supervision
    (inbox rows) and projected (Σ events applied in supervision's records)."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        committed = conn.execute("SELECT coalesce(sum(sequence), 0) FROM cases.cases "
                                 "WHERE case_number = ANY(%s)", (numbers,)).fetchone()[0]
        delivered = conn.execute(
            "SELECT count(*) FROM cases.outbox o JOIN monitoring.inbox i ON i.event_id = "
            "o.event_id AND i.consumer = 'monitoring' WHERE o.routing_key NOT LIKE "
            "'case.trace_root%%' AND o.body::json->'data'->>'case_number' = ANY(%s)",
            (numbers,)).fetchone()[0]
        projected = conn.execute(
            "SELECT coalesce(sum(events_applied), 0) FROM monitoring.case_records "
            "WHERE case_number = ANY(%s)", (numbers,)).fetchone()[0]
    return {"committed": int(committed), "delivered": int(delivered),
            "projected": int(projected)}


def verify_chains(node: LocalNode, token: str, numbers: list[str]) -> dict:
    stub = cases_pb2_grpc.CaseServiceStub(grpc.insecure_channel(
        f"127.0.0.1:{node.port('cases')}"))
    failed: list[str] = []
    verified = 0
    for number in numbers:
        answer = stub.VerifyTrace(cases_pb2.VerifyTraceRequest(
            case_number=number, purpose="容错测试核对"), timeout=30,
            metadata=(("authorization", f"Bearer {token}"),))
        if answer.intact:
            verified += 1
        else:
            failed.append(f"{number}: entry {answer.broken_at}: {answer.reason}")
    return {"verified": verified, "failed": len(failed), "failures": failed[:10]}


def rolled_up(province: LocalNode, node: LocalNode, acknowledged: dict[str, int]) -> dict:
    """The node's case events in the province's supervision: missing, counted twice, records
    behind the case service."""
    numbers = list(acknowledged)
    with psycopg.connect(pg_url(node), connect_timeout=10) as conn:
        stored = dict(conn.execute("SELECT case_number, sequence FROM cases.cases "
                                   "WHERE case_number = ANY(%s)", (numbers,)).fetchall())
        events = [r[0] for r in conn.execute(
            "SELECT event_id FROM cases.outbox WHERE routing_key NOT LIKE 'case.trace_root%%' "
            "AND body::json->'data'->>'case_number' = ANY(%s)", (numbers,))]
    with psycopg.connect(pg_url(province), connect_timeout=10) as conn:
        received = {r[0] for r in conn.execute(
            "SELECT event_id FROM monitoring.inbox WHERE consumer = 'monitoring' "
            "AND event_id = ANY(%s)", (events,))}
        records = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT case_number, events_applied, last_sequence FROM monitoring.case_records "
            "WHERE case_number = ANY(%s)", (numbers,))}
    return {"events": len(events), "received": len(received),
            "missing": len(set(events) - received),
            "applied_twice": sum(max(0, records.get(n, (0, 0))[0] - s)
                                 for n, s in stored.items()),
            "records_behind": sum(1 for n, s in stored.items()
                                  if records.get(n, (0, 0))[1] != s)}


@dataclass
class NodeCheck:
    region: str
    node: LocalNode
    token: str
    acknowledged: dict[str, int]
    province: LocalNode | None = None  # the province's node, when the node rolls up to it

    def caught_up(self) -> bool:
        url = pg_url(self.node)
        if any(unpublished(url).values()):
            return False
        checked = integrity(url, self.acknowledged)
        if checked["lost_events"] or checked["records_not_current"]:
            return False
        if self.province is not None:
            rolled = rolled_up(self.province, self.node, self.acknowledged)
            return not (rolled["missing"] or rolled["records_behind"])
        return True

    def result(self, drained_s: float | None) -> dict:
        url = pg_url(self.node)
        numbers = list(self.acknowledged)
        checked = integrity(url, self.acknowledged)
        rolled = (rolled_up(self.province, self.node, self.acknowledged)
                  if self.province is not None else None)
        if rolled is not None:  # the province's copy counts as this node's own
            checked = {**checked,
                       "lost_events": checked["lost_events"] + rolled["missing"],
                       "duplicated_events": checked["duplicated_events"]
                       + rolled["applied_twice"],
                       "records_not_current": checked["records_not_current"]
                       + rolled["records_behind"]}
        return {"cases": len(numbers),
                "acknowledged": sum(self.acknowledged.values()),
                **counts(url, numbers),
                "integrity": checked,
                "unpublished_outbox_rows": unpublished(url),
                "chains": verify_chains(self.node, self.token, numbers),
                "rolled_up_to_province": rolled,
                "drained_after_s": drained_s}


def reconcile(checks: list[NodeCheck], timeout_s: float = DRAIN_TIMEOUT_S) -> dict[str, dict]:
    """Wait (at most ``timeout_s``) for every node to drain, then check each one."""
    started = time.monotonic()
    drained: dict[str, float] = {}
    while len(drained) < len(checks) and time.monotonic() - started < timeout_s:
        for check in checks:
            if check.region in drained:
                continue
            try:
                if check.caught_up():
                    drained[check.region] = round(time.monotonic() - started, 1)
            except psycopg.Error:
                pass  # the database coming back: again
        if len(drained) < len(checks):
            time.sleep(0.5)
    return {check.region: check.result(drained.get(check.region)) for check in checks}
