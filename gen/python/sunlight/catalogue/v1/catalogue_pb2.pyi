import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
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
VERSION_STATUS_UNSPECIFIED: VersionStatus
VERSION_STATUS_DRAFT: VersionStatus
VERSION_STATUS_SUBMITTED: VersionStatus
VERSION_STATUS_RETURNED: VersionStatus
VERSION_STATUS_PUBLISHED: VersionStatus
VERSION_STATUS_SUPERSEDED: VersionStatus

class Step(_message.Message):
    __slots__ = ("key", "name", "limit_days", "role")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    limit_days: int
    role: str
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., limit_days: _Optional[int] = ..., role: _Optional[str] = ...) -> None: ...

class ItemDraft(_message.Message):
    __slots__ = ("name", "code", "item_type", "region", "department", "statutory_limit_days", "promised_limit_days", "steps")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    name: str
    code: str
    item_type: str
    region: str
    department: str
    statutory_limit_days: int
    promised_limit_days: int
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., item_type: _Optional[str] = ..., region: _Optional[str] = ..., department: _Optional[str] = ..., statutory_limit_days: _Optional[int] = ..., promised_limit_days: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ...) -> None: ...

class ItemVersion(_message.Message):
    __slots__ = ("item_id", "version", "status", "content", "created_at", "published_at", "created_by", "published_by")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    version: int
    status: VersionStatus
    content: ItemDraft
    created_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    created_by: str
    published_by: str
    def __init__(self, item_id: _Optional[str] = ..., version: _Optional[int] = ..., status: _Optional[_Union[VersionStatus, str]] = ..., content: _Optional[_Union[ItemDraft, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., published_by: _Optional[str] = ...) -> None: ...

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
