"""The fast proto3 JSON mapping writes what json_format writes."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1 import common_pb2

from services.shared.protojson import message_to_dict


def _case() -> pb.Case:
    case = pb.Case(case_number="511602202611300000001", region="511602", item_version=3,
                   status=pb.CASE_STATUS_IN_PROGRESS, sequence=2**40, next_steps=["审核", "决定"],
                   allowed_actions=["claim"], mode=common_pb2.HANDLING_MODE_PROMISED,
                   promised_limit_days=10)
    case.steps.add(index=0, key="accept", name="受理", status=pb.STEP_STATUS_DONE,
                   limit_unit=common_pb2.TIME_UNIT_WORKING_DAYS, days_left=-2)
    step = case.steps.add(index=1, key="review/fire", status=pb.STEP_STATUS_ACTIVE)
    step.started_at.FromDatetime(datetime(2026, 11, 30, 6, 1, 2, 345678, tzinfo=UTC))
    case.accepted_at.FromDatetime(datetime(2026, 11, 30, 6, 1, 2, tzinfo=UTC))
    case.promised.CopyFrom(pb.Due(limit_days=10, due_date="2026-12-14", used=1, left=9))
    case.clock.CopyFrom(pb.Clock())
    case.materials.add(key="form", originals=1)
    case.decision.CopyFrom(pb.Decision(outcome=pb.DECISION_OUTCOME_APPROVE,
                                       legal_basis=["《行政许可法》第三十八条"]))
    return case


MESSAGES = [
    _case(), pb.Case(), pb.CaseResponse(case=_case()),
    pb.CaseEvent(case_number="x", status=7, step=pb.CaseStep(status=99), sequence=1),
    pb.TraceEntry(seq=5, data_json='{"a":1}'),
    cpb.ItemDraft(name="企业投资项目备案", steps=[cpb.Step(key="a", name="受理", role="clerk",
                                                        parallel_branches=[cpb.Branch(
                                                            department="d", name="n")])]),
    common_pb2.Money(currency_code="CNY", units=-12, nanos=-5),
    common_pb2.ErrorDetail(code="X", metadata={"a": "b"}),
]


def test_the_same_as_json_format() -> None:
    for message in MESSAGES:
        for always in (False, True):
            expected = json_format.MessageToDict(
                message, preserving_proto_field_name=True,
                always_print_fields_with_no_presence=always)
            got = message_to_dict(message, always_print=always)
            assert got == expected, (type(message).__name__, always)
            assert list(got) == list(expected)  # the same order: the same JSON text
