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

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_IN_PROGRESS: _ClassVar[CaseStatus]
    CASE_STATUS_COMPLETED: _ClassVar[CaseStatus]
    CASE_STATUS_SUBMITTED: _ClassVar[CaseStatus]
    CASE_STATUS_SUPPLEMENT: _ClassVar[CaseStatus]
    CASE_STATUS_DECIDED: _ClassVar[CaseStatus]
    CASE_STATUS_PUBLISHED: _ClassVar[CaseStatus]
    CASE_STATUS_REJECTED: _ClassVar[CaseStatus]
    CASE_STATUS_WITHDRAWN: _ClassVar[CaseStatus]
    CASE_STATUS_LAPSED: _ClassVar[CaseStatus]

class StepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATUS_UNSPECIFIED: _ClassVar[StepStatus]
    STEP_STATUS_PENDING: _ClassVar[StepStatus]
    STEP_STATUS_ACTIVE: _ClassVar[StepStatus]
    STEP_STATUS_DONE: _ClassVar[StepStatus]
    STEP_STATUS_RETURNED: _ClassVar[StepStatus]
    STEP_STATUS_CANCELLED: _ClassVar[StepStatus]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_ONLINE: _ClassVar[Channel]
    CHANNEL_COUNTER: _ClassVar[Channel]
    CHANNEL_AGENT: _ClassVar[Channel]
    CHANNEL_SYSTEM: _ClassVar[Channel]
    CHANNEL_OPENED: _ClassVar[Channel]

class AssistanceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSISTANCE_KIND_UNSPECIFIED: _ClassVar[AssistanceKind]
    ASSISTANCE_KIND_GUIDE: _ClassVar[AssistanceKind]
    ASSISTANCE_KIND_ASSIST: _ClassVar[AssistanceKind]

class DecisionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_OUTCOME_UNSPECIFIED: _ClassVar[DecisionOutcome]
    DECISION_OUTCOME_APPROVE: _ClassVar[DecisionOutcome]
    DECISION_OUTCOME_REFUSE: _ClassVar[DecisionOutcome]
    DECISION_OUTCOME_IMPOSE: _ClassVar[DecisionOutcome]
    DECISION_OUTCOME_NOT_IMPOSE: _ClassVar[DecisionOutcome]

class CaseView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_VIEW_UNSPECIFIED: _ClassVar[CaseView]
    CASE_VIEW_FILE: _ClassVar[CaseView]
    CASE_VIEW_STATUS: _ClassVar[CaseView]

class HandoverState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDOVER_STATE_UNSPECIFIED: _ClassVar[HandoverState]
    HANDOVER_STATE_PENDING: _ClassVar[HandoverState]
    HANDOVER_STATE_FAILING: _ClassVar[HandoverState]
    HANDOVER_STATE_DELIVERED: _ClassVar[HandoverState]

class HandoverDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDOVER_DIRECTION_UNSPECIFIED: _ClassVar[HandoverDirection]
    HANDOVER_DIRECTION_UP: _ClassVar[HandoverDirection]
    HANDOVER_DIRECTION_DOWN: _ClassVar[HandoverDirection]
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_IN_PROGRESS: CaseStatus
CASE_STATUS_COMPLETED: CaseStatus
CASE_STATUS_SUBMITTED: CaseStatus
CASE_STATUS_SUPPLEMENT: CaseStatus
CASE_STATUS_DECIDED: CaseStatus
CASE_STATUS_PUBLISHED: CaseStatus
CASE_STATUS_REJECTED: CaseStatus
CASE_STATUS_WITHDRAWN: CaseStatus
CASE_STATUS_LAPSED: CaseStatus
STEP_STATUS_UNSPECIFIED: StepStatus
STEP_STATUS_PENDING: StepStatus
STEP_STATUS_ACTIVE: StepStatus
STEP_STATUS_DONE: StepStatus
STEP_STATUS_RETURNED: StepStatus
STEP_STATUS_CANCELLED: StepStatus
CHANNEL_UNSPECIFIED: Channel
CHANNEL_ONLINE: Channel
CHANNEL_COUNTER: Channel
CHANNEL_AGENT: Channel
CHANNEL_SYSTEM: Channel
CHANNEL_OPENED: Channel
ASSISTANCE_KIND_UNSPECIFIED: AssistanceKind
ASSISTANCE_KIND_GUIDE: AssistanceKind
ASSISTANCE_KIND_ASSIST: AssistanceKind
DECISION_OUTCOME_UNSPECIFIED: DecisionOutcome
DECISION_OUTCOME_APPROVE: DecisionOutcome
DECISION_OUTCOME_REFUSE: DecisionOutcome
DECISION_OUTCOME_IMPOSE: DecisionOutcome
DECISION_OUTCOME_NOT_IMPOSE: DecisionOutcome
CASE_VIEW_UNSPECIFIED: CaseView
CASE_VIEW_FILE: CaseView
CASE_VIEW_STATUS: CaseView
HANDOVER_STATE_UNSPECIFIED: HandoverState
HANDOVER_STATE_PENDING: HandoverState
HANDOVER_STATE_FAILING: HandoverState
HANDOVER_STATE_DELIVERED: HandoverState
HANDOVER_DIRECTION_UNSPECIFIED: HandoverDirection
HANDOVER_DIRECTION_UP: HandoverDirection
HANDOVER_DIRECTION_DOWN: HandoverDirection

class Penalty(_message.Message):
    __slots__ = ("circumstance", "measures", "amount", "departure", "within_standard")
    CIRCUMSTANCE_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DEPARTURE_FIELD_NUMBER: _ClassVar[int]
    WITHIN_STANDARD_FIELD_NUMBER: _ClassVar[int]
    circumstance: str
    measures: _containers.RepeatedScalarFieldContainer[str]
    amount: _common_pb2.Money
    departure: str
    within_standard: bool
    def __init__(self, circumstance: _Optional[str] = ..., measures: _Optional[_Iterable[str]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., departure: _Optional[str] = ..., within_standard: _Optional[bool] = ...) -> None: ...

class EvidenceGiven(_message.Message):
    __slots__ = ("kind", "description", "sha256")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    kind: str
    description: str
    sha256: str
    def __init__(self, kind: _Optional[str] = ..., description: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("evidence_id", "kind", "description", "sha256", "recorded_at", "recorded_by")
    EVIDENCE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    evidence_id: str
    kind: str
    description: str
    sha256: str
    recorded_at: _timestamp_pb2.Timestamp
    recorded_by: str
    def __init__(self, evidence_id: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., sha256: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("notified_on", "intended", "penalty", "hearing_right", "hearing_due_on", "notified_at", "notified_by", "hearing_due_provisional")
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    INTENDED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    HEARING_RIGHT_FIELD_NUMBER: _ClassVar[int]
    HEARING_DUE_ON_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    HEARING_DUE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    notified_on: str
    intended: str
    penalty: Penalty
    hearing_right: bool
    hearing_due_on: str
    notified_at: _timestamp_pb2.Timestamp
    notified_by: str
    hearing_due_provisional: bool
    def __init__(self, notified_on: _Optional[str] = ..., intended: _Optional[str] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ..., hearing_right: _Optional[bool] = ..., hearing_due_on: _Optional[str] = ..., notified_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notified_by: _Optional[str] = ..., hearing_due_provisional: _Optional[bool] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("at", "by", "text")
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    by: str
    text: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Hearing(_message.Message):
    __slots__ = ("requested_on", "requested_at", "scheduled_on", "place", "host", "noticed_on", "held_at", "record", "outcome", "party_appeared")
    REQUESTED_ON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_ON_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    NOTICED_ON_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PARTY_APPEARED_FIELD_NUMBER: _ClassVar[int]
    requested_on: str
    requested_at: _timestamp_pb2.Timestamp
    scheduled_on: str
    place: str
    host: str
    noticed_on: str
    held_at: _timestamp_pb2.Timestamp
    record: str
    outcome: str
    party_appeared: bool
    def __init__(self, requested_on: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_on: _Optional[str] = ..., place: _Optional[str] = ..., host: _Optional[str] = ..., noticed_on: _Optional[str] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record: _Optional[str] = ..., outcome: _Optional[str] = ..., party_appeared: _Optional[bool] = ...) -> None: ...

class Participant(_message.Message):
    __slots__ = ("name", "position")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: str
    def __init__(self, name: _Optional[str] = ..., position: _Optional[str] = ...) -> None: ...

class MemberOpinion(_message.Message):
    __slots__ = ("participant", "opinion")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    participant: str
    opinion: str
    def __init__(self, participant: _Optional[str] = ..., opinion: _Optional[str] = ...) -> None: ...

class CollectiveReview(_message.Message):
    __slots__ = ("review_id", "held_on", "participants", "opinions", "minutes", "outcome", "recorded_at", "recorded_by")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    OPINIONS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    held_on: str
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    opinions: _containers.RepeatedCompositeFieldContainer[MemberOpinion]
    minutes: str
    outcome: str
    recorded_at: _timestamp_pb2.Timestamp
    recorded_by: str
    def __init__(self, review_id: _Optional[str] = ..., held_on: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., opinions: _Optional[_Iterable[_Union[MemberOpinion, _Mapping]]] = ..., minutes: _Optional[str] = ..., outcome: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class Service(_message.Message):
    __slots__ = ("method", "served_on", "recipient", "note")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SERVED_ON_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    method: str
    served_on: str
    recipient: str
    note: str
    def __init__(self, method: _Optional[str] = ..., served_on: _Optional[str] = ..., recipient: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class PriorCase(_message.Message):
    __slots__ = ("case_number", "item_name", "status", "opened_at", "decision")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    item_name: str
    status: CaseStatus
    opened_at: _timestamp_pb2.Timestamp
    decision: Decision
    def __init__(self, case_number: _Optional[str] = ..., item_name: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class Applicant(_message.Message):
    __slots__ = ("name", "id_type", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_type: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class MaterialGiven(_message.Message):
    __slots__ = ("key", "originals", "copies", "files")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORIGINALS_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    key: str
    originals: int
    copies: int
    files: _containers.RepeatedCompositeFieldContainer[MaterialFile]
    def __init__(self, key: _Optional[str] = ..., originals: _Optional[int] = ..., copies: _Optional[int] = ..., files: _Optional[_Iterable[_Union[MaterialFile, _Mapping]]] = ...) -> None: ...

class MaterialFile(_message.Message):
    __slots__ = ("sha256", "name", "media_type", "size")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    sha256: str
    name: str
    media_type: str
    size: int
    def __init__(self, sha256: _Optional[str] = ..., name: _Optional[str] = ..., media_type: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class Due(_message.Message):
    __slots__ = ("limit_days", "unit", "due_date", "provisional", "used", "left")
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LEFT_FIELD_NUMBER: _ClassVar[int]
    limit_days: int
    unit: _common_pb2.TimeUnit
    due_date: str
    provisional: bool
    used: int
    left: int
    def __init__(self, limit_days: _Optional[int] = ..., unit: _Optional[_Union[_common_pb2.TimeUnit, str]] = ..., due_date: _Optional[str] = ..., provisional: _Optional[bool] = ..., used: _Optional[int] = ..., left: _Optional[int] = ...) -> None: ...

class CaseStep(_message.Message):
    __slots__ = ("index", "key", "name", "role", "limit_days", "status", "started_at", "completed_at", "due_date", "due_date_provisional", "handler", "opinion", "instance_id", "department", "region", "branch", "stage", "assignee", "limit_unit", "days_left", "department_code", "urges", "countermeasures", "claimed")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_UNIT_FIELD_NUMBER: _ClassVar[int]
    DAYS_LEFT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    URGES_FIELD_NUMBER: _ClassVar[int]
    COUNTERMEASURES_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    index: int
    key: str
    name: str
    role: str
    limit_days: int
    status: StepStatus
    started_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    due_date: str
    due_date_provisional: bool
    handler: str
    opinion: str
    instance_id: str
    department: str
    region: str
    branch: str
    stage: int
    assignee: str
    limit_unit: _common_pb2.TimeUnit
    days_left: int
    department_code: str
    urges: int
    countermeasures: _containers.RepeatedScalarFieldContainer[str]
    claimed: bool
    def __init__(self, index: _Optional[int] = ..., key: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[str] = ..., limit_days: _Optional[int] = ..., status: _Optional[_Union[StepStatus, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., handler: _Optional[str] = ..., opinion: _Optional[str] = ..., instance_id: _Optional[str] = ..., department: _Optional[str] = ..., region: _Optional[str] = ..., branch: _Optional[str] = ..., stage: _Optional[int] = ..., assignee: _Optional[str] = ..., limit_unit: _Optional[_Union[_common_pb2.TimeUnit, str]] = ..., days_left: _Optional[int] = ..., department_code: _Optional[str] = ..., urges: _Optional[int] = ..., countermeasures: _Optional[_Iterable[str]] = ..., claimed: _Optional[bool] = ...) -> None: ...

class FeeCharge(_message.Message):
    __slots__ = ("fee_id", "name", "amount", "quantity", "receipt_number", "waived", "basis", "charged_at", "charged_by")
    FEE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CHARGED_AT_FIELD_NUMBER: _ClassVar[int]
    CHARGED_BY_FIELD_NUMBER: _ClassVar[int]
    fee_id: str
    name: str
    amount: _common_pb2.Money
    quantity: int
    receipt_number: str
    waived: bool
    basis: str
    charged_at: _timestamp_pb2.Timestamp
    charged_by: str
    def __init__(self, fee_id: _Optional[str] = ..., name: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity: _Optional[int] = ..., receipt_number: _Optional[str] = ..., waived: _Optional[bool] = ..., basis: _Optional[str] = ..., charged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., charged_by: _Optional[str] = ...) -> None: ...

class BranchUrge(_message.Message):
    __slots__ = ("instance_id", "department_code", "department", "due_date", "note", "at", "by")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    department_code: str
    department: str
    due_date: str
    note: str
    at: _timestamp_pb2.Timestamp
    by: str
    def __init__(self, instance_id: _Optional[str] = ..., department_code: _Optional[str] = ..., department: _Optional[str] = ..., due_date: _Optional[str] = ..., note: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ...) -> None: ...

class BranchOutcome(_message.Message):
    __slots__ = ("instance_id", "key", "name", "department_code", "department", "due_date", "completed_at", "days_late", "urges")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    DAYS_LATE_FIELD_NUMBER: _ClassVar[int]
    URGES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    key: str
    name: str
    department_code: str
    department: str
    due_date: str
    completed_at: _timestamp_pb2.Timestamp
    days_late: int
    urges: int
    def __init__(self, instance_id: _Optional[str] = ..., key: _Optional[str] = ..., name: _Optional[str] = ..., department_code: _Optional[str] = ..., department: _Optional[str] = ..., due_date: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., days_late: _Optional[int] = ..., urges: _Optional[int] = ...) -> None: ...

class ParallelOutcome(_message.Message):
    __slots__ = ("stage", "step_key", "step_name", "joined_at", "branches", "late")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_KEY_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    BRANCHES_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    stage: int
    step_key: str
    step_name: str
    joined_at: _timestamp_pb2.Timestamp
    branches: _containers.RepeatedCompositeFieldContainer[BranchOutcome]
    late: int
    def __init__(self, stage: _Optional[int] = ..., step_key: _Optional[str] = ..., step_name: _Optional[str] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., branches: _Optional[_Iterable[_Union[BranchOutcome, _Mapping]]] = ..., late: _Optional[int] = ...) -> None: ...

class Assistance(_message.Message):
    __slots__ = ("kind", "note", "at", "by")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    kind: AssistanceKind
    note: str
    at: _timestamp_pb2.Timestamp
    by: str
    def __init__(self, kind: _Optional[_Union[AssistanceKind, str]] = ..., note: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ...) -> None: ...

class Procedure(_message.Message):
    __slots__ = ("procedure_id", "kind", "reason", "started_at", "ended_at", "result", "extension_days")
    PROCEDURE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_DAYS_FIELD_NUMBER: _ClassVar[int]
    procedure_id: str
    kind: _common_pb2.SpecialProcedure
    reason: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    result: str
    extension_days: int
    def __init__(self, procedure_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.SpecialProcedure, str]] = ..., reason: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[str] = ..., extension_days: _Optional[int] = ...) -> None: ...

class SupplementRequest(_message.Message):
    __slots__ = ("request_id", "missing", "due_date", "requested_at", "received_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    missing: _containers.RepeatedScalarFieldContainer[str]
    due_date: str
    requested_at: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., missing: _Optional[_Iterable[str]] = ..., due_date: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("outcome", "reasons", "legal_basis", "document_number", "certificate", "valid_until", "decided_at", "decided_by", "penalty")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    outcome: DecisionOutcome
    reasons: str
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    document_number: str
    certificate: str
    valid_until: str
    decided_at: _timestamp_pb2.Timestamp
    decided_by: str
    penalty: Penalty
    def __init__(self, outcome: _Optional[_Union[DecisionOutcome, str]] = ..., reasons: _Optional[str] = ..., legal_basis: _Optional[_Iterable[str]] = ..., document_number: _Optional[str] = ..., certificate: _Optional[str] = ..., valid_until: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ...) -> None: ...

class Clock(_message.Message):
    __slots__ = ("stopped", "stopped_since", "stopped_because")
    STOPPED_FIELD_NUMBER: _ClassVar[int]
    STOPPED_SINCE_FIELD_NUMBER: _ClassVar[int]
    STOPPED_BECAUSE_FIELD_NUMBER: _ClassVar[int]
    stopped: bool
    stopped_since: str
    stopped_because: str
    def __init__(self, stopped: _Optional[bool] = ..., stopped_since: _Optional[str] = ..., stopped_because: _Optional[str] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_version", "item_code", "item_name", "department", "status", "applicant", "steps", "accepted_at", "completed_at", "due_date", "due_date_provisional", "promised_limit_days", "mode", "channel", "agent", "materials", "procedures", "supplements", "decision", "clock", "promised", "statutory", "next_steps", "allowed_actions", "reason", "sequence", "submitted_at", "missing_materials", "documents", "department_code", "assistance", "urges", "parallel_outcomes", "fees", "query_code", "agent_authorisation", "own_view", "opened", "parties", "facts", "source", "legal_basis", "evidence", "notification", "statements", "hearing", "hearing_waived", "collective_reviews", "service", "prior_cases", "reported_to", "reported_from")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    SUPPLEMENTS_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    PROMISED_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEPS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    MISSING_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ASSISTANCE_FIELD_NUMBER: _ClassVar[int]
    URGES_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    QUERY_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENT_AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    OWN_VIEW_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    STATEMENTS_FIELD_NUMBER: _ClassVar[int]
    HEARING_FIELD_NUMBER: _ClassVar[int]
    HEARING_WAIVED_FIELD_NUMBER: _ClassVar[int]
    COLLECTIVE_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    PRIOR_CASES_FIELD_NUMBER: _ClassVar[int]
    REPORTED_TO_FIELD_NUMBER: _ClassVar[int]
    REPORTED_FROM_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    item_id: str
    item_version: int
    item_code: str
    item_name: str
    department: str
    status: CaseStatus
    applicant: Applicant
    steps: _containers.RepeatedCompositeFieldContainer[CaseStep]
    accepted_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    due_date: str
    due_date_provisional: bool
    promised_limit_days: int
    mode: _common_pb2.HandlingMode
    channel: Channel
    agent: Applicant
    materials: _containers.RepeatedCompositeFieldContainer[MaterialGiven]
    procedures: _containers.RepeatedCompositeFieldContainer[Procedure]
    supplements: _containers.RepeatedCompositeFieldContainer[SupplementRequest]
    decision: Decision
    clock: Clock
    promised: Due
    statutory: Due
    next_steps: _containers.RepeatedScalarFieldContainer[str]
    allowed_actions: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    sequence: int
    submitted_at: _timestamp_pb2.Timestamp
    missing_materials: _containers.RepeatedScalarFieldContainer[str]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentSummary]
    department_code: str
    assistance: _containers.RepeatedCompositeFieldContainer[Assistance]
    urges: _containers.RepeatedCompositeFieldContainer[BranchUrge]
    parallel_outcomes: _containers.RepeatedCompositeFieldContainer[ParallelOutcome]
    fees: _containers.RepeatedCompositeFieldContainer[FeeCharge]
    query_code: str
    agent_authorisation: str
    own_view: bool
    opened: bool
    parties: _containers.RepeatedCompositeFieldContainer[Applicant]
    facts: str
    source: str
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    notification: Notification
    statements: _containers.RepeatedCompositeFieldContainer[Statement]
    hearing: Hearing
    hearing_waived: bool
    collective_reviews: _containers.RepeatedCompositeFieldContainer[CollectiveReview]
    service: Service
    prior_cases: _containers.RepeatedCompositeFieldContainer[PriorCase]
    reported_to: ReportLink
    reported_from: ReportLink
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ..., department: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[CaseStep, _Mapping]]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., promised_limit_days: _Optional[int] = ..., mode: _Optional[_Union[_common_pb2.HandlingMode, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., agent: _Optional[_Union[Applicant, _Mapping]] = ..., materials: _Optional[_Iterable[_Union[MaterialGiven, _Mapping]]] = ..., procedures: _Optional[_Iterable[_Union[Procedure, _Mapping]]] = ..., supplements: _Optional[_Iterable[_Union[SupplementRequest, _Mapping]]] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., clock: _Optional[_Union[Clock, _Mapping]] = ..., promised: _Optional[_Union[Due, _Mapping]] = ..., statutory: _Optional[_Union[Due, _Mapping]] = ..., next_steps: _Optional[_Iterable[str]] = ..., allowed_actions: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., sequence: _Optional[int] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., missing_materials: _Optional[_Iterable[str]] = ..., documents: _Optional[_Iterable[_Union[DocumentSummary, _Mapping]]] = ..., department_code: _Optional[str] = ..., assistance: _Optional[_Iterable[_Union[Assistance, _Mapping]]] = ..., urges: _Optional[_Iterable[_Union[BranchUrge, _Mapping]]] = ..., parallel_outcomes: _Optional[_Iterable[_Union[ParallelOutcome, _Mapping]]] = ..., fees: _Optional[_Iterable[_Union[FeeCharge, _Mapping]]] = ..., query_code: _Optional[str] = ..., agent_authorisation: _Optional[str] = ..., own_view: _Optional[bool] = ..., opened: _Optional[bool] = ..., parties: _Optional[_Iterable[_Union[Applicant, _Mapping]]] = ..., facts: _Optional[str] = ..., source: _Optional[str] = ..., legal_basis: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., notification: _Optional[_Union[Notification, _Mapping]] = ..., statements: _Optional[_Iterable[_Union[Statement, _Mapping]]] = ..., hearing: _Optional[_Union[Hearing, _Mapping]] = ..., hearing_waived: _Optional[bool] = ..., collective_reviews: _Optional[_Iterable[_Union[CollectiveReview, _Mapping]]] = ..., service: _Optional[_Union[Service, _Mapping]] = ..., prior_cases: _Optional[_Iterable[_Union[PriorCase, _Mapping]]] = ..., reported_to: _Optional[_Union[ReportLink, _Mapping]] = ..., reported_from: _Optional[_Union[ReportLink, _Mapping]] = ...) -> None: ...

class ReportLink(_message.Message):
    __slots__ = ("node", "case_number", "instance_id", "trace_seq", "trace_hash", "returned_at")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_SEQ_FIELD_NUMBER: _ClassVar[int]
    TRACE_HASH_FIELD_NUMBER: _ClassVar[int]
    RETURNED_AT_FIELD_NUMBER: _ClassVar[int]
    node: str
    case_number: str
    instance_id: str
    trace_seq: int
    trace_hash: str
    returned_at: _timestamp_pb2.Timestamp
    def __init__(self, node: _Optional[str] = ..., case_number: _Optional[str] = ..., instance_id: _Optional[str] = ..., trace_seq: _Optional[int] = ..., trace_hash: _Optional[str] = ..., returned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "item_version", "region", "applicant", "mode", "channel", "agent", "materials", "agent_authorisation")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    AGENT_AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    item_version: int
    region: str
    applicant: Applicant
    mode: _common_pb2.HandlingMode
    channel: Channel
    agent: Applicant
    materials: _containers.RepeatedCompositeFieldContainer[MaterialGiven]
    agent_authorisation: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., region: _Optional[str] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., mode: _Optional[_Union[_common_pb2.HandlingMode, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., agent: _Optional[_Union[Applicant, _Mapping]] = ..., materials: _Optional[_Iterable[_Union[MaterialGiven, _Mapping]]] = ..., agent_authorisation: _Optional[str] = ...) -> None: ...

class OpenCaseRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "item_version", "region", "parties", "facts", "source", "legal_basis", "evidence")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    item_version: int
    region: str
    parties: _containers.RepeatedCompositeFieldContainer[Applicant]
    facts: str
    source: str
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    evidence: _containers.RepeatedCompositeFieldContainer[EvidenceGiven]
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., region: _Optional[str] = ..., parties: _Optional[_Iterable[_Union[Applicant, _Mapping]]] = ..., facts: _Optional[str] = ..., source: _Optional[str] = ..., legal_basis: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Iterable[_Union[EvidenceGiven, _Mapping]]] = ...) -> None: ...

class CaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class Accept(_message.Message):
    __slots__ = ("opinion",)
    OPINION_FIELD_NUMBER: _ClassVar[int]
    opinion: str
    def __init__(self, opinion: _Optional[str] = ...) -> None: ...

class Reject(_message.Message):
    __slots__ = ("reason_code", "reasons")
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    reason_code: str
    reasons: str
    def __init__(self, reason_code: _Optional[str] = ..., reasons: _Optional[str] = ...) -> None: ...

class RequestSupplement(_message.Message):
    __slots__ = ("missing", "due_date")
    MISSING_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    missing: _containers.RepeatedScalarFieldContainer[str]
    due_date: str
    def __init__(self, missing: _Optional[_Iterable[str]] = ..., due_date: _Optional[str] = ...) -> None: ...

class ReceiveSupplement(_message.Message):
    __slots__ = ("materials",)
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    materials: _containers.RepeatedCompositeFieldContainer[MaterialGiven]
    def __init__(self, materials: _Optional[_Iterable[_Union[MaterialGiven, _Mapping]]] = ...) -> None: ...

class Lapse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Claim(_message.Message):
    __slots__ = ("instance_id",)
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class Release(_message.Message):
    __slots__ = ("instance_id",)
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class Reassign(_message.Message):
    __slots__ = ("instance_id", "to")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    to: str
    def __init__(self, instance_id: _Optional[str] = ..., to: _Optional[str] = ...) -> None: ...

class CompleteStep(_message.Message):
    __slots__ = ("instance_id", "opinion", "countermeasures")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    COUNTERMEASURES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    opinion: str
    countermeasures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, instance_id: _Optional[str] = ..., opinion: _Optional[str] = ..., countermeasures: _Optional[_Iterable[str]] = ...) -> None: ...

class ReturnStep(_message.Message):
    __slots__ = ("instance_id", "to_key", "reason")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    to_key: str
    reason: str
    def __init__(self, instance_id: _Optional[str] = ..., to_key: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StartProcedure(_message.Message):
    __slots__ = ("kind", "reason", "extension_days")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_DAYS_FIELD_NUMBER: _ClassVar[int]
    kind: _common_pb2.SpecialProcedure
    reason: str
    extension_days: int
    def __init__(self, kind: _Optional[_Union[_common_pb2.SpecialProcedure, str]] = ..., reason: _Optional[str] = ..., extension_days: _Optional[int] = ...) -> None: ...

class EndProcedure(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: str
    def __init__(self, result: _Optional[str] = ...) -> None: ...

class Decide(_message.Message):
    __slots__ = ("outcome", "reasons", "legal_basis", "document_number", "certificate", "valid_until", "penalty", "countermeasures")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    COUNTERMEASURES_FIELD_NUMBER: _ClassVar[int]
    outcome: DecisionOutcome
    reasons: str
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    document_number: str
    certificate: str
    valid_until: str
    penalty: Penalty
    countermeasures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, outcome: _Optional[_Union[DecisionOutcome, str]] = ..., reasons: _Optional[str] = ..., legal_basis: _Optional[_Iterable[str]] = ..., document_number: _Optional[str] = ..., certificate: _Optional[str] = ..., valid_until: _Optional[str] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ..., countermeasures: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordEvidence(_message.Message):
    __slots__ = ("evidence",)
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    evidence: EvidenceGiven
    def __init__(self, evidence: _Optional[_Union[EvidenceGiven, _Mapping]] = ...) -> None: ...

class Notify(_message.Message):
    __slots__ = ("intended", "penalty", "hearing_right", "notified_on")
    INTENDED_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    HEARING_RIGHT_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    intended: str
    penalty: Penalty
    hearing_right: bool
    notified_on: str
    def __init__(self, intended: _Optional[str] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ..., hearing_right: _Optional[bool] = ..., notified_on: _Optional[str] = ...) -> None: ...

class RecordStatement(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class RequestHearing(_message.Message):
    __slots__ = ("requested_on",)
    REQUESTED_ON_FIELD_NUMBER: _ClassVar[int]
    requested_on: str
    def __init__(self, requested_on: _Optional[str] = ...) -> None: ...

class WaiveHearing(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ScheduleHearing(_message.Message):
    __slots__ = ("on", "place", "host")
    ON_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    on: str
    place: str
    host: str
    def __init__(self, on: _Optional[str] = ..., place: _Optional[str] = ..., host: _Optional[str] = ...) -> None: ...

class HoldHearing(_message.Message):
    __slots__ = ("record", "outcome", "party_absent")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PARTY_ABSENT_FIELD_NUMBER: _ClassVar[int]
    record: str
    outcome: str
    party_absent: bool
    def __init__(self, record: _Optional[str] = ..., outcome: _Optional[str] = ..., party_absent: _Optional[bool] = ...) -> None: ...

class RecordCollectiveReview(_message.Message):
    __slots__ = ("held_on", "participants", "opinions", "minutes", "outcome")
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    OPINIONS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    held_on: str
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    opinions: _containers.RepeatedCompositeFieldContainer[MemberOpinion]
    minutes: str
    outcome: str
    def __init__(self, held_on: _Optional[str] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., opinions: _Optional[_Iterable[_Union[MemberOpinion, _Mapping]]] = ..., minutes: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class Serve(_message.Message):
    __slots__ = ("method", "recipient", "served_on", "note")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SERVED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    method: str
    recipient: str
    served_on: str
    note: str
    def __init__(self, method: _Optional[str] = ..., recipient: _Optional[str] = ..., served_on: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class PublishResult(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompleteCase(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UrgeBranch(_message.Message):
    __slots__ = ("instance_id", "note")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    note: str
    def __init__(self, instance_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AssistApplicant(_message.Message):
    __slots__ = ("kind", "note")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    kind: AssistanceKind
    note: str
    def __init__(self, kind: _Optional[_Union[AssistanceKind, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ChargeFee(_message.Message):
    __slots__ = ("name", "amount", "quantity", "receipt_number", "waived", "basis")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    WAIVED_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: _common_pb2.Money
    quantity: int
    receipt_number: str
    waived: bool
    basis: str
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity: _Optional[int] = ..., receipt_number: _Optional[str] = ..., waived: _Optional[bool] = ..., basis: _Optional[str] = ...) -> None: ...

class Withdraw(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ActOnCaseRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_number", "accept", "reject", "request_supplement", "receive_supplement", "lapse", "claim", "release", "reassign", "complete_step", "return_step", "start_procedure", "end_procedure", "decide", "publish_result", "complete", "withdraw", "urge", "assist", "charge_fee", "record_evidence", "notify", "record_statement", "request_hearing", "waive_hearing", "schedule_hearing", "hold_hearing", "record_collective_review", "serve")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REJECT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SUPPLEMENT_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_SUPPLEMENT_FIELD_NUMBER: _ClassVar[int]
    LAPSE_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    REASSIGN_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_STEP_FIELD_NUMBER: _ClassVar[int]
    RETURN_STEP_FIELD_NUMBER: _ClassVar[int]
    START_PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    END_PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    DECIDE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_RESULT_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_FIELD_NUMBER: _ClassVar[int]
    URGE_FIELD_NUMBER: _ClassVar[int]
    ASSIST_FIELD_NUMBER: _ClassVar[int]
    CHARGE_FEE_FIELD_NUMBER: _ClassVar[int]
    RECORD_EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_FIELD_NUMBER: _ClassVar[int]
    RECORD_STATEMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_HEARING_FIELD_NUMBER: _ClassVar[int]
    WAIVE_HEARING_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_HEARING_FIELD_NUMBER: _ClassVar[int]
    HOLD_HEARING_FIELD_NUMBER: _ClassVar[int]
    RECORD_COLLECTIVE_REVIEW_FIELD_NUMBER: _ClassVar[int]
    SERVE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_number: str
    accept: Accept
    reject: Reject
    request_supplement: RequestSupplement
    receive_supplement: ReceiveSupplement
    lapse: Lapse
    claim: Claim
    release: Release
    reassign: Reassign
    complete_step: CompleteStep
    return_step: ReturnStep
    start_procedure: StartProcedure
    end_procedure: EndProcedure
    decide: Decide
    publish_result: PublishResult
    complete: CompleteCase
    withdraw: Withdraw
    urge: UrgeBranch
    assist: AssistApplicant
    charge_fee: ChargeFee
    record_evidence: RecordEvidence
    notify: Notify
    record_statement: RecordStatement
    request_hearing: RequestHearing
    waive_hearing: WaiveHearing
    schedule_hearing: ScheduleHearing
    hold_hearing: HoldHearing
    record_collective_review: RecordCollectiveReview
    serve: Serve
    def __init__(self, idempotency_key: _Optional[str] = ..., case_number: _Optional[str] = ..., accept: _Optional[_Union[Accept, _Mapping]] = ..., reject: _Optional[_Union[Reject, _Mapping]] = ..., request_supplement: _Optional[_Union[RequestSupplement, _Mapping]] = ..., receive_supplement: _Optional[_Union[ReceiveSupplement, _Mapping]] = ..., lapse: _Optional[_Union[Lapse, _Mapping]] = ..., claim: _Optional[_Union[Claim, _Mapping]] = ..., release: _Optional[_Union[Release, _Mapping]] = ..., reassign: _Optional[_Union[Reassign, _Mapping]] = ..., complete_step: _Optional[_Union[CompleteStep, _Mapping]] = ..., return_step: _Optional[_Union[ReturnStep, _Mapping]] = ..., start_procedure: _Optional[_Union[StartProcedure, _Mapping]] = ..., end_procedure: _Optional[_Union[EndProcedure, _Mapping]] = ..., decide: _Optional[_Union[Decide, _Mapping]] = ..., publish_result: _Optional[_Union[PublishResult, _Mapping]] = ..., complete: _Optional[_Union[CompleteCase, _Mapping]] = ..., withdraw: _Optional[_Union[Withdraw, _Mapping]] = ..., urge: _Optional[_Union[UrgeBranch, _Mapping]] = ..., assist: _Optional[_Union[AssistApplicant, _Mapping]] = ..., charge_fee: _Optional[_Union[ChargeFee, _Mapping]] = ..., record_evidence: _Optional[_Union[RecordEvidence, _Mapping]] = ..., notify: _Optional[_Union[Notify, _Mapping]] = ..., record_statement: _Optional[_Union[RecordStatement, _Mapping]] = ..., request_hearing: _Optional[_Union[RequestHearing, _Mapping]] = ..., waive_hearing: _Optional[_Union[WaiveHearing, _Mapping]] = ..., schedule_hearing: _Optional[_Union[ScheduleHearing, _Mapping]] = ..., hold_hearing: _Optional[_Union[HoldHearing, _Mapping]] = ..., record_collective_review: _Optional[_Union[RecordCollectiveReview, _Mapping]] = ..., serve: _Optional[_Union[Serve, _Mapping]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_number", "purpose", "material_sha256", "view")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_SHA256_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    purpose: str
    material_sha256: str
    view: CaseView
    def __init__(self, case_number: _Optional[str] = ..., purpose: _Optional[str] = ..., material_sha256: _Optional[str] = ..., view: _Optional[_Union[CaseView, str]] = ...) -> None: ...

class ListQueueRequest(_message.Message):
    __slots__ = ("role", "region", "unclaimed_only", "mine_only", "page_size", "page_token", "department_code", "query")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    UNCLAIMED_ONLY_FIELD_NUMBER: _ClassVar[int]
    MINE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    role: str
    region: str
    unclaimed_only: bool
    mine_only: bool
    page_size: int
    page_token: str
    department_code: str
    query: str
    def __init__(self, role: _Optional[str] = ..., region: _Optional[str] = ..., unclaimed_only: _Optional[bool] = ..., mine_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., department_code: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListParallelBranchesRequest(_message.Message):
    __slots__ = ("region", "late_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    LATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    late_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., late_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QueueEntry(_message.Message):
    __slots__ = ("case_number", "item_name", "step", "case_status", "case_due_date", "applicant_name")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CASE_STATUS_FIELD_NUMBER: _ClassVar[int]
    CASE_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_NAME_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    item_name: str
    step: CaseStep
    case_status: CaseStatus
    case_due_date: str
    applicant_name: str
    def __init__(self, case_number: _Optional[str] = ..., item_name: _Optional[str] = ..., step: _Optional[_Union[CaseStep, _Mapping]] = ..., case_status: _Optional[_Union[CaseStatus, str]] = ..., case_due_date: _Optional[str] = ..., applicant_name: _Optional[str] = ...) -> None: ...

class ListQueueResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[QueueEntry]
    next_page_token: str
    total: int
    def __init__(self, entries: _Optional[_Iterable[_Union[QueueEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class TraceEntry(_message.Message):
    __slots__ = ("seq", "at", "actor", "role", "department", "action", "opinion", "state_before", "state_after", "data_json", "prev_hash", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    STATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    STATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    at: _timestamp_pb2.Timestamp
    actor: str
    role: str
    department: str
    action: str
    opinion: str
    state_before: str
    state_after: str
    data_json: str
    prev_hash: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., department: _Optional[str] = ..., action: _Optional[str] = ..., opinion: _Optional[str] = ..., state_before: _Optional[str] = ..., state_after: _Optional[str] = ..., data_json: _Optional[str] = ..., prev_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class GetTraceRequest(_message.Message):
    __slots__ = ("case_number", "purpose")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    purpose: str
    def __init__(self, case_number: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class GetTraceResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TraceEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[TraceEntry, _Mapping]]] = ...) -> None: ...

class VerifyTraceRequest(_message.Message):
    __slots__ = ("case_number", "purpose")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    purpose: str
    def __init__(self, case_number: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class VerifyTraceResponse(_message.Message):
    __slots__ = ("intact", "entries", "head", "broken_at", "reason")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    BROKEN_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    entries: int
    head: str
    broken_at: int
    reason: str
    def __init__(self, intact: _Optional[bool] = ..., entries: _Optional[int] = ..., head: _Optional[str] = ..., broken_at: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentSummary(_message.Message):
    __slots__ = ("document_id", "kind", "title", "number", "case_number", "issued_at", "trace_seq", "content_sha256", "pdf_sha256", "pdf_size")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    TRACE_SEQ_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    PDF_SHA256_FIELD_NUMBER: _ClassVar[int]
    PDF_SIZE_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    kind: str
    title: str
    number: str
    case_number: str
    issued_at: _timestamp_pb2.Timestamp
    trace_seq: int
    content_sha256: str
    pdf_sha256: str
    pdf_size: int
    def __init__(self, document_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., number: _Optional[str] = ..., case_number: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trace_seq: _Optional[int] = ..., content_sha256: _Optional[str] = ..., pdf_sha256: _Optional[str] = ..., pdf_size: _Optional[int] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("case_number", "purpose")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    purpose: str
    def __init__(self, case_number: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents",)
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentSummary]
    def __init__(self, documents: _Optional[_Iterable[_Union[DocumentSummary, _Mapping]]] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("case_number", "document_id", "purpose")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    document_id: str
    purpose: str
    def __init__(self, case_number: _Optional[str] = ..., document_id: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ("document", "pdf", "content_json")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    document: DocumentSummary
    pdf: bytes
    content_json: str
    def __init__(self, document: _Optional[_Union[DocumentSummary, _Mapping]] = ..., pdf: _Optional[bytes] = ..., content_json: _Optional[str] = ...) -> None: ...

class StoredDocument(_message.Message):
    __slots__ = ("case_number", "document_id")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    document_id: str
    def __init__(self, case_number: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class VerifyDocumentRequest(_message.Message):
    __slots__ = ("pdf", "stored")
    PDF_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    stored: StoredDocument
    def __init__(self, pdf: _Optional[bytes] = ..., stored: _Optional[_Union[StoredDocument, _Mapping]] = ...) -> None: ...

class VerifyDocumentResponse(_message.Message):
    __slots__ = ("valid", "reason", "document", "content_intact", "pdf_intact", "trace_intact", "content_sha256", "recorded_sha256", "pdf_sha256", "broken_at")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_INTACT_FIELD_NUMBER: _ClassVar[int]
    PDF_INTACT_FIELD_NUMBER: _ClassVar[int]
    TRACE_INTACT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    RECORDED_SHA256_FIELD_NUMBER: _ClassVar[int]
    PDF_SHA256_FIELD_NUMBER: _ClassVar[int]
    BROKEN_AT_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: str
    document: DocumentSummary
    content_intact: bool
    pdf_intact: bool
    trace_intact: bool
    content_sha256: str
    recorded_sha256: str
    pdf_sha256: str
    broken_at: int
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[str] = ..., document: _Optional[_Union[DocumentSummary, _Mapping]] = ..., content_intact: _Optional[bool] = ..., pdf_intact: _Optional[bool] = ..., trace_intact: _Optional[bool] = ..., content_sha256: _Optional[str] = ..., recorded_sha256: _Optional[str] = ..., pdf_sha256: _Optional[str] = ..., broken_at: _Optional[int] = ...) -> None: ...

class ReceiveReportedCaseRequest(_message.Message):
    __slots__ = ("to_region", "case_number", "region", "instance_id", "trace_seq", "trace_hash", "item_snapshot_json", "applicant", "materials", "submitted_at", "idempotency_key", "channel")
    TO_REGION_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_SEQ_FIELD_NUMBER: _ClassVar[int]
    TRACE_HASH_FIELD_NUMBER: _ClassVar[int]
    ITEM_SNAPSHOT_JSON_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    to_region: str
    case_number: str
    region: str
    instance_id: str
    trace_seq: int
    trace_hash: str
    item_snapshot_json: str
    applicant: Applicant
    materials: _containers.RepeatedCompositeFieldContainer[MaterialGiven]
    submitted_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    channel: Channel
    def __init__(self, to_region: _Optional[str] = ..., case_number: _Optional[str] = ..., region: _Optional[str] = ..., instance_id: _Optional[str] = ..., trace_seq: _Optional[int] = ..., trace_hash: _Optional[str] = ..., item_snapshot_json: _Optional[str] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., materials: _Optional[_Iterable[_Union[MaterialGiven, _Mapping]]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ...) -> None: ...

class ReceiveReportedCaseResponse(_message.Message):
    __slots__ = ("case_number", "trace_hash", "node")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRACE_HASH_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    trace_hash: str
    node: str
    def __init__(self, case_number: _Optional[str] = ..., trace_hash: _Optional[str] = ..., node: _Optional[str] = ...) -> None: ...

class ReceiveReportedDecisionRequest(_message.Message):
    __slots__ = ("case_number", "instance_id", "parent_case_number", "trace_seq", "trace_hash", "decision", "idempotency_key")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRACE_SEQ_FIELD_NUMBER: _ClassVar[int]
    TRACE_HASH_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    instance_id: str
    parent_case_number: str
    trace_seq: int
    trace_hash: str
    decision: ReturnedDecision
    idempotency_key: str
    def __init__(self, case_number: _Optional[str] = ..., instance_id: _Optional[str] = ..., parent_case_number: _Optional[str] = ..., trace_seq: _Optional[int] = ..., trace_hash: _Optional[str] = ..., decision: _Optional[_Union[ReturnedDecision, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReturnedDecision(_message.Message):
    __slots__ = ("outcome", "reasons", "legal_basis", "document_number", "certificate", "valid_until", "decided_at", "decided_by")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    outcome: DecisionOutcome
    reasons: str
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    document_number: str
    certificate: str
    valid_until: str
    decided_at: _timestamp_pb2.Timestamp
    decided_by: str
    def __init__(self, outcome: _Optional[_Union[DecisionOutcome, str]] = ..., reasons: _Optional[str] = ..., legal_basis: _Optional[_Iterable[str]] = ..., document_number: _Optional[str] = ..., certificate: _Optional[str] = ..., valid_until: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ...) -> None: ...

class ReceiveReportedDecisionResponse(_message.Message):
    __slots__ = ("case_number", "trace_hash", "status")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRACE_HASH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    trace_hash: str
    status: CaseStatus
    def __init__(self, case_number: _Optional[str] = ..., trace_hash: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ...) -> None: ...

class ListMyCasesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMyCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token", "total")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    total: int
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class LookupCaseRequest(_message.Message):
    __slots__ = ("case_number", "applicant_name", "query_code")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_CODE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    applicant_name: str
    query_code: str
    def __init__(self, case_number: _Optional[str] = ..., applicant_name: _Optional[str] = ..., query_code: _Optional[str] = ...) -> None: ...

class CaseAccess(_message.Message):
    __slots__ = ("at", "subject", "name", "roles", "department", "department_code", "call", "purpose", "view", "target", "regions", "asserted_by", "channel", "own", "region", "case_number", "id")
    AT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    ASSERTED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OWN_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    subject: str
    name: str
    roles: str
    department: str
    department_code: str
    call: str
    purpose: str
    view: str
    target: str
    regions: str
    asserted_by: str
    channel: str
    own: bool
    region: str
    case_number: str
    id: int
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., subject: _Optional[str] = ..., name: _Optional[str] = ..., roles: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., call: _Optional[str] = ..., purpose: _Optional[str] = ..., view: _Optional[str] = ..., target: _Optional[str] = ..., regions: _Optional[str] = ..., asserted_by: _Optional[str] = ..., channel: _Optional[str] = ..., own: _Optional[bool] = ..., region: _Optional[str] = ..., case_number: _Optional[str] = ..., id: _Optional[int] = ...) -> None: ...

class ListAccessAuditRequest(_message.Message):
    __slots__ = ("region", "case_number", "subject", "since", "until", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    case_number: str
    subject: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., case_number: _Optional[str] = ..., subject: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAccessAuditResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CaseAccess]
    next_page_token: str
    total: int
    def __init__(self, entries: _Optional[_Iterable[_Union[CaseAccess, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ListHandoversRequest(_message.Message):
    __slots__ = ("region", "state", "direction", "peer", "case_number", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    state: HandoverState
    direction: HandoverDirection
    peer: str
    case_number: str
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., state: _Optional[_Union[HandoverState, str]] = ..., direction: _Optional[_Union[HandoverDirection, str]] = ..., peer: _Optional[str] = ..., case_number: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Handover(_message.Message):
    __slots__ = ("id", "case_number", "region", "direction", "peer", "state", "created_at", "attempts", "next_attempt_at", "last_error", "delivered_at", "answer_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_JSON_FIELD_NUMBER: _ClassVar[int]
    id: int
    case_number: str
    region: str
    direction: HandoverDirection
    peer: str
    state: HandoverState
    created_at: _timestamp_pb2.Timestamp
    attempts: int
    next_attempt_at: _timestamp_pb2.Timestamp
    last_error: str
    delivered_at: _timestamp_pb2.Timestamp
    answer_json: str
    def __init__(self, id: _Optional[int] = ..., case_number: _Optional[str] = ..., region: _Optional[str] = ..., direction: _Optional[_Union[HandoverDirection, str]] = ..., peer: _Optional[str] = ..., state: _Optional[_Union[HandoverState, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[int] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_json: _Optional[str] = ...) -> None: ...

class HandoverEvent(_message.Message):
    __slots__ = ("case_number", "region", "handover", "overdue_after_minutes")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    HANDOVER_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_AFTER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    handover: Handover
    overdue_after_minutes: int
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., handover: _Optional[_Union[Handover, _Mapping]] = ..., overdue_after_minutes: _Optional[int] = ...) -> None: ...

class ListHandoversResponse(_message.Message):
    __slots__ = ("handovers", "next_page_token", "total")
    HANDOVERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    handovers: _containers.RepeatedCompositeFieldContainer[Handover]
    next_page_token: str
    total: int
    def __init__(self, handovers: _Optional[_Iterable[_Union[Handover, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ListCaseAccessesRequest(_message.Message):
    __slots__ = ("case_number", "page_size", "page_token")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    page_size: int
    page_token: str
    def __init__(self, case_number: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCaseAccessesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CaseAccess]
    next_page_token: str
    total: int
    def __init__(self, entries: _Optional[_Iterable[_Union[CaseAccess, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class TraceRoot(_message.Message):
    __slots__ = ("region", "day", "root", "cases")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    region: str
    day: str
    root: str
    cases: int
    def __init__(self, region: _Optional[str] = ..., day: _Optional[str] = ..., root: _Optional[str] = ..., cases: _Optional[int] = ...) -> None: ...

class CaseEvent(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_version", "item_code", "department", "sequence", "status", "step", "handler", "due_date", "due_date_provisional", "promised_limit_days", "statutory_limit_days", "accepted_at", "step_count", "mode", "active_steps", "clock", "promised", "statutory", "steps_completed", "handler_role", "handler_department", "opinion", "reason_code", "complete_application", "reason", "decision", "procedure", "supplement", "returned_to", "reassigned_to", "channel", "submitted_at", "documents", "department_code", "handler_department_code", "urge", "assistance", "parallel_outcome", "fee", "opened", "parties", "source", "evidence", "notification", "hearing", "collective_review", "penalty", "allowed", "refusal_code", "service")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    STEP_COUNT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STEPS_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    PROMISED_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_FIELD_NUMBER: _ClassVar[int]
    STEPS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    HANDLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    HANDLER_DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_APPLICATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_FIELD_NUMBER: _ClassVar[int]
    SUPPLEMENT_FIELD_NUMBER: _ClassVar[int]
    RETURNED_TO_FIELD_NUMBER: _ClassVar[int]
    REASSIGNED_TO_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLER_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    URGE_FIELD_NUMBER: _ClassVar[int]
    ASSISTANCE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    HEARING_FIELD_NUMBER: _ClassVar[int]
    COLLECTIVE_REVIEW_FIELD_NUMBER: _ClassVar[int]
    PENALTY_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_CODE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    item_id: str
    item_version: int
    item_code: str
    department: str
    sequence: int
    status: CaseStatus
    step: CaseStep
    handler: str
    due_date: str
    due_date_provisional: bool
    promised_limit_days: int
    statutory_limit_days: int
    accepted_at: _timestamp_pb2.Timestamp
    step_count: int
    mode: _common_pb2.HandlingMode
    active_steps: _containers.RepeatedCompositeFieldContainer[CaseStep]
    clock: Clock
    promised: Due
    statutory: Due
    steps_completed: int
    handler_role: str
    handler_department: str
    opinion: str
    reason_code: str
    complete_application: bool
    reason: str
    decision: Decision
    procedure: Procedure
    supplement: SupplementRequest
    returned_to: str
    reassigned_to: str
    channel: Channel
    submitted_at: _timestamp_pb2.Timestamp
    documents: _containers.RepeatedCompositeFieldContainer[DocumentSummary]
    department_code: str
    handler_department_code: str
    urge: BranchUrge
    assistance: Assistance
    parallel_outcome: ParallelOutcome
    fee: FeeCharge
    opened: bool
    parties: _containers.RepeatedCompositeFieldContainer[Applicant]
    source: str
    evidence: Evidence
    notification: Notification
    hearing: Hearing
    collective_review: CollectiveReview
    penalty: Penalty
    allowed: str
    refusal_code: str
    service: Service
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., item_code: _Optional[str] = ..., department: _Optional[str] = ..., sequence: _Optional[int] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., step: _Optional[_Union[CaseStep, _Mapping]] = ..., handler: _Optional[str] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., promised_limit_days: _Optional[int] = ..., statutory_limit_days: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_count: _Optional[int] = ..., mode: _Optional[_Union[_common_pb2.HandlingMode, str]] = ..., active_steps: _Optional[_Iterable[_Union[CaseStep, _Mapping]]] = ..., clock: _Optional[_Union[Clock, _Mapping]] = ..., promised: _Optional[_Union[Due, _Mapping]] = ..., statutory: _Optional[_Union[Due, _Mapping]] = ..., steps_completed: _Optional[int] = ..., handler_role: _Optional[str] = ..., handler_department: _Optional[str] = ..., opinion: _Optional[str] = ..., reason_code: _Optional[str] = ..., complete_application: _Optional[bool] = ..., reason: _Optional[str] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., procedure: _Optional[_Union[Procedure, _Mapping]] = ..., supplement: _Optional[_Union[SupplementRequest, _Mapping]] = ..., returned_to: _Optional[str] = ..., reassigned_to: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., documents: _Optional[_Iterable[_Union[DocumentSummary, _Mapping]]] = ..., department_code: _Optional[str] = ..., handler_department_code: _Optional[str] = ..., urge: _Optional[_Union[BranchUrge, _Mapping]] = ..., assistance: _Optional[_Union[Assistance, _Mapping]] = ..., parallel_outcome: _Optional[_Union[ParallelOutcome, _Mapping]] = ..., fee: _Optional[_Union[FeeCharge, _Mapping]] = ..., opened: _Optional[bool] = ..., parties: _Optional[_Iterable[_Union[Applicant, _Mapping]]] = ..., source: _Optional[str] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., notification: _Optional[_Union[Notification, _Mapping]] = ..., hearing: _Optional[_Union[Hearing, _Mapping]] = ..., collective_review: _Optional[_Union[CollectiveReview, _Mapping]] = ..., penalty: _Optional[_Union[Penalty, _Mapping]] = ..., allowed: _Optional[str] = ..., refusal_code: _Optional[str] = ..., service: _Optional[_Union[Service, _Mapping]] = ...) -> None: ...
