"""The limits the contracts state, checked on every request before anything else.

Every field of every request message carries ``buf.validate`` options in ``protos/`` (lengths,
list sizes, number ranges, defined enum values only, required fields, allowed characters);
:func:`check_request` evaluates them with protovalidate and raises
:class:`~services.shared.errors.InvalidArgument` (code ``INVALID_ARGUMENT``) with one field
violation per broken rule, at most :data:`MAX_VIOLATIONS`, each naming the field by its path in
the request (``draft.steps[3].name``) and never quoting the value that broke it.

The shared servicer wrappers (``grpc_errors.translate_errors``) call it for every method of
every service, so no service can forget it.
"""

from __future__ import annotations

import logging

import protovalidate
from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor, FileDescriptor
from google.protobuf.message import Message
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.gateway.v1 import gateway_pb2
from sunlight.monitoring.v1 import monitoring_pb2

from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.regions import shown

log = logging.getLogger(__name__)

#: Violations reported for one request; the message says how many there were in all.
MAX_VIOLATIONS = 20
#: Violations named in the error's message (all of the first MAX_VIOLATIONS are listed
#: in field_violations).
MESSAGE_VIOLATIONS = 3

#: The two character rules of the contracts (see common.proto) and the region code, in words.
LINE_PATTERN = r"^[^\x00-\x1F\x7F]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"
_PATTERN_WORDS = {
    LINE_PATTERN: "must be one line of text without control characters (NUL, tab, line "
                  "breaks…)",
    TEXT_PATTERN: "must not contain control characters (NUL and the like; tab and line "
                  "breaks are allowed)",
    "^[0-9]{6}$": "not a 6-digit region code (ASCII digits, e.g. 511602)",
    "^([0-9]{6})?$": "not a 6-digit region code (ASCII digits, e.g. 511602) nor empty",
    "^[0-9A-Za-z-]*$": "a code of ASCII letters, digits and hyphens only, such as a unified "
                       "social credit code (统一社会信用代码, 18 characters) — not a name",
}

_validator = protovalidate.Validator()


def violations_of(request: Message) -> list[validate_pb2.Violation]:
    """Every rule of the contract that ``request`` breaks (empty when it keeps them all)."""
    found = _validator.collect_violations(request)
    return [validate_pb2.Violation.FromString(v.proto.to_binary()) for v in found]


def field_path(violation: validate_pb2.Violation) -> str:
    """``draft.steps[3].name``; map entries as ``rows[0].values["名称"]`` (keys cut short)."""
    parts: list[str] = []
    for element in violation.field.elements:
        text = element.field_name
        which = element.WhichOneof("subscript")
        if which == "index":
            text += f"[{element.index}]"
        elif which is not None:
            key = getattr(element, which)
            text += f"[{shown(key, 40) if isinstance(key, str) else key}]"
        parts.append(text)
    return ".".join(parts) + (" (key)" if violation.for_key else "")


def describe(violation: validate_pb2.Violation) -> str:
    """What the rule asks, without the offending value."""
    if violation.rule_id == "string.pattern":
        pattern = violation.message.partition("`")[2].rpartition("`")[0]
        words = _PATTERN_WORDS.get(pattern)
        if words:
            return words
    return violation.message or violation.rule_id


def check_request(request: Message) -> None:
    """Raise InvalidArgument naming the broken rules, if ``request`` breaks any."""
    found = violations_of(request)
    if not found:
        return
    problems = [FieldProblem(field_path(v), describe(v)) for v in found[:MAX_VIOLATIONS]]
    named = "; ".join(f"{p.field}: {p.description}" for p in problems[:MESSAGE_VIOLATIONS])
    more = len(found) - min(len(found), MESSAGE_VIOLATIONS)
    message = (f"the request breaks {len(found)} rule(s) of its contract: {named}"
               + (f" (and {more} more)" if more else ""))
    raise InvalidArgument(message, violations=problems,
                          metadata={"violations": str(len(found)),
                                    "request": request.DESCRIPTOR.full_name})


#: The node's contracts whose requests these limits guard.
CONTRACTS: tuple[FileDescriptor, ...] = (catalogue_pb2.DESCRIPTOR, cases_pb2.DESCRIPTOR,
                                         monitoring_pb2.DESCRIPTOR, gateway_pb2.DESCRIPTOR)


def request_messages() -> list[Descriptor]:
    """Every request message of the node's services and every message a request carries
    (the well-known google.protobuf types aside), each once."""
    found: dict[str, Descriptor] = {}
    todo = [method.input_type for contract in CONTRACTS
            for service in contract.services_by_name.values() for method in service.methods]
    while todo:
        message = todo.pop()
        if message.full_name in found or message.full_name.startswith("google.protobuf."):
            continue
        if not message.GetOptions().map_entry:
            found[message.full_name] = message
        todo.extend(f.message_type for f in message.fields if f.message_type is not None)
    return sorted(found.values(), key=lambda m: m.full_name)
