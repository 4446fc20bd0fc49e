import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from sunlight.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VersionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERSION_STATUS_UNSPECIFIED: _ClassVar[VersionStatus]
    VERSION_STATUS_DRAFT: _ClassVar[VersionStatus]
    VERSION_STATUS_SUBMITTED: _ClassVar[VersionStatus]
    VERSION_STATUS_RETURNED: _ClassVar[VersionStatus]
    VERSION_STATUS_PUBLISHED: _ClassVar[VersionStatus]
    VERSION_STATUS_SUPERSEDED: _ClassVar[VersionStatus]

class ListKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_KIND_UNSPECIFIED: _ClassVar[ListKind]
    LIST_KIND_POWER: _ClassVar[ListKind]
    LIST_KIND_DUTY: _ClassVar[ListKind]
    LIST_KIND_PUBLIC_SERVICE: _ClassVar[ListKind]
    LIST_KIND_NEGATIVE: _ClassVar[ListKind]

class BodyNature(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BODY_NATURE_UNSPECIFIED: _ClassVar[BodyNature]
    BODY_NATURE_STATUTORY: _ClassVar[BodyNature]
    BODY_NATURE_AUTHORISED: _ClassVar[BodyNature]
    BODY_NATURE_ENTRUSTED: _ClassVar[BodyNature]

class HandlingForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDLING_FORM_UNSPECIFIED: _ClassVar[HandlingForm]
    HANDLING_FORM_COUNTER: _ClassVar[HandlingForm]
    HANDLING_FORM_ONLINE: _ClassVar[HandlingForm]
    HANDLING_FORM_MOBILE: _ClassVar[HandlingForm]
    HANDLING_FORM_POST: _ClassVar[HandlingForm]

class RiskLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_LEVEL_UNSPECIFIED: _ClassVar[RiskLevel]
    RISK_LEVEL_LOW: _ClassVar[RiskLevel]
    RISK_LEVEL_MEDIUM: _ClassVar[RiskLevel]
    RISK_LEVEL_HIGH: _ClassVar[RiskLevel]

class ItemState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_STATE_UNSPECIFIED: _ClassVar[ItemState]
    ITEM_STATE_ACTIVE: _ClassVar[ItemState]
    ITEM_STATE_SUSPENDED: _ClassVar[ItemState]
    ITEM_STATE_CANCELLED: _ClassVar[ItemState]
    ITEM_STATE_DELEGATED: _ClassVar[ItemState]
    ITEM_STATE_TRANSFERRED: _ClassVar[ItemState]
    ITEM_STATE_MERGED: _ClassVar[ItemState]
    ITEM_STATE_FROZEN: _ClassVar[ItemState]

class StepKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_KIND_UNSPECIFIED: _ClassVar[StepKind]
    STEP_KIND_ACCEPTANCE: _ClassVar[StepKind]
    STEP_KIND_REVIEW: _ClassVar[StepKind]
    STEP_KIND_DECISION: _ClassVar[StepKind]
    STEP_KIND_OPENING: _ClassVar[StepKind]
    STEP_KIND_INVESTIGATION: _ClassVar[StepKind]
    STEP_KIND_NOTIFICATION: _ClassVar[StepKind]
    STEP_KIND_COLLECTIVE_REVIEW: _ClassVar[StepKind]
    STEP_KIND_SERVICE: _ClassVar[StepKind]
    STEP_KIND_EXECUTION: _ClassVar[StepKind]
    STEP_KIND_CLOSING: _ClassVar[StepKind]

class ReviewKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_KIND_UNSPECIFIED: _ClassVar[ReviewKind]
    REVIEW_KIND_LEGAL: _ClassVar[ReviewKind]
    REVIEW_KIND_STAFFING: _ClassVar[ReviewKind]

class ReviewDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_DECISION_UNSPECIFIED: _ClassVar[ReviewDecision]
    REVIEW_DECISION_APPROVE: _ClassVar[ReviewDecision]
    REVIEW_DECISION_RETURN: _ClassVar[ReviewDecision]

class GuidePart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GUIDE_PART_UNSPECIFIED: _ClassVar[GuidePart]
    GUIDE_PART_MATERIALS: _ClassVar[GuidePart]
    GUIDE_PART_FEES: _ClassVar[GuidePart]
    GUIDE_PART_ACCEPTANCE_CONDITIONS: _ClassVar[GuidePart]
    GUIDE_PART_FLOW: _ClassVar[GuidePart]
    GUIDE_PART_LIMITS: _ClassVar[GuidePart]

class AdjustAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADJUST_ACTION_UNSPECIFIED: _ClassVar[AdjustAction]
    ADJUST_ACTION_SUSPEND: _ClassVar[AdjustAction]
    ADJUST_ACTION_RESUME: _ClassVar[AdjustAction]
    ADJUST_ACTION_CANCEL: _ClassVar[AdjustAction]
    ADJUST_ACTION_DELEGATE: _ClassVar[AdjustAction]
    ADJUST_ACTION_TRANSFER: _ClassVar[AdjustAction]
    ADJUST_ACTION_MERGE: _ClassVar[AdjustAction]
    ADJUST_ACTION_FREEZE: _ClassVar[AdjustAction]
    ADJUST_ACTION_UNFREEZE: _ClassVar[AdjustAction]

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_LEGAL_BASIS: _ClassVar[ChangeKind]
    CHANGE_KIND_FUNCTIONS: _ClassVar[ChangeKind]

class ObligationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBLIGATION_STATUS_UNSPECIFIED: _ClassVar[ObligationStatus]
    OBLIGATION_STATUS_OPEN: _ClassVar[ObligationStatus]
    OBLIGATION_STATUS_FULFILLED: _ClassVar[ObligationStatus]
    OBLIGATION_STATUS_OVERDUE: _ClassVar[ObligationStatus]

class DelegationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELEGATION_STATUS_UNSPECIFIED: _ClassVar[DelegationStatus]
    DELEGATION_STATUS_PENDING: _ClassVar[DelegationStatus]
    DELEGATION_STATUS_DELIVERED: _ClassVar[DelegationStatus]
    DELEGATION_STATUS_REFUSED: _ClassVar[DelegationStatus]
VERSION_STATUS_UNSPECIFIED: VersionStatus
VERSION_STATUS_DRAFT: VersionStatus
VERSION_STATUS_SUBMITTED: VersionStatus
VERSION_STATUS_RETURNED: VersionStatus
VERSION_STATUS_PUBLISHED: VersionStatus
VERSION_STATUS_SUPERSEDED: VersionStatus
LIST_KIND_UNSPECIFIED: ListKind
LIST_KIND_POWER: ListKind
LIST_KIND_DUTY: ListKind
LIST_KIND_PUBLIC_SERVICE: ListKind
LIST_KIND_NEGATIVE: ListKind
BODY_NATURE_UNSPECIFIED: BodyNature
BODY_NATURE_STATUTORY: BodyNature
BODY_NATURE_AUTHORISED: BodyNature
BODY_NATURE_ENTRUSTED: BodyNature
HANDLING_FORM_UNSPECIFIED: HandlingForm
HANDLING_FORM_COUNTER: HandlingForm
HANDLING_FORM_ONLINE: HandlingForm
HANDLING_FORM_MOBILE: HandlingForm
HANDLING_FORM_POST: HandlingForm
RISK_LEVEL_UNSPECIFIED: RiskLevel
RISK_LEVEL_LOW: RiskLevel
RISK_LEVEL_MEDIUM: RiskLevel
RISK_LEVEL_HIGH: RiskLevel
ITEM_STATE_UNSPECIFIED: ItemState
ITEM_STATE_ACTIVE: ItemState
ITEM_STATE_SUSPENDED: ItemState
ITEM_STATE_CANCELLED: ItemState
ITEM_STATE_DELEGATED: ItemState
ITEM_STATE_TRANSFERRED: ItemState
ITEM_STATE_MERGED: ItemState
ITEM_STATE_FROZEN: ItemState
STEP_KIND_UNSPECIFIED: StepKind
STEP_KIND_ACCEPTANCE: StepKind
STEP_KIND_REVIEW: StepKind
STEP_KIND_DECISION: StepKind
STEP_KIND_OPENING: StepKind
STEP_KIND_INVESTIGATION: StepKind
STEP_KIND_NOTIFICATION: StepKind
STEP_KIND_COLLECTIVE_REVIEW: StepKind
STEP_KIND_SERVICE: StepKind
STEP_KIND_EXECUTION: StepKind
STEP_KIND_CLOSING: StepKind
REVIEW_KIND_UNSPECIFIED: ReviewKind
REVIEW_KIND_LEGAL: ReviewKind
REVIEW_KIND_STAFFING: ReviewKind
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_APPROVE: ReviewDecision
REVIEW_DECISION_RETURN: ReviewDecision
GUIDE_PART_UNSPECIFIED: GuidePart
GUIDE_PART_MATERIALS: GuidePart
GUIDE_PART_FEES: GuidePart
GUIDE_PART_ACCEPTANCE_CONDITIONS: GuidePart
GUIDE_PART_FLOW: GuidePart
GUIDE_PART_LIMITS: GuidePart
ADJUST_ACTION_UNSPECIFIED: AdjustAction
ADJUST_ACTION_SUSPEND: AdjustAction
ADJUST_ACTION_RESUME: AdjustAction
ADJUST_ACTION_CANCEL: AdjustAction
ADJUST_ACTION_DELEGATE: AdjustAction
ADJUST_ACTION_TRANSFER: AdjustAction
ADJUST_ACTION_MERGE: AdjustAction
ADJUST_ACTION_FREEZE: AdjustAction
ADJUST_ACTION_UNFREEZE: AdjustAction
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_LEGAL_BASIS: ChangeKind
CHANGE_KIND_FUNCTIONS: ChangeKind
OBLIGATION_STATUS_UNSPECIFIED: ObligationStatus
OBLIGATION_STATUS_OPEN: ObligationStatus
OBLIGATION_STATUS_FULFILLED: ObligationStatus
OBLIGATION_STATUS_OVERDUE: ObligationStatus
DELEGATION_STATUS_UNSPECIFIED: DelegationStatus
DELEGATION_STATUS_PENDING: DelegationStatus
DELEGATION_STATUS_DELIVERED: DelegationStatus
DELEGATION_STATUS_REFUSED: DelegationStatus

class ImplementingBody(_message.Message):
    __slots__ = ("name", "code", "nature")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NATURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    code: str
    nature: BodyNature
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., nature: _Optional[_Union[BodyNature, str]] = ...) -> None: ...

class LegalCitation(_message.Message):
    __slots__ = ("law", "article", "clause", "text")
    LAW_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    CLAUSE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    law: str
    article: str
    clause: str
    text: str
    def __init__(self, law: _Optional[str] = ..., article: _Optional[str] = ..., clause: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Material(_message.Message):
    __slots__ = ("name", "key", "issuer", "originals", "copies", "mandatory", "note")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ORIGINALS_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    name: str
    key: str
    issuer: str
    originals: int
    copies: int
    mandatory: bool
    note: str
    def __init__(self, name: _Optional[str] = ..., key: _Optional[str] = ..., issuer: _Optional[str] = ..., originals: _Optional[int] = ..., copies: _Optional[int] = ..., mandatory: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class Fee(_message.Message):
    __slots__ = ("name", "amount", "basis")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: _common_pb2.Money
    basis: str
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., basis: _Optional[str] = ...) -> None: ...

class Branch(_message.Message):
    __slots__ = ("department", "name", "limit_days", "role", "key", "limit_unit", "department_code")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    department: str
    name: str
    limit_days: int
    role: str
    key: str
    limit_unit: _common_pb2.TimeUnit
    department_code: str
    def __init__(self, department: _Optional[str] = ..., name: _Optional[str] = ..., limit_days: _Optional[int] = ..., role: _Optional[str] = ..., key: _Optional[str] = ..., limit_unit: _Optional[_Union[_common_pb2.TimeUnit, str]] = ..., department_code: _Optional[str] = ...) -> None: ...

class RiskPoint(_message.Message):
    __slots__ = ("description", "level", "countermeasures")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    COUNTERMEASURES_FIELD_NUMBER: _ClassVar[int]
    description: str
    level: RiskLevel
    countermeasures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, description: _Optional[str] = ..., level: _Optional[_Union[RiskLevel, str]] = ..., countermeasures: _Optional[_Iterable[str]] = ...) -> None: ...

class DiscretionStandard(_message.Message):
    __slots__ = ("fact_pattern", "severity", "range", "key", "measures", "min_amount", "max_amount")
    FACT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    MIN_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    fact_pattern: str
    severity: str
    range: str
    key: str
    measures: _containers.RepeatedScalarFieldContainer[str]
    min_amount: _common_pb2.Money
    max_amount: _common_pb2.Money
    def __init__(self, fact_pattern: _Optional[str] = ..., severity: _Optional[str] = ..., range: _Optional[str] = ..., key: _Optional[str] = ..., measures: _Optional[_Iterable[str]] = ..., min_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., max_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("key", "name", "limit_days", "role", "parallel_branches", "risk_points", "kind", "returns_to", "limit_unit", "department", "department_code")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_BRANCHES_FIELD_NUMBER: _ClassVar[int]
    RISK_POINTS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RETURNS_TO_FIELD_NUMBER: _ClassVar[int]
    LIMIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    limit_days: int
    role: str
    parallel_branches: _containers.RepeatedCompositeFieldContainer[Branch]
    risk_points: _containers.RepeatedCompositeFieldContainer[RiskPoint]
    kind: StepKind
    returns_to: _containers.RepeatedScalarFieldContainer[str]
    limit_unit: _common_pb2.TimeUnit
    department: str
    department_code: str
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., limit_days: _Optional[int] = ..., role: _Optional[str] = ..., parallel_branches: _Optional[_Iterable[_Union[Branch, _Mapping]]] = ..., risk_points: _Optional[_Iterable[_Union[RiskPoint, _Mapping]]] = ..., kind: _Optional[_Union[StepKind, str]] = ..., returns_to: _Optional[_Iterable[str]] = ..., limit_unit: _Optional[_Union[_common_pb2.TimeUnit, str]] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ...) -> None: ...

class ItemDraft(_message.Message):
    __slots__ = ("name", "code", "item_type", "region", "department", "statutory_limit_days", "promised_limit_days", "steps", "list_kind", "exercise_level", "body", "accepting_office", "legal_basis", "acceptance_conditions", "materials", "fees", "supervision_phone", "enquiry_phone", "handling_forms", "external_flow", "discretion_standards", "group", "modes", "special_procedures", "classified", "limit_unit", "acceptor_may_decide", "department_code", "major", "collective_review_above")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    LIST_KIND_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ACCEPTING_OFFICE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    SUPERVISION_PHONE_FIELD_NUMBER: _ClassVar[int]
    ENQUIRY_PHONE_FIELD_NUMBER: _ClassVar[int]
    HANDLING_FORMS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FLOW_FIELD_NUMBER: _ClassVar[int]
    DISCRETION_STANDARDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MODES_FIELD_NUMBER: _ClassVar[int]
    SPECIAL_PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIED_FIELD_NUMBER: _ClassVar[int]
    LIMIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTOR_MAY_DECIDE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    COLLECTIVE_REVIEW_ABOVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    code: str
    item_type: str
    region: str
    department: str
    statutory_limit_days: int
    promised_limit_days: int
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    list_kind: ListKind
    exercise_level: str
    body: ImplementingBody
    accepting_office: str
    legal_basis: _containers.RepeatedCompositeFieldContainer[LegalCitation]
    acceptance_conditions: _containers.RepeatedScalarFieldContainer[str]
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    fees: _containers.RepeatedCompositeFieldContainer[Fee]
    supervision_phone: str
    enquiry_phone: str
    handling_forms: _containers.RepeatedScalarFieldContainer[HandlingForm]
    external_flow: _containers.RepeatedScalarFieldContainer[str]
    discretion_standards: _containers.RepeatedCompositeFieldContainer[DiscretionStandard]
    group: str
    modes: _containers.RepeatedScalarFieldContainer[_common_pb2.HandlingMode]
    special_procedures: _containers.RepeatedScalarFieldContainer[_common_pb2.SpecialProcedure]
    classified: bool
    limit_unit: _common_pb2.TimeUnit
    acceptor_may_decide: bool
    department_code: str
    major: bool
    collective_review_above: _common_pb2.Money
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., item_type: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., statutory_limit_days: _Optional[int] = ..., promised_limit_days: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., list_kind: _Optional[_Union[ListKind, str]] = ..., exercise_level: _Optional[str] = ..., body: _Optional[_Union[ImplementingBody, _Mapping]] = ..., accepting_office: _Optional[str] = ..., legal_basis: _Optional[_Iterable[_Union[LegalCitation, _Mapping]]] = ..., acceptance_conditions: _Optional[_Iterable[str]] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., fees: _Optional[_Iterable[_Union[Fee, _Mapping]]] = ..., supervision_phone: _Optional[str] = ..., enquiry_phone: _Optional[str] = ..., handling_forms: _Optional[_Iterable[_Union[HandlingForm, str]]] = ..., external_flow: _Optional[_Iterable[str]] = ..., discretion_standards: _Optional[_Iterable[_Union[DiscretionStandard, _Mapping]]] = ..., group: _Optional[str] = ..., modes: _Optional[_Iterable[_Union[_common_pb2.HandlingMode, str]]] = ..., special_procedures: _Optional[_Iterable[_Union[_common_pb2.SpecialProcedure, str]]] = ..., classified: _Optional[bool] = ..., limit_unit: _Optional[_Union[_common_pb2.TimeUnit, str]] = ..., acceptor_may_decide: _Optional[bool] = ..., department_code: _Optional[str] = ..., major: _Optional[bool] = ..., collective_review_above: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("kind", "decision", "reviewer", "reason", "at", "document")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    kind: ReviewKind
    decision: ReviewDecision
    reviewer: str
    reason: str
    at: _timestamp_pb2.Timestamp
    document: str
    def __init__(self, kind: _Optional[_Union[ReviewKind, str]] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reviewer: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., document: _Optional[str] = ...) -> None: ...

class ItemVersion(_message.Message):
    __slots__ = ("item_id", "version", "status", "content", "created_at", "published_at", "created_by", "published_by", "state", "reviews", "flags", "current_version", "successor", "unconfirmed")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_FIELD_NUMBER: _ClassVar[int]
    UNCONFIRMED_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    version: int
    status: VersionStatus
    content: ItemDraft
    created_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    created_by: str
    published_by: str
    state: ItemState
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    flags: _containers.RepeatedScalarFieldContainer[str]
    current_version: int
    successor: str
    unconfirmed: _containers.RepeatedScalarFieldContainer[GuidePart]
    def __init__(self, item_id: _Optional[str] = ..., version: _Optional[int] = ..., status: _Optional[_Union[VersionStatus, str]] = ..., content: _Optional[_Union[ItemDraft, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., published_by: _Optional[str] = ..., state: _Optional[_Union[ItemState, str]] = ..., reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., flags: _Optional[_Iterable[str]] = ..., current_version: _Optional[int] = ..., successor: _Optional[str] = ..., unconfirmed: _Optional[_Iterable[_Union[GuidePart, str]]] = ...) -> None: ...

class CreateItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "draft")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    draft: ItemDraft
    def __init__(self, idempotency_key: _Optional[str] = ..., draft: _Optional[_Union[ItemDraft, _Mapping]] = ...) -> None: ...

class CreateItemResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class PublishItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "version", "legal_reviewer", "staffing_reviewer", "approving_document")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REVIEWER_FIELD_NUMBER: _ClassVar[int]
    STAFFING_REVIEWER_FIELD_NUMBER: _ClassVar[int]
    APPROVING_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    legal_reviewer: str
    staffing_reviewer: str
    approving_document: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ..., legal_reviewer: _Optional[str] = ..., staffing_reviewer: _Optional[str] = ..., approving_document: _Optional[str] = ...) -> None: ...

class PublishItemResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class GetItemVersionRequest(_message.Message):
    __slots__ = ("item_id", "version")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    version: int
    def __init__(self, item_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetItemVersionResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class ListPublishedItemsRequest(_message.Message):
    __slots__ = ("region", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPublishedItemsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ItemVersion]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[ItemVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDraftRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "version", "draft")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    draft: ItemDraft
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ..., draft: _Optional[_Union[ItemDraft, _Mapping]] = ...) -> None: ...

class UpdateDraftResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class SubmitItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "version")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class SubmitItemResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class ReviewItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "version", "kind", "decision", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    kind: ReviewKind
    decision: ReviewDecision
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[ReviewKind, str]] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ReviewItemResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class DraftNextVersionRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ...) -> None: ...

class DraftNextVersionResponse(_message.Message):
    __slots__ = ("item",)
    ITEM_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class AdjustItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "action", "reason", "target")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    action: AdjustAction
    reason: str
    target: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., action: _Optional[_Union[AdjustAction, str]] = ..., reason: _Optional[str] = ..., target: _Optional[str] = ...) -> None: ...

class AdjustItemResponse(_message.Message):
    __slots__ = ("item", "successor_item_id")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    successor_item_id: str
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ..., successor_item_id: _Optional[str] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("item_id", "version", "action", "from_state", "to_state", "actor", "reason", "target", "at", "office")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    OFFICE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    version: int
    action: str
    from_state: str
    to_state: str
    actor: str
    reason: str
    target: str
    at: _timestamp_pb2.Timestamp
    office: str
    def __init__(self, item_id: _Optional[str] = ..., version: _Optional[int] = ..., action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., target: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., office: _Optional[str] = ...) -> None: ...

class GetItemHistoryRequest(_message.Message):
    __slots__ = ("item_id",)
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    def __init__(self, item_id: _Optional[str] = ...) -> None: ...

class GetItemHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ...) -> None: ...

class ChangeObligation(_message.Message):
    __slots__ = ("obligation_id", "item_id", "region", "department", "description", "law", "recorded_by", "recorded_on", "due_date", "due_date_provisional", "status", "fulfilled_version", "kind", "effective_on", "department_code")
    OBLIGATION_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LAW_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FULFILLED_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ON_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    obligation_id: str
    item_id: str
    region: str
    department: str
    description: str
    law: str
    recorded_by: str
    recorded_on: str
    due_date: str
    due_date_provisional: bool
    status: ObligationStatus
    fulfilled_version: int
    kind: ChangeKind
    effective_on: str
    department_code: str
    def __init__(self, obligation_id: _Optional[str] = ..., item_id: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., description: _Optional[str] = ..., law: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_on: _Optional[str] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., status: _Optional[_Union[ObligationStatus, str]] = ..., fulfilled_version: _Optional[int] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., effective_on: _Optional[str] = ..., department_code: _Optional[str] = ...) -> None: ...

class RecordChangeRequest(_message.Message):
    __slots__ = ("idempotency_key", "kind", "item_id", "region", "basis", "description", "effective_on", "department_code")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_ON_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    kind: ChangeKind
    item_id: str
    region: str
    basis: str
    description: str
    effective_on: str
    department_code: str
    def __init__(self, idempotency_key: _Optional[str] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., item_id: _Optional[str] = ..., region: _Optional[str] = ..., basis: _Optional[str] = ..., description: _Optional[str] = ..., effective_on: _Optional[str] = ..., department_code: _Optional[str] = ...) -> None: ...

class RecordChangeResponse(_message.Message):
    __slots__ = ("obligations",)
    OBLIGATIONS_FIELD_NUMBER: _ClassVar[int]
    obligations: _containers.RepeatedCompositeFieldContainer[ChangeObligation]
    def __init__(self, obligations: _Optional[_Iterable[_Union[ChangeObligation, _Mapping]]] = ...) -> None: ...

class ListObligationsRequest(_message.Message):
    __slots__ = ("region", "status", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    status: ObligationStatus
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., status: _Optional[_Union[ObligationStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListObligationsResponse(_message.Message):
    __slots__ = ("obligations", "next_page_token")
    OBLIGATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    obligations: _containers.RepeatedCompositeFieldContainer[ChangeObligation]
    next_page_token: str
    def __init__(self, obligations: _Optional[_Iterable[_Union[ChangeObligation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SearchItemsRequest(_message.Message):
    __slots__ = ("query", "department", "item_type", "list_kind", "exercise_level", "region", "status", "page_size", "page_token", "department_code", "page", "facets")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIST_KIND_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    query: str
    department: str
    item_type: str
    list_kind: ListKind
    exercise_level: str
    region: str
    status: VersionStatus
    page_size: int
    page_token: str
    department_code: str
    page: int
    facets: bool
    def __init__(self, query: _Optional[str] = ..., department: _Optional[str] = ..., item_type: _Optional[str] = ..., list_kind: _Optional[_Union[ListKind, str]] = ..., exercise_level: _Optional[str] = ..., region: _Optional[str] = ..., status: _Optional[_Union[VersionStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., department_code: _Optional[str] = ..., page: _Optional[int] = ..., facets: _Optional[bool] = ...) -> None: ...

class FacetCount(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Facets(_message.Message):
    __slots__ = ("departments", "item_types", "exercise_levels", "regions")
    DEPARTMENTS_FIELD_NUMBER: _ClassVar[int]
    ITEM_TYPES_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_LEVELS_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    departments: _containers.RepeatedCompositeFieldContainer[FacetCount]
    item_types: _containers.RepeatedCompositeFieldContainer[FacetCount]
    exercise_levels: _containers.RepeatedCompositeFieldContainer[FacetCount]
    regions: _containers.RepeatedCompositeFieldContainer[FacetCount]
    def __init__(self, departments: _Optional[_Iterable[_Union[FacetCount, _Mapping]]] = ..., item_types: _Optional[_Iterable[_Union[FacetCount, _Mapping]]] = ..., exercise_levels: _Optional[_Iterable[_Union[FacetCount, _Mapping]]] = ..., regions: _Optional[_Iterable[_Union[FacetCount, _Mapping]]] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("item", "score")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    score: float
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class SearchItemsResponse(_message.Message):
    __slots__ = ("hits", "total", "next_page_token", "facets")
    HITS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    total: int
    next_page_token: str
    facets: Facets
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ..., facets: _Optional[_Union[Facets, _Mapping]] = ...) -> None: ...

class ImportRow(_message.Message):
    __slots__ = ("line", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LINE_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    line: int
    values: _containers.ScalarMap[str, str]
    def __init__(self, line: _Optional[int] = ..., values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ImportRowsRequest(_message.Message):
    __slots__ = ("idempotency_key", "region", "mapping_json", "publish_reviewed", "source", "import_id", "rows", "legal_reviewer", "staffing_reviewer", "approving_document")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MAPPING_JSON_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_REVIEWED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REVIEWER_FIELD_NUMBER: _ClassVar[int]
    STAFFING_REVIEWER_FIELD_NUMBER: _ClassVar[int]
    APPROVING_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    region: str
    mapping_json: str
    publish_reviewed: bool
    source: str
    import_id: str
    rows: _containers.RepeatedCompositeFieldContainer[ImportRow]
    legal_reviewer: str
    staffing_reviewer: str
    approving_document: str
    def __init__(self, idempotency_key: _Optional[str] = ..., region: _Optional[str] = ..., mapping_json: _Optional[str] = ..., publish_reviewed: _Optional[bool] = ..., source: _Optional[str] = ..., import_id: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[ImportRow, _Mapping]]] = ..., legal_reviewer: _Optional[str] = ..., staffing_reviewer: _Optional[str] = ..., approving_document: _Optional[str] = ...) -> None: ...

class RowResult(_message.Message):
    __slots__ = ("line", "name", "outcome", "reasons", "item_id")
    LINE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    line: int
    name: str
    outcome: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    item_id: str
    def __init__(self, line: _Optional[int] = ..., name: _Optional[str] = ..., outcome: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., item_id: _Optional[str] = ...) -> None: ...

class ImportRowsResponse(_message.Message):
    __slots__ = ("import_id", "results")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    results: _containers.RepeatedCompositeFieldContainer[RowResult]
    def __init__(self, import_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[RowResult, _Mapping]]] = ...) -> None: ...

class ExportItemsRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class DelegateItemRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "version", "target_region", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TARGET_REGION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    target_region: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ..., target_region: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Delegation(_message.Message):
    __slots__ = ("delegation_id", "item_id", "version", "source_region", "source_node", "target_region", "target_node", "status", "delegated_item_id", "error_code", "error_message", "attempts", "created_at", "delivered_at", "delegated_by", "reason")
    DELEGATION_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REGION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NODE_FIELD_NUMBER: _ClassVar[int]
    TARGET_REGION_FIELD_NUMBER: _ClassVar[int]
    TARGET_NODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DELEGATED_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    DELEGATED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delegation_id: str
    item_id: str
    version: int
    source_region: str
    source_node: str
    target_region: str
    target_node: str
    status: DelegationStatus
    delegated_item_id: str
    error_code: str
    error_message: str
    attempts: int
    created_at: _timestamp_pb2.Timestamp
    delivered_at: _timestamp_pb2.Timestamp
    delegated_by: str
    reason: str
    def __init__(self, delegation_id: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ..., source_region: _Optional[str] = ..., source_node: _Optional[str] = ..., target_region: _Optional[str] = ..., target_node: _Optional[str] = ..., status: _Optional[_Union[DelegationStatus, str]] = ..., delegated_item_id: _Optional[str] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., attempts: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delegated_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DelegateItemResponse(_message.Message):
    __slots__ = ("delegation", "item")
    DELEGATION_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    delegation: Delegation
    item: ItemVersion
    def __init__(self, delegation: _Optional[_Union[Delegation, _Mapping]] = ..., item: _Optional[_Union[ItemVersion, _Mapping]] = ...) -> None: ...

class ListDelegationsRequest(_message.Message):
    __slots__ = ("item_id",)
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    def __init__(self, item_id: _Optional[str] = ...) -> None: ...

class ListDelegationsResponse(_message.Message):
    __slots__ = ("delegations",)
    DELEGATIONS_FIELD_NUMBER: _ClassVar[int]
    delegations: _containers.RepeatedCompositeFieldContainer[Delegation]
    def __init__(self, delegations: _Optional[_Iterable[_Union[Delegation, _Mapping]]] = ...) -> None: ...

class ReceiveDelegationRequest(_message.Message):
    __slots__ = ("delegation_id", "source_node", "source_item_id", "source_version", "target_region", "content", "reason")
    DELEGATION_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TARGET_REGION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delegation_id: str
    source_node: str
    source_item_id: str
    source_version: int
    target_region: str
    content: ItemDraft
    reason: str
    def __init__(self, delegation_id: _Optional[str] = ..., source_node: _Optional[str] = ..., source_item_id: _Optional[str] = ..., source_version: _Optional[int] = ..., target_region: _Optional[str] = ..., content: _Optional[_Union[ItemDraft, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ReceiveDelegationResponse(_message.Message):
    __slots__ = ("item", "node")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    node: str
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ..., node: _Optional[str] = ...) -> None: ...

class ItemEvent(_message.Message):
    __slots__ = ("item", "actor", "reason", "action")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    actor: str
    reason: str
    action: str
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class ObligationEvent(_message.Message):
    __slots__ = ("obligation",)
    OBLIGATION_FIELD_NUMBER: _ClassVar[int]
    obligation: ChangeObligation
    def __init__(self, obligation: _Optional[_Union[ChangeObligation, _Mapping]] = ...) -> None: ...

class CountItemStatesRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class ItemStateCount(_message.Message):
    __slots__ = ("state", "items")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    state: ItemState
    items: int
    def __init__(self, state: _Optional[_Union[ItemState, str]] = ..., items: _Optional[int] = ...) -> None: ...

class CountItemStatesResponse(_message.Message):
    __slots__ = ("counts", "total")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[ItemStateCount]
    total: int
    def __init__(self, counts: _Optional[_Iterable[_Union[ItemStateCount, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...
