"""The gateway says what it is and where things are (``/``, ``/v1/``), lists its operations
(``/v1/methods``) and those a token may call (``/v1/methods/allowed``), and serves its
interactive documentation from the node itself (``/docs``). No node behind it: these are
answered by the gateway alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.backends import Backends
from gateway.http_api import create_app
from services.shared.auth import Authenticator, mint_token
from services.shared.token_keys import TokenKey

NODE = "511602"
DEPARTMENT = "115113016823646795"  # 区发展改革局
KEY = TokenKey.generate()


def token(*roles: str, department: str | None = None, subject: str = "zhang.wei",
          audience: str = NODE) -> str:
    return "Bearer " + mint_token(KEY, subject, roles, [NODE], department=department,
                                  issuer=NODE, audience=audience)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    backends = Backends({"catalogue": "127.0.0.1:9", "cases": "127.0.0.1:9",
                         "monitoring": "127.0.0.1:9"}, 1.0)
    app = create_app(backends, NODE, "广安区", authenticator=Authenticator(KEY, NODE))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    backends.close()


@pytest.mark.parametrize("entry", ["/", "/v1/"])
def test_the_entry_points_say_what_the_node_is_and_where_things_are(client, entry) -> None:
    response = client.get(entry)
    assert response.status_code == 200
    body = response.json()
    assert body["node"] == {"region": NODE, "name": "广安区"}
    assert "Sunlight" in body["service"]
    for link in ("openapi", "docs", "docs_plain", "methods"):
        assert client.get(body[link]).status_code == 200, (link, body[link])
    assert client.get(body["health"]).json()["status"] == "NOT_SERVING"  # no node behind
    assert client.get(body["methods_allowed"]).status_code == 401  # needs a token
    assert (body.get("api"), body.get("api_version")) == (
        ("/v1/", None) if entry == "/" else (None, "v1"))


def test_list_methods_lists_every_operation_with_its_roles(client) -> None:
    response = client.get("/v1/methods")  # anonymous
    assert response.status_code == 200
    methods = response.json()["methods"]
    document = client.get("/openapi.json").json()
    assert len(methods) == sum(len(item) for item in document["paths"].values())
    by_route = {(m["method"], m["path"]): m for m in methods}
    create = by_route[("POST", "/v1/items")]
    assert create["summary"] and "clerk" in create["roles"] and not create["anonymous"]
    assert by_route[("GET", "/v1/items")]["anonymous"]
    assert ("GET", "/v1/methods/allowed") in by_route


def routes_of(client: TestClient, authorization: str) -> set[tuple[str, str]]:
    response = client.get("/v1/methods/allowed", headers={"Authorization": authorization})
    assert response.status_code == 200, response.text
    return {(m["method"], m["path"]) for m in response.json()["methods"]}


def test_allowed_methods_follow_the_tokens_roles(client) -> None:
    clerk = routes_of(client, token("clerk", department=DEPARTMENT))
    admin = routes_of(client, token("admin", subject="ops"))
    public = routes_of(client, token("public", subject="id_card:511602199001011236"))
    assert clerk != admin and clerk != public
    assert ("POST", "/v1/items") in clerk & admin
    assert ("POST", "/v1/items") not in public
    # only supervisors decide an appeal (the feedback module names the roles)
    assert ("POST", "/v1/ratings/{rating_id}/appeal/decision") in admin - clerk
    assert ("POST", "/v1/complaints") in public - clerk - admin
    assert ("GET", "/v1/my/cases") in public - clerk
    everyone = {("GET", "/v1/items"), ("GET", "/v1/methods"), ("GET", "/healthz")}
    assert everyone <= clerk & admin & public
    assert len(clerk) < len(client.get("/v1/methods").json()["methods"])


def test_allowed_methods_says_who_the_caller_is(client) -> None:
    body = client.get("/v1/methods/allowed", headers={
        "Authorization": token("clerk", department=DEPARTMENT)}).json()
    assert body["caller"] == {"subject": "zhang.wei", "roles": ["clerk"], "regions": [NODE],
                              "department": DEPARTMENT}


@pytest.mark.parametrize(("authorization", "code"), [
    (None, "UNAUTHENTICATED"),
    ("Bearer not-a-jwt", "UNAUTHENTICATED"),
    (token("admin", audience="511603"), "TOKEN_FOR_ANOTHER_NODE"),
])
def test_allowed_methods_without_a_valid_token_is_401(client, authorization, code) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/v1/methods/allowed", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    if authorization is None:
        assert "Bearer" in error["message"] and "/v1/methods" in error["message"]


def test_docs_is_swagger_ui_served_by_the_node(client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy
    html = response.text
    assert "https://" not in html and "http://" not in html  # no asset from outside
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert "/docs/assets/swagger-ui-bundle.js" in assets
    assert "/docs/assets/swagger-ui.css" in assets and "/docs/plain" in assets
    for asset in assets:
        assert asset.startswith("/"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200 and fetched.content, asset
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith(
        "text/css")
    start = client.get("/docs/init.js").text
    assert '"/openapi.json"' in start and "validatorUrl: null" in start
    assert "http" not in start


def test_docs_serves_no_other_file(client) -> None:
    for name in ("redoc.standalone.js", "..%2F__init__.py", "core.py"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "NOT_FOUND"
