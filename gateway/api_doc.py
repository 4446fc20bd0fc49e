"""What the OpenAPI document says beyond the routes themselves, added to every operation.

For each operation: the roles that may call it (``x-sunlight-roles``, with the permissions
behind them in ``x-sunlight-permissions`` and ``x-sunlight-anonymous``; from
``gateway.access``), a description that says the same in words, the error answers it can
give — each status with the codes it carries and an example body in the one error model of
``gateway.errors`` — and what ``idempotency_key`` means wherever a body has one. Examples of
bodies built from proto messages come from ``gateway.schemas.example_of`` where the route
states its message; the few answers that are not a proto message have theirs here.
"""

from __future__ import annotations

from typing import Any

from sunlight.catalogue.v1 import catalogue_pb2

from gateway.access import ACCESS, Access
from gateway.limits import (
    MAX_AUTHORIZATION_BYTES,
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    MAX_PDF_BYTES,
    UNSHED_PATHS,
)
from gateway.schemas import example_of

METHODS = ("get", "put", "post", "patch", "delete")
#: What a caller chooses and sends again; the one text every body with the field carries.
IDEMPOTENCY_KEY = (
    "Required: a key the caller makes up for this one operation (a UUID, or its own record's "
    "id), at most 128 characters. Sent again with the same body — after a timeout, say — the "
    "call acts no second time and answers again, as for the first (after checking again that "
    "the caller may); the same key with another body answers 409 "
    "`IDEMPOTENCY_KEY_REUSED`. A new operation takes a new key.")
#: Operations answered by the gateway alone: no backend behind them to be unavailable.
LOCAL = frozenset({"/", "/v1/", "/v1/methods", "/v1/methods/allowed", "/healthz"})

#: status → (example code, the codes it carries and when)
ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "`INVALID_ARGUMENT`: a parameter or a field of the body breaks "
          "the contract (`field_violations` names each); `MALFORMED_JSON`: the body is not a "
          "JSON object"),
    401: ("UNAUTHENTICATED", "`UNAUTHENTICATED`: no token where one is needed, or one that is "
          "not valid (expired, malformed); `TOKEN_FOR_ANOTHER_NODE`, `UNKNOWN_TOKEN_KEY`, "
          "`WRONG_ISSUER`: a token minted by or for another node"),
    403: ("PERMISSION_DENIED", "`PERMISSION_DENIED`: the token's roles lack the permission "
          "(`metadata.permission`); `REGION_OUT_OF_SCOPE`: not for the token's regions; "
          "`OTHER_DEPARTMENT`: department staff act for their own department only; "
          "`REGION_HELD_BY_OTHER_NODE`: another node of the province holds the region"),
    404: ("NOT_FOUND", "`NOT_FOUND` and the service's own (`ITEM_NOT_FOUND`, "
          "`CASE_NOT_FOUND`…): nothing of that id — or nothing the caller may see"),
    409: ("IDEMPOTENCY_KEY_REUSED", "`IDEMPOTENCY_KEY_REUSED`: the key was used with another "
          "body; `ALREADY_EXISTS`, `ABORTED`: a conflicting change, try again"),
    413: ("BODY_TOO_LARGE", "`BODY_TOO_LARGE`: the body is over the gateway's limit "
          f"({MAX_BODY_BYTES >> 20} MiB; a PDF {MAX_PDF_BYTES >> 20} MiB)"),
    422: ("ACTION_NOT_ALLOWED", "`FAILED_PRECONDITION` and the service's own "
          "(`ACTION_NOT_ALLOWED`, `ITEM_NOT_PUBLISHED`…): valid, but not possible in the state "
          "things are in (`metadata` says why)"),
    429: ("RATE_LIMITED", "`RATE_LIMITED`: too many requests from this address (public "
          "lookups, failed sign-ins); `Retry-After` says when to try again"),
    431: ("AUTHORIZATION_TOO_LARGE", "`AUTHORIZATION_TOO_LARGE`: an Authorization header over "
          f"{MAX_AUTHORIZATION_BYTES} bytes; `HEADERS_TOO_LARGE`: the headers, path and query "
          f"over {MAX_HEADER_BYTES >> 10} KiB together"),
    500: ("INTERNAL", "`INTERNAL`: an unexpected failure; the message carries only an "
          "identifier the operators find in the logs"),
    503: ("UNAVAILABLE", "`UNAVAILABLE`: a service of the node (or the node that holds the "
          "region or case: `NODE_UNAVAILABLE`) is not answering; try again shortly; "
          "`NODE_BUSY`: the node has as many requests in flight as it takes (load "
          "shedding), nothing was done; `Retry-After` says when to try again"),
    504: ("DEADLINE_EXCEEDED", "`DEADLINE_EXCEEDED`: a service did not answer within the "
          "node's deadline; try again shortly"),
}
_MESSAGES = {400: "region: String should match pattern '^[0-9]{6}$'",
             401: "sign in first: this call needs a bearer token",
             403: "zhang.wei lacks the permission 'item.publish' (roles: clerk)",
             404: "case 51160220261130000001 not found",
             409: "idempotency key 'accept-1' was used with another request",
             413: f"the body is over {MAX_BODY_BYTES} bytes",
             422: "accept is not possible now: the case is ACCEPTED",
             429: "too many failed sign-ins from this address; try again in 60 seconds",
             431: f"the Authorization header is over {MAX_AUTHORIZATION_BYTES} bytes; no token of "
                  "this node is that long",
             500: "internal error 5d41402abc4b2a76b9719d911017c592; the operators can find it "
                  "in the logs",
             503: "cases is not available right now; try again shortly",
             504: "cases did not answer in time; try again shortly"}
_METADATA = {403: {"permission": "item.publish"}, 422: {"status": "CASE_STATUS_ACCEPTED"},
             503: {"service": "cases"}, 504: {"service": "cases"}}


def error_example(status: int) -> dict[str, Any]:
    """An error body as ``gateway.errors.ApiError.body`` writes it."""
    code = ERRORS[status][0]
    violations = [{"field": "region", "description": "String should match pattern "
                                                     "'^[0-9]{6}$'"}] if status == 400 else []
    return {"error": {"code": code, "message": _MESSAGES[status],
                      "identifier": "9f1c2d3e4b5a69788796a5b4c3d2e1f0",
                      "metadata": _METADATA.get(status, {}), "field_violations": violations}}


_ITEM = example_of(catalogue_pb2.ItemVersion.DESCRIPTOR)
#: (METHOD, path) → {media type: example} of answers that are not a proto message
ANSWER_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/v1/province/items/search"): {"application/json": {
        "hits": [{"node": "511602", "score": 2.5, "item": _ITEM}], "total": 1,
        "partial": True, "nodes": [
            {"region": "511602", "name": "广安区", "answered": True, "total": 1},
            {"region": "511600", "name": "广安市", "answered": False, "total": None,
             "error": {"code": "DEADLINE_EXCEEDED", "message": "no answer in 1.5 s"}}]}},
    ("GET", "/v1/cases/{case_number}/status"): {"application/json": {
        "case_number": "51160220261130000001", "region": "511602",
        "node": {"region": "511602", "name": "广安区"}, "status": "CASE_STATUS_ACCEPTED",
        "item_name": "企业投资项目备案", "due_date": "2026-12-14", "completed": False,
        "next_steps": ["审查"]}},
    ("GET", "/healthz"): {"application/json": {"status": "SERVING", "backends": {
        "catalogue": {"status": "SERVING"}, "cases": {"status": "SERVING"},
        "monitoring": {"status": "SERVING"}}}},
    ("GET", "/v1/regions/{region}/catalogue.json"): {"application/json": {
        "region": "511602", "items": [_ITEM]}},
    ("GET", "/v1/regions/{region}/catalogue.csv"): {"text/csv": (
        "\ufeffitem_id,version,name,code,…\r\n"
        "3f2b6c1e-8d4a-4c55-9a57-0c2e1f6b9d10,1,企业投资项目备案,511A0064100152,…\r\n")},
    ("GET", "/v1/cases/{case_number}/documents/{document_id}"): {
        "application/pdf": "%PDF-1.7 … (the document's bytes)"},
    ("GET", "/v1/supervision/evaluation.csv"): {"text/csv": (
        "\ufeff排名,部门,办结数,按时办结率\r\n1,区发展改革局,42,0.976\r\n")},
    ("GET", "/v1/supervision/evaluation.svg"): {"image/svg+xml": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="240">…</svg>')},
}


def access_of(method: str, path: str) -> Access:
    """The access of an operation; KeyError (naming it) when the table lacks it."""
    try:
        return ACCESS[(method.upper(), path)]
    except KeyError:
        raise KeyError(f"{method.upper()} {path} is not in gateway.access.ACCESS: say who "
                       "may call it") from None


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) of every operation of the document, in its order."""
    return [(method.upper(), path, item[method])
            for path, item in document.get("paths", {}).items()
            for method in METHODS if method in item]


def describe(document: dict[str, Any], error_schema: dict[str, Any]) -> None:
    """Add roles, descriptions, errors and examples to every operation of ``document``."""
    components = document.get("components", {}).get("schemas", {})
    for method, path, operation in operations(document):
        access = access_of(method, path)
        operation["x-sunlight-roles"] = access.roles()
        operation["x-sunlight-permissions"] = sorted(access.permissions)
        operation["x-sunlight-anonymous"] = access.anonymous
        security = operation.get("security")
        if access.anonymous and security and {} not in security:
            # the bearer token is optional: the empty requirement says "or none"
            operation["security"] = [*security, {}]
        keyed = _explain_idempotency_key(operation, components)
        _add_answer_examples(method, path, operation)
        statuses = _error_statuses(method, path, operation, access, keyed)
        responses = operation.setdefault("responses", {})
        for status in statuses:
            answer: dict[str, Any] = {
                "description": ERRORS[status][1],
                "content": {"application/json": {"schema": error_schema,
                                                 "example": error_example(status)}}}
            if status in (429, 503):
                answer["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                     "schema": {"type": "integer"}}}
            responses.setdefault(str(status), answer)
        operation["description"] = _description(operation, access, keyed, statuses)


def _explain_idempotency_key(operation: dict[str, Any],
                             components: dict[str, Any]) -> bool:
    """Say what ``idempotency_key`` means in the body's schema; True when it has one."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return False
    schema = content["schema"]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = components[ref.rsplit("/", 1)[-1]]
    properties = schema.get("properties", {})
    if "idempotency_key" not in properties:
        return False
    key = properties["idempotency_key"]
    if IDEMPOTENCY_KEY not in key.get("description", ""):
        said = " ".join(t for t in (key.get("description", ""), IDEMPOTENCY_KEY) if t)
        properties["idempotency_key"] = {**key, "description": said}
    return True


def _add_answer_examples(method: str, path: str, operation: dict[str, Any]) -> None:
    given = ANSWER_EXAMPLES.get((method, path), {})
    for code, answer in operation.get("responses", {}).items():
        if not str(code).startswith("2"):
            continue
        for media_type, content in answer.get("content", {}).items():
            if "example" not in content and media_type in given:
                content["example"] = given[media_type]


def _error_statuses(method: str, path: str, operation: dict[str, Any], access: Access,
                    keyed: bool) -> list[int]:
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    needs_role = bool(access.permissions or access.roles_named)
    statuses = [
        *([400] if takes_input else []),
        *([401] if operation.get("security") or not access.anonymous else []),
        *([403] if needs_role else []),
        *([404] if "{" in path else []),
        *([409] if keyed else []),
        *([413] if operation.get("requestBody") else []),
        *([422] if method != "GET" else []),
        429,
        *([431] if operation.get("security") else []),
        500,
        # 503 NODE_BUSY (load shedding) everywhere but /healthz (gateway.limits)
        *([503, 504] if path not in LOCAL else [] if path in UNSHED_PATHS else [503]),
    ]
    return statuses


def _description(operation: dict[str, Any], access: Access, keyed: bool,
                 statuses: list[int]) -> str:
    said = (operation.get("description") or operation.get("summary") or "").strip()
    parts = [said if said.endswith((".", "。", ")")) else said + "."]
    if access.signed_in:
        who = "any valid bearer token of this node, whatever its roles"
    else:
        who = ", ".join(f"`{r}`" for r in access.roles()) or "no role"
        if access.permissions:
            who += " (holding " + " or ".join(f"`{p}`" for p in sorted(access.permissions))
            who += ")"
    bound = access.department_bound()
    parts.append(
        f"**Roles** (`x-sunlight-roles`): {who}."
        + (" Without a token: yes." if access.anonymous else " A bearer token is needed "
           "(`Authorization: Bearer <JWT>`; `sunlight token` mints one).")
        + (f" Department-bound ({', '.join(bound)}): their own department only."
           if bound else "")
        + (" The token's regions must cover the region acted on." if not access.anonymous
           and not access.signed_in else "")
        + (f" {access.note}" if access.note else ""))
    if keyed:
        parts.append(f"**idempotency_key**: {IDEMPOTENCY_KEY}")
    parts.append("**Errors** (`{\"error\": {code, message, identifier, metadata, "
                 "field_violations}}`): " + ", ".join(str(s) for s in statuses) + ".")
    return "\n\n".join(parts)
