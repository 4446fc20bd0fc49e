"""Translation between case state and the cases contract (sunlight.cases.v1)."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.cases.v1 import cases_pb2 as pb

from services.cases.domain.cases import CaseState, CaseStatus, StepState, StepStatus, Transition

CASE_STATUS = {CaseStatus.IN_PROGRESS: pb.CASE_STATUS_IN_PROGRESS,
               CaseStatus.COMPLETED: pb.CASE_STATUS_COMPLETED}
STEP_STATUS = {StepStatus.PENDING: pb.STEP_STATUS_PENDING,
               StepStatus.ACTIVE: pb.STEP_STATUS_ACTIVE, StepStatus.DONE: pb.STEP_STATUS_DONE}


def _ts(target: Timestamp, moment: datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def step_to_pb(step: StepState, *, internal: bool = True) -> pb.CaseStep:
    message = pb.CaseStep(
        index=step.index, key=step.key, name=step.name,
        role=step.role if internal else "",
        limit_days=step.limit_days, status=STEP_STATUS[step.status], due_date=step.due_date,
        due_date_provisional=step.due_provisional,
        handler=step.handler if internal else "", opinion=step.opinion if internal else "")
    _ts(message.started_at, step.started_at)
    _ts(message.completed_at, step.completed_at)
    return message


def case_to_pb(case: CaseState, *, internal: bool = True) -> pb.Case:
    message = pb.Case(
        case_number=case.case_number, region=case.region, item_id=case.item.item_id,
        item_version=case.item.version, item_code=case.item.code, item_name=case.item.name,
        department=case.item.department, status=CASE_STATUS[case.status],
        steps=[step_to_pb(s, internal=internal) for s in case.steps],
        current_step=case.current_step, due_date=case.due_date,
        due_date_provisional=case.due_provisional,
        promised_limit_days=case.item.promised_limit_days)
    if internal:
        message.applicant.CopyFrom(pb.Applicant(
            name=case.applicant.name, id_type=case.applicant.id_type,
            id_number=case.applicant.id_number))
    _ts(message.accepted_at, case.accepted_at)
    _ts(message.completed_at, case.completed_at)
    return message


def event_data(case: CaseState, transition: Transition) -> pb.CaseEvent:
    data = pb.CaseEvent(
        case_number=case.case_number, region=case.region, item_id=case.item.item_id,
        item_version=case.item.version, item_code=case.item.code,
        department=case.item.department, sequence=case.sequence,
        status=CASE_STATUS[case.status], step=step_to_pb(transition.step),
        handler=transition.handler, due_date=case.due_date,
        due_date_provisional=case.due_provisional,
        promised_limit_days=case.item.promised_limit_days,
        statutory_limit_days=case.item.statutory_limit_days, step_count=len(case.steps))
    if transition.next_step is not None:
        data.next_step.CopyFrom(step_to_pb(transition.next_step))
    _ts(data.accepted_at, case.accepted_at)
    return data
