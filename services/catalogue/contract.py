"""Translation between the catalogue's records and its contract (sunlight.catalogue.v1).

Public callers get the public fields only. Public — the applicant sees how a case runs: the
handling modes, special procedures and units of the limits, each step's name, kind, limit and
unit, the steps a case may be returned to and the department that handles it, the parallel
branches' departments, names, keys and limits, the materials with their keys, the discretion
standards of a penalty (discretion is bound by published standards) and whether a meeting
decides its cases. Internal, for staff, supervisors and the node's services: the steps' and
branches' roles, integrity risk points, whether who accepted a case may decide it, and
whether the item is classified (a classified item is never shown to the public at all: see
the service).

Defaults are not decided here: what a request leaves unspecified (a step kind, a unit, a
key) goes to the domain as "not given", and :class:`ItemContent` states it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.common.v1 import common_pb2

from services.catalogue.domain.guide import GuidePart, unconfirmed_parts
from services.catalogue.domain.items import (
    BodyNature,
    Branch,
    DiscretionStandard,
    Fee,
    HandlingForm,
    HandlingMode,
    ImplementingBody,
    ItemContent,
    LegalCitation,
    ListKind,
    Material,
    RiskLevel,
    RiskPoint,
    SpecialProcedure,
    Step,
    StepKind,
    TimeUnit,
)
from services.catalogue.domain.lifecycle import (
    Decision,
    ItemState,
    ReviewKind,
    VersionStatus,
)
from services.catalogue.domain.obligations import ChangeKind
from services.shared.code_tables import enum_value_name
from services.shared.errors import InvalidArgument

STATUS_TO_PB = {
    VersionStatus.DRAFT: pb.VERSION_STATUS_DRAFT,
    VersionStatus.SUBMITTED: pb.VERSION_STATUS_SUBMITTED,
    VersionStatus.RETURNED: pb.VERSION_STATUS_RETURNED,
    VersionStatus.PUBLISHED: pb.VERSION_STATUS_PUBLISHED,
    VersionStatus.SUPERSEDED: pb.VERSION_STATUS_SUPERSEDED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}
LIST_KIND = {ListKind.POWER: pb.LIST_KIND_POWER, ListKind.DUTY: pb.LIST_KIND_DUTY,
             ListKind.PUBLIC_SERVICE: pb.LIST_KIND_PUBLIC_SERVICE,
             ListKind.NEGATIVE: pb.LIST_KIND_NEGATIVE}
LIST_KIND_FROM_PB = {v: k for k, v in LIST_KIND.items()}
NATURE = {BodyNature.STATUTORY: pb.BODY_NATURE_STATUTORY,
          BodyNature.AUTHORISED: pb.BODY_NATURE_AUTHORISED,
          BodyNature.ENTRUSTED: pb.BODY_NATURE_ENTRUSTED}
NATURE_FROM_PB = {v: k for k, v in NATURE.items()}
FORM = {HandlingForm.COUNTER: pb.HANDLING_FORM_COUNTER,
        HandlingForm.ONLINE: pb.HANDLING_FORM_ONLINE,
        HandlingForm.MOBILE: pb.HANDLING_FORM_MOBILE, HandlingForm.POST: pb.HANDLING_FORM_POST}
FORM_FROM_PB = {v: k for k, v in FORM.items()}
RISK = {RiskLevel.LOW: pb.RISK_LEVEL_LOW, RiskLevel.MEDIUM: pb.RISK_LEVEL_MEDIUM,
        RiskLevel.HIGH: pb.RISK_LEVEL_HIGH}
RISK_FROM_PB = {v: k for k, v in RISK.items()}
STATE = {ItemState.ACTIVE: pb.ITEM_STATE_ACTIVE, ItemState.SUSPENDED: pb.ITEM_STATE_SUSPENDED,
         ItemState.CANCELLED: pb.ITEM_STATE_CANCELLED,
         ItemState.DELEGATED: pb.ITEM_STATE_DELEGATED,
         ItemState.TRANSFERRED: pb.ITEM_STATE_TRANSFERRED,
         ItemState.MERGED: pb.ITEM_STATE_MERGED, ItemState.FROZEN: pb.ITEM_STATE_FROZEN}
REVIEW_KIND = {ReviewKind.LEGAL: pb.REVIEW_KIND_LEGAL,
               ReviewKind.STAFFING: pb.REVIEW_KIND_STAFFING}
REVIEW_KIND_FROM_PB = {v: k for k, v in REVIEW_KIND.items()}
DECISION = {Decision.APPROVE: pb.REVIEW_DECISION_APPROVE,
            Decision.RETURN: pb.REVIEW_DECISION_RETURN}
DECISION_FROM_PB = {v: k for k, v in DECISION.items()}
CHANGE_KIND_TO_PB = {ChangeKind.LEGAL_BASIS: pb.CHANGE_KIND_LEGAL_BASIS,
                     ChangeKind.FUNCTIONS: pb.CHANGE_KIND_FUNCTIONS}
CHANGE_KIND_FROM_PB = {v: k for k, v in CHANGE_KIND_TO_PB.items()}
# the domain's codes are the contract's value names without their prefix (code_tables)
MODE = {m: common_pb2.HandlingMode.Value(enum_value_name(m.value, "HANDLING_MODE_"))
        for m in HandlingMode}
MODE_FROM_PB = {v: k for k, v in MODE.items()}
PROCEDURE = {p: common_pb2.SpecialProcedure.Value(enum_value_name(p.value,
                                                                  "SPECIAL_PROCEDURE_"))
             for p in SpecialProcedure}
PROCEDURE_FROM_PB = {v: k for k, v in PROCEDURE.items()}
UNIT = {u: common_pb2.TimeUnit.Value(enum_value_name(u.value, "TIME_UNIT_")) for u in TimeUnit}
UNIT_FROM_PB = {v: k for k, v in UNIT.items()}
STEP_KIND = {k: pb.StepKind.Value(enum_value_name(k.value, "STEP_KIND_")) for k in StepKind}
STEP_KIND_FROM_PB = {v: k for k, v in STEP_KIND.items()}


@dataclass(frozen=True)
class ReviewView:
    kind: ReviewKind
    decision: Decision
    reviewer: str
    reason: str
    at: datetime
    document: str = ""


@dataclass(frozen=True)
class VersionView:
    item_id: str
    version: int
    status: VersionStatus
    content: ItemContent
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None
    state: ItemState = ItemState.ACTIVE
    current_version: int = 0
    successor: str = ""
    flags: tuple[str, ...] = ()
    reviews: tuple[ReviewView, ...] = field(default=())
    review_round: int = 0


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def _money(amount: str, currency: str) -> common_pb2.Money:
    value = Decimal(amount or "0")
    units = int(value)
    nanos = int((value - units) * 1_000_000_000)
    return common_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def _amount(money: common_pb2.Money) -> str:
    return str(Decimal(money.units) + Decimal(money.nanos) / Decimal(1_000_000_000))


def content_from_pb(d: pb.ItemDraft) -> ItemContent:
    try:
        list_kind = LIST_KIND_FROM_PB.get(d.list_kind, ListKind.POWER)
        body = ImplementingBody(
            name=d.body.name.strip() or d.department.strip(), code=d.body.code.strip(),
            nature=NATURE_FROM_PB.get(d.body.nature, BodyNature.STATUTORY)
        ) if d.HasField("body") else None
        return ItemContent(
            name=d.name.strip(), code=d.code.strip(), item_type=d.item_type,
            region=d.region, department=d.department.strip(),
            statutory_limit_days=d.statutory_limit_days,
            promised_limit_days=d.promised_limit_days,
            steps=tuple(Step(
                key=s.key, name=s.name.strip(), limit_days=s.limit_days, role=s.role.strip(),
                parallel_branches=tuple(Branch(department=b.department.strip(),
                                               name=b.name.strip(), limit_days=b.limit_days,
                                               role=b.role.strip(), key=b.key,
                                               limit_unit=_unit(b.limit_unit),
                                               department_code=_code(b.department_code))
                                        for b in s.parallel_branches),
                risk_points=tuple(RiskPoint(description=r.description.strip(),
                                            level=RISK_FROM_PB.get(r.level, RiskLevel.LOW),
                                            countermeasures=tuple(r.countermeasures))
                                  for r in s.risk_points),
                kind=STEP_KIND_FROM_PB.get(s.kind), returns_to=tuple(s.returns_to),
                limit_unit=_unit(s.limit_unit), department=s.department.strip(),
                department_code=_code(s.department_code))
                for s in d.steps),
            list_kind=list_kind, exercise_level=d.exercise_level, body=body,
            accepting_office=d.accepting_office.strip(),
            legal_basis=tuple(LegalCitation(law=c.law.strip(), article=c.article,
                                            clause=c.clause, text=c.text)
                              for c in d.legal_basis),
            acceptance_conditions=tuple(d.acceptance_conditions),
            materials=tuple(Material(name=m.name.strip(), issuer=m.issuer,
                                     originals=m.originals, copies=m.copies,
                                     mandatory=m.mandatory, note=m.note, key=m.key)
                            for m in d.materials),
            fees=tuple(Fee(name=f.name, amount=_amount(f.amount), basis=f.basis,
                           currency=f.amount.currency_code or "CNY") for f in d.fees),
            supervision_phone=d.supervision_phone.strip(),
            enquiry_phone=d.enquiry_phone.strip(),
            handling_forms=tuple(FORM_FROM_PB[h] for h in d.handling_forms
                                 if h in FORM_FROM_PB),
            external_flow=tuple(d.external_flow),
            discretion_standards=tuple(DiscretionStandard(
                fact_pattern=x.fact_pattern, severity=x.severity.strip(), range=x.range,
                key=x.key, measures=tuple(x.measures),
                min_amount=_amount(x.min_amount) if x.HasField("min_amount") else "",
                max_amount=_amount(x.max_amount) if x.HasField("max_amount") else "")
                for x in d.discretion_standards),
            group=d.group.strip(),
            modes=tuple(MODE_FROM_PB[m] for m in d.modes if m in MODE_FROM_PB),
            special_procedures=tuple(PROCEDURE_FROM_PB[p] for p in d.special_procedures
                                     if p in PROCEDURE_FROM_PB),
            classified=d.classified, limit_unit=_unit(d.limit_unit),
            acceptor_may_decide=d.acceptor_may_decide, major=d.major,
            collective_review_above=_amount(d.collective_review_above)
            if d.HasField("collective_review_above") else "",
            department_code=_code(d.department_code))
    except ArithmeticError:
        raise InvalidArgument.of_field("draft.fees", "amounts must be numbers") from None


def _code(code: str) -> str:
    """A department code as the domain checks it: upper case, no surrounding blanks."""
    return code.strip().upper()


def _unit(unit: int) -> TimeUnit:
    """A unit from the contract; unspecified (or unknown) = working days."""
    return UNIT_FROM_PB.get(unit, TimeUnit.WORKING_DAYS)


def content_to_pb(c: ItemContent, *, internal: bool = True) -> pb.ItemDraft:
    draft = pb.ItemDraft(
        name=c.name, code=c.code, item_type=c.item_type, region=c.region,
        department=c.department, statutory_limit_days=c.statutory_limit_days,
        promised_limit_days=c.promised_limit_days, list_kind=LIST_KIND[c.list_kind],
        exercise_level=c.exercise_level, accepting_office=c.accepting_office,
        acceptance_conditions=list(c.acceptance_conditions),
        supervision_phone=c.supervision_phone, enquiry_phone=c.enquiry_phone,
        handling_forms=[FORM[h] for h in c.handling_forms],
        external_flow=list(c.external_flow), group=c.group,
        modes=[MODE[m] for m in c.modes],
        special_procedures=[PROCEDURE[p] for p in c.special_procedures],
        limit_unit=UNIT[c.limit_unit], major=c.major, department_code=c.department_code)
    if c.collective_review_above:
        draft.collective_review_above.CopyFrom(_money(c.collective_review_above, "CNY"))
    if internal:
        draft.classified = c.classified
        draft.acceptor_may_decide = c.acceptor_may_decide
    if c.body:
        draft.body.CopyFrom(pb.ImplementingBody(name=c.body.name, code=c.body.code,
                                                nature=NATURE[c.body.nature]))
    draft.steps.extend(step_to_pb(s, internal=internal) for s in c.steps)
    for citation in c.legal_basis:
        draft.legal_basis.add(law=citation.law, article=citation.article,
                              clause=citation.clause, text=citation.text)
    for m in c.materials:
        draft.materials.add(name=m.name, issuer=m.issuer, originals=m.originals,
                            copies=m.copies, mandatory=m.mandatory, note=m.note, key=m.key)
    for f in c.fees:
        draft.fees.add(name=f.name, amount=_money(f.amount, f.currency), basis=f.basis)
    for x in c.discretion_standards:  # public: discretion is bound by published standards
        standard = draft.discretion_standards.add(
            fact_pattern=x.fact_pattern, severity=x.severity, range=x.range, key=x.key,
            measures=list(x.measures))
        if x.min_amount:
            standard.min_amount.CopyFrom(_money(x.min_amount, "CNY"))
        if x.max_amount:
            standard.max_amount.CopyFrom(_money(x.max_amount, "CNY"))
    return draft


def step_to_pb(s: Step, *, internal: bool = True) -> pb.Step:
    """A step of the internal flow; its role and risk points only for ``internal``."""
    step = pb.Step(key=s.key, name=s.name, limit_days=s.limit_days,
                   role=s.role if internal else "",
                   kind=STEP_KIND[s.kind] if s.kind else pb.STEP_KIND_UNSPECIFIED,
                   returns_to=list(s.returns_to), limit_unit=UNIT[s.limit_unit],
                   department=s.department, department_code=s.department_code)
    for b in s.parallel_branches:
        step.parallel_branches.add(department=b.department, name=b.name,
                                   limit_days=b.limit_days, role=b.role if internal else "",
                                   key=b.key, limit_unit=UNIT[b.limit_unit],
                                   department_code=b.department_code)
    if internal:
        for r in s.risk_points:
            step.risk_points.add(description=r.description, level=RISK[r.level],
                                 countermeasures=list(r.countermeasures))
    return step


#: Parts of the public guide, domain → contract.
GUIDE_PART = {p: pb.GuidePart.Value(enum_value_name(p.value, "GUIDE_PART_")) for p in GuidePart}


def version_to_pb(view: VersionView, *, internal: bool = True) -> pb.ItemVersion:
    message = pb.ItemVersion(
        item_id=view.item_id, version=view.version, status=STATUS_TO_PB[view.status],
        content=content_to_pb(view.content, internal=internal),
        created_by=view.created_by if internal else "",
        published_by=(view.published_by or "") if internal else "",
        state=STATE[view.state], current_version=view.current_version,
        successor=view.successor, flags=list(view.flags) if internal else [],
        unconfirmed=[GUIDE_PART[p] for p in unconfirmed_parts(view.content, view.flags)])
    message.created_at.CopyFrom(timestamp(view.created_at))
    if view.published_at:
        message.published_at.CopyFrom(timestamp(view.published_at))
    for r in view.reviews:
        review = message.reviews.add(kind=REVIEW_KIND[r.kind], decision=DECISION[r.decision],
                                     reviewer=r.reviewer if internal else "", reason=r.reason,
                                     document=r.document)
        review.at.CopyFrom(timestamp(r.at))
    return message
