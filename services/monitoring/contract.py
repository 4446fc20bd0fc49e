"""Translation of supervision's warnings to its contract (sunlight.monitoring.v1). No gRPC
here: the worker (a nameko process) writes warning events with it."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.monitoring.v1 import monitoring_pb2 as pb

from services.monitoring.domain import warnings as w
from services.monitoring.domain.rules import Severity

SEVERITY = {Severity.YELLOW: pb.SEVERITY_YELLOW, Severity.RED: pb.SEVERITY_RED}
SEVERITY_FROM_PB = {v: k for k, v in SEVERITY.items()}
STATUS = {s: getattr(pb, f"WARNING_STATUS_{s.name}") for s in w.Status}


def _ts(target: Timestamp, moment: datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def warning_to_pb(warning: w.Warning) -> pb.Warning:
    message = pb.Warning(
        warning_id=warning.warning_id, case_number=warning.case_number,
        region=warning.region, department=warning.department,
        department_code=warning.department_code, item_id=warning.item_id,
        rule=warning.rule, rule_title=warning.title, subject=warning.subject,
        severity=SEVERITY[warning.severity], status=STATUS[warning.status],
        explanation=warning.explanation,
        facts={k: str(v) for k, v in warning.facts.items()}, handler=warning.handler,
        accountability=warning.accountability, accountable_by=warning.accountable_by,
        notice=warning.notice,
        rectify_by=warning.rectify_by.isoformat() if warning.rectify_by else "")
    for entry in warning.history:
        item = message.history.add(by=entry.by, action=entry.action, note=entry.note,
                                   severity=SEVERITY[Severity(entry.severity)])
        _ts(item.at, entry.at)
    _ts(message.raised_at, warning.raised_at)
    _ts(message.updated_at, warning.updated_at)
    _ts(message.closed_at, warning.closed_at)
    return message
