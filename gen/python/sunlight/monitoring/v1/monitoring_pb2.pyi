import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
