"""Load shedding at the gateway's HTTP API, and error answers that show nothing internal.

Against a slow stand-in catalogue (real gRPC): beyond ``max_in_flight`` the gateway answers
503 ``NODE_BUSY`` at once, nothing reaching the service, while the admitted requests finish;
the limit frees however a request ends. The middleware alone (``LoadShedder``) for the
hand-over of a slot to a waiting request and a waiter that goes away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sunlight.catalogue.v1 import catalogue_pb2, catalogue_pb2_grpc

from gateway import http_api
from gateway.backends import Backends
from gateway.http_api import create_app
from gateway.limits import LoadShedder
from services.shared.grpc_errors import translate_errors
from services.shared.grpc_server import GrpcServer
from tests.support.wait import wait_for

#: where the code lies, as a traceback would name it
ROOT = Path(__file__).resolve().parents[2]
#: what an error answer must never carry (with the var path of the test, added below)
LEAKS = ("Traceback", 'File "', ".py", "sqlalchemy", "SELECT ", str(ROOT), "psycopg")


class SlowCatalogue(catalogue_pb2_grpc.CatalogueServiceServicer):
    """Lists items once let go; fails the way a broken service does for item ``boom``."""

    def __init__(self, var_dir: Path) -> None:
        self.entered = 0
        self.go = threading.Event()
        self.var_dir = var_dir
        self._lock = threading.Lock()

    def ListPublishedItems(self, request, context):  # noqa: N802
        with self._lock:
            self.entered += 1
        assert self.go.wait(20), "the test never let the call go"
        return catalogue_pb2.ListPublishedItemsResponse()

    def GetItemVersion(self, request, context):  # noqa: N802
        if request.item_id == "guarded":  # as the node's services fail: through their guard
            return self.guarded(request, context)
        raise RuntimeError(
            f'Traceback (most recent call last):\n  File "{ROOT}/services/db.py", line 3\n'
            f"sqlalchemy.exc.OperationalError: SELECT password FROM accounts at "
            f"{self.var_dir}/511602/db.sqlite (psycopg)")

    @translate_errors
    def guarded(self, request, context):  # noqa: ANN001, ANN201
        raise RuntimeError(f"sqlalchemy: SELECT * FROM items at {self.var_dir}/db (x.py)")


@pytest.fixture
def catalogue(tmp_path) -> Iterator[tuple[SlowCatalogue, str]]:
    fake = SlowCatalogue(tmp_path / "var")
    server = GrpcServer("127.0.0.1:0", max_workers=8)
    server.add(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server, fake,
               ["sunlight.catalogue.v1.CatalogueService"])
    port = server.start()
    yield fake, f"127.0.0.1:{port}"
    fake.go.set()
    server.stop(0)


def client_of(address: str, max_in_flight: int, admission_wait_s: float
              ) -> tuple[TestClient, Backends]:
    backends = Backends({"catalogue": address, "cases": address, "monitoring": address}, 10.0)
    app = create_app(backends, "511602", "广安区", max_in_flight=max_in_flight,
                     admission_wait_s=admission_wait_s)
    return TestClient(app, raise_server_exceptions=False), backends


@pytest.fixture
def tight(catalogue) -> Iterator[TestClient]:
    """A gateway taking two requests at once, waiting 50 ms for a slot."""
    client, backends = client_of(catalogue[1], 2, 0.05)
    with client:
        yield client
    backends.close()


def test_beyond_the_limit_the_node_answers_busy_at_once(tight, catalogue) -> None:
    fake, _ = catalogue
    with ThreadPoolExecutor(2) as pool:
        admitted = [pool.submit(tight.get, "/v1/items") for _ in range(2)]
        wait_for(lambda: fake.entered == 2, timeout_s=10, what="two calls at the catalogue")

        started = time.monotonic()
        refused = tight.get("/v1/items")
        took = time.monotonic() - started

        assert refused.status_code == 503
        error = refused.json()["error"]
        assert error["code"] == "NODE_BUSY"
        assert "节点繁忙" in error["message"] and "busy" in error["message"]
        assert error["metadata"] == {"max_in_flight": "2", "retry_after_s": "1"}
        assert refused.headers["Retry-After"] == "1"
        assert took < 1.0, f"the busy answer took {took:.2f} s"
        assert fake.entered == 2, "a refused request reached the catalogue"
        # health and the description are never refused
        health = tight.get("/healthz").json()  # (503 itself: only a catalogue is here)
        assert health["backends"]["catalogue"]["status"] == "SERVING"
        assert tight.get("/openapi.json").status_code == 200
        assert not any(f.done() for f in admitted)

        fake.go.set()
        assert [f.result(timeout=20).status_code for f in admitted] == [200, 200]
    # both slots free again
    assert tight.get("/v1/items").status_code == 200
    assert tight.get("/v1/items").status_code == 200


def test_the_slot_is_freed_when_a_request_fails(catalogue, monkeypatch) -> None:
    client, backends = client_of(catalogue[1], 1, 0.0)
    with client:
        for _ in range(3):  # the service fails: 500, and the slot is free again
            assert client.get("/v1/items/boom/versions/0").status_code == 500

        def broken(message):  # noqa: ANN001, ANN202
            raise RuntimeError("the gateway itself fails")

        monkeypatch.setattr(http_api, "to_json", broken)
        catalogue[0].go.set()
        for _ in range(3):  # the gateway fails after the call: 500, and free again
            assert client.get("/v1/items").status_code == 500
        monkeypatch.undo()
        assert client.get("/v1/items").status_code == 200
    backends.close()


def test_openapi_describes_node_busy(tight) -> None:
    document = tight.get("/openapi.json").json()
    answer = document["paths"]["/v1/items"]["get"]["responses"]["503"]
    assert "NODE_BUSY" in answer["description"]
    assert "Retry-After" in answer["headers"]
    assert "503" in document["paths"]["/v1/methods"]["get"]["responses"]
    healthz = document["paths"]["/healthz"]["get"]["responses"].get("503", {})
    assert "NODE_BUSY" not in healthz.get("description", "")


# --- the middleware alone -----------------------------------------------------------------
class Held:
    """An ASGI app answering once let go (or raising, when told to)."""

    def __init__(self) -> None:
        self.entered = 0
        self.go: asyncio.Event | None = None
        self.fail = False

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        self.go = self.go or asyncio.Event()
        self.entered += 1
        await self.go.wait()
        if self.fail:
            raise RuntimeError("the app failed")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _get(shedder: LoadShedder, path: str = "/v1/items") -> httpx.Response:
    transport = httpx.ASGITransport(app=shedder, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        return await client.get(path)


async def _until(condition) -> None:  # noqa: ANN001
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


def test_a_waiting_request_takes_the_slot_a_finished_one_frees() -> None:
    async def run() -> None:
        app = Held()
        shedder = LoadShedder(app, max_in_flight=1, admission_wait_s=10)
        first = asyncio.ensure_future(_get(shedder))
        await _until(lambda: app.entered == 1)
        second = asyncio.ensure_future(_get(shedder))
        await _until(lambda: shedder.slots.waiting == 1)
        assert app.entered == 1 and shedder.slots.in_flight == 1
        assert app.go is not None
        app.go.set()
        assert [(await first).status_code, (await second).status_code] == [200, 200]
        assert shedder.slots.in_flight == 0 and not shedder.slots.waiting
    asyncio.run(run())


def test_a_failing_or_abandoned_request_frees_its_slot() -> None:
    async def run() -> None:
        app = Held()
        app.go = asyncio.Event()
        shedder = LoadShedder(app, max_in_flight=1, admission_wait_s=10)
        first = asyncio.ensure_future(_get(shedder))
        await _until(lambda: app.entered == 1)
        waiting = asyncio.ensure_future(_get(shedder))
        await _until(lambda: shedder.slots.waiting == 1)
        waiting.cancel()  # the client went away while waiting
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert not shedder.slots.waiting and shedder.slots.in_flight == 1
        app.fail = True
        app.go.set()
        assert (await first).status_code == 500
        assert shedder.slots.in_flight == 0
        app.fail = False
        assert (await _get(shedder)).status_code == 200
        assert shedder.slots.in_flight == 0
    asyncio.run(run())


def test_health_is_never_shed() -> None:
    async def run() -> None:
        app = Held()
        app.go = asyncio.Event()
        shedder = LoadShedder(app, max_in_flight=1, admission_wait_s=0)
        first = asyncio.ensure_future(_get(shedder))
        await _until(lambda: app.entered == 1)
        assert (await _get(shedder)).status_code == 503
        health = asyncio.ensure_future(_get(shedder, "/healthz"))
        await _until(lambda: app.entered == 2)  # reached the app, not refused
        app.go.set()
        assert (await health).status_code == 200 and (await first).status_code == 200
    asyncio.run(run())


# --- nothing internal in an error answer --------------------------------------------------
def assert_no_internals(response: httpx.Response, var_dir: Path) -> None:
    for fragment in (*LEAKS, str(var_dir)):
        assert fragment not in response.text, f"{fragment!r} in the answer: {response.text}"
    error = response.json()["error"]
    assert error["identifier"] in error["message"] or error["code"] != "INTERNAL"


@pytest.mark.parametrize("item_id", ["boom", "guarded"])
def test_a_failing_service_shows_no_internals(catalogue, item_id) -> None:
    fake, address = catalogue
    client, backends = client_of(address, 10, 0.1)
    with client:
        response = client.get(f"/v1/items/{item_id}/versions/1")
    backends.close()
    assert response.status_code == 500
    assert_no_internals(response, fake.var_dir)


def test_an_internal_error_of_the_gateway_shows_only_its_identifier(catalogue, monkeypatch
                                                                    ) -> None:
    fake, address = catalogue
    fake.go.set()

    def broken(message):  # noqa: ANN001, ANN202
        raise RuntimeError(f"sqlalchemy: SELECT * FROM items; File \"{fake.var_dir}/x.py\"")

    monkeypatch.setattr(http_api, "to_json", broken)
    client, backends = client_of(address, 10, 0.1)
    with client:
        response = client.get("/v1/items")
    backends.close()
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "INTERNAL"
    assert_no_internals(response, fake.var_dir)


def test_a_dead_backend_shows_no_address(tmp_path) -> None:
    dead = "127.0.0.1:1"
    client, backends = client_of(dead, 10, 0.1)
    with client:
        response = client.get("/v1/items")
    backends.close()
    assert response.status_code in (503, 504)
    assert "127.0.0.1" not in response.text
    assert_no_internals(response, tmp_path)



@pytest.mark.parametrize("value", [b"Bearer \xe9t\xe9", b"Bearer a\x01b", b"Bearer a\x7fb"])
def test_an_authorization_header_grpc_cannot_carry_is_401_not_500(catalogue, value) -> None:
    fake, address = catalogue
    client, backends = client_of(address, 10, 0.1)
    with client:
        response = client.get("/v1/items/x/versions/1", headers={"Authorization": value})
    backends.close()
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
