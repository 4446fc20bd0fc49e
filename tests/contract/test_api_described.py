"""The gateway's OpenAPI document describes every operation for integrators: a summary, a
description, the roles that may call it, examples, and its error answers in the error model;
every field the contract comments on is described. Each failure names the operations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.monitoring.v1 import monitoring_pb2
from sunlight.proto_comments import COMMENTS

from gateway.access import ACCESS
from gateway.api_doc import IDEMPOTENCY_KEY, operations
from gateway.backends import Backends
from gateway.errors import ApiError
from gateway.http_api import create_app, to_json
from gateway.schemas import ANSWER_PREFIX
from services.shared import auth

ERROR_FIELDS = set(ApiError(400, "X", "x").body()["error"])
MESSAGES = {d.full_name: getattr(module, name) for module in (catalogue_pb2, cases_pb2,
                                                                monitoring_pb2)
            for name, d in module.DESCRIPTOR.message_types_by_name.items()}


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    # no node behind it: the document is built from the routes alone
    backends = Backends({"catalogue": "127.0.0.1:9", "cases": "127.0.0.1:9",
                         "monitoring": "127.0.0.1:9"}, 1.0)
    with TestClient(create_app(backends, "511602", "广安区")) as client:
        yield client.get("/openapi.json").json()
    backends.close()


def _lacking(document: dict[str, Any], problem: Any) -> list[str]:
    return [f"{method} {path}: {said}" for method, path, op in operations(document)
            if (said := problem(method, path, op))]


def test_every_operation_has_a_summary_a_description_and_its_roles(document) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str:
        if not op.get("summary", "").strip():
            return "no summary"
        if len(op.get("description", "")) < len(op["summary"]) + 40:
            return "no description"
        roles = op.get("x-sunlight-roles")
        if roles is None or not (roles or op.get("x-sunlight-anonymous")):
            return "no x-sunlight-roles"
        every = roles == list(auth.ROLES) and "any valid bearer token" in op["description"]
        if "**Roles**" not in op["description"] or not every and not all(
                f"`{r}`" in op["description"] for r in roles):
            return "the description does not state the roles"
        return ""

    assert not _lacking(document, problem)


def test_every_operation_has_examples(document) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str:
        for media_type, content in op.get("requestBody", {}).get("content", {}).items():
            if "example" not in content:
                return f"no example of the {media_type} body"
        answers = {c: a for c, a in op["responses"].items() if c.startswith("2")}
        if not answers:
            return "no 2xx answer"
        for code, answer in answers.items():
            if not answer.get("content"):
                return f"{code} has no content"
            for media_type, content in answer["content"].items():
                if "example" not in content:
                    return f"no example of the {code} {media_type} answer"
        return ""

    assert not _lacking(document, problem)


def test_every_operation_documents_its_error_answers_in_the_error_model(document) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str:
        errors = {int(c): a for c, a in op["responses"].items() if c.isdigit()
                  and int(c) >= 400 and (path, c) != ("/healthz", "503")}  # its own body
        if not any(400 <= c < 500 for c in errors) or 500 not in errors:
            return f"errors documented: {sorted(errors)}"
        if op.get("security") and 401 not in errors:
            return "takes a token but documents no 401"
        if (op["x-sunlight-permissions"] or not op["x-sunlight-anonymous"]) and (
                "x-sunlight-roles" in op and op["x-sunlight-roles"] != list(auth.ROLES)
                and 403 not in errors):
            return "needs a role but documents no 403"
        for code, answer in errors.items():
            example = answer["content"]["application/json"].get("example", {})
            if set(example.get("error", {})) != ERROR_FIELDS:
                return f"{code}'s example is not the error model"
            if not answer.get("description", "").startswith("`"):
                return f"{code} does not name its codes"
        return ""

    assert not _lacking(document, problem)


def test_idempotency_key_is_explained_wherever_a_body_has_it(document) -> None:
    schemas = document["components"]["schemas"]

    def problem(method: str, path: str, op: dict[str, Any]) -> str:
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            return ""
        schema = content["schema"]
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        key = schema.get("properties", {}).get("idempotency_key")
        if key is None:
            return ""
        if IDEMPOTENCY_KEY not in key.get("description", ""):
            return "the body's idempotency_key is not explained"
        if "**idempotency_key**" not in op["description"]:
            return "the description does not explain idempotency_key"
        return ""

    assert not _lacking(document, problem)
    keyed = [p for m, p, op in operations(document) if "idempotency_key" in str(
        op.get("requestBody", {}))]
    assert "/v1/cases/{case_number}/actions" in keyed


def test_the_roles_table_is_the_routes_and_the_role_tables(document) -> None:
    routes = {(method, path) for method, path, _ in operations(document)}
    assert set(ACCESS) == routes, (sorted(set(ACCESS) - routes), sorted(routes - set(ACCESS)))
    permissions = set().union(*auth.ROLE_PERMISSIONS.values())
    for (method, path), access in ACCESS.items():
        assert access.permissions <= permissions, (method, path, access.permissions)
        assert access.roles_named <= set(auth.ROLES), (method, path)
        assert access.roles() or access.anonymous or access.signed_in, (method, path)


def test_roles_come_from_the_permissions_the_services_require(document) -> None:
    """A few the services decide: publishing, reviews and the feedback module's
    supervisors."""
    ops = {(m, p): op for m, p, op in operations(document)}
    publish = ops[("POST", "/v1/items/{item_id}/versions/{version}/publish")]
    assert set(publish["x-sunlight-roles"]) == {"legal_reviewer", "staffing_reviewer", "admin"}
    create = ops[("POST", "/v1/items")]
    assert set(create["x-sunlight-roles"]) == {"clerk", "admin"}
    assert create["x-sunlight-permissions"] == ["item.write"]
    assert "Department-bound (clerk)" in create["description"]
    decision = ops[("POST", "/v1/ratings/{rating_id}/appeal/decision")]
    assert decision["x-sunlight-roles"] == ["supervisor", "admin"]
    assert ops[("GET", "/v1/items")]["x-sunlight-anonymous"] is True
    assert ops[("GET", "/v1/items")]["x-sunlight-roles"] == []


def test_every_commented_field_is_described(document) -> None:
    undescribed = []
    for component, schema in document["components"]["schemas"].items():
        name = component.removeprefix(ANSWER_PREFIX)  # an answer's schema describes it too
        if name in MESSAGES or name.startswith("sunlight."):
            if COMMENTS.get(name) and COMMENTS[name] not in schema.get("description", ""):
                undescribed.append(name)
            for field, prop in schema.get("properties", {}).items():
                comment = COMMENTS.get(f"{name}.{field}")
                if comment and comment not in prop.get("description", ""):
                    undescribed.append(f"{name}.{field}")
    assert not undescribed
    # the bodies inlined for their routes (path fields out, short enums) keep them too
    review = [op for m, p, op in operations(document)
              if (m, p) == ("POST", "/v1/items/{item_id}/versions/{version}/review")][0]
    body = review["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "item_id" not in body and "enum" in body["kind"]
    assert COMMENTS["sunlight.catalogue.v1.ReviewItemRequest.reason"] in (
        body["reason"]["description"])


def test_request_examples_are_the_messages_json(document) -> None:
    """Every body example parses as the message the route takes (names, types, enums)."""
    by_title = {cls.DESCRIPTOR.name: cls for cls in MESSAGES.values()}
    schemas = document["components"]["schemas"]
    parsed = 0
    for _, _, op in operations(document):
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            continue
        schema = content["schema"]
        title = schemas[schema["$ref"].rsplit("/", 1)[-1]]["title"] if "$ref" in schema \
            else schema["title"]
        json_format.ParseDict(content["example"], by_title[title]())
        parsed += 1
    assert parsed > 20


def _filled(message: Any, depth: int = 0) -> Any:
    """``message`` with every message field set and one element in every list of messages,
    all at their defaults (empty strings, zero enums), a few levels down."""
    if depth >= 4:
        return message
    for f in message.DESCRIPTOR.fields:
        if f.message_type is None or f.message_type.GetOptions().map_entry:
            continue
        if f.message_type.full_name.startswith("google.protobuf."):
            continue
        if f.is_repeated:
            _filled(getattr(message, f.name).add(), depth + 1)
        elif not f.containing_oneof or f.containing_oneof.fields[0] is f:
            getattr(message, f.name).SetInParent()
            _filled(getattr(message, f.name), depth + 1)
    return message


def _answer_schemas(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation, component name, the JSON answer's schema) of every 2xx and error answer
    documented as a proto message."""
    for method, path, op in operations(document):
        for code, answer in op["responses"].items():
            content = answer.get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref") or content.get("schema", {}).get(
                "properties", {}).get("error", {}).get("$ref")
            if ref:
                yield f"{method} {path} {code}", ref.rsplit("/", 1)[-1], content["schema"]


def test_answers_as_the_node_prints_them_match_their_documented_schemas(document) -> None:
    """An answer is the message as the node holds it: an empty step role, a zero enum, an
    empty list are no breach of the answer's schema — whose fields to_json always prints are
    required, and none other than the message's allowed — while a request schema keeps the
    contract's limits."""
    import jsonschema  # noqa: PLC0415 - this test only

    components = document["components"]["schemas"]
    classes = {**MESSAGES, "sunlight.common.v1.ErrorDetail": None}
    checked, wrong = set(), []
    for where, name, schema in _answer_schemas(document):
        assert name.startswith(ANSWER_PREFIX), (where, name)
        full_name = name.removeprefix(ANSWER_PREFIX)
        if full_name not in classes or classes[full_name] is None:
            continue
        answer = to_json(_filled(classes[full_name]()))
        validator = jsonschema.Draft202012Validator({**schema,
                                                     "components": document["components"]})
        wrong += [f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message[:120]}"
                  for e in validator.iter_errors(answer)][:2]
        # one field too many, or one always printed left out, is a breach
        assert not validator.is_valid({**answer, "not_a_field": 1}), where
        for field in components[name].get("required", [])[:1]:
            assert not validator.is_valid({k: v for k, v in answer.items() if k != field}), (
                where, field)
        checked.add(full_name)
    assert not wrong, wrong[:10]
    assert {"sunlight.cases.v1.CaseResponse",
            "sunlight.catalogue.v1.ListPublishedItemsResponse"} <= checked
    # the same message as a request keeps the limits (an item's draft: a step needs its role)
    step = components["sunlight.catalogue.v1.Step"]["properties"]
    answered = components[ANSWER_PREFIX + "sunlight.catalogue.v1.Step"]["properties"]
    assert step["role"].get("minLength", 0) >= 1 and "minLength" not in answered["role"]


def test_error_answers_match_the_documented_error_model(document) -> None:
    import jsonschema  # noqa: PLC0415 - this test only

    error = ApiError(422, "ACTION_NOT_ALLOWED", "不能办理", metadata={"status": "X"}).body()
    seen = 0
    for where, name, schema in _answer_schemas(document):
        if name == ANSWER_PREFIX + "sunlight.common.v1.ErrorDetail":
            validator = jsonschema.Draft202012Validator({**schema,
                                                         "components": document["components"]})
            assert validator.is_valid(error), where
            assert not validator.is_valid({"error": {"code": "X"}}), where
            seen += 1
    assert seen > 100


def test_a_public_operation_says_its_token_is_optional(document) -> None:
    """An operation answered without a token lists the empty requirement beside the bearer
    token (OpenAPI: either), so that a client — or a checker sending none — knows it may."""
    def problem(method: str, path: str, op: dict[str, Any]) -> str:
        security = op.get("security", [])
        if op["x-sunlight-anonymous"] and security and {} not in security:
            return f"public, but its security {security} requires a token"
        if not op["x-sunlight-anonymous"] and {} in security:
            return "needs a token, but its security says none will do"
        return ""

    assert not _lacking(document, problem)
    public = [(m, p) for m, p, op in operations(document) if op["x-sunlight-anonymous"]]
    assert ("GET", "/v1/items") in public
