"""JSON Schemas of proto messages (proto3 JSON mapping, original field names) for OpenAPI.

The HTTP API speaks the protos' JSON form, so its OpenAPI document describes bodies from the
message descriptors themselves: one source of truth, no hand-copied models. The limits each
field's ``buf.validate`` options state — the ones every service enforces — become the schema's
``maxLength``, ``minLength``, ``pattern``, ``enum``, ``maxItems``, ``minItems``,
``maxProperties``, ``minimum``, ``maximum`` and ``required``; a rule JSON Schema cannot say
(a CEL expression) is named in the field's description. A ``oneof`` becomes ``oneOf`` over
its fields (exactly one present) when the contract requires one, else ``not`` of any two of
them together (at most one), and is named in the message's description.
"""

from __future__ import annotations

from typing import Any

from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

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
        schema: dict[str, Any] = {
            "type": "object", "title": message.name, "additionalProperties": False,
            "properties": {f.name: self._field(f) for f in message.fields}}
        required = [f.name for f in message.fields if rules_of(f).required]
        if required:
            schema["required"] = required
        described = [rule.message or rule.expression for rule in
                     message.GetOptions().Extensions[validate_pb2.message].cel]
        for group in _oneofs(message):
            names = [f.name for f in group.fields]
            required = group.GetOptions().Extensions[validate_pb2.oneof].required
            if required:
                schema["oneOf"] = [{"required": [name]} for name in names]
            else:
                schema["not"] = {"anyOf": [{"required": [a, b]} for i, a in enumerate(names)
                                           for b in names[i + 1:]]}
            described.append(f"{group.name}: {'exactly' if required else 'at most'} one of "
                             + ", ".join(names))
        if described:
            schema["description"] = "; ".join(described)
        return schema

    def _field(self, f: FieldDescriptor) -> dict[str, Any]:
        rules = rules_of(f)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            key = f.message_type.fields_by_name["key"]
            value = f.message_type.fields_by_name["value"]
            schema = {"type": "object",
                      "additionalProperties": self._single(value, rules.map.values)}
            if rules.map.HasField("keys"):
                schema["propertyNames"] = _limits(key, rules.map.keys, {"type": "string"})
            if rules.map.HasField("max_pairs"):
                schema["maxProperties"] = rules.map.max_pairs
            if rules.map.HasField("min_pairs"):
                schema["minProperties"] = rules.map.min_pairs
            return schema
        if f.is_repeated:
            schema = {"type": "array", "items": self._single(f, rules.repeated.items)}
            if rules.repeated.HasField("max_items"):
                schema["maxItems"] = rules.repeated.max_items
            if rules.repeated.HasField("min_items"):
                schema["minItems"] = rules.repeated.min_items
            return schema
        return self._single(f, rules)

    def _single(self, f: FieldDescriptor, rules: validate_pb2.FieldRules) -> dict[str, Any]:
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            schema = self.ref(f.message_type)
            cel = [rule.message or rule.expression for rule in rules.cel]
            return {**schema, "description": "; ".join(cel)} if cel else schema
        if f.type == FieldDescriptor.TYPE_ENUM:
            return {"type": "string", "enum": enum_names(f.enum_type, rules)}
        return _limits(f, rules, dict(_SCALARS[f.type]))


def _oneofs(message: Descriptor) -> list[Any]:
    """The message's real oneofs (not the synthetic ones of proto3 ``optional`` fields)."""
    return [group for group in message.oneofs
            if not (len(group.fields) == 1 and group.name == "_" + group.fields[0].name)]


def rules_of(f: FieldDescriptor) -> validate_pb2.FieldRules:
    """The ``buf.validate`` rules of a field (empty when it states none)."""
    return f.GetOptions().Extensions[validate_pb2.field]


def enum_names(enum: EnumDescriptor, rules: validate_pb2.FieldRules) -> list[str]:
    """The names an enum field takes: its defined values, less those its rules exclude."""
    excluded = set(rules.enum.not_in)
    allowed = set(getattr(rules.enum, "in"))
    return [v.name for v in enum.values if v.number not in excluded
            and (not allowed or v.number in allowed)]


def _limits(f: FieldDescriptor, rules: validate_pb2.FieldRules, schema: dict[str, Any]
            ) -> dict[str, Any]:
    """``schema`` with the JSON Schema form of a scalar field's rules."""
    if f.type == FieldDescriptor.TYPE_STRING and rules.HasField("string"):
        text = rules.string
        if text.HasField("max_len"):
            schema["maxLength"] = text.max_len
        if text.HasField("min_len"):
            schema["minLength"] = text.min_len
        if text.HasField("pattern"):
            schema["pattern"] = text.pattern
        if getattr(text, "in"):
            schema["enum"] = list(getattr(text, "in"))
    if rules.required and f.type == FieldDescriptor.TYPE_STRING:
        schema["minLength"] = max(schema.get("minLength", 0), 1)
    kind = rules.WhichOneof("type")
    if kind in ("int32", "int64", "uint32", "uint64", "sint32", "sint64"):
        numbers = getattr(rules, kind)
        target = schema["anyOf"][0] if "anyOf" in schema else schema
        if "anyOf" in schema:
            schema["anyOf"] = [dict(target), *schema["anyOf"][1:]]
            target = schema["anyOf"][0]
        if numbers.HasField("gte"):
            target["minimum"] = numbers.gte
        elif numbers.HasField("gt"):
            target["minimum"] = numbers.gt + 1
        if numbers.HasField("lte"):
            target["maximum"] = numbers.lte
        elif numbers.HasField("lt"):
            target["maximum"] = numbers.lt - 1
    return schema


def parameter_limits(message: type[Any] | Descriptor, name: str) -> dict[str, Any]:
    """The keyword arguments of FastAPI's ``Query``/``Path`` that state, for a query or path
    parameter, the limits of the request field it fills (``max_length``, ``min_length``,
    ``pattern``, ``ge``, ``le``): the parameter and the contract say the same."""
    descriptor = message if isinstance(message, Descriptor) else message.DESCRIPTOR
    f = descriptor.fields_by_name[name]
    schema = _limits(f, rules_of(f), dict(_SCALARS.get(f.type, {"type": "string"})))
    names = {"maxLength": "max_length", "minLength": "min_length", "pattern": "pattern",
             "minimum": "ge", "maximum": "le"}
    return {names[k]: v for k, v in schema.items() if k in names}
