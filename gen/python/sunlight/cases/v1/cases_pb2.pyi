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

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_IN_PROGRESS: _ClassVar[CaseStatus]
    CASE_STATUS_COMPLETED: _ClassVar[CaseStatus]

class StepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATUS_UNSPECIFIED: _ClassVar[StepStatus]
    STEP_STATUS_PENDING: _ClassVar[StepStatus]
    STEP_STATUS_ACTIVE: _ClassVar[StepStatus]
    STEP_STATUS_DONE: _ClassVar[StepStatus]
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_IN_PROGRESS: CaseStatus
CASE_STATUS_COMPLETED: CaseStatus
STEP_STATUS_UNSPECIFIED: StepStatus
STEP_STATUS_PENDING: StepStatus
STEP_STATUS_ACTIVE: StepStatus
STEP_STATUS_DONE: StepStatus

class Applicant(_message.Message):
    __slots__ = ("name", "id_type", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_type: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., id_type: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class CaseStep(_message.Message):
    __slots__ = ("index", "key", "name", "role", "limit_days", "status", "started_at", "completed_at", "due_date", "due_date_provisional", "handler", "opinion")
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
    def __init__(self, index: _Optional[int] = ..., key: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[str] = ..., limit_days: _Optional[int] = ..., status: _Optional[_Union[StepStatus, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., handler: _Optional[str] = ..., opinion: _Optional[str] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_version", "item_code", "item_name", "department", "status", "applicant", "steps", "current_step", "accepted_at", "completed_at", "due_date", "due_date_provisional", "promised_limit_days")
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
    CURRENT_STEP_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
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
    current_step: int
    accepted_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    due_date: str
    due_date_provisional: bool
    promised_limit_days: int
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ..., department: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[CaseStep, _Mapping]]] = ..., current_step: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., promised_limit_days: _Optional[int] = ...) -> None: ...

class OpenCaseRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_id", "item_version", "region", "applicant")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_id: str
    item_version: int
    region: str
    applicant: Applicant
    def __init__(self, idempotency_key: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., region: _Optional[str] = ..., applicant: _Optional[_Union[Applicant, _Mapping]] = ...) -> None: ...

class OpenCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CompleteStepRequest(_message.Message):
    __slots__ = ("idempotency_key", "case_number", "step_index", "opinion")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STEP_INDEX_FIELD_NUMBER: _ClassVar[int]
    OPINION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_number: str
    step_index: int
    opinion: str
    def __init__(self, idempotency_key: _Optional[str] = ..., case_number: _Optional[str] = ..., step_index: _Optional[int] = ..., opinion: _Optional[str] = ...) -> None: ...

class CompleteStepResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_number",)
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    def __init__(self, case_number: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CaseEvent(_message.Message):
    __slots__ = ("case_number", "region", "item_id", "item_version", "item_code", "department", "sequence", "status", "step", "next_step", "handler", "due_date", "due_date_provisional", "promised_limit_days", "statutory_limit_days", "accepted_at", "step_count")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEP_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    STEP_COUNT_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    region: str
    item_id: str
    item_version: int
    item_code: str
    department: str
    sequence: int
    status: CaseStatus
    step: CaseStep
    next_step: CaseStep
    handler: str
    due_date: str
    due_date_provisional: bool
    promised_limit_days: int
    statutory_limit_days: int
    accepted_at: _timestamp_pb2.Timestamp
    step_count: int
    def __init__(self, case_number: _Optional[str] = ..., region: _Optional[str] = ..., item_id: _Optional[str] = ..., item_version: _Optional[int] = ..., item_code: _Optional[str] = ..., department: _Optional[str] = ..., sequence: _Optional[int] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., step: _Optional[_Union[CaseStep, _Mapping]] = ..., next_step: _Optional[_Union[CaseStep, _Mapping]] = ..., handler: _Optional[str] = ..., due_date: _Optional[str] = ..., due_date_provisional: _Optional[bool] = ..., promised_limit_days: _Optional[int] = ..., statutory_limit_days: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_count: _Optional[int] = ...) -> None: ...
