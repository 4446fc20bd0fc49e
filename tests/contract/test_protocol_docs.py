"""The protocol documents (docs/protocol/) stay true to the code.

- every document carries its header (identifier, version, status, date) and a change log, and
  the index lists it with the same identifier and version;
- every relative link of the documents (and of the guide and the README) resolves, anchors
  included;
- the error registry of SUN-PR-04 is the set of codes the code raises — read from the source,
  not from a table kept by hand — each with its gRPC status, HTTP status and component;
- the exchanges and event types SUN-PR-02 names are the ones the services publish;
- every gRPC method and message SUN-PR-01 names exists in the protos.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2, event_pb2
from sunlight.gateway.v1 import gateway_pb2
from sunlight.monitoring.v1 import monitoring_pb2

from gateway.errors import http_status_of
from infra.proto.generate import proto_files
from services.cases.codec import EVENT_TYPES
from services.cases.domain import enforcement
from services.cases.handover import HANDOVER_EVENT_TYPES
from services.monitoring.domain.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "docs" / "protocol"
INDEX = PROTOCOL / "README.md"
#: identifier → file name, in the order of the index
DOCUMENTS = {
    "SUN-PR-01": "SUN-PR-01-cases.md",
    "SUN-PR-02": "SUN-PR-02-events.md",
    "SUN-PR-03": "SUN-PR-03-authentication.md",
    "SUN-PR-04": "SUN-PR-04-errors.md",
    "SUN-PR-05": "SUN-PR-05-versioning.md",
}
#: every file whose links are checked
LINKED = [INDEX, *(PROTOCOL / name for name in DOCUMENTS.values()), PROTOCOL / "conformance.md",
          ROOT / "docs" / "department-systems.md", ROOT / "README.md"]
# the proto modules are imported for their registration in the default pool
PROTO_MODULES = (cases_pb2, catalogue_pb2, common_pb2, event_pb2, gateway_pb2, monitoring_pb2)


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def doc(identifier: str) -> str:
    return text(PROTOCOL / DOCUMENTS[identifier])


def section(body: str, marker: str) -> str:
    """What lies between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    found = re.search(rf"<!-- {marker} -->\n(.*?)<!-- /{marker} -->", body, re.S)
    assert found, f"no <!-- {marker} --> … <!-- /{marker} --> section"
    return found[1]


# --- headers and the index --------------------------------------------------------------------

HEADER_FIELDS = ("Identifier", "Version", "Status", "Date")
STATUSES = {"Draft", "In force", "Superseded"}


def header(body: str) -> dict[str, str]:
    """The header table's fields: ``| Identifier | SUN-PR-01 |`` …"""
    return {m[1]: m[2].strip() for m in re.finditer(r"^\| (\w+) \| ([^|]+) \|$", body, re.M)
            if m[1] in HEADER_FIELDS}


@pytest.mark.parametrize("identifier", DOCUMENTS)
def test_every_document_has_its_header_and_change_log(identifier: str) -> None:
    body = doc(identifier)
    fields = header(body)
    assert set(fields) == set(HEADER_FIELDS), f"{identifier}: header lacks " \
        f"{set(HEADER_FIELDS) - set(fields)}"
    assert fields["Identifier"] == identifier
    assert re.fullmatch(r"\d+\.\d+\.\d+", fields["Version"]), fields["Version"]
    assert fields["Status"] in STATUSES, fields["Status"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["Date"]), fields["Date"]
    assert body.startswith(f"# {identifier} "), "the title opens with the identifier"
    log = section(body, "change-log")
    versions = re.findall(r"^\| (\d+\.\d+\.\d+) \| (\d{4}-\d{2}-\d{2}) \|", log, re.M)
    assert versions, f"{identifier}: the change log has no entry"
    assert versions[0] == (fields["Version"], fields["Date"]), \
        f"{identifier}: the change log's newest entry is not the header's version and date"
    assert "[normative language](README.md#normative-language)" in body


def test_the_index_lists_every_document_with_its_version() -> None:
    index = text(INDEX)
    rows = {m[1]: (m[2], m[3]) for m in re.finditer(
        r"^\| \[(SUN-PR-\d\d)\]\(([^)]+)\) \| [^|]+ \| (\d+\.\d+\.\d+) \|", index, re.M)}
    assert set(rows) == set(DOCUMENTS)
    for identifier, (target, version) in rows.items():
        assert target == DOCUMENTS[identifier]
        assert version == header(doc(identifier))["Version"], identifier
    listed = {p.name for p in PROTOCOL.glob("*.md")} - {"README.md", "conformance.md"}
    assert listed == set(DOCUMENTS.values()), "a document in docs/protocol/ is not indexed"


# --- links --------------------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(body: str) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (and explicit <a id> / <a name>)."""
    found = set(re.findall(r'<a (?:id|name)="([^"]+)"', body))
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", body, flags=re.S),
                              re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(
            " ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def links(path: Path) -> Iterator[tuple[str, Path, str]]:
    body = re.sub(r"```.*?```", "", text(path), flags=re.S)
    for target in LINK.findall(body):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        yield target, (path.parent / file).resolve() if file else path, anchor


@pytest.mark.parametrize("path", LINKED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(path: Path) -> None:
    broken = []
    for target, file, anchor in links(path):
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(text(file)):
            broken.append(f"{target}: no such heading")
    assert not broken, broken


def test_the_readme_and_the_guide_lead_to_the_index() -> None:
    for path in (ROOT / "README.md", ROOT / "docs" / "department-systems.md"):
        assert any(file == INDEX for _, file, _ in links(path)), path


# --- errors -------------------------------------------------------------------------------------

#: the domain errors (services.shared.errors): their code when none is given, their status
ERROR_CLASSES = {
    "DomainError": ("FAILED_PRECONDITION", "FAILED_PRECONDITION"),
    "InvalidArgument": ("INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    "NotFound": ("NOT_FOUND", "NOT_FOUND"),
    "FailedPrecondition": ("FAILED_PRECONDITION", "FAILED_PRECONDITION"),
    "Conflict": ("CONFLICT", "ABORTED"),
    "AlreadyExists": ("ALREADY_EXISTS", "ALREADY_EXISTS"),
    "Unauthenticated": ("UNAUTHENTICATED", "UNAUTHENTICATED"),
    "PermissionDenied": ("PERMISSION_DENIED", "PERMISSION_DENIED"),
    "Unavailable": ("UNAVAILABLE", "UNAVAILABLE"),
}
#: codes built at run time, by (file, expression): what they can be
DYNAMIC: dict[tuple[str, str], Callable[[], set[str]]] = {
    ("services/cases/domain/enforcement.py", "f'USE_{action.upper()}'"):
        lambda: {f"USE_{action.upper()}" for action in enforcement._OWN_ACTION.values()},
}
#: codes passed on from an error raised elsewhere (already counted where it was raised)
PASSED_ON = {
    ("services/cases/service.py", "refusal['code']"),  # a recorded refusal, replayed
    ("gateway/peers.py", "decision.code"),  # the node registry's Decision
    ("gateway/http_api.py", "error.code"),  # a DomainError of the gateway's own checks
    ("gateway/errors.py", "detail.code or code.name"),  # the backend's ErrorDetail
    ("gateway/errors.py", "code.name"),  # no detail: the gRPC status's name (SUN-PR-04)
    ("gateway/errors.py", "code"),  # Starlette's 404 / 405 / other: the table below
}
#: where codes are raised: the node's services and its gateway (the hall serves pages to
#: people, not a protocol; the command line is a client)
SOURCES = ("services/cases", "services/catalogue", "services/monitoring", "services/shared",
           "gateway")


@dataclass
class Raised:
    grpc: set[str] = field(default_factory=set)
    http: set[int] = field(default_factory=set)
    where: set[str] = field(default_factory=set)


def _component(rel: str) -> str:
    return "gateway" if rel.startswith("gateway/") else rel.split("/")[1]


def _callee(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        if isinstance(f.value, ast.Name) and f.attr in ("of_field", "invalid"):
            return f"{f.value.id}.{f.attr}"
        return f.attr
    return ""


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """A module's string constants by name (``SERVICE = "catalogue"``)."""
    return {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
            for t in n.targets if isinstance(t, ast.Name)}


def _code_value(expr: ast.expr, *, rel: str, constants: dict[str, str], unknown: list[str]
                ) -> set[str] | None:
    """The codes an expression of ``rel`` can be; None (and noted in ``unknown`` unless it
    is PASSED_ON) when the source does not say."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.Name) and expr.id in constants:
        return {constants[expr.id]}
    if isinstance(expr, ast.IfExp):  # "A" if … else "B"
        either = [_code_value(e, rel=rel, constants=constants, unknown=unknown)
                  for e in (expr.body, expr.orelse)]
        return set().union(*(e for e in either if e)) if all(either) else None
    source = ast.unparse(expr)
    if (rel, source) in DYNAMIC:
        return DYNAMIC[(rel, source)]()
    if (rel, source) not in PASSED_ON:
        unknown.append(f"{rel}:{expr.lineno}: {source}")
    return None


def raised_codes() -> dict[str, Raised]:
    """Every error code the node's services and gateway can answer, from their source."""
    codes: dict[str, Raised] = {}
    unknown: list[str] = []

    def add(code: str, rel: str, status: str | None = None, http: int | None = None) -> None:
        entry = codes.setdefault(code, Raised())
        entry.where.add(_component(rel))
        if status:
            entry.grpc.add(status)
            entry.http.add(http_status_of(grpc.StatusCode[status]))
        if http:
            entry.http.add(http)

    files = [p for s in SOURCES for p in sorted((ROOT / s).rglob("*.py"))
             if "migrations" not in p.parts]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(text(path))
        constants = _module_constants(tree)
        # an error whose status is set after it is made (``internal.grpc_status = "INTERNAL"``)
        restated = {t.value.id: n.value.value for n in ast.walk(tree)
                    if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                    for t in n.targets if isinstance(t, ast.Attribute)
                    and t.attr == "grpc_status" and isinstance(t.value, ast.Name)}
        named = {n.value: t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Call) for t in n.targets if isinstance(t, ast.Name)}

        value = functools.partial(_code_value, rel=rel, constants=constants,
                                  unknown=unknown)

        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and rel == "gateway/errors.py" and all(
                    isinstance(k, ast.Constant) and isinstance(k.value, int) for k in node.keys):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        add(v.value, rel, http=k.value)  # type: ignore[union-attr]
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node)
            keywords = {k.arg: k.value for k in node.keywords}
            if callee in ERROR_CLASSES:
                default, status = ERROR_CLASSES[callee]
                status = restated.get(named.get(node, ""), status)
                if "code" in keywords:
                    found = value(keywords["code"])
                elif callee == "DomainError" and len(node.args) > 1:
                    found = value(node.args[1])
                else:
                    found = {default}
                for code in found or ():
                    add(code, rel, status)
            elif callee == "InvalidArgument.of_field":
                given = keywords.get("code", node.args[2] if len(node.args) > 2 else None)
                for code in (value(given) if given is not None else {"INVALID_ARGUMENT"}) or ():
                    add(code, rel, "INVALID_ARGUMENT")
            elif callee == "ApiError.invalid":
                given = keywords.get("code")
                for code in (value(given) if given is not None else {"INVALID_ARGUMENT"}) or ():
                    add(code, rel, http=400)
            elif callee == "ApiError" and len(node.args) > 1:
                http = node.args[0]
                for code in value(node.args[1]) or ():
                    add(code, rel, http=http.value if isinstance(http, ast.Constant) else None)
            elif callee == "Decision" and node.args and isinstance(node.args[0], ast.Constant) \
                    and node.args[0].value is False:
                # the node registry refuses a peer's call: the gateway answers PERMISSION_DENIED
                for code in value(node.args[1]) or ():
                    add(code, rel, "PERMISSION_DENIED")
            elif callee == "get" and rel == "gateway/errors.py" and len(node.args) == 2 \
                    and isinstance(node.args[1], ast.Constant) \
                    and re.fullmatch(r"[A-Z][A-Z0-9_]+", str(node.args[1].value)):
                add(node.args[1].value, rel)  # Starlette's other HTTP errors
    assert not unknown, f"error codes the test cannot read (add them to DYNAMIC or PASSED_ON): " \
        f"{unknown}"
    return codes


REGISTRY_ROW = re.compile(
    r"^\| `([A-Z][A-Z0-9_]*)` \| ([A-Z_, —]+) \| ([0-9, —]+) \| ([a-z, ]+) \| [^|]+ \|$", re.M)


def documented_codes() -> dict[str, Raised]:
    registry = section(doc("SUN-PR-04"), "error-registry")
    rows = REGISTRY_ROW.findall(registry)
    assert len(rows) == registry.count("\n| `"), "a registry row is not in the table's form"
    codes: dict[str, Raised] = {}
    for code, grpc_statuses, http, where in rows:
        assert code not in codes, f"{code} is listed twice"
        codes[code] = Raised(
            {s for s in grpc_statuses.split(", ") if s != "—"},
            {int(h) for h in http.split(", ") if h != "—"}, set(where.split(", ")))
    return codes


def test_the_error_registry_is_every_code_the_code_raises() -> None:
    raised, documented = raised_codes(), documented_codes()
    assert not raised.keys() - documented.keys(), \
        f"raised but not in SUN-PR-04's registry: {sorted(raised.keys() - documented.keys())}"
    assert not documented.keys() - raised.keys(), \
        f"in SUN-PR-04's registry but raised nowhere: {sorted(documented.keys() - raised.keys())}"
    wrong = {code: (documented[code], raised[code]) for code in raised
             if documented[code] != raised[code]}
    assert not wrong, "documented (gRPC, HTTP, where) ≠ raised:\n" + "\n".join(
        f"{c}: {d.grpc}, {d.http}, {d.where} ≠ {r.grpc}, {r.http}, {r.where}"
        for c, (d, r) in wrong.items())


def test_the_status_table_is_the_gateways() -> None:
    table = section(doc("SUN-PR-04"), "status-table")
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (\d{3}) \|", table, re.M))
    assert set(rows) == {c.name for c in grpc.StatusCode if c is not grpc.StatusCode.OK}
    for name, http in rows.items():
        assert int(http) == http_status_of(grpc.StatusCode[name]), name


#: examples of a refusal's ``reason_code`` (a field the department fills in), not error codes
REASON_CODE_EXAMPLES = {"NOT_IN_SCOPE", "NOT_QUALIFIED"}


def enum_names() -> set[str]:
    """Every enum value of the protos, in full (``CASE_STATUS_SUBMITTED``) and without its
    enum's prefix (``SUBMITTED``)."""
    names = set()
    for module in PROTO_MODULES:
        enums = [*module.DESCRIPTOR.enum_types_by_name.values(), *(
            e for m in module.DESCRIPTOR.message_types_by_name.values() for e in m.enum_types)]
        for enum in enums:
            for value in enum.values:
                names.add(value.name)
                prefix = re.sub(r"(?<!^)([A-Z])", r"_\1", enum.name).upper() + "_"
                names.add(value.name.removeprefix(prefix))
    return names


def test_the_codes_the_other_documents_name_exist() -> None:
    """Every code in backquotes in the case, event and authentication documents is in the
    registry (enum values, gRPC status names and supervision's warning rules aside)."""
    known = set(documented_codes()) | {c.name for c in grpc.StatusCode} | enum_names() | set(
        RULES) | REASON_CODE_EXAMPLES
    for identifier in ("SUN-PR-01", "SUN-PR-02", "SUN-PR-03"):
        named = {name for name in re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`",
                                              doc(identifier))
                 if not name.startswith("SUNLIGHT_")}  # settings
        assert named <= known, f"{identifier} names codes the registry lacks: " \
            f"{sorted(named - known)}"


# --- events -------------------------------------------------------------------------------------

def published_event_types() -> dict[str, set[str]]:
    """Exchange → event types (a family ``warning.<action>`` by its prefix), from the code."""
    catalogue = set()
    for path in (ROOT / "services" / "catalogue").rglob("*.py"):
        catalogue |= set(re.findall(r'"(item\.[a-z_]+)"', text(path)))
    monitoring = set()
    for path in (ROOT / "services" / "monitoring").glob("*.py"):
        monitoring |= {f"{p}.<action>" for p in re.findall(
            r'(?:make_event|_announce)\([^"]*f"([a-z]+)\.\{', text(path), re.S)}
    return {"cases.events": {*EVENT_TYPES, *HANDOVER_EVENT_TYPES, "case.trace_root"},
            "catalogue.events": catalogue,
            "monitoring.events": monitoring}


def documented_event_types() -> dict[str, set[str]]:
    """The exchanges' types of SUN-PR-02's table; the case events from its §5 table (the
    first column of each row: the types an action publishes)."""
    body = doc("SUN-PR-02")
    found: dict[str, set[str]] = {}
    for exchange, types in re.findall(r"^\| `([a-z]+\.events)` \| ([^|]+) \|",
                                      section(body, "event-types"), re.M):
        if exchange != "cases.events":
            found.setdefault(exchange, set()).update(re.findall(r"`([a-z_.<>]+)`", types))
    cases = set()
    for first in re.findall(r"^\| ([^|]+) \|", section(body, "case-types"), re.M):
        cases |= set(re.findall(r"`(case\.[a-z_]+)`", first))
    found["cases.events"] = cases
    return found


def test_every_published_event_type_is_documented_and_no_other() -> None:
    assert documented_event_types() == published_event_types()


def test_the_exchanges_named_are_the_services_outboxes() -> None:
    body = doc("SUN-PR-02")
    named = set(re.findall(r"`([a-z]+\.events)`", body))
    outboxes: set[str] = set()
    unknown: list[str] = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        rel, tree = path.relative_to(ROOT).as_posix(), ast.parse(text(path))
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and _callee(call) == "Outbox"):
                continue
            # Outbox(table, service): the service named, or a constant of the module
            service = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "service"), None)
            services = service and _code_value(service, rel=rel,
                                               constants=_module_constants(tree), unknown=[])
            if not services:
                unknown.append(f"{rel}:{call.lineno}: {ast.unparse(call)}")
            outboxes |= {f"{s}.events" for s in services or ()}
    assert outboxes and not unknown, f"outboxes whose service the source does not say: " \
        f"{unknown}"
    assert named == outboxes


def test_the_envelope_fields_are_the_protos() -> None:
    body = doc("SUN-PR-02")
    table = section(body, "envelope")
    fields = re.findall(r"^\| `([a-z_]+)` \|", table, re.M)
    assert fields == [f.name for f in event_pb2.EventEnvelope.DESCRIPTOR.fields]


# --- gRPC methods and messages ------------------------------------------------------------------

def test_every_method_and_message_named_exists() -> None:
    pool = descriptor_pool.Default()
    missing = []
    for identifier in DOCUMENTS:
        body = doc(identifier)
        for service, method in re.findall(r"`(sunlight\.[a-z]+\.v1\.[A-Za-z]+Service)/(\w+)`",
                                          body):
            try:
                pool.FindServiceByName(service).methods_by_name[method]
            except KeyError:
                missing.append(f"{identifier}: {service}/{method}")
        for message in set(re.findall(r"`(sunlight\.[a-z]+\.v1\.[A-Z][A-Za-z]+)`", body)):
            try:
                pool.FindMessageTypeByName(message)
            except KeyError:
                try:
                    pool.FindServiceByName(message)
                except KeyError:
                    missing.append(f"{identifier}: {message}")
    assert not missing, missing


def test_the_case_contract_names_every_case_service_method() -> None:
    """Each method of CaseService is in SUN-PR-01's method table, and each one there exists."""
    table = section(doc("SUN-PR-01"), "methods")
    listed = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    service = cases_pb2.DESCRIPTOR.services_by_name["CaseService"]
    assert listed == set(service.methods_by_name)


def test_the_versioning_document_lists_every_proto_package() -> None:
    table = section(doc("SUN-PR-05"), "packages")
    listed = set(re.findall(r"^\| `(sunlight\.[a-z]+\.v\d+)` \|", table, re.M))
    packages = {p.parent.relative_to(ROOT / "protos").as_posix().replace("/", ".")
                for p in proto_files()}
    assert listed == packages
