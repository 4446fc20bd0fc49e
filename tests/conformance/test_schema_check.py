"""The platform side's schema check (PR01-SCHEMA-RESPONSES) holds answers to their documented
schemas as they stand, nothing loosened: an answer as the node prints it (an empty step role,
zero enums) passes; a field missing, one too many, a wrong type or an unknown enum value is
named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sunlight.catalogue.v1 import catalogue_pb2

from cli.conformance.platform import Exchange, schema_problems
from gateway.backends import Backends
from gateway.http_api import create_app, to_json


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    backends = Backends({"catalogue": "127.0.0.1:9", "cases": "127.0.0.1:9",
                         "monitoring": "127.0.0.1:9"}, 1.0)
    with TestClient(create_app(backends, "511602", "广安区")) as client:
        yield client.get("/openapi.json").json()
    backends.close()


def listing() -> dict[str, Any]:
    """GET /v1/items as the node answers it: a published item whose step has no role (the
    public view leaves roles out) and enums at zero."""
    item = catalogue_pb2.ItemVersion(item_id="i1", version=1)
    item.content.name = "企业投资项目备案"
    item.content.steps.add(key="accept", name="受理")
    return to_json(catalogue_pb2.ListPublishedItemsResponse(items=[item]))


def problems(document: dict[str, Any], body: Any, status: int = 200) -> list[str]:
    return schema_problems(document, Exchange("GET", "/v1/items?region=511602", status, body,
                                              0.1, "application/json"))


def test_an_answer_as_the_node_prints_it_matches(document) -> None:
    body = listing()
    assert body["items"][0]["content"]["steps"][0]["role"] == ""
    assert problems(document, body) == []


def test_what_breaks_the_answers_schema_is_named(document) -> None:
    missing = listing()
    del missing["items"][0]["content"]["steps"][0]["role"]
    assert any("'role' is a required property" in p for p in problems(document, missing))
    extra = listing()
    extra["items"][0]["surprise"] = 1
    assert any("surprise" in p for p in problems(document, extra))
    typed = listing()
    typed["items"][0]["content"]["steps"][0]["limit_days"] = "1"
    assert any("items/0/content/steps/0/limit_days" in p for p in problems(document, typed))
    enum = listing()
    enum["items"][0]["content"]["list_kind"] = "LIST_KIND_NONE"
    assert any("LIST_KIND_NONE" in p for p in problems(document, enum))


def test_an_error_answer_is_held_to_the_error_model(document) -> None:
    error = {"error": {"code": "NOT_FOUND", "message": "没有", "identifier": "x",
                       "metadata": {}, "field_violations": []}}
    assert problems(document, error, 404) == []
    assert any("field_violations" in p
               for p in problems(document, {"error": {k: v for k, v in error["error"].items()
                                                      if k != "field_violations"}}, 404))


def test_an_answer_documented_as_json_that_is_not_json_is_named(document) -> None:
    page = Exchange("GET", "/v1/items?region=511602", 200, "<html>事项</html>", 0.1,
                    "text/html; charset=utf-8")
    assert schema_problems(document, page) == [
        "GET /v1/items 200: content type text/html; charset=utf-8, documented application/json"]
