"""Classified items (涉密): reviewed and published as any item, runnable — the node's services
and staff with internal access read them, so cases open on them — yet kept out of every public
view: listings, searches, exports (gRPC, the gateway's JSON and CSV, ``sunlight catalogue
export``), the version and history answers (NOT_FOUND, word for word as for an unknown item)
and the hall's pages. A real catalogue servicer on SQLite behind an in-process gRPC server."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import grpc
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from cli.catalogue import catalogue as catalogue_cli
from gateway.backends import Backends
from gateway.http_api import create_app as gateway_app
from services.catalogue.domain.items import ItemContent, LegalCitation, Step
from services.catalogue.domain.lifecycle import Decision, ReviewKind
from services.catalogue.search.index import SearchFilters, SearchIndex
from services.catalogue.service import CatalogueService
from services.hall.app import create_app as hall_app
from services.hall.backend import HallBackend
from services.shared.auth import ServiceToken, mint_token
from services.shared.grpc_errors import error_detail_of
from services.shared.rate_limits import RateLimits
from tests.support.catalogue_node import catalogue_node, person, publish
from tests.support.codes import implementation_code
from tests.support.departments import DEVELOPMENT

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
#: the departments' unified social credit codes (区国家安全局, 区发展改革局)
DEPT = "11511301MB0T669970"
OTHER_DEPT = DEVELOPMENT
NAMES = {DEPT: "区国家安全局", OTHER_DEPT: "区发展改革局"}
SECRET_NAME = "涉密工程项目核准"
OPEN_NAME = "企业投资项目备案"
RATES = RateLimits(public_reads="10000/minute", case_lookup="10000/minute",
                   failed_auth="10000/minute")


def content(name: str, department: str, *, classified: bool) -> ItemContent:
    """An item of the department with the credit code ``department``."""
    return ItemContent(
        name=name, code=implementation_code(department_code=department), item_type="01",
        region="511602", department=NAMES[department], department_code=department,
        statutory_limit_days=20, promised_limit_days=5,
        steps=(Step("accept", "受理", 1, "clerk"), Step("decide", "决定", 3, "chief")),
        legal_basis=(LegalCitation("《中华人民共和国行政许可法》", "第十二条"),),
        classified=classified)


@dataclass
class Node:
    address: str
    stub: pb_grpc.CatalogueServiceStub
    service: CatalogueService
    secret_id: str
    open_id: str


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    path = tmp_path_factory.mktemp("classified") / "catalogue.db"
    with catalogue_node(path, SECRET) as served:
        secret_id = publish(served.service, content(SECRET_NAME, DEPT, classified=True))
        open_id = publish(served.service, content(OPEN_NAME, OTHER_DEPT, classified=False))
        yield Node(served.address, served.stub, served.service, secret_id, open_id)


def md(*given: str, roles: tuple[str, ...] = (), department: str | None = None,
       subject: str = "someone") -> list[tuple[str, str]]:
    """Call metadata: no roles = the public, without a token."""
    roles = given or roles
    if not roles:
        return []
    token = mint_token(SECRET, subject, list(roles), ["511602"], department=department)
    return [("authorization", f"Bearer {token}")]


PUBLIC = {"anonymous": (), "hall": ("hall",)}
INSIDERS = {"service": {"roles": ("service",)},
            "own department": {"roles": ("clerk",), "department": DEPT},
            "supervisor": {"roles": ("supervisor",)},
            "legal reviewer": {"roles": ("legal_reviewer",)},
            "admin": {"roles": ("admin",)}}


def refusal(call) -> tuple[grpc.StatusCode, str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call()
    detail = error_detail_of(caught.value)
    assert detail is not None
    return caught.value.code(), detail.code, detail.message


# --- the version and its history --------------------------------------------------------


@pytest.mark.parametrize("roles", PUBLIC.values(), ids=PUBLIC.keys())
@pytest.mark.parametrize("version", [0, 1])
def test_the_public_is_told_what_an_unknown_item_would_tell(node: Node, roles: tuple,
                                                            version: int) -> None:
    unknown = str(uuid.uuid4())
    hidden = refusal(lambda: node.stub.GetItemVersion(pb.GetItemVersionRequest(
        item_id=node.secret_id, version=version), metadata=md(*roles)))
    absent = refusal(lambda: node.stub.GetItemVersion(pb.GetItemVersionRequest(
        item_id=unknown, version=version), metadata=md(*roles)))
    assert hidden[0] is grpc.StatusCode.NOT_FOUND
    assert hidden == (absent[0], absent[1], absent[2].replace(unknown, node.secret_id))
    history = refusal(lambda: node.stub.GetItemHistory(pb.GetItemHistoryRequest(
        item_id=node.secret_id), metadata=md(*roles)))
    no_history = refusal(lambda: node.stub.GetItemHistory(pb.GetItemHistoryRequest(
        item_id=unknown), metadata=md(*roles)))
    assert history == (no_history[0], no_history[1],
                       no_history[2].replace(unknown, node.secret_id))
    # the open item next to it is read as always
    assert node.stub.GetItemVersion(pb.GetItemVersionRequest(item_id=node.open_id),
                                    metadata=md(*roles)).item.content.name == OPEN_NAME


@pytest.mark.parametrize("caller", INSIDERS.values(), ids=INSIDERS.keys())
def test_it_is_runnable_for_the_services_and_staff_with_internal_access(node: Node,
                                                                       caller: dict) -> None:
    """Cases open on the version in force (the case service reads it with its service
    token); staff with internal access see it and its history."""
    item = node.stub.GetItemVersion(pb.GetItemVersionRequest(item_id=node.secret_id),
                                    metadata=md(**caller)).item
    assert (item.status, item.state) == (pb.VERSION_STATUS_PUBLISHED, pb.ITEM_STATE_ACTIVE)
    assert item.content.classified and item.content.name == SECRET_NAME
    entries = node.stub.GetItemHistory(pb.GetItemHistoryRequest(item_id=node.secret_id),
                                       metadata=md(**caller)).entries
    assert [e.action for e in entries][-1] == "published"


def test_staff_of_another_department_are_the_public(node: Node) -> None:
    other = md("clerk", department=OTHER_DEPT)
    code, *_ = refusal(lambda: node.stub.GetItemVersion(pb.GetItemVersionRequest(
        item_id=node.secret_id), metadata=other))
    assert code is grpc.StatusCode.NOT_FOUND


def test_a_newer_classified_version_hides_the_older_public_ones(node: Node) -> None:
    """Once its version in force is classified, the item's earlier versions and history
    are hidden too."""
    item_id = publish(node.service, content("曾经公开的事项", OTHER_DEPT, classified=False))
    clerk = person("clerk-x", "clerk", department=OTHER_DEPT)
    node.service.draft_next_version(clerk, item_id, uuid.uuid4().hex)
    v2 = node.service.get_version(clerk, item_id, 2).content
    node.service.update_draft(clerk, item_id, 2, replace(v2, classified=True),
                              uuid.uuid4().hex)
    assert node.stub.GetItemVersion(pb.GetItemVersionRequest(item_id=item_id, version=1)
                                    ).item.version == 1  # v2 is only a draft so far
    node.service.submit(clerk, item_id, 2, uuid.uuid4().hex)
    node.service.review(person("legal-1", "legal_reviewer"), item_id, 2, ReviewKind.LEGAL,
                        Decision.APPROVE, "", uuid.uuid4().hex)
    node.service.review(person("staffing-1", "staffing_reviewer"), item_id, 2,
                        ReviewKind.STAFFING, Decision.APPROVE, "", uuid.uuid4().hex)
    for version in (0, 1, 2):
        code, *_ = refusal(lambda v=version: node.stub.GetItemVersion(
            pb.GetItemVersionRequest(item_id=item_id, version=v)))
        assert code is grpc.StatusCode.NOT_FOUND
    code, *_ = refusal(lambda: node.stub.GetItemHistory(
        pb.GetItemHistoryRequest(item_id=item_id)))
    assert code is grpc.StatusCode.NOT_FOUND
    listed = node.stub.ListPublishedItems(pb.ListPublishedItemsRequest(region="511602"))
    assert item_id not in {i.item_id for i in listed.items}


# --- listings and searches --------------------------------------------------------------


def test_never_listed_whoever_asks(node: Node) -> None:
    for metadata in (md(), md("hall"), md("admin"), md("clerk", department=DEPT)):
        listed = node.stub.ListPublishedItems(pb.ListPublishedItemsRequest(region="511602"),
                                              metadata=metadata)
        names = {i.content.name for i in listed.items}
        assert OPEN_NAME in names and SECRET_NAME not in names


@pytest.mark.parametrize(("caller", "sees"), [
    ({}, False), ({"roles": ("hall",)}, False),
    ({"roles": ("clerk",), "department": OTHER_DEPT}, False),
    ({"roles": ("clerk",), "department": DEPT}, True), ({"roles": ("supervisor",)}, True),
    ({"roles": ("service",)}, True),
], ids=["anonymous", "hall", "other department", "own department", "supervisor", "service"])
def test_searches_find_it_only_for_those_with_internal_access(node: Node, caller: dict,
                                                              sees: bool) -> None:
    found = node.stub.SearchItems(pb.SearchItemsRequest(query="涉密工程"),
                                  metadata=md(**caller))
    assert (found.total == 1) is sees
    assert ({h.item.item_id for h in found.hits} == {node.secret_id}) is sees
    browse = node.stub.SearchItems(pb.SearchItemsRequest(region="511602", page_size=100),
                                   metadata=md(**caller))
    ids = {h.item.item_id for h in browse.hits}
    assert (node.secret_id in ids) is sees and node.open_id in ids
    assert browse.total == len(browse.hits)  # the total counts what the caller may see


def test_a_fresh_index_knows_what_is_classified(node: Node) -> None:
    """Loaded whole at a start (not item by item after writes): the same answers."""
    fresh = SearchIndex(node.service.db)
    fresh.load()
    public = SearchFilters(region="511602")
    assert fresh.search("涉密工程", public, 0, 10) == ([], 0)
    staff = replace(public, classified_visible=lambda region, dept: dept == DEPT)
    hits, total = fresh.search("涉密工程", staff, 0, 10)
    assert total == 1 and hits[0][0] == node.secret_id
    others = replace(public, classified_visible=lambda region, dept: dept == OTHER_DEPT)
    assert fresh.search("涉密工程", others, 0, 10)[1] == 0


# --- exports --------------------------------------------------------------------------------


def test_never_exported_over_grpc(node: Node) -> None:
    exported = list(node.stub.ExportItems(pb.ExportItemsRequest(region="511602"),
                                          metadata=md("admin")))
    assert {i.content.name for i in exported} >= {OPEN_NAME}
    assert SECRET_NAME not in {i.content.name for i in exported}


@pytest.fixture(scope="module")
def gateway(node: Node) -> Iterator[TestClient]:
    backends = Backends({"catalogue": node.address, "cases": node.address,
                         "monitoring": node.address}, 5.0)
    yield TestClient(gateway_app(backends, "511602", "广安区", rates=RATES))
    backends.close()


def test_never_in_the_gateways_exports_nor_its_public_reads(node: Node,
                                                            gateway: TestClient) -> None:
    admin = {"Authorization": md("admin")[0][1]}
    body = gateway.get("/v1/regions/511602/catalogue.json", headers=admin).json()
    assert OPEN_NAME in {i["content"]["name"] for i in body["items"]}
    assert SECRET_NAME not in json.dumps(body, ensure_ascii=False)
    text = gateway.get("/v1/regions/511602/catalogue.csv", headers=admin).content.decode(
        "utf-8-sig")
    assert OPEN_NAME in text and SECRET_NAME not in text and node.secret_id not in text
    assert gateway.get(f"/v1/items/{node.secret_id}/versions/0").status_code == 404
    assert gateway.get(f"/v1/items/{node.secret_id}/history").status_code == 404
    search = gateway.get("/v1/items/search", params={"q": "涉密工程"}).json()
    assert int(search.get("total", 0)) == 0


def test_never_in_the_command_lines_export(node: Node, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(catalogue_cli, [
        "export", "--region", "511602", "--format", "csv", "--output", str(out),
        "--address", node.address, "--token", md("admin")[0][1].removeprefix("Bearer ")],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert OPEN_NAME in {r["name"] for r in rows}
    assert SECRET_NAME not in {r["name"] for r in rows}
    as_json = CliRunner().invoke(catalogue_cli, [
        "export", "--region", "511602", "--format", "json", "--address", node.address],
        catch_exceptions=False)
    assert OPEN_NAME in as_json.stdout and SECRET_NAME not in as_json.stdout


# --- the hall -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hall(node: Node) -> Iterator[TestClient]:
    channel = grpc.insecure_channel(node.address)
    token = ServiceToken(SECRET, "hall", ["511602"], roles=("hall",))
    backend = HallBackend(pb_grpc.CatalogueServiceStub(channel), None, token.header, 5.0)
    yield TestClient(hall_app(backend, "广安区", rates=RATES),
                     raise_server_exceptions=False)
    channel.close()


def test_never_on_the_halls_pages(node: Node, hall: TestClient) -> None:
    index = hall.get("/", params={"region": "511602"}).text
    assert OPEN_NAME in index and SECRET_NAME not in index
    searched = hall.get("/", params={"q": "涉密工程"}).text
    assert SECRET_NAME not in searched and "没有找到符合条件的事项" in searched
    page = hall.get(f"/items/{node.secret_id}")
    unknown = hall.get(f"/items/{uuid.uuid4()}")
    assert page.status_code == unknown.status_code == 404
    assert SECRET_NAME not in page.text
    assert page.text == unknown.text
    assert hall.get(f"/items/{node.open_id}").status_code == 200
