"""The public hall's pages, on fake catalogue and cases stubs (no network)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import grpc
import pytest
from fastapi.testclient import TestClient
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2

from services.hall.app import create_app
from services.hall.backend import CASES, CATALOGUE, HallBackend
from services.hall.views import Remaining, remaining
from services.shared.auth import Authenticator, ServiceToken
from services.shared.errors import DomainError, NotFound
from services.shared.grpc_errors import to_status
from services.shared.rate_limits import RateLimits
from services.shared.working_days import WorkingCalendar, YearSchedule

SECRET = "h" * 40
TODAY = date(2026, 11, 2)  # a Monday
HOLIDAY = date(2026, 11, 3)  # a made-up day off, to see the calendar honoured
CALENDAR = WorkingCalendar({2026: YearSchedule(2026, holidays=frozenset({HOLIDAY}))})
CASE_NUMBER = "511602202610300000001"


class FakeRpcError(grpc.RpcError, grpc.Call):
    def __init__(self, code: grpc.StatusCode, details: str = "",
                 error: DomainError | None = None) -> None:
        self._code, self._details = code, details
        self._trailers: tuple = ()
        if error is not None:
            status = to_status(error)
            self._details = status.message
            self._trailers = (("grpc-status-details-bin", status.SerializeToString()),)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return None

    def add_callback(self, callback):
        return None


def stamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def item(item_id: str = "it-1", name: str = "食品经营许可") -> catalogue_pb2.ItemVersion:
    """A published version as a public caller gets it — and, to prove the hall never shows
    them, with the internal fields a staff caller would get too."""
    return catalogue_pb2.ItemVersion(
        item_id=item_id, version=3, status=catalogue_pb2.VERSION_STATUS_PUBLISHED,
        state=catalogue_pb2.ITEM_STATE_ACTIVE, current_version=3,
        published_at=stamp(datetime(2026, 9, 30, 20, 0, tzinfo=UTC)),  # 10-01 in Shanghai
        flags=["导入时存疑：法定时限缺失"],
        content=catalogue_pb2.ItemDraft(
            name=name, code="511A0064100152-511602000000-000-115113016823646795-1-00",
            item_type="01", region="511602", department="广安区市场监督管理局",
            statutory_limit_days=20, promised_limit_days=10,
            list_kind=catalogue_pb2.LIST_KIND_POWER, exercise_level="4",
            body=catalogue_pb2.ImplementingBody(
                name="广安市广安区市场监督管理局", code="115113016823646795",
                nature=catalogue_pb2.BODY_NATURE_STATUTORY),
            accepting_office="广安区政务服务中心市场监管窗口",
            legal_basis=[catalogue_pb2.LegalCitation(
                law="中华人民共和国食品安全法", article="35", clause="1",
                text="国家对食品生产经营实行许可制度。")],
            acceptance_conditions=["申请人具有与经营的食品品种、数量相适应的经营场所"],
            materials=[
                catalogue_pb2.Material(name="食品经营许可申请书", issuer="申请人", originals=1,
                                       copies=0, mandatory=True),
                catalogue_pb2.Material(name="营业执照", issuer="市场监督管理部门",
                                       originals=0, copies=2, mandatory=False,
                                       note="已共享的可免交")],
            fees=[catalogue_pb2.Fee(name="工本费", amount=common_pb2.Money(
                currency_code="CNY", units=12, nanos=500_000_000),
                basis="川发改价格〔2020〕1号")],
            supervision_phone="0826-12345", enquiry_phone="0826-2345678",
            handling_forms=[catalogue_pb2.HANDLING_FORM_COUNTER,
                            catalogue_pb2.HANDLING_FORM_ONLINE],
            external_flow=["申请", "受理", "审查", "决定", "送达"],
            discretion_standards=[catalogue_pb2.DiscretionStandard(
                fact_pattern="裁量事实秘密", severity="较重", range="罚款秘密区间")],
            steps=[catalogue_pb2.Step(key="accept", name="受理", limit_days=0,
                                      role="clerk-secret-role"),
                   catalogue_pb2.Step(
                       key="review", name="审查", limit_days=5, role="chief-secret-role",
                       parallel_branches=[catalogue_pb2.Branch(
                           department="区卫生健康局", name="卫生审查", limit_days=3,
                           role="branch-secret-role")],
                       risk_points=[catalogue_pb2.RiskPoint(
                           description="风险点：违规受理", level=catalogue_pb2.RISK_LEVEL_HIGH,
                           countermeasures=["防范措施：双人复核"])]),
                   catalogue_pb2.Step(key="decide", name="决定", limit_days=2)]))


def history() -> list[catalogue_pb2.HistoryEntry]:
    def entry(action: str, day: int, **fields) -> catalogue_pb2.HistoryEntry:
        return catalogue_pb2.HistoryEntry(
            item_id="it-1", action=action, at=stamp(datetime(2026, 9, day, 2, tzinfo=UTC)),
            **fields)

    return [entry("created", 1, version=1, office="区发展改革局"),
            entry("published", 2, version=1, office="法制部门、机构编制管理机关"),
            entry("suspend", 3, office="机构编制管理机关", reason="法律依据修订中"),
            entry("merge", 4, office="机构编制管理机关", reason="职能整合", target="it-9")]


def case(**changes) -> cases_pb2.Case:
    done, active, pending = (cases_pb2.STEP_STATUS_DONE, cases_pb2.STEP_STATUS_ACTIVE,
                             cases_pb2.STEP_STATUS_PENDING)
    found = cases_pb2.Case(
        case_number=CASE_NUMBER, region="511602", item_id="it-1", item_version=3,
        item_code="511A0064100152", item_name="食品经营许可", department="广安区市场监督管理局",
        status=cases_pb2.CASE_STATUS_IN_PROGRESS, current_step=1,
        applicant=cases_pb2.Applicant(name="张小明", id_type="id_card",
                                      id_number="11010519491231002X"),
        accepted_at=stamp(datetime(2026, 10, 30, 1, 30, tzinfo=UTC)),
        due_date="2026-11-13", promised_limit_days=10,
        steps=[
            cases_pb2.CaseStep(index=0, name="受理", limit_days=0, status=done,
                               due_date="2026-10-30",
                               completed_at=stamp(datetime(2026, 10, 30, 2, 0, tzinfo=UTC))),
            cases_pb2.CaseStep(index=1, name="审查", limit_days=5, status=active,
                               due_date="2026-11-04", opinion="内部意见：材料齐全"),
            cases_pb2.CaseStep(index=2, name="决定", limit_days=2, status=pending),
        ])
    for key, value in changes.items():
        setattr(found, key, value)
    return found


class FakeCatalogue:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict]] = []
        self.fail: FakeRpcError | None = None
        self.items = [item("it-1"), item("it-2", "<script>alert(1)</script>建设许可")]
        self.item = item()
        self.history = history()
        self.history_fail: FakeRpcError | None = None

    def ListPublishedItems(self, request, **options):  # noqa: N802
        self.calls.append(("ListPublishedItems", request, options))
        if self.fail:
            raise self.fail
        return catalogue_pb2.ListPublishedItemsResponse(items=self.items,
                                                        next_page_token="tok-2")

    def GetItemVersion(self, request, **options):  # noqa: N802
        self.calls.append(("GetItemVersion", request, options))
        if self.fail:
            raise self.fail
        found = catalogue_pb2.ItemVersion()
        found.CopyFrom(self.item)
        found.item_id = request.item_id
        return catalogue_pb2.GetItemVersionResponse(item=found)

    def GetItemHistory(self, request, **options):  # noqa: N802
        self.calls.append(("GetItemHistory", request, options))
        if self.history_fail:
            raise self.history_fail
        return catalogue_pb2.GetItemHistoryResponse(entries=self.history)

    def SearchItems(self, request, **options):  # noqa: N802
        self.calls.append(("SearchItems", request, options))
        if self.fail:
            raise self.fail
        return catalogue_pb2.SearchItemsResponse(
            hits=[catalogue_pb2.SearchHit(item=i, score=1.0) for i in self.items[:1]],
            total=41, next_page_token="s-2")


class FakeCases:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict]] = []
        self.fail: FakeRpcError | None = None
        self.case = case()

    def GetCase(self, request, **options):  # noqa: N802
        self.calls.append(("GetCase", request, options))
        if self.fail:
            raise self.fail
        return cases_pb2.GetCaseResponse(case=self.case)


class FakeHealth:
    def __init__(self, status: int) -> None:
        self.status = status

    def Check(self, request, timeout=None):  # noqa: N802
        if self.status < 0:
            raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        return health_pb2.HealthCheckResponse(status=self.status)


@pytest.fixture
def fakes():
    catalogue, cases = FakeCatalogue(), FakeCases()
    health = {CATALOGUE: FakeHealth(health_pb2.HealthCheckResponse.SERVING),
              CASES: FakeHealth(health_pb2.HealthCheckResponse.SERVING)}
    token = ServiceToken(SECRET, "hall", ["511602"])
    backend = HallBackend(catalogue, cases, token.header, 4.0, health)
    app = create_app(backend, CALENDAR, "广安区", today=lambda: TODAY)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    return client, catalogue, cases, health


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed, for assertions on sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the list -----------------------------------------------------------------------------
def test_index_lists_published_items_with_the_service_token(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "食品经营许可" in page and "行政许可" in page
    assert "广安区市场监督管理局" in page and "10 个工作日" in page
    assert 'href="/items/it-1"' in response.text
    [(name, request, options)] = catalogue.calls
    assert name == "ListPublishedItems" and request.page_size == 20
    assert options["timeout"] == 4.0
    [(key, authorization)] = options["metadata"]
    assert key == "authorization"
    principal = Authenticator(SECRET).principal(authorization)
    assert (principal.subject, principal.roles, principal.regions) == (
        "hall", ("service",), ("511602",))


def test_item_names_are_escaped(fakes) -> None:
    client, _, _, _ = fakes
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_paging_and_region_filter(fakes) -> None:
    client, catalogue, _, _ = fakes
    html = client.get("/", params={"region": "511602", "page_token": "tok-1"}).text
    request = catalogue.calls[0][1]
    assert (request.region, request.page_token) == ("511602", "tok-1")
    assert 'href="/?region=511602&amp;page_token=tok-2"' in html
    assert "回到第一页" in html


def test_a_malformed_region_is_explained_without_calling(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/", params={"region": "abc"})
    assert response.status_code == 400
    assert "6 位数字" in response.text
    assert catalogue.calls == []


def test_catalogue_down_is_a_503_page(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.fail = FakeRpcError(grpc.StatusCode.UNAVAILABLE,
                                  "failed to connect to all addresses; 127.0.0.1:50051")
    response = client.get("/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.text
    assert "127.0.0.1" not in response.text and "Traceback" not in response.text


def test_search_box_calls_the_catalogues_search(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/", params={"q": " qyba ", "department": "市场监督",
                                       "item_type": "01", "region": "511602"})
    assert response.status_code == 200
    [(name, request, options)] = catalogue.calls
    assert name == "SearchItems"
    assert (request.query, request.department, request.item_type, request.region,
            request.page_size) == ("qyba", "市场监督", "01", "511602", 20)
    assert request.status == catalogue_pb2.VERSION_STATUS_UNSPECIFIED  # published only
    assert options["metadata"][0][0] == "authorization"
    page = text_of(response.text)
    assert "共找到 41 个事项" in page
    for shown in ("食品经营许可", "广安区市场监督管理局", "行政许可", "四川省广安市广安区"):
        assert shown in page
    assert 'href="/items/it-1"' in response.text
    # the form keeps what was asked, and the next page keeps the filters
    assert 'value="qyba"' in response.text and '<option value="01" selected>' in response.text
    assert ('href="/?q=qyba&amp;department=%E5%B8%82%E5%9C%BA%E7%9B%91%E7%9D%A3&amp;'
            'item_type=01&amp;region=511602&amp;page_token=s-2"') in response.text


def test_search_box_is_labelled_and_offers_the_item_types(fakes) -> None:
    client, _, _, _ = fakes
    html = client.get("/").text
    for field in ("q", "department", "item_type", "region"):
        assert f'<label for="{field}">' in html and f'name="{field}"' in html
    assert 'role="search"' in html
    assert '<option value="20">公共服务</option>' in html


def test_search_paging_passes_the_token(fakes) -> None:
    client, catalogue, _, _ = fakes
    html = client.get("/", params={"q": "许可", "page_token": "s-2"}).text
    assert catalogue.calls[0][1].page_token == "s-2"
    assert 'href="/?q=%E8%AE%B8%E5%8F%AF"' in html and "回到第一页" in html


def test_search_without_results_says_so(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.items = []
    page = text_of(client.get("/", params={"q": "不存在的事项"}).text)
    assert "没有找到符合条件的事项" in page


@pytest.mark.parametrize("params, message", [
    ({"item_type": "99"}, "请从列表中选择事项类型"),
    ({"q": "许" * 101}, "最多 100 个字"),
    ({"q": "许可", "region": "5116"}, "6 位数字"),
])
def test_bad_search_input_is_explained_without_calling(fakes, params, message) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/", params=params)
    assert response.status_code == 400
    assert message in text_of(response.text)
    assert catalogue.calls == []


def test_search_refused_by_the_catalogue_is_explained(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.fail = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "bad page token")
    response = client.get("/", params={"q": "许可", "page_token": "garbage"})
    assert response.status_code == 400
    assert "查询条件有误" in response.text


# --- an item ------------------------------------------------------------------------------
def test_item_page_shows_the_version_in_force(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/items/it-1")
    assert response.status_code == 200
    page = text_of(response.text)
    assert catalogue.calls[0][1].version == 0  # the version in force
    for expected in ("食品经营许可", "511A0064100152-511602000000-000-115113016823646795-1-00",
                     "行政许可", "广安区市场监督管理局", "法定时限 20 个工作日",
                     "承诺时限 10 个工作日", "第 3 版，2026-10-01 公布"):
        assert expected in page
    assert re.search(r"受理\s*当日办结.*审查\s*5 个工作日.*决定\s*2 个工作日", page)


def test_item_page_shows_everything_public(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/items/it-1")
    assert response.status_code == 200
    page = text_of(response.text)
    for expected in (
            "清单类型 权力清单", "行使层级 县级", "实施主体 广安市广安区市场监督管理局",
            "主体编码 115113016823646795", "主体性质 法定机关",
            "受理机关 广安区政务服务中心市场监管窗口", "地区 四川省广安市广安区（511602）",
            "办理形式 窗口办理、网上办理",
            # legal basis
            "《中华人民共和国食品安全法》第 35 条第 1 款", "国家对食品生产经营实行许可制度。",
            # acceptance conditions
            "申请人具有与经营的食品品种、数量相适应的经营场所",
            # materials: name, issuer, originals, copies, mandatory
            "食品经营许可申请书 申请人 1 份 0 份 必需",
            "营业执照 已共享的可免交 市场监督管理部门 0 份 2 份 非必需",
            # fees, in yuan, with their basis
            "工本费 12.50 元 川发改价格〔2020〕1号",
            # phones, external flow, parallel branch
            "咨询电话 0826-2345678", "监督电话 0826-12345", "申请 受理 审查 决定 送达",
            "并联办理：区卫生健康局 卫生审查 （3 个工作日）"):
        assert expected in page, expected
    assert 'href="tel:0826-12345"' in response.text
    for header in ("材料名称", "出具单位", "原件", "复印件", "是否必需", "收费项目", "金额",
                   "收费依据"):
        assert f'<th scope="col">{header}</th>' in response.text
    assert "暂停行使" not in page.split("变更记录")[0]  # active: no state notice


def test_item_page_shows_the_public_history(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/items/it-1")
    assert [c[0] for c in catalogue.calls] == ["GetItemVersion", "GetItemHistory"]
    assert catalogue.calls[1][1].item_id == "it-1"
    page = text_of(response.text)
    history = page[page.index("变更记录 事项的变更记录"):]
    assert re.search(r"2026-09-01 10:00 创建草稿 第 1 版 区发展改革局.*"
                     r"2026-09-02 10:00 公布 第 1 版 法制部门、机构编制管理机关.*"
                     r"2026-09-03 10:00 暂停行使 机构编制管理机关 法律依据修订中.*"
                     r"2026-09-04 10:00 合并 机构编制管理机关 职能整合；并入：it-9", history)
    for header in ("时间", "操作", "版本", "办理部门", "说明"):
        assert f'<th scope="col">{header}</th>' in response.text


def test_item_page_never_shows_internal_fields(fakes) -> None:
    """Even when the catalogue sends them (it strips them for the hall's token)."""
    client, _, _, _ = fakes
    html = client.get("/items/it-1").text
    for secret in ("风险点", "违规受理", "防范措施", "双人复核", "secret-role", "clerk",
                   "裁量", "罚款秘密区间", "导入时存疑", "RISK_LEVEL"):
        assert secret not in html, secret


def test_item_not_in_force_says_so(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.item.state = catalogue_pb2.ITEM_STATE_SUSPENDED
    page = text_of(client.get("/items/it-1").text)
    assert re.search(r"暂停行使\s*：该事项暂停行使，暂不受理新的申请。", page)
    catalogue.item.state = catalogue_pb2.ITEM_STATE_MERGED
    catalogue.item.successor = "it-9"
    html = client.get("/items/it-1").text
    assert "已合并" in html and 'href="/items/it-9"' in html


def test_item_page_without_history_still_shows_the_guide(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.history_fail = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
    response = client.get("/items/it-1")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "食品经营许可申请书" in page and "变更记录暂时无法查询" in page


def test_item_without_materials_or_fees(fakes) -> None:
    client, catalogue, _, _ = fakes
    del catalogue.item.content.materials[:]
    del catalogue.item.content.fees[:]
    catalogue.history = []
    page = text_of(client.get("/items/it-1").text)
    assert "无需提交材料" in page and "不收费" in page and "暂无记录" in page


def test_item_that_does_not_exist_is_a_friendly_404(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.fail = FakeRpcError(grpc.StatusCode.NOT_FOUND, error=NotFound(
        "item x has no published version", code="ITEM_NOT_PUBLISHED"))
    response = client.get("/items/nope")
    assert response.status_code == 404
    assert "尚未公布" in response.text
    assert "ITEM_NOT_PUBLISHED" not in response.text


def test_a_service_failure_shows_its_identifier_only(fakes) -> None:
    client, catalogue, _, _ = fakes
    error = DomainError("internal error: db at /srv/x", code="INTERNAL")
    error.grpc_status = "INTERNAL"
    catalogue.fail = FakeRpcError(grpc.StatusCode.INTERNAL, error=error)
    response = client.get("/items/it-1")
    assert response.status_code == 500
    assert "/srv/x" not in response.text
    assert re.search(r"错误编号：\s*<span class=\"code\">[0-9a-f]{32}</span>", response.text)


# --- a case -------------------------------------------------------------------------------
def test_case_page_answers_which_step_what_next_how_long(fakes) -> None:
    client, _, cases, _ = fakes
    response = client.get(f"/cases/{CASE_NUMBER}")
    assert response.status_code == 200
    assert cases.calls[0][1].case_number == CASE_NUMBER
    page = text_of(response.text)
    assert "第 2 步（共 3 步）：审查" in page
    # Tue 11-03 is a holiday: only Wed 11-04 is left before the step's due date.
    assert "还剩 1 个工作日 （截止 2026-11-04）" in page
    assert "下面要办哪一步 决定 （时限 2 个工作日）" in page
    assert "还剩 8 个工作日 （截止 2026-11-13）" in page
    assert "受理时间 2026-10-30 09:30" in page  # Asia/Shanghai


def test_case_page_hides_personal_and_internal_data(fakes) -> None:
    client, _, _, _ = fakes
    page = client.get(f"/cases/{CASE_NUMBER}").text
    assert "张**" in page
    assert "张小明" not in page and "11010519491231002X" not in page
    assert "内部意见" not in page


def test_overdue_step_is_said_so(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.steps[1].due_date = "2026-10-28"
    page = text_of(client.get(f"/cases/{CASE_NUMBER}").text)
    assert "已超期 3 个工作日" in page  # Thu 10-29, Fri 10-30, Mon 11-02


def test_last_step_says_the_case_ends_there(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.steps[1].status = cases_pb2.STEP_STATUS_DONE
    cases.case.steps[2].status = cases_pb2.STEP_STATUS_ACTIVE
    cases.case.steps[2].due_date = "2026-11-05"
    cases.case.current_step = 2
    page = text_of(client.get(f"/cases/{CASE_NUMBER}").text)
    assert "第 3 步（共 3 步）：决定" in page
    assert "这是最后一步，完成后即办结" in page


@pytest.mark.parametrize("completed_day, verdict", [(10, "按时办结"), (16, "超期办结")])
def test_completed_case(fakes, completed_day, verdict) -> None:
    client, _, cases, _ = fakes
    cases.case.status = cases_pb2.CASE_STATUS_COMPLETED
    cases.case.current_step = -1
    cases.case.completed_at.CopyFrom(stamp(datetime(2026, 11, completed_day, 8, tzinfo=UTC)))
    page = text_of(client.get(f"/cases/{CASE_NUMBER}").text)
    assert "已办结" in page and verdict in page
    assert "现在办到了哪一步" not in page


def test_case_that_does_not_exist_is_a_friendly_404(fakes) -> None:
    client, _, cases, _ = fakes
    cases.fail = FakeRpcError(grpc.StatusCode.NOT_FOUND, error=NotFound("no such case"))
    response = client.get("/cases/511602209901010000009")
    assert response.status_code == 404
    assert "没有找到受理编号为 511602209901010000009 的办件" in text_of(response.text)


def test_malformed_case_number_is_404_without_calling(fakes) -> None:
    client, _, cases, _ = fakes
    response = client.get("/cases/<b>x</b>")
    assert response.status_code == 404
    assert "<b>x</b>" not in response.text
    assert cases.calls == []


def test_cases_down_is_a_503_page(fakes) -> None:
    client, _, cases, _ = fakes
    cases.fail = FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
    response = client.get(f"/cases/{CASE_NUMBER}")
    assert response.status_code == 503
    assert "请稍后再试" in response.text


def test_case_lookup_form_redirects_to_the_case(fakes) -> None:
    client, _, _, _ = fakes
    form = client.get("/cases")
    assert form.status_code == 200 and 'name="case_number"' in form.text
    response = client.get("/cases", params={"case_number": f"  {CASE_NUMBER} "})
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/cases/{CASE_NUMBER}")
    bad = client.get("/cases", params={"case_number": "编号?"})
    assert bad.status_code == 400 and "请核对" in bad.text


# --- the rest -----------------------------------------------------------------------------
def test_unknown_page_is_a_404_page(fakes) -> None:
    client, _, _, _ = fakes
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text and response.headers["content-type"].startswith(
        "text/html")


def test_pages_are_self_contained_and_fit_a_phone(fakes) -> None:
    client, _, _, _ = fakes
    for path in (f"/cases/{CASE_NUMBER}", "/items/it-1", "/?q=许可"):
        html = client.get(path).text
        assert '<html lang="zh-CN">' in html
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing remote
        assert "<script" not in html
    css = client.get("/static/hall.css")
    assert css.status_code == 200 and "max-width" in css.text
    assert "default-src 'self'" in client.get("/").headers["content-security-policy"]


def test_healthz(fakes) -> None:
    client, _, _, health = fakes
    assert client.get("/healthz").json()["status"] == "SERVING"
    health[CASES].status = -1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["services"] == {CATALOGUE: "SERVING", CASES: "UNKNOWN"}


# --- views --------------------------------------------------------------------------------
@pytest.mark.parametrize("today, due, text", [
    (date(2026, 11, 2), "2026-11-02", "今天到期"),
    (date(2026, 11, 2), "2026-11-04", "还剩 1 个工作日"),
    (date(2026, 11, 2), "2026-10-30", "已超期 1 个工作日"),
    (date(2026, 10, 31), "2026-10-30", "已过截止日期"),  # Saturday after a Friday deadline
])
def test_remaining_text(today, due, text) -> None:
    left = remaining(due, today, CALENDAR)
    assert isinstance(left, Remaining) and left.text == text
    assert left.overdue == (date.fromisoformat(due) < today)


def test_remaining_is_provisional_beyond_the_known_calendar() -> None:
    left = remaining("2027-01-05", date(2026, 12, 30), CALENDAR)
    assert left.provisional
    assert remaining("", TODAY, CALENDAR) is None


def test_the_process_wiring_builds_without_a_network(tmp_path) -> None:
    from services.hall.server import build
    from services.shared.config import Settings

    app, backend = build(Settings(jwt_secret=SECRET, var_dir=tmp_path, node_name="广安市"))
    try:
        assert {"/", "/items/{item_id}", "/cases", "/cases/{case_number}", "/healthz"} <= {
            getattr(route, "path", "") for route in app.routes}
    finally:
        backend.close()


# --- rate limits ----------------------------------------------------------------------------
def _limited(rates: RateLimits):  # type: ignore[no-untyped-def]
    catalogue, cases = FakeCatalogue(), FakeCases()
    backend = HallBackend(catalogue, cases, ServiceToken(SECRET, "hall", ["511602"]).header,
                          4.0, {})
    app = create_app(backend, CALENDAR, "广安区", today=lambda: TODAY, rates=rates)
    return TestClient(app, raise_server_exceptions=False), catalogue, cases


def test_case_lookups_are_limited_per_client_with_a_chinese_page() -> None:
    """Consecutive case numbers cannot be walked: the fourth lookup within the window is a
    429 page in Chinese with its code and Retry-After, and never reaches the cases service."""
    client, _, cases = _limited(RateLimits(case_lookup="3/minute"))
    for n in range(3):
        assert client.get(f"/cases/51160220261030000000{n}").status_code == 200
    refused = client.get("/cases/511602202610300000004")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    words = text_of(refused.text)
    assert "请求过于频繁" in words and "RATE_LIMITED" in words and "秒后再试" in words
    assert len(cases.calls) == 3
    assert client.get("/").status_code == 200  # the catalogue pages count apart


def test_catalogue_pages_are_limited_more_loosely() -> None:
    client, catalogue, _ = _limited(RateLimits(public_reads="4/minute"))
    for _ in range(2):
        assert client.get("/").status_code == 200
        assert client.get("/items/it-1").status_code == 200
    refused = client.get("/items/it-2")
    assert refused.status_code == 429 and "RATE_LIMITED" in refused.text
    assert all(request.item_id != "it-2" for name, request, _ in catalogue.calls
               if name == "GetItemVersion")
