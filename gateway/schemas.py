"""JSON Schemas of proto messages (proto3 JSON mapping, original field names) for OpenAPI.

The HTTP API speaks the protos' JSON form, so its OpenAPI document describes bodies from the
message descriptors themselves: one source of truth, no hand-copied models. The limits each
field's ``buf.validate`` options state — the ones every service enforces — become the schema's
``maxLength``, ``minLength``, ``pattern``, ``enum``, ``maxItems``, ``minItems``,
``maxProperties``, ``minimum``, ``maximum`` and ``required``; a rule JSON Schema cannot say
(a CEL expression) is named in the field's description. A ``oneof`` becomes ``oneOf`` over
its fields (exactly one present) when the contract requires one, else ``not`` of any two of
them together (at most one), and is named in the message's description.

The contracts' comments (``sunlight.proto_comments``, generated from protos/) describe the
messages, their fields and enum values: a field the contract comments on is never left
undescribed in the API's documentation.

Those limits are what a caller may *send*. An answer is the message as the node holds it —
a step's ``role`` may be empty, an enum may carry its zero value — so answers have schemas of
their own (``SchemaRegistry(answers=True)``, components named ``answer.<message>``): the same
types, properties and descriptions, every value of each enum, no length, pattern, size or
range limit of the rules, at most one member of each oneof, and as ``required`` the fields
the gateway always prints (those without presence: ``to_json`` prints their defaults).
"""

from __future__ import annotations

import re
from typing import Any

from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from sunlight.proto_comments import COMMENTS

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


#: The component name of a message's schema as an answer (``answers=True``).
ANSWER_PREFIX = "answer."


class SchemaRegistry:
    """Collects one component schema per message; hands out ``$ref``s to them. With
    ``answers``: the schemas of answers (named ``answer.<message>``), without the limits of
    what a caller may send."""

    def __init__(self, *, answers: bool = False) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self.answers = answers

    def name(self, message: Descriptor) -> str:
        """The component name of ``message``'s schema."""
        return (ANSWER_PREFIX if self.answers else "") + message.full_name

    def ref(self, message: Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name])
        name = self.name(message)
        if name not in self.components:
            self.components[name] = {}  # placeholder: guards recursion
            self.components[name] = self._object(message)
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, message: Descriptor) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object", "title": message.name, "additionalProperties": False,
            "properties": {f.name: self._field(f) for f in message.fields}}
        if self.answers:  # what to_json always prints
            required = [f.name for f in message.fields if not f.has_presence]
        else:
            required = [f.name for f in message.fields if rules_of(f).required]
        if required:
            schema["required"] = required
        described = [rule.message or rule.expression for rule in
                     message.GetOptions().Extensions[validate_pb2.message].cel]
        for group in _oneofs(message):
            names = [f.name for f in group.fields]
            required = group.GetOptions().Extensions[validate_pb2.oneof].required
            if required and not self.answers:
                schema["oneOf"] = [{"required": [name]} for name in names]
            else:
                schema["not"] = {"anyOf": [{"required": [a, b]} for i, a in enumerate(names)
                                           for b in names[i + 1:]]}
            described.append(f"{group.name}: {'exactly' if required else 'at most'} one of "
                             + ", ".join(names))
        comment = COMMENTS.get(message.full_name)
        if comment:
            described.insert(0, comment)
        if described:
            schema["description"] = "; ".join(described)
        return schema

    def _field(self, f: FieldDescriptor) -> dict[str, Any]:
        schema = self._field_schema(f)
        said = [text for text in (COMMENTS.get(f.full_name), schema.get("description"),
                                  enum_description(f.enum_type) if f.enum_type else "")
                if text]
        if said:
            schema = {**schema, "description": " ".join(said)}
        return schema

    def _field_schema(self, f: FieldDescriptor) -> dict[str, Any]:
        # an answer is held to the field's type alone, not to what a caller may send
        rules = validate_pb2.FieldRules() if self.answers else rules_of(f)
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


def field_comment(message: Descriptor, name: str) -> str:
    """The contract's comment on a field of ``message`` ("" when it has none)."""
    return COMMENTS.get(message.fields_by_name[name].full_name, "")


def enum_description(enum: EnumDescriptor) -> str:
    """The enum's comment and its values' (those commented on), e.g. ``The list an item
    belongs to (清单类型). LIST_KIND_POWER: 权力清单; …``."""
    values = [f"{v.name}: {COMMENTS[_value_name(enum, v.name)]}" for v in enum.values
              if _value_name(enum, v.name) in COMMENTS]
    head = COMMENTS.get(enum.full_name, "")
    return " ".join(part for part in (head, "; ".join(values)) if part)


def _value_name(enum: EnumDescriptor, value: str) -> str:
    scope = enum.full_name.rsplit(".", 1)[0]
    return f"{scope}.{value}"


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


#: Values an example takes for fields of these names (the README's demo district, 广安区).
EXAMPLE_VALUES: dict[str, Any] = {
    "region": "511602", "target_region": "511602", "node_region": "511602",
    "department_code": "115113016823646795", "department": "区发展改革局",
    "case_number": "51160220261130000001", "item_id": "3f2b6c1e-8d4a-4c55-9a57-0c2e1f6b9d10",
    "idempotency_key": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "id_type": "id_card", "id_number": "511602199001011236", "name": "企业投资项目备案",
    "item_type": "01", "exercise_level": "3", "month": "2026-11", "month_from": "2026-11",
    "month_to": "2026-11", "period": "2026-11", "query": "qyba",
    "law": "《企业投资项目核准和备案管理条例》",
    "article": "第十三条", "opinion": "材料齐全，予以受理", "reason": "符合备案条件",
    "reasons": "符合备案条件", "version": 1, "item_version": 1, "page_size": 20,
}
#: Candidates tried, in order, for a string field whose pattern the generic sample fails.
_PATTERN_SAMPLES = ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d3",
                    "511602", "2026-11-16", "2026-11", "2026-Q4", "2026", "01", "1", "clerk",
                    "115113016823646795", "51160220261130000001", "k1", "a", "")
_EXAMPLE_DEPTH = 3


def example_of(message: Descriptor, depth: int = 0) -> dict[str, Any]:
    """A JSON example of a message (proto3 JSON mapping, original names), valid against its
    schema: every field once (one member of each real oneof), nested messages to a few levels,
    lists of one; names in ``EXAMPLE_VALUES`` take those values."""
    skipped = {f.name for group in _oneofs(message) for f in group.fields[1:]}
    return {f.name: _field_example(f, depth) for f in message.fields if f.name not in skipped
            and (depth < _EXAMPLE_DEPTH or f.type != FieldDescriptor.TYPE_MESSAGE)}


def _field_example(f: FieldDescriptor, depth: int) -> Any:
    if f.message_type is not None and f.message_type.GetOptions().map_entry:
        value = f.message_type.fields_by_name["value"]
        return {"key": _single_example(value, rules_of(f).map.values, depth + 1)}
    rules = rules_of(f)
    if f.is_repeated:
        return [_single_example(f, rules.repeated.items, depth + 1)]
    return _single_example(f, rules, depth)


def _single_example(f: FieldDescriptor, rules: validate_pb2.FieldRules, depth: int) -> Any:
    if f.type == FieldDescriptor.TYPE_MESSAGE:
        if f.message_type.full_name in _WELL_KNOWN:
            return {"google.protobuf.Timestamp": "2026-11-16T09:30:00Z",
                    "google.protobuf.Duration": "3600s"}.get(f.message_type.full_name, {})
        return example_of(f.message_type, depth + 1) if depth < _EXAMPLE_DEPTH else {}
    if f.type == FieldDescriptor.TYPE_ENUM:
        names = [n for n in enum_names(f.enum_type, rules) if not n.endswith("_UNSPECIFIED")]
        return names[0] if names else enum_names(f.enum_type, rules)[0]
    schema = _limits(f, rules, dict(_SCALARS[f.type]))
    if f.type == FieldDescriptor.TYPE_BOOL:
        return False
    if f.type == FieldDescriptor.TYPE_BYTES:
        return ""
    if f.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 0.5
    if f.type != FieldDescriptor.TYPE_STRING:
        bounds = schema["anyOf"][0] if "anyOf" in schema else schema
        low, high = bounds.get("minimum", 1), bounds.get("maximum", 1)
        wanted = EXAMPLE_VALUES.get(f.name, 1)
        return wanted if isinstance(wanted, int) and low <= wanted <= high else max(
            low, min(1, high))
    return _string_example(f.name, schema)


def _string_example(name: str, schema: dict[str, Any]) -> str:
    def fits(text: str) -> bool:
        return (len(text) <= schema.get("maxLength", 10**6)
                and len(text) >= schema.get("minLength", 0)
                and ("enum" not in schema or text in schema["enum"])
                and ("pattern" not in schema or re.search(schema["pattern"], text) is not None))

    if "enum" in schema:
        return str(schema["enum"][0])
    given = EXAMPLE_VALUES.get(name)
    for candidate in (given if isinstance(given, str) else None, f"示例{name}", *_PATTERN_SAMPLES):
        if candidate is not None and fits(candidate):
            return candidate
    return ""
