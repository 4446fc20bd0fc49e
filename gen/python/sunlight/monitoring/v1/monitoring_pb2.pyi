import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_YELLOW: _ClassVar[Severity]
    SEVERITY_RED: _ClassVar[Severity]

class WarningStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WARNING_STATUS_UNSPECIFIED: _ClassVar[WarningStatus]
    WARNING_STATUS_OPEN: _ClassVar[WarningStatus]
    WARNING_STATUS_ACKNOWLEDGED: _ClassVar[WarningStatus]
    WARNING_STATUS_CONTESTED: _ClassVar[WarningStatus]
    WARNING_STATUS_UPHELD: _ClassVar[WarningStatus]
    WARNING_STATUS_CORRECTED: _ClassVar[WarningStatus]
    WARNING_STATUS_DISMISSED: _ClassVar[WarningStatus]
    WARNING_STATUS_CLOSED: _ClassVar[WarningStatus]

class EvaluationDimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVALUATION_DIMENSION_UNSPECIFIED: _ClassVar[EvaluationDimension]
    EVALUATION_DIMENSION_DEPARTMENT: _ClassVar[EvaluationDimension]
    EVALUATION_DIMENSION_REGION: _ClassVar[EvaluationDimension]
    EVALUATION_DIMENSION_ITEM: _ClassVar[EvaluationDimension]
    EVALUATION_DIMENSION_OFFICIAL: _ClassVar[EvaluationDimension]

class PeriodKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERIOD_KIND_UNSPECIFIED: _ClassVar[PeriodKind]
    PERIOD_KIND_MONTH: _ClassVar[PeriodKind]
    PERIOD_KIND_QUARTER: _ClassVar[PeriodKind]
    PERIOD_KIND_YEAR: _ClassVar[PeriodKind]

class ExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_FORMAT_UNSPECIFIED: _ClassVar[ExportFormat]
    EXPORT_FORMAT_CSV: _ClassVar[ExportFormat]
    EXPORT_FORMAT_SVG: _ClassVar[ExportFormat]

class ComplaintKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLAINT_KIND_UNSPECIFIED: _ClassVar[ComplaintKind]
    COMPLAINT_KIND_COMPLAINT: _ClassVar[ComplaintKind]
    COMPLAINT_KIND_REPORT: _ClassVar[ComplaintKind]

class Addressee(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADDRESSEE_UNSPECIFIED: _ClassVar[Addressee]
    ADDRESSEE_SUPERVISION: _ClassVar[Addressee]
    ADDRESSEE_OPENNESS: _ClassVar[Addressee]
    ADDRESSEE_LEGAL: _ClassVar[Addressee]
    ADDRESSEE_DEPARTMENT: _ClassVar[Addressee]

class ComplaintSubject(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLAINT_SUBJECT_UNSPECIFIED: _ClassVar[ComplaintSubject]
    COMPLAINT_SUBJECT_CASE: _ClassVar[ComplaintSubject]
    COMPLAINT_SUBJECT_DEPARTMENT: _ClassVar[ComplaintSubject]
    COMPLAINT_SUBJECT_ITEM: _ClassVar[ComplaintSubject]
    COMPLAINT_SUBJECT_STAFF: _ClassVar[ComplaintSubject]

class ComplaintStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLAINT_STATUS_UNSPECIFIED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_SUBMITTED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_HANDLING: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_ANSWERED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_CLOSED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_REJECTED: _ClassVar[ComplaintStatus]
    COMPLAINT_STATUS_WITHDRAWN: _ClassVar[ComplaintStatus]

class Finding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_UNSPECIFIED: _ClassVar[Finding]
    FINDING_SUBSTANTIATED: _ClassVar[Finding]
    FINDING_PARTLY: _ClassVar[Finding]
    FINDING_UNSUBSTANTIATED: _ClassVar[Finding]

class RatingChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATING_CHANNEL_UNSPECIFIED: _ClassVar[RatingChannel]
    RATING_CHANNEL_ONLINE: _ClassVar[RatingChannel]
    RATING_CHANNEL_MOBILE: _ClassVar[RatingChannel]
    RATING_CHANNEL_COUNTER: _ClassVar[RatingChannel]

class RatingLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATING_LEVEL_UNSPECIFIED: _ClassVar[RatingLevel]
    RATING_LEVEL_VERY_SATISFIED: _ClassVar[RatingLevel]
    RATING_LEVEL_SATISFIED: _ClassVar[RatingLevel]
    RATING_LEVEL_BASICALLY_SATISFIED: _ClassVar[RatingLevel]
    RATING_LEVEL_DISSATISFIED: _ClassVar[RatingLevel]
    RATING_LEVEL_VERY_DISSATISFIED: _ClassVar[RatingLevel]

class AppealStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPEAL_STATUS_UNSPECIFIED: _ClassVar[AppealStatus]
    APPEAL_STATUS_PENDING: _ClassVar[AppealStatus]
    APPEAL_STATUS_UPHELD: _ClassVar[AppealStatus]
    APPEAL_STATUS_REJECTED: _ClassVar[AppealStatus]

class RectificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECTIFICATION_STATUS_UNSPECIFIED: _ClassVar[RectificationStatus]
    RECTIFICATION_STATUS_OPEN: _ClassVar[RectificationStatus]
    RECTIFICATION_STATUS_DONE: _ClassVar[RectificationStatus]
    RECTIFICATION_STATUS_CANCELLED: _ClassVar[RectificationStatus]

class ConsultationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSULTATION_STATUS_UNSPECIFIED: _ClassVar[ConsultationStatus]
    CONSULTATION_STATUS_SUBMITTED: _ClassVar[ConsultationStatus]
    CONSULTATION_STATUS_ANSWERED: _ClassVar[ConsultationStatus]
    CONSULTATION_STATUS_WITHDRAWN: _ClassVar[ConsultationStatus]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_YELLOW: Severity
SEVERITY_RED: Severity
WARNING_STATUS_UNSPECIFIED: WarningStatus
WARNING_STATUS_OPEN: WarningStatus
WARNING_STATUS_ACKNOWLEDGED: WarningStatus
WARNING_STATUS_CONTESTED: WarningStatus
WARNING_STATUS_UPHELD: WarningStatus
WARNING_STATUS_CORRECTED: WarningStatus
WARNING_STATUS_DISMISSED: WarningStatus
WARNING_STATUS_CLOSED: WarningStatus
EVALUATION_DIMENSION_UNSPECIFIED: EvaluationDimension
EVALUATION_DIMENSION_DEPARTMENT: EvaluationDimension
EVALUATION_DIMENSION_REGION: EvaluationDimension
EVALUATION_DIMENSION_ITEM: EvaluationDimension
EVALUATION_DIMENSION_OFFICIAL: EvaluationDimension
PERIOD_KIND_UNSPECIFIED: PeriodKind
PERIOD_KIND_MONTH: PeriodKind
PERIOD_KIND_QUARTER: PeriodKind
PERIOD_KIND_YEAR: PeriodKind
EXPORT_FORMAT_UNSPECIFIED: ExportFormat
EXPORT_FORMAT_CSV: ExportFormat
EXPORT_FORMAT_SVG: ExportFormat
COMPLAINT_KIND_UNSPECIFIED: ComplaintKind
COMPLAINT_KIND_COMPLAINT: ComplaintKind
COMPLAINT_KIND_REPORT: ComplaintKind
ADDRESSEE_UNSPECIFIED: Addressee
ADDRESSEE_SUPERVISION: Addressee
ADDRESSEE_OPENNESS: Addressee
ADDRESSEE_LEGAL: Addressee
ADDRESSEE_DEPARTMENT: Addressee
COMPLAINT_SUBJECT_UNSPECIFIED: ComplaintSubject
COMPLAINT_SUBJECT_CASE: ComplaintSubject
COMPLAINT_SUBJECT_DEPARTMENT: ComplaintSubject
COMPLAINT_SUBJECT_ITEM: ComplaintSubject
COMPLAINT_SUBJECT_STAFF: ComplaintSubject
COMPLAINT_STATUS_UNSPECIFIED: ComplaintStatus
COMPLAINT_STATUS_SUBMITTED: ComplaintStatus
COMPLAINT_STATUS_HANDLING: ComplaintStatus
COMPLAINT_STATUS_ANSWERED: ComplaintStatus
COMPLAINT_STATUS_CLOSED: ComplaintStatus
COMPLAINT_STATUS_REJECTED: ComplaintStatus
COMPLAINT_STATUS_WITHDRAWN: ComplaintStatus
FINDING_UNSPECIFIED: Finding
FINDING_SUBSTANTIATED: Finding
FINDING_PARTLY: Finding
FINDING_UNSUBSTANTIATED: Finding
RATING_CHANNEL_UNSPECIFIED: RatingChannel
RATING_CHANNEL_ONLINE: RatingChannel
RATING_CHANNEL_MOBILE: RatingChannel
RATING_CHANNEL_COUNTER: RatingChannel
RATING_LEVEL_UNSPECIFIED: RatingLevel
RATING_LEVEL_VERY_SATISFIED: RatingLevel
RATING_LEVEL_SATISFIED: RatingLevel
RATING_LEVEL_BASICALLY_SATISFIED: RatingLevel
RATING_LEVEL_DISSATISFIED: RatingLevel
RATING_LEVEL_VERY_DISSATISFIED: RatingLevel
APPEAL_STATUS_UNSPECIFIED: AppealStatus
APPEAL_STATUS_PENDING: AppealStatus
APPEAL_STATUS_UPHELD: AppealStatus
APPEAL_STATUS_REJECTED: AppealStatus
RECTIFICATION_STATUS_UNSPECIFIED: RectificationStatus
RECTIFICATION_STATUS_OPEN: RectificationStatus
RECTIFICATION_STATUS_DONE: RectificationStatus
RECTIFICATION_STATUS_CANCELLED: RectificationStatus
CONSULTATION_STATUS_UNSPECIFIED: ConsultationStatus
CONSULTATION_STATUS_SUBMITTED: ConsultationStatus
CONSULTATION_STATUS_ANSWERED: ConsultationStatus
CONSULTATION_STATUS_WITHDRAWN: ConsultationStatus

class CaseRecord(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_version", "department", "status", "last_event_type", "last_sequence", "events_applied", "steps_completed", "step_count", "due_date", "accepted_at", "completed_at", "last_event_at", "updated_at")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    STEPS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    STEP_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    item_id: str
    item_version: int
    department: str
    status: str
    last_event_type: str
    last_sequence: int
    events_applied: int
    steps_completed: int
    step_count: int
    due_date: str
    accepted_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    last_event_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., department: _Optional[str] = ..., status: _Optional[str] = ..., last_event_type: _Optional[str] = ..., last_sequence: _Optional[int] = ..., events_applied: _Optional[int] = ..., steps_completed: _Optional[int] = ..., step_count: _Optional[int] = ..., due_date: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_event_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCaseRecordRequest(_message.Message):
    __slots__ = ("case_number",)
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    def __init__(self, case_number: _Optional[str] = ...) -> None: ...

class GetCaseRecordResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: CaseRecord
    def __init__(self, record: _Optional[_Union[CaseRecord, _Mapping]] = ...) -> None: ...

class WarningEntry(_message.Message):
    __slots__ = ("at", "by", "action", "severity", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    by: str
    action: str
    severity: Severity
    note: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ..., action: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., note: _Optional[str] = ...) -> None: ...

class Warning(_message.Message):
    __slots__ = ("warning_id", "case_number", "region", "department", "item_id", "rule", "rule_title", "subject", "severity", "status", "explanation", "facts", "handler", "raised_at", "updated_at", "closed_at", "history", "accountability", "accountable_by", "notice", "rectify_by", "department_code")
    class FactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RULE_TITLE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTABILITY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTABLE_BY_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    RECTIFY_BY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    warning_id: str
    case_number: str
    region: str
    department: str
    item_id: str
    rule: str
    rule_title: str
    subject: str
    severity: Severity
    status: WarningStatus
    explanation: str
    facts: _containers.ScalarMap[str, str]
    handler: str
    raised_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    history: _containers.RepeatedCompositeFieldContainer[WarningEntry]
    accountability: str
    accountable_by: str
    notice: str
    rectify_by: str
    department_code: str
    def __init__(self, warning_id: _Optional[str] = ..., case_number: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., item_id: _Optional[str] = ..., rule: _Optional[str] = ..., rule_title: _Optional[str] = ..., subject: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., status: _Optional[_Union[WarningStatus, str]] = ..., explanation: _Optional[str] = ..., facts: _Optional[_Mapping[str, str]] = ..., handler: _Optional[str] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., history: _Optional[_Iterable[_Union[WarningEntry, _Mapping]]] = ..., accountability: _Optional[str] = ..., accountable_by: _Optional[str] = ..., notice: _Optional[str] = ..., rectify_by: _Optional[str] = ..., department_code: _Optional[str] = ...) -> None: ...

class WarningEvent(_message.Message):
    __slots__ = ("warning", "action")
    WARNING_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    warning: Warning
    action: str
    def __init__(self, warning: _Optional[_Union[Warning, _Mapping]] = ..., action: _Optional[str] = ...) -> None: ...

class ListWarningsRequest(_message.Message):
    __slots__ = ("region", "department", "handler", "case_number", "rule", "severity", "active_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    department: str
    handler: str
    case_number: str
    rule: str
    severity: Severity
    active_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., department: _Optional[str] = ..., handler: _Optional[str] = ..., case_number: _Optional[str] = ..., rule: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., active_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWarningsResponse(_message.Message):
    __slots__ = ("warnings", "next_page_token", "total")
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    next_page_token: str
    total: int
    def __init__(self, warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetWarningRequest(_message.Message):
    __slots__ = ("warning_id",)
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    warning_id: str
    def __init__(self, warning_id: _Optional[str] = ...) -> None: ...

class WarningResponse(_message.Message):
    __slots__ = ("warning",)
    WARNING_FIELD_NUMBER: _ClassVar[int]
    warning: Warning
    def __init__(self, warning: _Optional[_Union[Warning, _Mapping]] = ...) -> None: ...

class Acknowledge(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: str
    def __init__(self, note: _Optional[str] = ...) -> None: ...

class Correct(_message.Message):
    __slots__ = ("explanation",)
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    explanation: str
    def __init__(self, explanation: _Optional[str] = ...) -> None: ...

class Contest(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class Uphold(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class Dismiss(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class HoldAccountable(_message.Message):
    __slots__ = ("measure",)
    MEASURE_FIELD_NUMBER: _ClassVar[int]
    measure: str
    def __init__(self, measure: _Optional[str] = ...) -> None: ...

class PublishNotice(_message.Message):
    __slots__ = ("notice", "rectify_by")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    RECTIFY_BY_FIELD_NUMBER: _ClassVar[int]
    notice: str
    rectify_by: str
    def __init__(self, notice: _Optional[str] = ..., rectify_by: _Optional[str] = ...) -> None: ...

class ActOnWarningRequest(_message.Message):
    __slots__ = ("idempotency_key", "warning_id", "acknowledge", "correct", "contest", "uphold", "dismiss", "hold_accountable", "publish_notice")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    CONTEST_FIELD_NUMBER: _ClassVar[int]
    UPHOLD_FIELD_NUMBER: _ClassVar[int]
    DISMISS_FIELD_NUMBER: _ClassVar[int]
    HOLD_ACCOUNTABLE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_NOTICE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    warning_id: str
    acknowledge: Acknowledge
    correct: Correct
    contest: Contest
    uphold: Uphold
    dismiss: Dismiss
    hold_accountable: HoldAccountable
    publish_notice: PublishNotice
    def __init__(self, idempotency_key: _Optional[str] = ..., warning_id: _Optional[str] = ..., acknowledge: _Optional[_Union[Acknowledge, _Mapping]] = ..., correct: _Optional[_Union[Correct, _Mapping]] = ..., contest: _Optional[_Union[Contest, _Mapping]] = ..., uphold: _Optional[_Union[Uphold, _Mapping]] = ..., dismiss: _Optional[_Union[Dismiss, _Mapping]] = ..., hold_accountable: _Optional[_Union[HoldAccountable, _Mapping]] = ..., publish_notice: _Optional[_Union[PublishNotice, _Mapping]] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("id", "recipient_kind", "recipient", "warning_id", "action", "severity", "text", "at", "read_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    WARNING_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    recipient_kind: str
    recipient: str
    warning_id: str
    action: str
    severity: Severity
    text: str
    at: _timestamp_pb2.Timestamp
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., recipient_kind: _Optional[str] = ..., recipient: _Optional[str] = ..., warning_id: _Optional[str] = ..., action: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., text: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("unread_only", "page_size", "page_token", "mark_read")
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    unread_only: bool
    page_size: int
    page_token: str
    mark_read: bool
    def __init__(self, unread_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., mark_read: _Optional[bool] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "unread")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    next_page_token: str
    unread: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unread: _Optional[int] = ...) -> None: ...

class EvaluateRequest(_message.Message):
    __slots__ = ("dimension", "period", "period_kind", "region", "department_code", "item_id", "official", "rank_by", "limit")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_KIND_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICIAL_FIELD_NUMBER: _ClassVar[int]
    RANK_BY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    dimension: EvaluationDimension
    period: str
    period_kind: PeriodKind
    region: str
    department_code: str
    item_id: str
    official: str
    rank_by: str
    limit: int
    def __init__(self, dimension: _Optional[_Union[EvaluationDimension, str]] = ..., period: _Optional[str] = ..., period_kind: _Optional[_Union[PeriodKind, str]] = ..., region: _Optional[str] = ..., department_code: _Optional[str] = ..., item_id: _Optional[str] = ..., official: _Optional[str] = ..., rank_by: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class PointsLine(_message.Message):
    __slots__ = ("what", "count", "points")
    WHAT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    what: str
    count: int
    points: float
    def __init__(self, what: _Optional[str] = ..., count: _Optional[int] = ..., points: _Optional[float] = ...) -> None: ...

class EvaluationRow(_message.Message):
    __slots__ = ("rank", "key", "name", "department_code", "handled", "timed", "on_time", "on_time_rate", "early", "early_rate", "overdue", "over_statutory", "average_working_days", "p90_working_days", "backlog", "yellow_warnings", "red_warnings", "complaints", "satisfaction", "steps", "steps_late", "actions", "actions_online", "online_rate", "points", "grade", "points_detail", "unknown")
    RANK_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLED_FIELD_NUMBER: _ClassVar[int]
    TIMED_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    EARLY_FIELD_NUMBER: _ClassVar[int]
    EARLY_RATE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    OVER_STATUTORY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    P90_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_FIELD_NUMBER: _ClassVar[int]
    YELLOW_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    RED_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    STEPS_LATE_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_ONLINE_FIELD_NUMBER: _ClassVar[int]
    ONLINE_RATE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    POINTS_DETAIL_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    rank: int
    key: str
    name: str
    department_code: str
    handled: int
    timed: int
    on_time: int
    on_time_rate: float
    early: int
    early_rate: float
    overdue: int
    over_statutory: int
    average_working_days: float
    p90_working_days: int
    backlog: int
    yellow_warnings: int
    red_warnings: int
    complaints: int
    satisfaction: float
    steps: int
    steps_late: int
    actions: int
    actions_online: int
    online_rate: float
    points: float
    grade: str
    points_detail: _containers.RepeatedCompositeFieldContainer[PointsLine]
    unknown: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rank: _Optional[int] = ..., key: _Optional[str] = ..., name: _Optional[str] = ..., department_code: _Optional[str] = ..., handled: _Optional[int] = ..., timed: _Optional[int] = ..., on_time: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., early: _Optional[int] = ..., early_rate: _Optional[float] = ..., overdue: _Optional[int] = ..., over_statutory: _Optional[int] = ..., average_working_days: _Optional[float] = ..., p90_working_days: _Optional[int] = ..., backlog: _Optional[int] = ..., yellow_warnings: _Optional[int] = ..., red_warnings: _Optional[int] = ..., complaints: _Optional[int] = ..., satisfaction: _Optional[float] = ..., steps: _Optional[int] = ..., steps_late: _Optional[int] = ..., actions: _Optional[int] = ..., actions_online: _Optional[int] = ..., online_rate: _Optional[float] = ..., points: _Optional[float] = ..., grade: _Optional[str] = ..., points_detail: _Optional[_Iterable[_Union[PointsLine, _Mapping]]] = ..., unknown: _Optional[_Iterable[str]] = ...) -> None: ...

class EvaluateResponse(_message.Message):
    __slots__ = ("dimension", "period", "period_kind", "region", "rank_by", "rows", "total", "row_count", "notes", "generated_at")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_KIND_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    RANK_BY_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    dimension: EvaluationDimension
    period: str
    period_kind: PeriodKind
    region: str
    rank_by: str
    rows: _containers.RepeatedCompositeFieldContainer[EvaluationRow]
    total: EvaluationRow
    row_count: int
    notes: _containers.RepeatedScalarFieldContainer[str]
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, dimension: _Optional[_Union[EvaluationDimension, str]] = ..., period: _Optional[str] = ..., period_kind: _Optional[_Union[PeriodKind, str]] = ..., region: _Optional[str] = ..., rank_by: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[EvaluationRow, _Mapping]]] = ..., total: _Optional[_Union[EvaluationRow, _Mapping]] = ..., row_count: _Optional[int] = ..., notes: _Optional[_Iterable[str]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportEvaluationRequest(_message.Message):
    __slots__ = ("query", "format")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    query: EvaluateRequest
    format: ExportFormat
    def __init__(self, query: _Optional[_Union[EvaluateRequest, _Mapping]] = ..., format: _Optional[_Union[ExportFormat, str]] = ...) -> None: ...

class ExportEvaluationResponse(_message.Message):
    __slots__ = ("content", "media_type", "filename")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    media_type: str
    filename: str
    def __init__(self, content: _Optional[bytes] = ..., media_type: _Optional[str] = ..., filename: _Optional[str] = ...) -> None: ...

class FeedbackEntry(_message.Message):
    __slots__ = ("at", "by", "action", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    by: str
    action: str
    note: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., by: _Optional[str] = ..., action: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Complaint(_message.Message):
    __slots__ = ("complaint_id", "kind", "addressee", "subject", "case_number", "item_id", "staff", "region", "department", "department_code", "title", "content", "complainant", "contact", "status", "due_date", "due_date_provisional", "overdue", "finding", "answer", "handled_by", "submitted_at", "answered_at", "closed_at", "history")
    COMPLAINT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADDRESSEE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    COMPLAINANT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    FINDING_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    complaint_id: str
    kind: ComplaintKind
    addressee: Addressee
    subject: ComplaintSubject
    case_number: str
    item_id: str
    staff: str
    region: str
    department: str
    department_code: str
    title: str
    content: str
    complainant: str
    contact: str
    status: ComplaintStatus
    due_date: str
    due_date_provisional: bool
    overdue: bool
    finding: Finding
    answer: str
    handled_by: str
    submitted_at: _timestamp_pb2.Timestamp
    answered_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    history: _containers.RepeatedCompositeFieldContainer[FeedbackEntry]
    def __init__(self, complaint_id: _Optional[str] = ..., kind: _Optional[_Union[ComplaintKind, str]] = ..., addressee: _Optional[_Union[Addressee, str]] = ..., subject: _Optional[_Union[ComplaintSubject, str]] = ..., case_number: _Optional[str] = ..., item_id: _Optional[str] = ..., staff: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., complainant: _Optional[str] = ..., contact: _Optional[str] = ..., status: _Optional[_Union[ComplaintStatus, str]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., overdue: _Optional[bool] = ..., finding: _Optional[_Union[Finding, str]] = ..., answer: _Optional[str] = ..., handled_by: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., history: _Optional[_Iterable[_Union[FeedbackEntry, _Mapping]]] = ...) -> None: ...

class SubmitComplaintRequest(_message.Message):
    __slots__ = ("idempotency_key", "kind", "addressee", "subject", "case_number", "item_id", "staff", "region", "department_code", "department", "title", "content", "contact")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ADDRESSEE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    kind: ComplaintKind
    addressee: Addressee
    subject: ComplaintSubject
    case_number: str
    item_id: str
    staff: str
    region: str
    department_code: str
    department: str
    title: str
    content: str
    contact: str
    def __init__(self, idempotency_key: _Optional[str] = ..., kind: _Optional[_Union[ComplaintKind, str]] = ..., addressee: _Optional[_Union[Addressee, str]] = ..., subject: _Optional[_Union[ComplaintSubject, str]] = ..., case_number: _Optional[str] = ..., item_id: _Optional[str] = ..., staff: _Optional[str] = ..., region: _Optional[str] = ..., department_code: _Optional[str] = ..., department: _Optional[str] = ..., title: _Optional[str] = ..., content: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class ComplaintResponse(_message.Message):
    __slots__ = ("complaint",)
    COMPLAINT_FIELD_NUMBER: _ClassVar[int]
    complaint: Complaint
    def __init__(self, complaint: _Optional[_Union[Complaint, _Mapping]] = ...) -> None: ...

class GetComplaintRequest(_message.Message):
    __slots__ = ("complaint_id",)
    COMPLAINT_ID_FIELD_NUMBER: _ClassVar[int]
    complaint_id: str
    def __init__(self, complaint_id: _Optional[str] = ...) -> None: ...

class ListComplaintsRequest(_message.Message):
    __slots__ = ("region", "department_code", "addressee", "status", "overdue_only", "open_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESSEE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    department_code: str
    addressee: Addressee
    status: ComplaintStatus
    overdue_only: bool
    open_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., department_code: _Optional[str] = ..., addressee: _Optional[_Union[Addressee, str]] = ..., status: _Optional[_Union[ComplaintStatus, str]] = ..., overdue_only: _Optional[bool] = ..., open_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListComplaintsResponse(_message.Message):
    __slots__ = ("complaints", "next_page_token", "total")
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    complaints: _containers.RepeatedCompositeFieldContainer[Complaint]
    next_page_token: str
    total: int
    def __init__(self, complaints: _Optional[_Iterable[_Union[Complaint, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class AcceptComplaint(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: str
    def __init__(self, note: _Optional[str] = ...) -> None: ...

class RejectComplaint(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class AnswerComplaint(_message.Message):
    __slots__ = ("finding", "answer")
    FINDING_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    finding: Finding
    answer: str
    def __init__(self, finding: _Optional[_Union[Finding, str]] = ..., answer: _Optional[str] = ...) -> None: ...

class CloseComplaint(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: str
    def __init__(self, note: _Optional[str] = ...) -> None: ...

class WithdrawComplaint(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ActOnComplaintRequest(_message.Message):
    __slots__ = ("idempotency_key", "complaint_id", "accept", "reject", "answer", "close", "withdraw")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    COMPLAINT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REJECT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    complaint_id: str
    accept: AcceptComplaint
    reject: RejectComplaint
    answer: AnswerComplaint
    close: CloseComplaint
    withdraw: WithdrawComplaint
    def __init__(self, idempotency_key: _Optional[str] = ..., complaint_id: _Optional[str] = ..., accept: _Optional[_Union[AcceptComplaint, _Mapping]] = ..., reject: _Optional[_Union[RejectComplaint, _Mapping]] = ..., answer: _Optional[_Union[AnswerComplaint, _Mapping]] = ..., close: _Optional[_Union[CloseComplaint, _Mapping]] = ..., withdraw: _Optional[_Union[WithdrawComplaint, _Mapping]] = ...) -> None: ...

class ComplaintEvent(_message.Message):
    __slots__ = ("complaint", "action")
    COMPLAINT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    complaint: Complaint
    action: str
    def __init__(self, complaint: _Optional[_Union[Complaint, _Mapping]] = ..., action: _Optional[str] = ...) -> None: ...

class Rectification(_message.Message):
    __slots__ = ("task_id", "rating_id", "case_number", "region", "department", "department_code", "status", "opened_on", "due_date", "due_date_provisional", "limit_days", "days_left", "overdue", "measures", "reply", "completed_by", "completed_at", "on_time", "history")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    DAYS_LEFT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    rating_id: str
    case_number: str
    region: str
    department: str
    department_code: str
    status: RectificationStatus
    opened_on: str
    due_date: str
    due_date_provisional: bool
    limit_days: int
    days_left: int
    overdue: bool
    measures: str
    reply: str
    completed_by: str
    completed_at: _timestamp_pb2.Timestamp
    on_time: bool
    history: _containers.RepeatedCompositeFieldContainer[FeedbackEntry]
    def __init__(self, task_id: _Optional[str] = ..., rating_id: _Optional[str] = ..., case_number: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., status: _Optional[_Union[RectificationStatus, str]] = ..., opened_on: _Optional[str] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., limit_days: _Optional[int] = ..., days_left: _Optional[int] = ..., overdue: _Optional[bool] = ..., measures: _Optional[str] = ..., reply: _Optional[str] = ..., completed_by: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., on_time: _Optional[bool] = ..., history: _Optional[_Iterable[_Union[FeedbackEntry, _Mapping]]] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("rating_id", "case_number", "channel", "rater", "region", "department", "department_code", "item_id", "item_name", "level", "indicators", "comment", "bad", "rated_at", "month", "excluded", "excluded_reason", "appeal_status", "appeal_kind", "appeal_reason", "appealed_by", "appeal_decision", "appeal_decided_by", "rectification", "history")
    class IndicatorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: RatingLevel
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[RatingLevel, str]] = ...) -> None: ...
    RATING_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RATER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    BAD_FIELD_NUMBER: _ClassVar[int]
    RATED_AT_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_REASON_FIELD_NUMBER: _ClassVar[int]
    APPEAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    APPEAL_KIND_FIELD_NUMBER: _ClassVar[int]
    APPEAL_REASON_FIELD_NUMBER: _ClassVar[int]
    APPEALED_BY_FIELD_NUMBER: _ClassVar[int]
    APPEAL_DECISION_FIELD_NUMBER: _ClassVar[int]
    APPEAL_DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    rating_id: str
    case_number: str
    channel: RatingChannel
    rater: str
    region: str
    department: str
    department_code: str
    item_id: str
    item_name: str
    level: RatingLevel
    indicators: _containers.ScalarMap[str, RatingLevel]
    comment: str
    bad: bool
    rated_at: _timestamp_pb2.Timestamp
    month: str
    excluded: bool
    excluded_reason: str
    appeal_status: AppealStatus
    appeal_kind: str
    appeal_reason: str
    appealed_by: str
    appeal_decision: str
    appeal_decided_by: str
    rectification: Rectification
    history: _containers.RepeatedCompositeFieldContainer[FeedbackEntry]
    def __init__(self, rating_id: _Optional[str] = ..., case_number: _Optional[str] = ..., channel: _Optional[_Union[RatingChannel, str]] = ..., rater: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., item_id: _Optional[str] = ..., item_name: _Optional[str] = ..., level: _Optional[_Union[RatingLevel, str]] = ..., indicators: _Optional[_Mapping[str, RatingLevel]] = ..., comment: _Optional[str] = ..., bad: _Optional[bool] = ..., rated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., month: _Optional[str] = ..., excluded: _Optional[bool] = ..., excluded_reason: _Optional[str] = ..., appeal_status: _Optional[_Union[AppealStatus, str]] = ..., appeal_kind: _Optional[str] = ..., appeal_reason: _Optional[str] = ..., appealed_by: _Optional[str] = ..., appeal_decision: _Optional[str] = ..., appeal_decided_by: _Optional[str] = ..., rectification: _Optional[_Union[Rectification, _Mapping]] = ..., history: _Optional[_Iterable[_Union[FeedbackEntry, _Mapping]]] = ...) -> None: ...

class RateCaseRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_number", "channel", "level", "indicators", "comment")
    class IndicatorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: RatingLevel
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[RatingLevel, str]] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_number: str
    channel: RatingChannel
    level: RatingLevel
    indicators: _containers.ScalarMap[str, RatingLevel]
    comment: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_number: _Optional[str] = ..., channel: _Optional[_Union[RatingChannel, str]] = ..., level: _Optional[_Union[RatingLevel, str]] = ..., indicators: _Optional[_Mapping[str, RatingLevel]] = ..., comment: _Optional[str] = ...) -> None: ...

class RatingResponse(_message.Message):
    __slots__ = ("rating",)
    RATING_FIELD_NUMBER: _ClassVar[int]
    rating: Rating
    def __init__(self, rating: _Optional[_Union[Rating, _Mapping]] = ...) -> None: ...

class ListRatingsRequest(_message.Message):
    __slots__ = ("region", "department_code", "case_number", "bad_only", "appeal_status", "month", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    APPEAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    department_code: str
    case_number: str
    bad_only: bool
    appeal_status: AppealStatus
    month: str
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., department_code: _Optional[str] = ..., case_number: _Optional[str] = ..., bad_only: _Optional[bool] = ..., appeal_status: _Optional[_Union[AppealStatus, str]] = ..., month: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRatingsResponse(_message.Message):
    __slots__ = ("ratings", "next_page_token", "total")
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    next_page_token: str
    total: int
    def __init__(self, ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class AppealRatingRequest(_message.Message):
    __slots__ = ("idempotency_key", "rating_id", "kind", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RATING_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    rating_id: str
    kind: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., rating_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DecideAppealRequest(_message.Message):
    __slots__ = ("idempotency_key", "rating_id", "uphold", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RATING_ID_FIELD_NUMBER: _ClassVar[int]
    UPHOLD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    rating_id: str
    uphold: bool
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., rating_id: _Optional[str] = ..., uphold: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class RatingEvent(_message.Message):
    __slots__ = ("rating", "action")
    RATING_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    rating: Rating
    action: str
    def __init__(self, rating: _Optional[_Union[Rating, _Mapping]] = ..., action: _Optional[str] = ...) -> None: ...

class ListRectificationsRequest(_message.Message):
    __slots__ = ("region", "department_code", "status", "overdue_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    department_code: str
    status: RectificationStatus
    overdue_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., department_code: _Optional[str] = ..., status: _Optional[_Union[RectificationStatus, str]] = ..., overdue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRectificationsResponse(_message.Message):
    __slots__ = ("rectifications", "next_page_token", "total")
    RECTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    rectifications: _containers.RepeatedCompositeFieldContainer[Rectification]
    next_page_token: str
    total: int
    def __init__(self, rectifications: _Optional[_Iterable[_Union[Rectification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class CompleteRectificationRequest(_message.Message):
    __slots__ = ("idempotency_key", "task_id", "measures", "reply")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    REPLY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    task_id: str
    measures: str
    reply: str
    def __init__(self, idempotency_key: _Optional[str] = ..., task_id: _Optional[str] = ..., measures: _Optional[str] = ..., reply: _Optional[str] = ...) -> None: ...

class RectificationResponse(_message.Message):
    __slots__ = ("rectification",)
    RECTIFICATION_FIELD_NUMBER: _ClassVar[int]
    rectification: Rectification
    def __init__(self, rectification: _Optional[_Union[Rectification, _Mapping]] = ...) -> None: ...

class RectificationEvent(_message.Message):
    __slots__ = ("rectification", "action")
    RECTIFICATION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    rectification: Rectification
    action: str
    def __init__(self, rectification: _Optional[_Union[Rectification, _Mapping]] = ..., action: _Optional[str] = ...) -> None: ...

class DepartmentMonthIndicators(_message.Message):
    __slots__ = ("region", "department", "department_code", "month", "ratings", "per_level", "good", "bad", "good_rate", "average_score", "rectified", "rectified_on_time", "rectification_rate", "rectified_on_time_rate", "rectification_overdue", "excluded", "appeals", "complaints", "complaints_handled", "complaints_overdue")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    PER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    GOOD_FIELD_NUMBER: _ClassVar[int]
    BAD_FIELD_NUMBER: _ClassVar[int]
    GOOD_RATE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SCORE_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_RATE_FIELD_NUMBER: _ClassVar[int]
    RECTIFIED_ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_HANDLED_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    region: str
    department: str
    department_code: str
    month: str
    ratings: int
    per_level: _containers.RepeatedScalarFieldContainer[int]
    good: int
    bad: int
    good_rate: float
    average_score: float
    rectified: int
    rectified_on_time: int
    rectification_rate: float
    rectified_on_time_rate: float
    rectification_overdue: int
    excluded: int
    appeals: int
    complaints: int
    complaints_handled: int
    complaints_overdue: int
    def __init__(self, region: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., month: _Optional[str] = ..., ratings: _Optional[int] = ..., per_level: _Optional[_Iterable[int]] = ..., good: _Optional[int] = ..., bad: _Optional[int] = ..., good_rate: _Optional[float] = ..., average_score: _Optional[float] = ..., rectified: _Optional[int] = ..., rectified_on_time: _Optional[int] = ..., rectification_rate: _Optional[float] = ..., rectified_on_time_rate: _Optional[float] = ..., rectification_overdue: _Optional[int] = ..., excluded: _Optional[int] = ..., appeals: _Optional[int] = ..., complaints: _Optional[int] = ..., complaints_handled: _Optional[int] = ..., complaints_overdue: _Optional[int] = ...) -> None: ...

class GetFeedbackIndicatorsRequest(_message.Message):
    __slots__ = ("region", "department_code", "month_from", "month_to")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    MONTH_FROM_FIELD_NUMBER: _ClassVar[int]
    MONTH_TO_FIELD_NUMBER: _ClassVar[int]
    region: str
    department_code: str
    month_from: str
    month_to: str
    def __init__(self, region: _Optional[str] = ..., department_code: _Optional[str] = ..., month_from: _Optional[str] = ..., month_to: _Optional[str] = ...) -> None: ...

class GetFeedbackIndicatorsResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[DepartmentMonthIndicators]
    def __init__(self, rows: _Optional[_Iterable[_Union[DepartmentMonthIndicators, _Mapping]]] = ...) -> None: ...

class Consultation(_message.Message):
    __slots__ = ("consultation_id", "item_id", "item_name", "region", "department", "department_code", "title", "question", "asker", "contact", "status", "due_date", "due_date_provisional", "overdue", "days_left", "answer", "answered_by", "submitted_at", "answered_at", "history", "query_code")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ASKER_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    DAYS_LEFT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    QUERY_CODE_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    item_id: str
    item_name: str
    region: str
    department: str
    department_code: str
    title: str
    question: str
    asker: str
    contact: str
    status: ConsultationStatus
    due_date: str
    due_date_provisional: bool
    overdue: bool
    days_left: int
    answer: str
    answered_by: str
    submitted_at: _timestamp_pb2.Timestamp
    answered_at: _timestamp_pb2.Timestamp
    history: _containers.RepeatedCompositeFieldContainer[FeedbackEntry]
    query_code: str
    def __init__(self, consultation_id: _Optional[str] = ..., item_id: _Optional[str] = ..., item_name: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., department_code: _Optional[str] = ..., title: _Optional[str] = ..., question: _Optional[str] = ..., asker: _Optional[str] = ..., contact: _Optional[str] = ..., status: _Optional[_Union[ConsultationStatus, str]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., overdue: _Optional[bool] = ..., days_left: _Optional[int] = ..., answer: _Optional[str] = ..., answered_by: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., history: _Optional[_Iterable[_Union[FeedbackEntry, _Mapping]]] = ..., query_code: _Optional[str] = ...) -> None: ...

class AskConsultationRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "title", "question", "contact")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    title: str
    question: str
    contact: str
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., title: _Optional[str] = ..., question: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class ConsultationResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class ListConsultationsRequest(_message.Message):
    __slots__ = ("region", "department_code", "status", "waiting_only", "overdue_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WAITING_ONLY_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    department_code: str
    status: ConsultationStatus
    waiting_only: bool
    overdue_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., department_code: _Optional[str] = ..., status: _Optional[_Union[ConsultationStatus, str]] = ..., waiting_only: _Optional[bool] = ..., overdue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConsultationsResponse(_message.Message):
    __slots__ = ("consultations", "next_page_token", "total")
    CONSULTATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    consultations: _containers.RepeatedCompositeFieldContainer[Consultation]
    next_page_token: str
    total: int
    def __init__(self, consultations: _Optional[_Iterable[_Union[Consultation, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetConsultationRequest(_message.Message):
    __slots__ = ("consultation_id", "query_code")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_CODE_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    query_code: str
    def __init__(self, consultation_id: _Optional[str] = ..., query_code: _Optional[str] = ...) -> None: ...

class AnswerConsultation(_message.Message):
    __slots__ = ("answer",)
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    answer: str
    def __init__(self, answer: _Optional[str] = ...) -> None: ...

class WithdrawConsultation(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ActOnConsultationRequest(_message.Message):
    __slots__ = ("idempotency_key", "consultation_id", "answer", "withdraw")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    consultation_id: str
    answer: AnswerConsultation
    withdraw: WithdrawConsultation
    def __init__(self, idempotency_key: _Optional[str] = ..., consultation_id: _Optional[str] = ..., answer: _Optional[_Union[AnswerConsultation, _Mapping]] = ..., withdraw: _Optional[_Union[WithdrawConsultation, _Mapping]] = ...) -> None: ...

class ConsultationEvent(_message.Message):
    __slots__ = ("consultation", "action")
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    action: str
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ..., action: _Optional[str] = ...) -> None: ...

class OpenCase(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_name", "department", "status", "last_event_type", "steps_completed", "step_count", "accepted_on", "due_date", "finished_on", "updated_at")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STEPS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    STEP_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    FINISHED_ON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    item_id: str
    item_name: str
    department: str
    status: str
    last_event_type: str
    steps_completed: int
    step_count: int
    accepted_on: str
    due_date: str
    finished_on: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_name: _Optional[str] = ..., department: _Optional[str] = ..., status: _Optional[str] = ..., last_event_type: _Optional[str] = ..., steps_completed: _Optional[int] = ..., step_count: _Optional[int] = ..., accepted_on: _Optional[str] = ..., due_date: _Optional[str] = ..., finished_on: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListOpenCasesRequest(_message.Message):
    __slots__ = ("region", "finished", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    finished: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., finished: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOpenCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token", "total", "as_of")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[OpenCase]
    next_page_token: str
    total: int
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, cases: _Optional[_Iterable[_Union[OpenCase, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpenDepartmentMonth(_message.Message):
    __slots__ = ("department", "department_code", "handled", "timed", "on_time", "overdue", "on_time_rate", "satisfaction", "ratings", "complaints")
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLED_FIELD_NUMBER: _ClassVar[int]
    TIMED_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    department: str
    department_code: str
    handled: int
    timed: int
    on_time: int
    overdue: int
    on_time_rate: float
    satisfaction: float
    ratings: int
    complaints: int
    def __init__(self, department: _Optional[str] = ..., department_code: _Optional[str] = ..., handled: _Optional[int] = ..., timed: _Optional[int] = ..., on_time: _Optional[int] = ..., overdue: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., satisfaction: _Optional[float] = ..., ratings: _Optional[int] = ..., complaints: _Optional[int] = ...) -> None: ...

class GetOpenStatisticsRequest(_message.Message):
    __slots__ = ("month", "region")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    month: str
    region: str
    def __init__(self, month: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class GetOpenStatisticsResponse(_message.Message):
    __slots__ = ("month", "region", "rows", "total")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    month: str
    region: str
    rows: _containers.RepeatedCompositeFieldContainer[OpenDepartmentMonth]
    total: OpenDepartmentMonth
    def __init__(self, month: _Optional[str] = ..., region: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[OpenDepartmentMonth, _Mapping]]] = ..., total: _Optional[_Union[OpenDepartmentMonth, _Mapping]] = ...) -> None: ...
