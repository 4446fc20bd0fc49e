from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TimeUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_UNIT_UNSPECIFIED: _ClassVar[TimeUnit]
    TIME_UNIT_WORKING_DAYS: _ClassVar[TimeUnit]
    TIME_UNIT_CALENDAR_DAYS: _ClassVar[TimeUnit]

class HandlingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDLING_MODE_UNSPECIFIED: _ClassVar[HandlingMode]
    HANDLING_MODE_IMMEDIATE: _ClassVar[HandlingMode]
    HANDLING_MODE_PROMISED: _ClassVar[HandlingMode]
    HANDLING_MODE_REPORTED: _ClassVar[HandlingMode]
    HANDLING_MODE_FILING: _ClassVar[HandlingMode]

class SpecialProcedure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPECIAL_PROCEDURE_UNSPECIFIED: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_EXTENSION: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_HEARING: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_TENDER: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_AUCTION: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_INSPECTION: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_TESTING: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_QUARANTINE: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_EXPERT_REVIEW: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_APPRAISAL: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_ON_SITE_CHECK: _ClassVar[SpecialProcedure]
    SPECIAL_PROCEDURE_PUBLIC_NOTICE: _ClassVar[SpecialProcedure]
TIME_UNIT_UNSPECIFIED: TimeUnit
TIME_UNIT_WORKING_DAYS: TimeUnit
TIME_UNIT_CALENDAR_DAYS: TimeUnit
HANDLING_MODE_UNSPECIFIED: HandlingMode
HANDLING_MODE_IMMEDIATE: HandlingMode
HANDLING_MODE_PROMISED: HandlingMode
HANDLING_MODE_REPORTED: HandlingMode
HANDLING_MODE_FILING: HandlingMode
SPECIAL_PROCEDURE_UNSPECIFIED: SpecialProcedure
SPECIAL_PROCEDURE_EXTENSION: SpecialProcedure
SPECIAL_PROCEDURE_HEARING: SpecialProcedure
SPECIAL_PROCEDURE_TENDER: SpecialProcedure
SPECIAL_PROCEDURE_AUCTION: SpecialProcedure
SPECIAL_PROCEDURE_INSPECTION: SpecialProcedure
SPECIAL_PROCEDURE_TESTING: SpecialProcedure
SPECIAL_PROCEDURE_QUARANTINE: SpecialProcedure
SPECIAL_PROCEDURE_EXPERT_REVIEW: SpecialProcedure
SPECIAL_PROCEDURE_APPRAISAL: SpecialProcedure
SPECIAL_PROCEDURE_ON_SITE_CHECK: SpecialProcedure
SPECIAL_PROCEDURE_PUBLIC_NOTICE: SpecialProcedure

class RegionCode(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class Money(_message.Message):
    __slots__ = ("currency_code", "units", "nanos")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    NANOS_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    units: int
    nanos: int
    def __init__(self, currency_code: _Optional[str] = ..., units: _Optional[int] = ..., nanos: _Optional[int] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ErrorDetail(_message.Message):
    __slots__ = ("identifier", "code", "message", "metadata", "field_violations")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    identifier: str
    code: str
    message: str
    metadata: _containers.ScalarMap[str, str]
    field_violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    def __init__(self, identifier: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., field_violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ...) -> None: ...
