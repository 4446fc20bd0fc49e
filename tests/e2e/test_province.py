"""End to end: a province of three real nodes on this machine, started the way `make run`
starts them (its own databases, vhost and ports each; the province's CA, certificates and
node registry), and the gateway's router between them: a case or an item of one node is read
at another's gateway over the mutual-TLS peer port, a call the registry does not allow is
refused, a stopped node is a clear 503 at the others, a revoked node is shut out."""

from __future__ import annotations

import uuid

import grpc
import httpx
import pytest
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from gateway.peers import Peers, open_registry
from gateway.routing import GET_CASE
from infra.localnode import LocalProvince
from services.shared.auth import mint_token
from services.shared.node_registry import NodeRegistry, write_signed
from services.shared.pki import PkiPaths, load_cert, load_key
from tests.support.clients import (
    OFFLINE_REVIEW,
    apply_over_http,
    node_api,
    publish_over_http,
)
from tests.support.codes import implementation_code
from tests.support.wait import wait_for

# three nodes' worth of processes start on two cores: the module's first test waits for them
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
REGIONS = ["510000", "511600", "511602"]


@pytest.fixture(scope="module")
def province(amqp_uri, tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    # the real catalogue's first import and the demo data on, as make run has them (test
    # provinces leave both out)
    local = LocalProvince({"SUNLIGHT_VAR_DIR": str(root / "var"), "AMQP_URI": amqp_uri,
                           "SUNLIGHT_REAL_CATALOGUE": "1", "SUNLIGHT_DEMO_DATA": "1"},
                          REGIONS, root / "logs")
    try:
        local.start()
        local.wait_healthy(timeout_s=600)
        yield local
    finally:
        local.stop()


def _admin(province: LocalProvince, region: str, subject: str = "e2e-admin") -> httpx.Client:
    return node_api(province.node(region), region, subject=subject)


@pytest.fixture(scope="module")
def district_case(province) -> tuple[str, str]:
    """An item published at the district and a case opened on it there: (item id, number)."""
    with _admin(province, "511602") as api:
        item_id = publish_over_http(api, "511602", "区发展改革局")
        return item_id, apply_over_http(api, item_id, "511602")["case_number"]


def test_each_node_has_its_own_stack_and_the_city_hosts_yuechi(province) -> None:
    ports = [tuple(sorted(v for k, v in n.env.items() if k.endswith("_PORT")))
             for n in province.nodes.values()]
    assert len(set(ports)) == 3
    assert len({n.env["AMQP_URI"] for n in province.nodes.values()}) == 3
    assert province.node("511600").env["SUNLIGHT_TERRITORY"] == "511600,511621"
    for region, node in province.nodes.items():
        paths = PkiPaths.under(node.env["SUNLIGHT_VAR_DIR"])
        assert paths.has_identity and paths.registry.is_file()
        assert (province.var_dir / region / region / "cases.db").is_file()  # SQLite per node
    registry = open_registry(PkiPaths.under(province.node("511602").env["SUNLIGHT_VAR_DIR"]))
    assert {n.region for n in registry.current().nodes} == set(REGIONS)


def test_a_district_case_is_found_by_its_number_at_the_province(province, district_case
                                                               ) -> None:
    _, number = district_case
    assert number.startswith("511602")
    with _admin(province, "510000") as api:
        reply = api.get(f"/v1/cases/{number}/status")
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert answer["case_number"] == number
        assert answer["node"]["region"] == "511602"
        assert answer["status"] == "CASE_STATUS_SUBMITTED"
        # the whole case too, read at the province
        reply = api.get(f"/v1/cases/{number}")
        assert reply.status_code == 200, reply.text
        assert reply.json()["case"]["region"] == "511602"
    # the same over the province's gRPC port
    province_node = province.node("510000")
    token = mint_token(province_node.env["SUNLIGHT_TOKEN_KEY"], "e2e-grpc", ["admin"],
                       ["510000"], issuer="510000")
    with grpc.insecure_channel(f"127.0.0.1:{province_node.port('gateway_grpc')}") as channel:
        case = cases_pb2_grpc.CaseServiceStub(channel).GetCase(
            cases_pb2.GetCaseRequest(case_number=number), timeout=20,
            metadata=(("authorization", f"Bearer {token}"),)).case
    assert case.case_number == number and case.region == "511602"


def test_an_unknown_number_of_another_node_is_not_found_there(province) -> None:
    with _admin(province, "510000") as api:
        reply = api.get("/v1/cases/51160220990101999999/status")
    assert reply.status_code == 404, reply.text


def test_an_item_of_the_district_is_read_at_the_city(province, district_case) -> None:
    item_id, _ = district_case
    with _admin(province, "511600") as api:
        reply = api.get(f"/v1/items/{item_id}/versions/0", params={"region": "511602"})
        assert reply.status_code == 200, reply.text
        assert reply.json()["item"]["item_id"] == item_id
        # without the region, the city looks only at itself
        assert api.get(f"/v1/items/{item_id}/versions/0").status_code == 404


def test_a_province_wide_search_finds_the_district_item_at_the_province(province,
                                                                       district_case) -> None:
    item_id, _ = district_case
    with _admin(province, "510000") as api:
        # a generous deadline: the machine is shared (the deadline's own test stops a node)
        reply = api.get("/v1/province/items/search",
                        params={"q": "企业投资项目备案", "timeout_ms": 10000})
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["partial"] is False, answer["nodes"]
    assert {n["region"]: n["answered"] for n in answer["nodes"]} == dict.fromkeys(REGIONS, True)
    assert any(h["node"] == "511602" and h["item"]["item_id"] == item_id
               for h in answer["hits"])


def test_yuechi_is_a_tenant_of_the_city_its_people_act_for_it_alone(province) -> None:
    city = province.node("511600")
    token = mint_token(city.env["SUNLIGHT_TOKEN_KEY"], "yuechi-admin", ["admin"], ["511621"],
                       issuer="511600")
    draft = {"name": "企业投资项目备案", "item_type": "01", "department": "县发展改革局",
             "statutory_limit_days": 20, "promised_limit_days": 10,
             "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                       {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}],
             "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}
    with httpx.Client(base_url=f"http://127.0.0.1:{city.port('gateway_http')}", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        # the city's own region is not theirs
        reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
            **draft, "region": "511600", "code": implementation_code("511600")}})
        assert reply.status_code == 403, reply.text
        assert reply.json()["error"]["code"] == "REGION_OUT_OF_SCOPE"
        reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
            **draft, "region": "511621", "code": implementation_code("511621")}})
        assert reply.status_code == 201, reply.text
        item_id = reply.json()["item"]["item_id"]
        reply = api.post(f"/v1/items/{item_id}/versions/1/publish",
                         json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
        assert reply.status_code == 200, reply.text
        reply = api.post("/v1/cases", json={
            "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": "511621",
            "applicant": {"name": "李四", "id_type": "id_card",
                          "id_number": "511602199001011236"}})
        assert reply.status_code == 201, reply.text
        number = reply.json()["case"]["case_number"]
    assert number.startswith("511621")
    # the province finds it at the city node that hosts 岳池县
    with _admin(province, "510000") as api:
        reply = api.get(f"/v1/cases/{number}/status")
    assert reply.status_code == 200, reply.text
    assert reply.json()["node"] == {"region": "511600", "name": "广安市"}
    assert reply.json()["region"] == "511621"


def test_the_province_refuses_what_the_district_holds(province, district_case) -> None:
    """The district accepted its case and item (``district_case``); the province and the
    city, whose regions cover 511602, refuse to store either, naming the district's node."""
    item_id, _ = district_case
    draft = {"name": "企业投资项目备案", "item_type": "01", "department": "区发展改革局",
             "region": "511602", "code": implementation_code("511602"),
             "statutory_limit_days": 20, "promised_limit_days": 10,
             "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                       {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}],
             "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}]}
    for region in ("510000", "511600"):
        with _admin(province, region, "e2e-territory") as api:
            reply = api.post("/v1/cases", json={
                "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": "511602",
                "applicant": {"name": "张三", "id_type": "id_card",
                              "id_number": "511602199001011236"}})
            assert reply.status_code == 403, reply.text
            error = reply.json()["error"]
            assert error["code"] == "REGION_HELD_BY_OTHER_NODE", error
            assert error["metadata"]["node"] == "511602" and "广安区" in error["message"]
            reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex,
                                                "draft": draft})
            assert reply.status_code == 403, reply.text
            assert reply.json()["error"]["code"] == "REGION_HELD_BY_OTHER_NODE"
    # what the province holds itself it still takes: 成都 (510100) has no node of its own
    with _admin(province, "510000", "e2e-territory") as api:
        reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
            **draft, "region": "510100", "code": implementation_code("510100")}})
        assert reply.status_code == 201, reply.text


def test_the_district_imports_the_real_catalogue_on_first_start(province) -> None:
    district = province.node("511602")

    def finished() -> bool:
        return district.info()["real-catalogue"]["statename"] in ("EXITED", "FATAL")
    wait_for(finished, timeout_s=300, interval_s=0.5, what="the first import to finish")
    log = district.log("real-catalogue")
    assert district.info()["real-catalogue"]["exitstatus"] == 0, log
    # demo data on: two of the 1,135 rows are left to it (it completes them under their codes)
    assert "2 rows left to the demo data" in log, log
    assert "guang_an_511602.csv：共 1133 行" in log and "real catalogue: done in" in log, log
    with _admin(province, "511602", "e2e-catalogue") as api:
        reply = api.get("/v1/items/search", params={
            "q": "适龄儿童少年因身体状况需要延缓入学或者休学审批", "region": "511602",
            "status": "VERSION_STATUS_DRAFT"})
        assert reply.status_code == 200, reply.text
        hits = reply.json()["hits"]
        code = "511A0138000000-511602000000-000-115113010833722043-1-00"
        assert any(h["item"]["content"]["code"] == code for h in hits), hits
    for region in ("510000", "511600"):  # the others leave 广安区 to its node
        node = province.node(region)
        wait_for(lambda node=node: "held by node 511602" in node.log("real-catalogue"),
                 timeout_s=120, interval_s=0.5, what=f"{region} leaving the import")
    # a second start does nothing
    district.start_process("real-catalogue")
    wait_for(lambda: "there already" in district.log("real-catalogue"), timeout_s=120,
             interval_s=0.5, what="the second start doing nothing")


def _publish(province: LocalProvince, change) -> None:  # type: ignore[no-untyped-def]
    """Change the registry with the province's CA and hand it to every node (as `sunlight pki`
    and a copy do)."""
    ca = PkiPaths.under(province.node("510000").env["SUNLIGHT_VAR_DIR"])
    ca_key, ca_cert = load_key(ca.ca_key), load_cert(ca.ca_cert)
    changed = change(NodeRegistry.verified(ca.registry.read_bytes(), ca_cert))
    for node in province.nodes.values():
        write_signed(PkiPaths.under(node.env["SUNLIGHT_VAR_DIR"]).registry, changed, ca_key,
                     ca_cert)


def test_a_call_the_registry_does_not_allow_is_refused(province, district_case) -> None:
    _, number = district_case
    _publish(province, lambda r: r.disallowing("511600", "511602", GET_CASE))
    try:
        with _admin(province, "511600") as api:
            def refused() -> bool:
                reply = api.get(f"/v1/cases/{number}/status")
                return reply.status_code == 403 and (
                    reply.json()["error"]["code"] == "CALL_NOT_ALLOWED")
            wait_for(refused, timeout_s=30, what="the district refusing the city's GetCase")
            # what the registry still allows passes: the city reads the district's items
            reply = api.get("/v1/items/search", params={"region": "511602"})
            assert reply.status_code == 200, reply.text
        # a method no node serves on its peer port is not there at all
        city = PkiPaths.under(province.node("511600").env["SUNLIGHT_VAR_DIR"])
        peers = Peers(city, open_registry(city).current, 10.0, region="511600")
        try:
            with pytest.raises(grpc.RpcError) as unserved:
                peers.call("511602", "/sunlight.cases.v1.CaseService/ActOnCase",
                           cases_pb2.ActOnCaseRequest(case_number=number),
                           cases_pb2.CaseResponse)
            assert unserved.value.code() in (grpc.StatusCode.UNIMPLEMENTED,
                                             grpc.StatusCode.PERMISSION_DENIED)
        finally:
            peers.close()
    finally:
        _publish(province, lambda r: r.allowing("511600", "511602", GET_CASE))
    with _admin(province, "511600") as api:
        wait_for(lambda: api.get(f"/v1/cases/{number}/status").status_code == 200,
                 timeout_s=30, what="the city reading the district's case again")


def test_a_stopped_node_is_a_clear_error_at_the_others(province, district_case) -> None:
    _, number = district_case
    district = province.node("511602")
    district.stop_process("gateway")
    try:
        with _admin(province, "510000") as api:
            reply = api.get(f"/v1/cases/{number}/status")
        assert reply.status_code == 503, reply.text
        error = reply.json()["error"]
        assert error["code"] == "NODE_UNAVAILABLE"
        assert error["metadata"]["node"] == "511602"
        assert "511602" in error["message"]
        # a province-wide search says the district did not answer, never silently short
        with _admin(province, "510000") as api:
            reply = api.get("/v1/province/items/search",
                            params={"q": "企业投资项目备案", "timeout_ms": 1000})
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert answer["partial"] is True
        district_entry = next(n for n in answer["nodes"] if n["region"] == "511602")
        assert district_entry["answered"] is False
        assert district_entry["error"]["code"] == "NODE_UNAVAILABLE"
    finally:
        district.start_process("gateway")
    wait_for(lambda: all(district.health().values()), timeout_s=120,
             what="the district's gateway serving again")
    with _admin(province, "510000") as api:
        wait_for(lambda: api.get(f"/v1/cases/{number}/status").status_code == 200,
                 timeout_s=60, what="the district's case read at the province again")


def test_a_revoked_node_is_refused(province, district_case) -> None:
    """Last: the city stays revoked."""
    _, number = district_case
    _publish(province, lambda r: r.revoking_node("511600", "e2e: the city's key is lost"))
    with _admin(province, "511600") as api:
        def refused() -> bool:
            reply = api.get(f"/v1/cases/{number}/status")
            return reply.status_code == 403 and reply.json()["error"]["code"] in (
                "NODE_REVOKED", "CERTIFICATE_REVOKED")
        wait_for(refused, timeout_s=30, what="the district refusing the revoked city")
    # the province still reads the district
    with _admin(province, "510000") as api:
        assert api.get(f"/v1/cases/{number}/status").status_code == 200
