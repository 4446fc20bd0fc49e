import datetime

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
REVIEW_KIND_UNSPECIFIED: ReviewKind
REVIEW_KIND_LEGAL: ReviewKind
REVIEW_KIND_STAFFING: ReviewKind
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_APPROVE: ReviewDecision
REVIEW_DECISION_RETURN: ReviewDecision

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
    __slots__ = ("name", "issuer", "originals", "copies", "mandatory", "note")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ORIGINALS_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    name: str
    issuer: str
    originals: int
    copies: int
    mandatory: bool
    note: str
    def __init__(self, name: _Optional[str] = ..., issuer: _Optional[str] = ..., originals: _Optional[int] = ..., copies: _Optional[int] = ..., mandatory: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("department", "name", "limit_days", "role")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    department: str
    name: str
    limit_days: int
    role: str
    def __init__(self, department: _Optional[str] = ..., name: _Optional[str] = ..., limit_days: _Optional[int] = ..., role: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("fact_pattern", "severity", "range")
    FACT_PATTERN_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    fact_pattern: str
    severity: str
    range: str
    def __init__(self, fact_pattern: _Optional[str] = ..., severity: _Optional[str] = ..., range: _Optional[str] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("key", "name", "limit_days", "role", "parallel_branches", "risk_points")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_BRANCHES_FIELD_NUMBER: _ClassVar[int]
    RISK_POINTS_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    limit_days: int
    role: str
    parallel_branches: _containers.RepeatedCompositeFieldContainer[Branch]
    risk_points: _containers.RepeatedCompositeFieldContainer[RiskPoint]
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., limit_days: _Optional[int] = ..., role: _Optional[str] = ..., parallel_branches: _Optional[_Iterable[_Union[Branch, _Mapping]]] = ..., risk_points: _Optional[_Iterable[_Union[RiskPoint, _Mapping]]] = ...) -> None: ...

class ItemDraft(_message.Message):
    __slots__ = ("name", "code", "item_type", "region", "department", "statutory_limit_days", "promised_limit_days", "steps", "list_kind", "exercise_level", "body", "accepting_office", "legal_basis", "acceptance_conditions", "materials", "fees", "supervision_phone", "enquiry_phone", "handling_forms", "external_flow", "discretion_standards", "group")
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
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., item_type: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., statutory_limit_days: _Optional[int] = ..., promised_limit_days: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., list_kind: _Optional[_Union[ListKind, str]] = ..., exercise_level: _Optional[str] = ..., body: _Optional[_Union[ImplementingBody, _Mapping]] = ..., accepting_office: _Optional[str] = ..., legal_basis: _Optional[_Iterable[_Union[LegalCitation, _Mapping]]] = ..., acceptance_conditions: _Optional[_Iterable[str]] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., fees: _Optional[_Iterable[_Union[Fee, _Mapping]]] = ..., supervision_phone: _Optional[str] = ..., enquiry_phone: _Optional[str] = ..., handling_forms: _Optional[_Iterable[_Union[HandlingForm, str]]] = ..., external_flow: _Optional[_Iterable[str]] = ..., discretion_standards: _Optional[_Iterable[_Union[DiscretionStandard, _Mapping]]] = ..., group: _Optional[str] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("kind", "decision", "reviewer", "reason", "at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    kind: ReviewKind
    decision: ReviewDecision
    reviewer: str
    reason: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[ReviewKind, str]] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., reviewer: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ItemVersion(_message.Message):
    __slots__ = ("item_id", "version", "status", "content", "created_at", "published_at", "created_by", "published_by", "state", "reviews", "flags", "current_version", "successor")
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
    def __init__(self, item_id: _Optional[str] = ..., version: _Optional[int] = ..., status: _Optional[_Union[VersionStatus, str]] = ..., content: _Optional[_Union[ItemDraft, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., published_by: _Optional[str] = ..., state: _Optional[_Union[ItemState, str]] = ..., reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., flags: _Optional[_Iterable[str]] = ..., current_version: _Optional[int] = ..., successor: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("idempotency_key", "item_id", "version")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    version: int
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

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

class ItemEvent(_message.Message):
    __slots__ = ("item", "actor", "reason")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    item: ItemVersion
    actor: str
    reason: str
    def __init__(self, item: _Optional[_Union[ItemVersion, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
