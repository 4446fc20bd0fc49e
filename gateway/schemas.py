"""JSON Schemas of proto messages (proto3 JSON mapping, original field names) for OpenAPI.

The HTTP API speaks the protos' JSON form, so its OpenAPI document describes bodies from the
message descriptors themselves: one source of truth, no hand-copied models.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

INT32_MAX = 2**31 - 1
UINT32_MAX = 2**32 - 1
_INT64 = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?[0-9]+$"}]}
_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: _INT64,
    FieldDescriptor.TYPE_FIXED64: _INT64,
    FieldDescriptor.TYPE_INT32: {"type": "integer", "minimum": -INT32_MAX - 1,
                                 "maximum": INT32_MAX},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "minimum": -INT32_MAX - 1,
                                  "maximum": INT32_MAX},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "minimum": -INT32_MAX - 1,
                                    "maximum": INT32_MAX},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": UINT32_MAX},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": UINT32_MAX},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?s$"},
    "google.protobuf.Struct": {"type": "object"},
}


class SchemaRegistry:
    """Collects one component schema per message; hands out ``$ref``s to them."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}

    def ref(self, message: Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name])
        if message.full_name not in self.components:
            self.components[message.full_name] = {}  # placeholder: guards recursion
            self.components[message.full_name] = self._object(message)
        return {"$ref": f"#/components/schemas/{message.full_name}"}

    def _object(self, message: Descriptor) -> dict[str, Any]:
        return {"type": "object", "title": message.name, "additionalProperties": False,
                "properties": {f.name: self._field(f) for f in message.fields}}

    def _field(self, f: FieldDescriptor) -> dict[str, Any]:
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value = f.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self._single(value)}
        if f.is_repeated:
            return {"type": "array", "items": self._single(f)}
        return self._single(f)

    def _single(self, f: FieldDescriptor) -> dict[str, Any]:
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            return self.ref(f.message_type)
        if f.type == FieldDescriptor.TYPE_ENUM:
            return {"type": "string", "enum": [v.name for v in f.enum_type.values]}
        return dict(_SCALARS[f.type])
