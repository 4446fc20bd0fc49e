"""``PrefixRoute`` refuses a path outside its fixed part early, and never differently: every
request reaches the endpoint (or the 404, 405, redirect) that FastAPI's own routes give it."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.shared.http_routes import PrefixRoute


def _app(route_class: type[APIRoute]) -> FastAPI:
    app = FastAPI()
    app.router.route_class = route_class

    @app.get("/items/search")
    def search() -> str:
        return "search"

    @app.get("/items/{item_id}")
    def item(item_id: str) -> str:
        return f"item {item_id}"

    @app.post("/items/{item_id}")
    def change(item_id: str) -> str:
        return f"change {item_id}"

    @app.get("/items/{item_id}/versions/{version:int}")
    def version(item_id: str, version: int) -> str:
        return f"{item_id} v{version}"

    @app.get("/files/{rest:path}")
    def files(rest: str) -> str:
        return f"file {rest}"

    @app.get("/workbench")
    def inbox() -> str:
        return "inbox"

    @app.get("/workbench/cases/{number}")
    def case(number: str) -> str:
        return f"case {number}"

    @app.get("/{region}/catalogue")
    def catalogue(region: str) -> str:
        return f"catalogue {region}"

    @app.get("/guides/")
    def guides() -> str:
        return "guides"

    reports = APIRouter(route_class=route_class)

    @reports.get("/reports/{number}")
    def report(number: str) -> str:
        return f"report {number}"

    app.include_router(reports, prefix="/api")
    return app


REQUESTS = [
    ("GET", "/items/search"), ("GET", "/items/42"), ("POST", "/items/42"),
    ("PUT", "/items/42"), ("GET", "/items/42/versions/3"), ("GET", "/items/42/versions/x"),
    ("GET", "/items"), ("GET", "/items/"), ("GET", "/files/a/b/c.pdf"), ("GET", "/files/"),
    ("GET", "/workbench"), ("GET", "/workbench/"), ("GET", "/workbenchx"),
    ("GET", "/workbench/cases/51160220261201000007"), ("GET", "/510000/catalogue"),
    ("GET", "/guides"), ("GET", "/guides/"), ("GET", "/"), ("GET", "/nothing/here"),
    ("GET", "/%E4%B8%AD/catalogue"), ("GET", "/workbench%0A"), ("GET", "/workbench%0A/"),
    ("GET", "/api/reports/7"), ("GET", "/api/reports/"), ("GET", "/reports/7"),
]


def _answers(app: FastAPI, root_path: str = "") -> list[tuple[int, str, str | None]]:
    client = TestClient(app, root_path=root_path, follow_redirects=False)
    return [(r.status_code, r.text, r.headers.get("location"))
            for r in (client.request(method, root_path + path) for method, path in REQUESTS)]


@pytest.mark.parametrize("root_path", ["", "/hall"])
def test_every_request_is_answered_as_by_fastapis_own_routes(root_path: str) -> None:
    ours, theirs = _answers(_app(PrefixRoute), root_path), _answers(_app(APIRoute), root_path)
    assert ours == theirs
    # and the answers are the endpoints', not a 404 each
    assert (200, '"inbox"', None) in ours and (200, '"item 42"', None) in ours
    assert (200, '"report 7"', None) in ours  # through a router included under a prefix


def test_a_path_outside_a_route_s_prefix_never_reaches_its_expression(monkeypatch) -> None:
    """For ``/workbench`` only the routes whose fixed part it begins with are matched the
    long way (FastAPI's ``APIRoute.matches``): here ``/workbench`` itself and the route
    whose fixed part is ``/``."""
    tried: list[str] = []
    long_way = APIRoute.matches

    def counting(self: APIRoute, scope: dict) -> tuple:
        tried.append(self.path)
        return long_way(self, scope)

    monkeypatch.setattr(APIRoute, "matches", counting)
    assert TestClient(_app(PrefixRoute)).get("/workbench").json() == "inbox"
    assert tried == ["/workbench"]
    tried.clear()
    assert TestClient(_app(PrefixRoute)).get("/510000/catalogue").json() == "catalogue 510000"
    assert tried == ["/{region}/catalogue"]


def test_the_hall_and_the_gateway_route_with_it() -> None:
    from unittest import mock  # noqa: PLC0415

    from gateway.http_api import create_app as gateway_app  # noqa: PLC0415
    from services.hall.app import create_app as hall_app  # noqa: PLC0415

    backends = mock.MagicMock(timeout_s=5.0)
    apps = (hall_app(mock.MagicMock(), "测试节点"), gateway_app(backends, "510000", "测试节点"))
    for app in apps:
        routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
        assert routes and all(isinstance(r, PrefixRoute) for r in routes)
