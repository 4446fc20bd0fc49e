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
from sunlight.monitoring.v1 import monitoring_pb2

from services.cases.domain.flow import Mode
from services.cases.domain.model import Channel
from services.hall.app import create_app
from services.hall.backend import CASES, CATALOGUE, HallBackend
from services.hall.speak import complaint_row, consultation_row, rating_row
from services.hall.views import days_left_text, missing_text
from services.shared.auth import Authenticator, ServiceToken
from services.shared.channels import ChannelSeal
from services.shared.errors import DomainError, NotFound
from services.shared.grpc_errors import to_status
from services.shared.rate_limits import RateLimits
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar, YearSchedule

SECRET = TokenKey.generate().to_text()
TODAY = date(2026, 11, 2)  # a Monday
HOLIDAY = date(2026, 11, 3)  # a made-up day off, to see the case service's calendar honoured
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


def due(limit: int, due_date: str, left: int, *, unit: int = common_pb2.TIME_UNIT_WORKING_DAYS,
        provisional: bool = False) -> cases_pb2.Due:
    return cases_pb2.Due(limit_days=limit, unit=unit, due_date=due_date, used=limit - left,
                         left=left, provisional=provisional)


def step(index: int, name: str, status: int, **fields) -> cases_pb2.CaseStep:
    return cases_pb2.CaseStep(index=index, instance_id=f"s{index + 1}", name=name,
                              status=status, region=fields.pop("region", "511602"), **fields)


DONE, ACTIVE = cases_pb2.STEP_STATUS_DONE, cases_pb2.STEP_STATUS_ACTIVE


def case() -> cases_pb2.Case:
    """A case of the new contract, as the case service answers the hall's token — plus, to
    prove the page never shows them, the internal fields a staff caller would get."""
    return cases_pb2.Case(
        case_number=CASE_NUMBER, region="511602", item_id="it-1", item_version=3,
        item_code="511A0064100152", item_name="食品经营许可", department="广安区市场监督管理局",
        status=cases_pb2.CASE_STATUS_IN_PROGRESS, mode=common_pb2.HANDLING_MODE_PROMISED,
        applicant=cases_pb2.Applicant(name="张小明", id_type="id_card",
                                      id_number="11010519491231002X"),
        submitted_at=stamp(datetime(2026, 10, 30, 1, 0, tzinfo=UTC)),
        accepted_at=stamp(datetime(2026, 10, 30, 1, 30, tzinfo=UTC)),
        due_date="2026-11-13", promised_limit_days=10,
        promised=due(10, "2026-11-13", 8), statutory=due(20, "2026-11-27", 18),
        next_steps=["决定"], allowed_actions=["complete_step"],
        steps=[
            step(0, "受理", DONE, stage=-1, limit_days=1, department="广安区市场监督管理局",
                 started_at=stamp(datetime(2026, 10, 30, 1, 0, tzinfo=UTC)),
                 completed_at=stamp(datetime(2026, 10, 30, 1, 30, tzinfo=UTC)),
                 handler="clerk-secret", opinion="内部意见：材料齐全"),
            step(1, "审查", ACTIVE, stage=0, limit_days=5, department="广安区市场监督管理局",
                 started_at=stamp(datetime(2026, 10, 30, 1, 30, tzinfo=UTC)),
                 due_date="2026-11-04", days_left=1, role="reviewer-secret-role",
                 assignee="li-secret"),
        ])


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
        found = catalogue_pb2.SearchItemsResponse(
            hits=[catalogue_pb2.SearchHit(item=i, score=1.0) for i in self.items],
            total=41 if self.items else 0)
        if request.facets and self.items:
            f = found.facets
            f.item_types.add(value="01", count=30)
            f.item_types.add(value="20", count=11)
            for name, count in (("区住建局", 5), ("区残联", 6), ("广安区市场监督管理局", 30)):
                f.departments.add(value=name, count=count)
            f.exercise_levels.add(value="4", count=41)
            f.regions.add(value="511602", count=41)
        return found


class FakeCases:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, dict]] = []
        self.fail: FakeRpcError | None = None
        self.case = case()

    def GetCase(self, request, **options):  # noqa: N802
        self.calls.append(("GetCase", request, options))
        if self.fail:
            raise self.fail
        return cases_pb2.CaseResponse(case=self.case)

    def LookupCase(self, request, **options):  # noqa: N802
        self.calls.append(("LookupCase", request, options))
        if self.fail:
            raise self.fail
        return cases_pb2.CaseResponse(case=self.case)


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
    backend = HallBackend(catalogue, cases, token.header, 4.0, health,
                          seal=ChannelSeal(SECRET))
    app = create_app(backend, "广安区", today=lambda: TODAY)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    return client, catalogue, cases, health


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed, for assertions on sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the list -----------------------------------------------------------------------------
def test_index_browses_the_catalogue_with_the_service_token(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "食品经营许可" in page and "行政许可" in page
    assert "广安区市场监督管理局" in page and "共 41 个事项，第 1 / 3 页" in page
    assert 'href="/items/it-1"' in response.text
    [(name, request, options)] = catalogue.calls
    assert name == "SearchItems" and (request.query, request.page_size, request.page,
                                      request.facets) == ("", 20, 1, True)
    assert request.status == catalogue_pb2.VERSION_STATUS_UNSPECIFIED  # published only
    assert options["timeout"] == 4.0
    # the token, and the channel the services' audit records (the hall), sealed
    [(key, authorization), *channel] = options["metadata"]
    assert key == "authorization" and channel == ChannelSeal(SECRET).metadata(
        "hall", authorization)
    assert ChannelSeal(SECRET).channel_of(options["metadata"]) == "hall"
    principal = Authenticator(SECRET).principal(authorization)
    assert (principal.subject, principal.roles, principal.regions) == (
        "hall", ("service",), ("511602",))


def test_item_names_are_escaped(fakes) -> None:
    client, _, _, _ = fakes
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_facets_are_links_with_counts_that_keep_the_other_filters(fakes) -> None:
    client, catalogue, _, _ = fakes
    html = client.get("/", params={"region": "511602", "item_type": "01"}).text
    request = catalogue.calls[0][1]
    assert (request.region, request.item_type) == ("511602", "01")
    page = text_of(html)
    # departments in pinyin order (广 guǎng, 区残 qū cán, 区住 qū zhù), not by code point
    # (区住, 区残, 广)
    assert re.search(r"广安区市场监督管理局 ?（30）.*区残联 ?（6）.*区住建局 ?（5）", page)
    # choosing a department keeps the type and the region and goes back to page 1
    assert ('href="/?department=%E5%8C%BA%E6%AE%8B%E8%81%94&amp;item_type=01&amp;'
            'region=511602"') in html
    # the type in force is marked, and its link removes it
    assert re.search(r'<a href="/\?region=511602" aria-current="true" class="selected">'
                     r"行政许可", html)
    assert re.search("事项类型 ?： ?行政许可", page) and "不限事项类型" in page
    assert "行使层级 县级" in page and "四川省广安市广安区" in page


def test_page_numbers_keep_the_filters(fakes) -> None:
    client, catalogue, _, _ = fakes
    html = client.get("/", params={"region": "511602", "page": "2"}).text
    assert catalogue.calls[0][1].page == 2
    page = text_of(html)
    assert "共 41 个事项，第 2 / 3 页" in page
    assert 'href="/?region=511602" rel="prev"' in html or (
        'rel="prev" href="/?region=511602"' in html)
    assert 'rel="next" href="/?region=511602&amp;page=3"' in html
    assert re.search(r'aria-current="page" class="current"><span class="visually-hidden">第 '
                     r"</span>2", html)


@pytest.mark.parametrize("page", ["0", "x", "-1", "100001"])
def test_a_bad_page_number_is_explained_without_calling(fakes, page) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/", params={"page": page})
    assert response.status_code == 400 and "页码应为正整数" in response.text
    assert catalogue.calls == []


def test_a_malformed_region_is_explained_without_calling(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/", params={"region": "abc"})
    assert response.status_code == 400
    assert "6 位数字" in response.text
    assert catalogue.calls == []


def test_catalogue_down_is_a_503_page(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.fail = FakeRpcError(grpc.StatusCode.UNAVAILABLE,
                                  "failed to connect to all addresses; 127.0.0.1:18051")
    response = client.get("/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.text
    assert "127.0.0.1" not in response.text and "Traceback" not in response.text


def test_search_page_calls_the_catalogues_search(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/search", params={"q": " qyba ", "department": "区住建局",
                                             "item_type": "01", "region": "511602"})
    assert response.status_code == 200
    [(name, request, options)] = catalogue.calls
    assert name == "SearchItems"
    assert (request.query, request.department, request.item_type, request.region,
            request.page_size, request.facets) == ("qyba", "区住建局", "01", "511602", 20,
                                                   True)
    assert options["metadata"][0][0] == "authorization"
    page = text_of(response.text)
    assert "搜索“qyba”，共 41 个事项" in page
    for shown in ("食品经营许可", "广安区市场监督管理局", "行政许可", "四川省广安市广安区"):
        assert shown in page
    assert 'href="/items/it-1"' in response.text
    # the form keeps the words and, hidden, the filters; the next page keeps them all
    assert 'value="qyba"' in response.text
    assert '<input type="hidden" name="item_type" value="01">' in response.text
    assert ('href="/search?q=qyba&amp;department=%E5%8C%BA%E4%BD%8F%E5%BB%BA%E5%B1%80&amp;'
            'item_type=01&amp;region=511602&amp;page=2"') in response.text


def test_search_box_is_labelled(fakes) -> None:
    client, _, _, _ = fakes
    html = client.get("/").text
    assert '<label for="q">' in html and 'name="q"' in html
    assert 'role="search"' in html and 'action="/search"' in html


def test_search_without_results_says_so(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.items = []
    page = text_of(client.get("/search", params={"q": "不存在的事项"}).text)
    assert "没有找到符合条件的事项" in page and "共 0 个事项" in page


@pytest.mark.parametrize("params, message", [
    ({"item_type": "99"}, "请从列表中选择事项类型"),
    ({"exercise_level": "9"}, "请从列表中选择行使层级"),
    ({"q": "许" * 101}, "最多 100 个字"),
    ({"q": "许可", "region": "5116"}, "6 位数字"),
])
def test_bad_search_input_is_explained_without_calling(fakes, params, message) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert message in text_of(response.text)
    assert catalogue.calls == []


def test_search_refused_by_the_catalogue_is_explained(fakes) -> None:
    client, catalogue, _, _ = fakes
    catalogue.fail = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "bad page")
    response = client.get("/search", params={"q": "许可", "page": "3"})
    assert response.status_code == 400
    assert "查询条件有误" in response.text


# --- an item ------------------------------------------------------------------------------
def test_item_page_shows_the_version_in_force(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/items/it-1")
    assert response.status_code == 200
    page = text_of(response.text)
    asked = {name: request for name, request, _ in catalogue.calls}
    assert asked["GetItemVersion"].version == 0  # the version in force
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


def test_item_page_shows_how_a_case_runs(fakes) -> None:
    """The handling modes (办件类型), the special procedures (特别程序) and the external flow
    (公示流程); limits in their unit."""
    client, catalogue, _, _ = fakes
    c = catalogue.item.content
    c.modes[:] = [common_pb2.HANDLING_MODE_IMMEDIATE, common_pb2.HANDLING_MODE_PROMISED]
    c.special_procedures[:] = [common_pb2.SPECIAL_PROCEDURE_HEARING,
                               common_pb2.SPECIAL_PROCEDURE_EXPERT_REVIEW]
    c.limit_unit = common_pb2.TIME_UNIT_CALENDAR_DAYS
    c.steps[1].limit_unit = common_pb2.TIME_UNIT_CALENDAR_DAYS
    page = text_of(client.get("/items/it-1").text)
    for expected in ("办件类型 即办件、承诺件", "特别程序 听证、专家评审",
                     "公示流程 申请 受理 审查 决定 送达", "法定时限 20 个自然日",
                     "承诺时限 10 个自然日"):
        assert expected in page, expected
    assert re.search(r"审查\s*5 个自然日.*决定\s*2 个工作日", page)


def test_an_item_without_modes_or_procedures_says_nothing_of_them(fakes) -> None:
    client, _, _, _ = fakes
    page = text_of(client.get("/items/it-1").text)
    assert "办件类型" not in page and "特别程序" not in page


def test_item_page_shows_the_public_history(fakes) -> None:
    client, catalogue, _, _ = fakes
    response = client.get("/items/it-1")
    # both asked at once: the history is not waited for before the guide is
    assert sorted(c[0] for c in catalogue.calls) == ["GetItemHistory", "GetItemVersion"]
    assert {c[1].item_id for c in catalogue.calls} == {"it-1"}
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
                   "导入时存疑", "RISK_LEVEL"):
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
def lookup(client, number: str = CASE_NUMBER, **factor: str):  # type: ignore[no-untyped-def]
    """The lookup form filled in and posted (its CSRF token from the form page); the
    applicant's name unless another factor is given."""
    form = client.get("/cases", params={"case_number": number})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    fields = {"applicant_name": "张小明"} if not factor else factor
    return client.post("/cases", data={"csrf_token": token, "case_number": number, **fields})


def page_of(client, fake_case: cases_pb2.Case | None = None) -> str:  # type: ignore[no-untyped-def]
    response = lookup(client)
    assert response.status_code == 200, response.text
    return text_of(response.text)


def test_case_page_answers_which_step_what_next_how_long(fakes) -> None:
    client, _, cases, _ = fakes
    page = page_of(client)
    assert cases.calls[0][1].case_number == CASE_NUMBER
    assert "办理中" in page and "已受理，正在办理。" in page
    now = page[page.index("现在办到了哪一步"):page.index("下面要办哪一步")]
    assert "审查 广安区市场监督管理局 · 时限 5 个工作日 还剩 1 个工作日 （截止 2026-11-04）" in now
    assert "受理" not in now  # done: history, not now
    assert "下面要办哪一步 决定" in page
    how_long = page[page.index("还有多长时间可以办完"):page.index("办理过程")]
    assert "承诺时限 10 个工作日： 还剩 8 个工作日 （截止 2026-11-13）" in how_long
    assert "法定时限 20 个工作日： 还剩 18 个工作日 （截止 2026-11-27）" in how_long
    assert "暂停" not in how_long
    assert "受理时间 2026-10-30 09:30" in page  # Asia/Shanghai
    assert "申请时间 2026-10-30 09:00" in page


def test_parallel_branches_are_all_running_with_their_departments(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.steps.append(step(2, "消防意见", ACTIVE, stage=0, branch="fire",
                                 limit_days=2, department="区消防救援大队",
                                 due_date="2026-10-30", days_left=-1))
    page = page_of(client)
    now = page[page.index("现在办到了哪一步"):page.index("下面要办哪一步")]
    assert "审查 广安区市场监督管理局" in now
    assert "消防意见 区消防救援大队 · 时限 2 个工作日 已超期 1 个工作日 （截止 2026-10-30）" in now
    assert "以上 2 个环节同时办理（并联审批）" in now


def test_a_step_handled_by_the_government_above_names_it(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.steps[1].region = "511600"
    assert "审查 广安区市场监督管理局 · 四川省广安市 · 时限" in page_of(client)


def test_late_steps_and_limits_say_by_how_much(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.steps[1].days_left = -3
    cases.case.steps[1].due_date = "2026-10-28"
    cases.case.promised.CopyFrom(due(10, "2026-10-30", -1))
    cases.case.statutory.CopyFrom(due(20, "2026-11-02", 0))
    html = lookup(client).text
    page = text_of(html)
    assert "已超期 3 个工作日 （截止 2026-10-28）" in page
    assert "承诺时限 10 个工作日： 已超期 1 个工作日" in page
    assert "法定时限 20 个工作日： 今天到期 （截止 2026-11-02）" in page
    assert html.count('class="left overdue"') == 2


def test_limits_in_calendar_days_say_so(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.statutory.CopyFrom(due(90, "2027-01-28", 87,
                                      unit=common_pb2.TIME_UNIT_CALENDAR_DAYS,
                                      provisional=True))
    assert ("法定时限 90 个自然日： 还剩 87 个自然日 （截止 2027-01-28，暂定）"
            in page_of(client))


def test_a_limit_the_item_does_not_declare_is_unknown_not_zero(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.ClearField("statutory")
    page = page_of(client)
    assert "法定时限 未公布（该事项未公布此时限）" in page
    assert "承诺时限 10 个工作日" in page


def test_the_last_step_says_a_decision_follows(fakes) -> None:
    client, _, cases, _ = fakes
    del cases.case.next_steps[:]
    cases.case.steps[1].name = "决定"
    page = page_of(client)
    assert "下面要办哪一步 这是最后一步，完成后即作出决定。" in page


def test_supplements_stop_the_clock_and_name_what_is_missing(fakes) -> None:
    """补正中: the clock stands still, no due date is made up; the missing materials are
    named — by the completeness check, and the rest by the item's own list."""
    client, catalogue, cases, _ = fakes
    c = cases.case
    c.status = cases_pb2.CASE_STATUS_SUPPLEMENT
    c.ClearField("accepted_at")
    c.ClearField("promised"), c.ClearField("statutory")
    c.next_steps[:] = ["审查", "决定"]
    del c.steps[1:]
    c.steps[0].status = ACTIVE
    c.steps[0].ClearField("completed_at")
    c.steps[0].due_date, c.steps[0].days_left = "", 1
    c.clock.CopyFrom(cases_pb2.Clock(stopped=True, stopped_since="2026-10-31",
                                     stopped_because="supplement"))
    c.missing_materials[:] = ["食品经营许可申请书 (application_form)"]
    c.supplements.add(request_id="r1", missing=["application_form", "licence"],
                      due_date="2026-11-20",
                      requested_at=stamp(datetime(2026, 10, 31, 2, tzinfo=UTC)))
    catalogue.item.content.materials[1].key = "licence"
    html = lookup(client).text
    page = text_of(html)
    assert "补正中" in page and "补正期间，办理时限暂停计算" in page
    assert "受理 广安区市场监督管理局 · 时限 1 个工作日 计时暂停，暂无截止日期" in page
    assert '<span class="left paused">计时暂停，暂无截止日期</span>' in html
    assert "承诺时限：受理后开始计算" in page
    assert "办理时限暂停计算：自 2026-10-31 起，补正材料中。恢复计时后再确定截止日期。" in page
    missing = page[page.index("尚缺的材料"):page.index("办理过程")]
    assert "请在 2026-11-20 前补齐下列材料" in missing
    assert "食品经营许可申请书 营业执照" in missing
    assert "licence" not in missing and "application_form" not in missing
    assert "补正材料：食品经营许可申请书、营业执照 2026-10-31 10:00 开始 · 进行中 · 补正期限至 " \
           "2026-11-20" in page
    [(name, request, _)] = catalogue.calls
    assert (name, request.item_id, request.version) == ("GetItemVersion", "it-1", 3)
    assert "受理时间 尚未受理" in page


def test_without_the_catalogue_missing_materials_show_their_keys(fakes) -> None:
    client, catalogue, cases, _ = fakes
    cases.case.status = cases_pb2.CASE_STATUS_SUPPLEMENT
    cases.case.supplements.add(request_id="r1", missing=["licence"], due_date="2026-11-20")
    catalogue.fail = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
    page = page_of(client)
    assert "尚缺的材料" in page and "licence" in page


def test_the_completeness_check_is_said_in_chinese(fakes) -> None:
    client, _, cases, _ = fakes
    cases.case.status = cases_pb2.CASE_STATUS_SUBMITTED
    cases.case.missing_materials[:] = [
        "申请表 (form): 1 originals and 2 copies needed, 0 and 1 given", "something else"]
    page = page_of(client)
    assert "已申请待受理" in page and "正在进行受理审查" in page
    assert "申请表（需原件 1 份、复印件 2 份，已交原件 0 份、复印件 1 份）" in page
    assert "something else" in page  # not understood: shown as it came, never dropped


def test_a_special_procedure_stops_the_clock(fakes) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.clock.CopyFrom(cases_pb2.Clock(stopped=True, stopped_since="2026-11-01",
                                     stopped_because="expert_review"))
    c.promised.due_date, c.statutory.due_date, c.steps[1].due_date = "", "", ""
    c.procedures.add(procedure_id="p1", kind=common_pb2.SPECIAL_PROCEDURE_EXTENSION,
                     started_at=stamp(datetime(2026, 10, 31, 1, tzinfo=UTC)),
                     ended_at=stamp(datetime(2026, 10, 31, 1, tzinfo=UTC)), extension_days=5)
    c.procedures.add(procedure_id="p2", kind=common_pb2.SPECIAL_PROCEDURE_EXPERT_REVIEW,
                     reason="技术复杂", started_at=stamp(datetime(2026, 11, 1, 1, tzinfo=UTC)))
    page = page_of(client)
    assert "办理时限暂停计算：自 2026-11-01 起，专家评审中。" in page
    assert "审查 广安区市场监督管理局 · 时限 5 个工作日 计时暂停，暂无截止日期" in page
    assert ("承诺时限 10 个工作日： 还剩 8 个工作日 （计时暂停，暂无截止日期；已用 2 个工作日）"
            in page)
    pauses = page[page.index("补正与特别程序"):page.index("办件信息")]
    assert "延长审批期限 2026-10-31 09:00 开始 · 2026-10-31 09:00 结束 · 办理时限延长 5 个工作日" \
        in pauses
    assert "专家评审 2026-11-01 09:00 开始 · 进行中 · 期间不计入办理时限" in pauses


def test_the_history_shows_done_returned_and_cancelled_steps(fakes) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.steps[1].status = cases_pb2.STEP_STATUS_RETURNED
    c.steps[1].completed_at.CopyFrom(stamp(datetime(2026, 11, 2, 1, tzinfo=UTC)))
    c.steps.append(step(2, "审查", cases_pb2.STEP_STATUS_CANCELLED, stage=0,
                        department="广安区市场监督管理局",
                        started_at=stamp(datetime(2026, 11, 2, 1, tzinfo=UTC)),
                        completed_at=stamp(datetime(2026, 11, 2, 3, tzinfo=UTC))))
    c.status = cases_pb2.CASE_STATUS_WITHDRAWN
    c.completed_at.CopyFrom(stamp(datetime(2026, 11, 2, 3, tzinfo=UTC)))
    c.reason = "申请人个人原因"
    page = page_of(client)
    history = page[page.index("办理过程"):page.index("办件信息")]
    assert re.search(r"提交申请 2026-10-30 09:00 .*"
                     r"受理 已完成 广安区市场监督管理局 · 2026-10-30 09:00 开始 · "
                     r"2026-10-30 09:30 完成 .*"
                     r"审查 已退回 .* · 2026-11-02 09:00 已退回 .*"
                     r"审查 已终止 .* · 2026-11-02 11:00 已终止", history)
    assert "已撤回" in page and "申请人已撤回申请，办理终止。" in page
    assert "申请人个人原因" not in page  # a withdrawal's words are the applicant's own
    assert "现在办到了哪一步" not in page and "结束时间 2026-11-02 11:00" in page


@pytest.mark.parametrize("status, label, sentence", [
    (cases_pb2.CASE_STATUS_SUBMITTED, "已申请待受理", "正在进行受理审查"),
    (cases_pb2.CASE_STATUS_SUPPLEMENT, "补正中", "申请材料需要补正"),
    (cases_pb2.CASE_STATUS_IN_PROGRESS, "办理中", "已受理，正在办理"),
    (cases_pb2.CASE_STATUS_DECIDED, "已决定", "办理结果将依法公开"),
    (cases_pb2.CASE_STATUS_PUBLISHED, "结果已公开", "办理结果已公开"),
    (cases_pb2.CASE_STATUS_COMPLETED, "已办结", "本件已办结"),
    (cases_pb2.CASE_STATUS_REJECTED, "不予受理", "申请不予受理"),
    (cases_pb2.CASE_STATUS_WITHDRAWN, "已撤回", "申请人已撤回申请"),
    (cases_pb2.CASE_STATUS_LAPSED, "申请已失效", "未在补正期限内补齐材料"),
    (cases_pb2.CASE_STATUS_UNSPECIFIED, "状态未知", "暂时无法说明这个办件的状态"),
])
def test_every_status_in_words(fakes, status, label, sentence) -> None:
    client, _, cases, _ = fakes
    cases.case.status = status
    html = lookup(client).text
    assert re.search(rf'<span class="status \w+">{label}</span>', html)
    page = text_of(html)
    assert sentence in page
    running = status in (cases_pb2.CASE_STATUS_SUBMITTED, cases_pb2.CASE_STATUS_SUPPLEMENT,
                         cases_pb2.CASE_STATUS_IN_PROGRESS)
    assert ("现在办到了哪一步" in page) == running


def test_a_decision_is_shown_once_its_result_is_published(fakes) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.status = cases_pb2.CASE_STATUS_DECIDED
    c.decision.CopyFrom(cases_pb2.Decision(
        outcome=cases_pb2.DECISION_OUTCOME_APPROVE, document_number="广安区市监许〔2026〕88号",
        certificate="食品经营许可证", valid_until="2031-11-05", decided_by="chief-secret",
        decided_at=stamp(datetime(2026, 11, 5, 7, tzinfo=UTC))))
    decided = page_of(client)
    assert "已作出决定，结果公开后在此显示" in decided
    assert "准予" not in decided and "〔2026〕88号" not in decided
    c.status = cases_pb2.CASE_STATUS_PUBLISHED
    page = page_of(client)
    assert ("决定 准予 文书编号 广安区市监许〔2026〕88号 证照名称 食品经营许可证 "
            "有效期至 2031-11-05 决定时间 2026-11-05 15:00") in page
    assert "chief-secret" not in page
    assert "承诺时限 10 个工作日： 按时办结 （截止 2026-11-13）" in page


def test_a_refusal_shows_its_reasons_and_legal_basis(fakes) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.status = cases_pb2.CASE_STATUS_COMPLETED
    c.decision.CopyFrom(cases_pb2.Decision(
        outcome=cases_pb2.DECISION_OUTCOME_REFUSE, reasons="经营场所不符合要求",
        legal_basis=["《食品经营许可管理办法》第十一条", "《食品安全法》第三十五条"]))
    page = page_of(client)
    assert "决定 不予准予 文书编号 未公布" in page
    assert "理由 经营场所不符合要求" in page
    assert "法律依据 《食品经营许可管理办法》第十一条；《食品安全法》第三十五条" in page


@pytest.mark.parametrize("left, verdict", [(2, "按时办结"), (0, "按时办结"),
                                           (-3, "超期 3 个工作日办结")])
def test_a_completed_case_says_whether_it_was_on_time(fakes, left, verdict) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.status = cases_pb2.CASE_STATUS_COMPLETED
    c.completed_at.CopyFrom(stamp(datetime(2026, 11, 10, 8, tzinfo=UTC)))
    c.promised.CopyFrom(due(10, "2026-11-13", left))
    del c.steps[1:]
    page = page_of(client)
    assert f"承诺时限 10 个工作日： {verdict}" in page
    assert "现在办到了哪一步" not in page and "结束时间 2026-11-10 16:00" in page


def test_a_rejection_gives_its_reason(fakes) -> None:
    client, _, cases, _ = fakes
    c = cases.case
    c.status = cases_pb2.CASE_STATUS_REJECTED
    c.reason = "申请事项不属于本机关职权范围"
    c.ClearField("accepted_at"), c.ClearField("promised"), c.ClearField("statutory")
    page = page_of(client)
    assert "申请不予受理。理由：申请事项不属于本机关职权范围" in page
    assert "受理时间 未受理" in page and "办理时限" not in page


def test_case_page_hides_personal_and_internal_data(fakes) -> None:
    client, _, _, _ = fakes
    html = lookup(client).text
    assert "张**" in html
    for secret in ("张小明", "11010519491231002X", "内部意见", "clerk-secret", "secret-role",
                   "li-secret", "complete_step"):
        assert secret not in html, secret


def test_a_case_run_by_the_engine_reads_right(fakes) -> None:
    """The page on a message the case service itself builds (engine → contract, as the hall's
    token sees it): accepted on Friday 10-30, Tuesday 11-03 a day off."""
    from services.cases.contract import case_to_pb
    from services.cases.domain import engine
    from services.cases.service import actor_of
    from tests.support.cases import APPLICANT, CLERK
    from tests.support.cases import item as snapshot

    item = snapshot()
    at = datetime(2026, 10, 30, 1, 0, tzinfo=UTC)
    submitted = None
    for command in (engine.Submit(CASE_NUMBER, "511602", item, Mode.PROMISED, APPLICANT,
                                  Channel.COUNTER, (("form", 1, 0),)), engine.Accept("齐全")):
        for event in engine.decide(submitted, command, actor_of(CLERK), at, CALENDAR):
            submitted = engine.evolve(submitted, event)
    client, _, cases, _ = fakes
    cases.case = case_to_pb(submitted, CALENDAR, TODAY, internal=False)
    page = page_of(client)
    now = page[page.index("现在办到了哪一步"):page.index("下面要办哪一步")]
    assert "审查 区发展改革局 · 时限 3 个工作日 还剩 2 个工作日 （截止 2026-11-05）" in now
    assert "消防意见 区消防救援大队 · 时限 2 个工作日 还剩 1 个工作日 （截止 2026-11-04）" in now
    assert "下面要办哪一步 决定" in page
    assert "承诺时限 10 个工作日： 还剩 9 个工作日 （截止 2026-11-16）" in page
    assert "张三" not in page
    assert "部门统一社会信用代码 115113016823646795" in page


def test_case_that_does_not_exist_is_a_friendly_404(fakes) -> None:
    client, _, cases, _ = fakes
    cases.fail = FakeRpcError(grpc.StatusCode.NOT_FOUND, error=NotFound("no such case"))
    response = lookup(client, "511602209901010000009")
    assert response.status_code == 404
    assert "没有找到与受理编号和申请人姓名（或查询码）相符的办件" in text_of(response.text)
    assert 'value="511602209901010000009"' in response.text  # the form, filled in again


def test_malformed_case_number_is_404_without_calling(fakes) -> None:
    client, _, cases, _ = fakes
    response = client.get("/cases/<b>x</b>")
    assert response.status_code == 404
    assert "<b>x</b>" not in response.text
    posted = lookup(client, "<b>x</b>")
    assert posted.status_code == 400 and "<b>x</b>" not in posted.text
    assert 'aria-invalid="true"' in posted.text
    assert cases.calls == []


def test_cases_down_is_a_503_page(fakes) -> None:
    client, _, cases, _ = fakes
    cases.fail = FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
    response = lookup(client)
    assert response.status_code == 503
    assert "请稍后再试" in response.text


def test_a_case_is_looked_up_with_its_number_and_a_second_factor(fakes) -> None:
    """The number alone shows nothing: the form asks for the applicant's name or the query
    code, posts them (never in the address) and the case service compares them."""
    client, _, cases, _ = fakes
    form = client.get("/cases")
    assert form.status_code == 200 and 'name="case_number"' in form.text
    assert 'name="applicant_name"' in form.text and 'name="query_code"' in form.text
    # the old address of a case leads to the form, the number filled in
    moved = client.get(f"/cases/{CASE_NUMBER}")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/cases?case_number={CASE_NUMBER}"
    assert f'value="{CASE_NUMBER}"' in client.get(moved.headers["location"]).text
    alone = lookup(client, applicant_name="", query_code="")
    assert alone.status_code == 400 and "请填写申请人姓名" in text_of(alone.text)
    assert cases.calls == []
    assert lookup(client, applicant_name=" 张小明 ").status_code == 200
    assert lookup(client, query_code="abcd 2345").status_code == 200
    (_, by_name, _), (_, by_code, _) = cases.calls
    assert (by_name.case_number, by_name.applicant_name) == (CASE_NUMBER, "张小明")
    assert (by_code.WhichOneof("factor"), by_code.query_code) == ("query_code", "abcd2345")
    bad_code = lookup(client, query_code="编号?")
    assert bad_code.status_code == 400 and "查询码" in text_of(bad_code.text)
    bad = client.get("/cases", params={"case_number": "编号?"})
    assert bad.status_code == 400 and "请核对" in bad.text
    # without the form's token, nothing is looked up
    assert client.post("/cases", data={"case_number": CASE_NUMBER,
                                       "applicant_name": "张小明"}).status_code in (303, 403)
    assert len(cases.calls) == 2


# --- the rest -----------------------------------------------------------------------------
def test_unknown_page_is_a_404_page(fakes) -> None:
    client, _, _, _ = fakes
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text and response.headers["content-type"].startswith(
        "text/html")


def test_pages_are_self_contained_and_fit_a_phone(fakes) -> None:
    client, _, _, _ = fakes
    for html in (lookup(client).text, client.get("/items/it-1").text,
                 client.get("/?q=许可").text):
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
@pytest.mark.parametrize("left, unit, due_date, text", [
    (3, common_pb2.TIME_UNIT_WORKING_DAYS, "2026-11-05", "还剩 3 个工作日"),
    (3, common_pb2.TIME_UNIT_CALENDAR_DAYS, "2026-11-05", "还剩 3 个自然日"),
    (0, common_pb2.TIME_UNIT_WORKING_DAYS, "2026-11-02", "今天到期"),
    (0, common_pb2.TIME_UNIT_WORKING_DAYS, "2026-10-30", "已过截止日期"),  # a Saturday after it
    (0, common_pb2.TIME_UNIT_WORKING_DAYS, "", "时限已用完"),
    (-2, common_pb2.TIME_UNIT_UNSPECIFIED, "2026-10-29", "已超期 2 个工作日"),
])
def test_days_left_text(left, unit, due_date, text) -> None:
    assert days_left_text(left, unit, due_date, TODAY) == text


def test_missing_materials_in_words() -> None:
    assert missing_text("申请表 (form)") == "申请表"
    assert missing_text("营业执照 (licence): 0 originals and 2 copies needed, 0 and 0 given") == (
        "营业执照（需原件 0 份、复印件 2 份，已交原件 0 份、复印件 0 份）")
    assert missing_text("申请表 (Form)") == "申请表 (Form)"


def test_the_process_wiring_builds_without_a_network(tmp_path) -> None:
    from services.hall.server import build
    from services.shared.config import Settings

    app, backend = build(Settings(token_key=SECRET, var_dir=tmp_path, node_name="广安市"))
    try:
        assert {"/", "/items/{item_id}", "/cases", "/cases/{case_number}", "/healthz"} <= {
            getattr(route, "path", "") for route in app.routes}
        # every page's template is compiled at the start: no request compiles one
        env = app.state.templates.env
        compiled = len(env.cache)
        assert compiled == len([n for n in env.list_templates() if n.endswith(".html")]) > 40
        env.compile = lambda *_, **__: pytest.fail("a template compiled after the start")
        env.get_template("track/my_case.html")
        env.get_template("_case_body.html", "track/my_case.html")
        assert len(env.cache) == compiled
    finally:
        backend.close()


# --- rate limits ----------------------------------------------------------------------------
def _limited(rates: RateLimits):  # type: ignore[no-untyped-def]
    catalogue, cases = FakeCatalogue(), FakeCases()
    backend = HallBackend(catalogue, cases, ServiceToken(SECRET, "hall", ["511602"]).header,
                          4.0, {})
    app = create_app(backend, "广安区", today=lambda: TODAY, rates=rates)
    return TestClient(app, raise_server_exceptions=False), catalogue, cases


def test_case_lookups_are_limited_per_client_with_a_chinese_page() -> None:
    """Consecutive case numbers cannot be walked: the fourth lookup within the window is a
    429 page in Chinese with its code and Retry-After, and never reaches the cases service."""
    client, _, cases = _limited(RateLimits(case_lookup="3/minute"))
    for n in range(3):
        assert lookup(client, f"51160220261030000000{n}").status_code == 200
    refused = lookup(client, "511602202610300000004")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    words = text_of(refused.text)
    assert "请求过于频繁" in words and "RATE_LIMITED" in words and "秒后再试" in words
    assert len(cases.calls) == 3
    assert client.get("/").status_code == 200  # the catalogue pages count apart


def test_consultation_lookups_and_questions_without_sign_in_count_as_lookups() -> None:
    """Reading an answer by number and query code is walked like a case lookup; a question
    asked without signing in opens a consultation in a department's list: both are limited."""
    client, _, _ = _limited(RateLimits(case_lookup="2/minute"))
    form = client.get("/consultations")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answers = [client.post("/consultations", data={
        "csrf_token": token, "consultation_id": "bad id!", "query_code": ""}).status_code
        for _ in range(2)]
    assert answers == [400, 400]  # refused on their fields, but counted
    refused = client.post("/consultations", data={
        "csrf_token": token, "consultation_id": "511602-ZX-1", "query_code": "ABCDEFGH"})
    assert refused.status_code == 429 and "RATE_LIMITED" in refused.text
    asked = client.post("/items/it-1/ask", data={"csrf_token": token, "question": "?"})
    assert asked.status_code == 429  # the same client, the same limit


def test_catalogue_pages_are_limited_more_loosely() -> None:
    client, catalogue, _ = _limited(RateLimits(public_reads="4/minute"))
    for _ in range(2):
        assert client.get("/").status_code == 200
        assert client.get("/items/it-1").status_code == 200
    refused = client.get("/items/it-2")
    assert refused.status_code == 429 and "RATE_LIMITED" in refused.text
    assert all(request.item_id != "it-2" for name, request, _ in catalogue.calls
               if name == "GetItemVersion")


def test_my_feedback_says_when_each_answer_was_given() -> None:
    asked = monitoring_pb2.Consultation(consultation_id="c1", title="收费吗", answer="不收费")
    asked.answered_at.FromJsonString("2026-11-03T02:05:00Z")
    assert consultation_row(asked).answered_at == "2026-11-03 10:05"
    waiting = monitoring_pb2.Consultation(consultation_id="c2", title="要带原件吗")
    assert consultation_row(waiting).answered_at == ""
    untimed = monitoring_pb2.Complaint(complaint_id="t1", title="推诿", answer="已整改")
    assert complaint_row(untimed).answered_at == "时间未知"  # unknown, never guessed
    rated = monitoring_pb2.Rating(rating_id="r1", level=4, case_number="n1")
    rated.rectification.reply = "已约谈窗口人员"
    rated.rectification.completed_at.FromJsonString("2026-11-05T08:00:00Z")
    assert rating_row(rated).answered_at == "2026-11-05 16:00"


class FakeMonitoring:
    def __init__(self) -> None:
        self.calls = 0

    def ListOpenCases(self, request, **options):  # noqa: N802
        self.calls += 1
        return monitoring_pb2.ListOpenCasesResponse(total=0)

    def GetOpenStatistics(self, request, **options):  # noqa: N802
        raise FakeRpcError(grpc.StatusCode.UNAVAILABLE)


def test_the_open_feed_is_limited_like_the_catalogue_pages() -> None:
    """动态公开 can be read without end no more than the catalogue: past the public reads'
    rate, the page is the 429 page in Chinese and the JSON feed a JSON refusal, both with
    Retry-After, and the monitoring service is not asked."""
    monitoring = FakeMonitoring()
    backend = HallBackend(FakeCatalogue(), FakeCases(), ServiceToken(
        SECRET, "hall", ["511602"]).header, 4.0, {}, monitoring)
    client = TestClient(create_app(backend, "广安区", today=lambda: TODAY,
                                   rates=RateLimits(public_reads="3/minute")),
                        raise_server_exceptions=False)
    assert client.get("/open").status_code == 200
    assert client.get("/open/cases.json").status_code == 200
    assert client.get("/open?finished=1").status_code == 200
    page = client.get("/open")
    assert page.status_code == 429 and 0 < int(page.headers["Retry-After"]) <= 60
    assert "请求过于频繁" in text_of(page.text) and "RATE_LIMITED" in page.text
    feed = client.get("/open/cases.json")
    assert feed.status_code == 429 and feed.headers["Retry-After"]
    assert feed.json()["code"] == "RATE_LIMITED" and "秒后再试" in feed.json()["message"]
    assert monitoring.calls == 3


def test_departments_are_shown_by_name_and_an_unknown_code_as_unknown(fakes) -> None:
    """The public reads names; the department's credit code is shown beside it — 未知 when
    the catalogue has none, never a guess."""
    client, catalogue, cases, _ = fakes
    c = catalogue.item.content
    c.department_code = "115113016823646795"
    page = text_of(client.get("/items/it-1").text)
    assert "部门统一社会信用代码 115113016823646795" in page
    assert "主体编码" not in page  # the body's code is that same code: shown once
    c.department_code = ""
    page = text_of(client.get("/items/it-1").text)
    assert "部门统一社会信用代码 未知" in page and "主体编码 115113016823646795" in page
    # a branch of a department the catalogue names only by its code, and one by neither
    c.steps[1].parallel_branches[0].department = ""
    c.steps[1].parallel_branches[0].department_code = "11511301008778490F"
    assert "并联办理：11511301008778490F 卫生审查" in text_of(client.get("/items/it-1").text)
    c.steps[1].parallel_branches[0].department_code = ""
    assert "并联办理：未知 卫生审查" in text_of(client.get("/items/it-1").text)
    # a case: its department's code, or 未知; a step of a department known by code only
    page = page_of(client)
    assert "部门统一社会信用代码 未知" in page
    cases.case.department_code = "115113016823646795"
    cases.case.steps.append(step(2, "消防意见", ACTIVE, stage=0, branch="fire",
                                 limit_days=2, department_code="11511300MB1A21304N",
                                 due_date="2026-11-04", days_left=1))
    page = page_of(client)
    assert "部门统一社会信用代码 115113016823646795" in page
    now = page[page.index("现在办到了哪一步"):page.index("下面要办哪一步")]
    assert "消防意见 11511300MB1A21304N · 时限 2 个工作日" in now
