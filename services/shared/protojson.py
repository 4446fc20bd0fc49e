"""The proto3 JSON mapping of a message, as ``json_format.MessageToDict`` writes it, faster.

``json_format`` walks every field of every message in Python, asking at each one what kind of
field it is. Here each field's conversion is decided once (by its descriptor) and remembered;
a message is then its set fields (``ListFields``, in field-number order, as ``MessageToDict``
lists them), each converted. The output is the same dictionary — original field names, enums
by name (an unknown number stays a number), 64-bit integers as strings, ``Timestamp`` in RFC
3339, bytes in base64; with ``always_print`` the fields without presence are printed with
their defaults too, as ``always_print_fields_with_no_presence=True`` does. Messages with
something this module does not convert itself (floating-point fields, maps, well-known
types other than ``Timestamp``) go to ``json_format`` whole.
``tests/unit/test_protojson.py`` holds the two equal.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

_INT64 = frozenset({FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64,
                    FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_FIXED64,
                    FieldDescriptor.TYPE_SFIXED64})
_FLOATS = frozenset({FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE})


class _Unsupported(Exception):
    """A field this module leaves to json_format."""


Convert = Callable[[Any], Any]
_converters: dict[Any, Convert] = {}
_defaults: dict[Any, tuple[FieldDescriptor, ...]] = {}


def _repeated(field: FieldDescriptor) -> bool:
    flag = getattr(field, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return field.label == FieldDescriptor.LABEL_REPEATED  # type: ignore[attr-defined]


def _timestamp(value: Any) -> str:
    return value.ToJsonString()  # type: ignore[no-any-return]


def _build(field: FieldDescriptor) -> Convert:
    single: Convert | None
    if field.message_type is not None:
        message_type = field.message_type
        if message_type.GetOptions().map_entry:
            raise _Unsupported
        if message_type.full_name == "google.protobuf.Timestamp":
            single = _timestamp
        elif message_type.full_name.startswith("google.protobuf."):
            raise _Unsupported
        else:
            single = _dict
    elif field.type == FieldDescriptor.TYPE_ENUM:
        if field.enum_type.full_name == "google.protobuf.NullValue":
            raise _Unsupported
        names = {v.number: v.name for v in field.enum_type.values}
        single = lambda value: names.get(value, value)  # noqa: E731
    elif field.type in _INT64:
        single = str
    elif field.type in _FLOATS:
        raise _Unsupported
    elif field.type == FieldDescriptor.TYPE_BYTES:
        single = lambda value: base64.b64encode(value).decode("utf-8")  # noqa: E731
    else:
        single = None  # strings, booleans, 32-bit integers: as they are
    if _repeated(field):
        return list if single is None else (lambda values: [single(v) for v in values])
    return _AS_IS if single is None else single


def _as_is(value: Any) -> Any:
    return value


_AS_IS: Convert = _as_is


def _converter(field: FieldDescriptor) -> Convert:
    convert = _converters.get(field)
    if convert is None:
        convert = _converters[field] = _build(field)
    return convert


def _dict(message: Message) -> dict[str, Any]:
    # most fields are strings and numbers, written as they are: no call for those
    out = {}
    for field, value in message.ListFields():
        convert = _converters.get(field) or _converter(field)
        out[field.name] = value if convert is _AS_IS else convert(value)
    return out


def _unset_without_presence(descriptor: Descriptor) -> tuple[FieldDescriptor, ...]:
    known = _defaults.get(descriptor)
    if known is None:
        known = _defaults[descriptor] = tuple(
            field for field in descriptor.fields
            if _repeated(field) or not field.has_presence)
    return known


def _always(field: FieldDescriptor, value: Any) -> Any:
    message_type = field.message_type
    if message_type is not None and not message_type.full_name.startswith("google.protobuf."):
        if _repeated(field):
            if message_type.GetOptions().map_entry:
                raise _Unsupported
            return [_dict_always(v) for v in value]
        return _dict_always(value)
    return _converter(field)(value)


def _dict_always(message: Message) -> dict[str, Any]:
    """Set fields first, in field-number order, then the defaults of those without
    presence, in declaration order — as json_format prints them."""
    out = {field.name: _always(field, value) for field, value in message.ListFields()}
    for field in _unset_without_presence(message.DESCRIPTOR):
        if field.name not in out:
            out[field.name] = _always(field, getattr(message, field.name))
    return out


def message_to_dict(message: Message, *, always_print: bool = False) -> dict[str, Any]:
    """``json_format.MessageToDict(message, preserving_proto_field_name=True,
    always_print_fields_with_no_presence=always_print)``."""
    try:
        return _dict_always(message) if always_print else _dict(message)
    except _Unsupported:
        return json_format.MessageToDict(
            message, preserving_proto_field_name=True,
            always_print_fields_with_no_presence=always_print)
