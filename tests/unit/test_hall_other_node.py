"""The hall tracks a case another node holds: asked through this node's gateway (which routes
it there), shown with the node that holds it; a node that does not answer is explained in
words. This node's own cases are asked of its case service directly, as before."""

from __future__ import annotations

import grpc
from fastapi.testclient import TestClient

from services.hall.app import create_app
from services.hall.backend import HallBackend
from services.hall.nodes import CaseNodes
from services.shared.auth import ServiceToken
from services.shared.node_registry import NodeEntry
from tests.unit.test_hall_pages import (
    SECRET,
    TODAY,
    FakeCases,
    FakeCatalogue,
    FakeRpcError,
    lookup,
    text_of,
)

DISTRICT_CASE = "511602202610300000001"
PROVINCE_CASE = "510000202610300000001"
TENANT_CASE = "511621202610300000001"


class Registry:
    """The province's registry as the hall reads it: three nodes."""

    nodes = (NodeEntry("510000", "四川省"), NodeEntry("511600", "广安市"),
             NodeEntry("511602", "广安区"))

    def holder_of(self, region: str):  # type: ignore[no-untyped-def]
        from services.shared.node_registry import NodeRegistry  # noqa: PLC0415

        return NodeRegistry.holder_of(self, region)  # type: ignore[arg-type]


def province_hall():  # type: ignore[no-untyped-def]
    local, routed = FakeCases(), FakeCases()
    backend = HallBackend(FakeCatalogue(), local, ServiceToken(SECRET, "hall", ["510000"],
                                                               issuer="510000").header, 4.0)
    backend.nodes = CaseNodes("510000", Registry)
    backend._routed_cases = routed
    app = create_app(backend, "四川省", today=lambda: TODAY)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False), local, routed


def test_a_case_of_another_node_is_asked_through_the_gateway_and_says_who_holds_it() -> None:
    client, local, routed = province_hall()
    answer = lookup(client, DISTRICT_CASE)
    assert answer.status_code == 200, answer.text
    page = text_of(answer.text)
    assert "这个办件由 广安区（511602） 办理" in page
    assert "现在办到了哪一步" in page and "法定时限 20 个工作日" in page
    assert [c[0] for c in routed.calls] == ["LookupCase"] and not local.calls
    assert routed.calls[0][1].case_number == DISTRICT_CASE


def test_own_cases_and_hosted_counties_stay_local() -> None:
    client, local, routed = province_hall()
    assert lookup(client, PROVINCE_CASE).status_code == 200
    assert "办理，以下是该地" not in lookup(client, PROVINCE_CASE).text
    assert [c[0] for c in local.calls] == ["LookupCase", "LookupCase"] and not routed.calls
    # 511621 has no node of its own: held by 511600, through the gateway
    assert "广安市（511600）" in text_of(lookup(client, TENANT_CASE).text)
    assert len(routed.calls) == 1


def test_a_node_that_does_not_answer_is_explained_not_a_500() -> None:
    client, _, routed = province_hall()
    routed.fail = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "节点 511602 广安区 无法连接")
    answer = lookup(client, DISTRICT_CASE)
    assert answer.status_code == 503
    page = text_of(answer.text)
    assert "这个办件由广安区（511602）办理，该地的政务服务系统暂时无法连接" in page
    routed.fail = FakeRpcError(grpc.StatusCode.NOT_FOUND, "no such case")
    assert lookup(client, DISTRICT_CASE).status_code == 404


def test_a_node_on_its_own_asks_its_case_service_for_every_case() -> None:
    nodes = CaseNodes("511602")
    assert nodes.elsewhere(PROVINCE_CASE) is None and not nodes.federated
    assert CaseNodes("510000", Registry).elsewhere("51060220261030") is None  # 510000 holds it
