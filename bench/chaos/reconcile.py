"""After the faults: what the clients were told, against what every node holds.

For each node, once its outboxes are empty and supervision has caught up (a bounded wait):

- every acknowledged transition is in the case service exactly once: the case's sequence is
  the one the client last read (less: lost; more: applied twice) — ``bench.cases.integrity``;
- every event of those cases has one outbox row, published, and supervision applied it once
  (its inbox row; its record of the case counts each event once and is at the case's last
  sequence);
- every case's trace chain verifies (``VerifyTrace``, as ``sunlight cases verify`` asks);
- no outbox row of any service is left unpublished.
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


@dataclass
class NodeCheck:
    region: str
    node: LocalNode
    token: str
    acknowledged: dict[str, int]

    def caught_up(self) -> bool:
        url = pg_url(self.node)
        if any(unpublished(url).values()):
            return False
        checked = integrity(url, self.acknowledged)
        return checked["lost_events"] == 0 and checked["records_not_current"] == 0

    def result(self, drained_s: float | None) -> dict:
        url = pg_url(self.node)
        numbers = list(self.acknowledged)
        checked = integrity(url, self.acknowledged)
        return {"cases": len(numbers),
                "acknowledged": sum(self.acknowledged.values()),
                **counts(url, numbers),
                "integrity": checked,
                "unpublished_outbox_rows": unpublished(url),
                "chains": verify_chains(self.node, self.token, numbers),
                "drained_after_s": drained_s}


def reconcile(checks: list[NodeCheck], timeout_s: float = DRAIN_TIMEOUT_S) -> dict[str, dict]:
    """Wait (at most ``timeout_s``) for every node to drain, then check each one."""
    started = time.monotonic()
    out: dict[str, dict] = {}
    for check in checks:
        drained: float | None = None
        while time.monotonic() - started < timeout_s:
            try:
                if check.caught_up():
                    drained = round(time.monotonic() - started, 1)
                    break
            except psycopg.Error:
                pass
            time.sleep(0.5)
        out[check.region] = check.result(drained)
    return out
