"""Supervision keeps the standards library and the change obligations from catalogue events."""

from __future__ import annotations

import json

from google.protobuf import json_format
from sqlalchemy import select
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.common.v1 import common_pb2

from services.monitoring import storage as t
from services.monitoring.projection import Projection
from services.shared.db import Database
from services.shared.events import make_event, parse_event


def _event(event_type: str, message) -> object:
    # through the wire form, as the worker receives it
    return parse_event(make_event(event_type, message, node="510000",
                                  region="511602").to_json())


def _obligation(status: int) -> pb.ObligationEvent:
    return pb.ObligationEvent(obligation=pb.ChangeObligation(
        obligation_id="o-1", item_id="i-1", region="511602", department="区发展改革局",
        description="第十二条修订", due_date="2026-10-16", status=status))


def test_standards_and_obligations(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/m.db", "monitoring")
    t.metadata.create_all(db.engine)
    projection = Projection(db)
    item = pb.ItemVersion(item_id="i-1", version=1, status=pb.VERSION_STATUS_PUBLISHED,
                          state=pb.ITEM_STATE_SUSPENDED,
                          content=pb.ItemDraft(name="备案", promised_limit_days=5))
    assert projection.apply(_event("item.adjusted", pb.ItemEvent(item=item, action="suspend")))
    overdue = _event("item.change_overdue", _obligation(pb.OBLIGATION_STATUS_OVERDUE))
    late_open = _event("item.change_required", _obligation(pb.OBLIGATION_STATUS_OPEN))
    assert projection.apply(overdue)
    assert projection.apply(late_open)
    assert not projection.apply(late_open), "a redelivered event is applied once"
    with db.transaction() as s:
        standard = s.execute(select(t.standards)).one()
        obligation = s.execute(select(t.catalogue_obligations)).one()
    assert standard.state == "ITEM_STATE_SUSPENDED" and '"promised_limit_days": 5' in \
        standard.content
    assert obligation.status == "OBLIGATION_STATUS_OVERDUE"
    assert obligation.due_date == "2026-10-16"


def test_the_standards_library_keeps_the_case_engine_fields(tmp_path) -> None:
    """Item events carry the whole version: the modes, step kinds, the steps a case may
    return to, units, keys and special procedures reach supervision's standards library."""
    db = Database(f"sqlite:///{tmp_path}/m.db", "monitoring")
    t.metadata.create_all(db.engine)
    content = pb.ItemDraft(
        name="行政处罚决定", promised_limit_days=60, classified=True,
        limit_unit=common_pb2.TIME_UNIT_CALENDAR_DAYS,
        modes=[common_pb2.HANDLING_MODE_PROMISED, common_pb2.HANDLING_MODE_REPORTED],
        special_procedures=[common_pb2.SPECIAL_PROCEDURE_HEARING],
        materials=[pb.Material(name="立案审批表", key="filing_form")],
        steps=[pb.Step(key="accept", name="立案", kind=pb.STEP_KIND_ACCEPTANCE),
               pb.Step(key="investigate", name="调查", kind=pb.STEP_KIND_REVIEW,
                       parallel_branches=[pb.Branch(department="区公安分局", name="协查",
                                                    key="police")]),
               pb.Step(key="decide", name="决定", kind=pb.STEP_KIND_DECISION,
                       returns_to=["investigate"], department="市市场监管局")])
    item = pb.ItemVersion(item_id="i-2", version=1, status=pb.VERSION_STATUS_PUBLISHED,
                          state=pb.ITEM_STATE_ACTIVE, content=content)
    assert Projection(db).apply(_event("item.published", pb.ItemEvent(item=item,
                                                                       action="published")))
    with db.transaction() as s:
        stored = json.loads(s.execute(select(t.standards.c.content)).scalar_one())
    assert stored["modes"] == ["HANDLING_MODE_PROMISED", "HANDLING_MODE_REPORTED"]
    assert stored["special_procedures"] == ["SPECIAL_PROCEDURE_HEARING"]
    assert [s["kind"] for s in stored["steps"]] == ["STEP_KIND_ACCEPTANCE", "STEP_KIND_REVIEW",
                                                    "STEP_KIND_DECISION"]
    assert stored["steps"][2]["returns_to"] == ["investigate"]
    assert stored["steps"][1]["parallel_branches"][0]["key"] == "police"
    assert stored["materials"][0]["key"] == "filing_form" and stored["classified"] is True
    json_format.ParseDict(stored, pb.ItemDraft())  # the contract's JSON, as sent


def test_an_obligation_fulfilled_stays_fulfilled_and_keeps_what_a_warning_quotes(
        tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/m.db", "monitoring")
    t.metadata.create_all(db.engine)
    projection = Projection(db)

    def obligation(status: int) -> pb.ObligationEvent:
        message = _obligation(status)
        message.obligation.department_code = "115113016823646795"
        message.obligation.kind = pb.CHANGE_KIND_LEGAL_BASIS
        message.obligation.law = "《企业投资项目核准和备案管理条例》"
        message.obligation.effective_on = "2026-09-28"
        return message

    assert projection.apply(_event("item.change_fulfilled",
                                   obligation(pb.OBLIGATION_STATUS_FULFILLED)))
    # the overdue event arrives after the fulfilment (redelivered late): it changes nothing
    assert projection.apply(_event("item.change_overdue",
                                   obligation(pb.OBLIGATION_STATUS_OVERDUE)))
    with db.transaction() as s:
        kept = s.execute(select(t.catalogue_obligations)).one()
    assert kept.status == "OBLIGATION_STATUS_FULFILLED"
    assert (kept.department_code, kept.kind, kept.law, kept.effective_on) == (
        "115113016823646795", "CHANGE_KIND_LEGAL_BASIS", "《企业投资项目核准和备案管理条例》",
        "2026-09-28")
