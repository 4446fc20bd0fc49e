"""The staff workbench's pages and their logic, over stubs of the case service, the catalogue
and supervision: who may open it, the inbox's marks and filters, the forms turned into the
case service's actions (countermeasures, supplements, decisions), refusals against their
fields, and a supervisor's bulk reassignment — one action per step, keyed from the form."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1 import common_pb2
from sunlight.monitoring.v1 import monitoring_pb2 as mpb

from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.tokens import TokenMinter
from services.hall.workbench import (
    FormProblem,
    InboxQuery,
    action_message,
    days_words,
    flow_view,
    inbox_query,
    inbox_row,
    mark_of,
    material_files,
    material_rows,
    refusal_errors,
    step_views,
)
from services.shared.auth import Authenticator
from services.shared.db import Database
from services.shared.errors import FailedPrecondition, InvalidArgument
from services.shared.token_keys import TokenKey
from tests.support import departments
from tests.unit.test_hall_sign_in import FakeRpcError

SECRET = TokenKey.generate().to_text()
PASSWORD = "Correct-horse-9"
PERSON = "511602199001011236"
NUMBER = "511602202611160000001"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
TODAY = date(2026, 11, 16)
MEASURES = ("双人审核", "全程留痕")


def a_case(status: int = kpb.CASE_STATUS_IN_PROGRESS,
           allowed: tuple[str, ...] = ("claim", "release", "reassign", "complete_step",
                                       "return_step", "start_procedure")) -> kpb.Case:
    case = kpb.Case(case_number=NUMBER, region="511602", item_id="item-1", item_version=1,
                    item_name="企业投资项目核准", department="区发展改革局", status=status,
                    applicant=kpb.Applicant(name="张三", id_type="id_card", id_number=PERSON),
                    allowed_actions=allowed, missing_materials=["plan"])
    case.materials.add(key="form", originals=1)
    case.steps.add(index=0, key="accept", name="受理", role="clerk", instance_id="s1",
                   status=kpb.STEP_STATUS_DONE, stage=-1)
    case.steps.add(index=1, key="review", name="审查", role="reviewer", instance_id="s2",
                   status=kpb.STEP_STATUS_ACTIVE, stage=1, due_date="2026-11-18", days_left=2,
                   department="区发展改革局")
    case.steps.add(index=2, key="review/fire", name="消防意见", role="reviewer",
                   instance_id="s3", status=kpb.STEP_STATUS_ACTIVE, stage=1, branch="fire",
                   due_date="2026-11-16", days_left=0, department="区消防救援大队")
    return case


def content() -> cpb.ItemDraft:
    return cpb.ItemDraft(
        name="企业投资项目核准", department="区发展改革局",
        materials=[cpb.Material(key="form", name="申请表", mandatory=True),
                   cpb.Material(key="plan", name="项目方案", mandatory=True)],
        steps=[cpb.Step(key="accept", name="受理", role="clerk", limit_days=1,
                        kind=cpb.STEP_KIND_ACCEPTANCE),
               cpb.Step(key="review", name="审查", role="reviewer", limit_days=3,
                        kind=cpb.STEP_KIND_REVIEW,
                        parallel_branches=[cpb.Branch(key="fire", name="消防意见",
                                                      department="区消防救援大队")],
                        risk_points=[cpb.RiskPoint(description="吃拿卡要",
                                                   level=cpb.RISK_LEVEL_HIGH,
                                                   countermeasures=MEASURES)]),
               cpb.Step(key="decide", name="决定", role="chief", limit_days=2,
                        kind=cpb.STEP_KIND_DECISION, returns_to=["review"])])


# --- the logic -----------------------------------------------------------------------------
def test_days_left_and_marks_in_words_not_colour_alone() -> None:
    working = common_pb2.TIME_UNIT_WORKING_DAYS
    assert days_words(3, "2026-11-19", working) == "剩 3 个工作日"
    assert days_words(0, "2026-11-16", working) == "今天到期"
    assert days_words(-2, "2026-11-12", common_pb2.TIME_UNIT_CALENDAR_DAYS) == "超期 2 天"
    assert days_words(-2, "", working) == "计时暂停"
    assert mark_of(2, "2026-11-18") == ("", "")
    assert mark_of(1, "2026-11-17") == ("near", "临近时限")
    assert mark_of(0, "2026-11-16") == ("near", "临近时限")
    assert mark_of(-1, "2026-11-13") == ("over", "超期")
    assert mark_of(-5, "") == ("", "")  # a stopped clock is neither near nor over


def test_an_inbox_row_names_the_applicant_and_whose_step_it_is() -> None:
    entry = kpb.QueueEntry(case_number=NUMBER, item_name="企业投资项目核准",
                           applicant_name="张三", step=a_case().steps[2])
    entry.step.assignee = "fire-1"
    row = inbox_row(entry, "fire-1")
    assert (row.applicant, row.step, row.mark, row.days_left, row.mine) == (
        "张三", "消防意见", "near", "今天到期", True)
    assert inbox_row(entry, "other").mine is False


def test_the_inbox_query_keeps_its_filters_and_refuses_what_is_wrong() -> None:
    query, problem = inbox_query("mine", "1", "", "", " 张三 ", "2", "NTA")
    assert problem == "" and query.request() == {
        "mine_only": True, "unclaimed_only": True, "role": "", "department_code": "",
        "query": "张三", "page_token": "NTA"}
    assert query.href(page=3, token="NjA") == (
        "/workbench?view=mine&unclaimed=1&q=%E5%BC%A0%E4%B8%89&page=3&token=NjA")
    assert InboxQuery().href() == "/workbench?view=group"
    bad, problem = inbox_query("everything", "", "", "区发展改革局", "", "x", "")
    assert bad.view == "group" and bad.department == "" and "18 位" in problem
    assert bad.page == 1


def test_the_flow_shows_where_the_case_stands_and_its_parallel_branch() -> None:
    stages = flow_view(a_case(), content())
    assert [(s.name, s.state) for s in stages] == [
        ("受理", "done"), ("审查", "current"), ("决定", "waiting")]
    assert stages[1].branches == [("消防意见", "区消防救援大队", "办理中")]
    assert flow_view(a_case(), None) == []


def test_the_materials_and_the_completeness_check() -> None:
    rows, missing = material_rows(a_case(), content())
    assert rows == [("form", "申请表（必需）", "原件 1 份，复印件 0 份", False),
                    ("plan", "项目方案（必需）", "未提交", True)]
    assert missing == [("plan", "项目方案")]
    # as the case service words its findings: "name (key)", or with what was short
    said = a_case()
    del said.missing_materials[:]
    said.missing_materials.append("项目方案 (plan): 1 originals and 0 copies needed, 0 and 0 "
                                  "given")
    assert material_rows(said, content()) == (rows, missing)
    # an upload is shown as what it is, and listed for the staff to open
    uploaded = a_case()
    uploaded.materials.add(key="plan").files.add(sha256="a" * 64, name="方案.pdf",
                                                  media_type="application/pdf", size=2048)
    assert material_rows(uploaded, content())[0][1][2] == "电子文件 1 个"
    assert [f.name for f in material_files(uploaded)["plan"]] == ["方案.pdf"]


def test_risk_points_become_countermeasure_checkboxes_of_the_step() -> None:
    review, fire = step_views(a_case(), content())
    assert [name for r in review.risks for name, _ in r.countermeasures] == [
        "cm-s2-0", "cm-s2-1"]
    assert review.risks[0].high and not review.free_countermeasure
    # a branch publishes none of its own: it shows its stage's, and may state its own
    assert fire.branch and fire.risks_of == "审查" and fire.free_countermeasure
    message = action_message("complete_step", {
        "instance_id": "s2", "cm-s2-1": "1", "opinion": " 同意 "}, a_case(),
        [review, fire], TODAY)
    assert (message.instance_id, list(message.countermeasures), message.opinion) == (
        "s2", ["全程留痕"], "同意")
    branch = action_message("complete_step", {
        "instance_id": "s3", "cm-s3-0": "1", "cm-s3-other": "现场核验\n\n签字确认"},
        a_case(), [review, fire], TODAY)
    assert list(branch.countermeasures) == ["双人审核", "现场核验", "签字确认"]
    # the free text is not offered (nor sent) where the item publishes the step's list
    own = action_message("complete_step", {"instance_id": "s2", "cm-s2-other": "别的"},
                         a_case(), [review, fire], TODAY)
    assert list(own.countermeasures) == []


def test_forms_are_checked_field_by_field_before_the_service_is_asked() -> None:
    steps = step_views(a_case(), content())
    with pytest.raises(FormProblem) as gone:
        action_message("complete_step", {"instance_id": "s9"}, a_case(), steps, TODAY)
    assert "instance_id" in gone.value.errors
    with pytest.raises(FormProblem) as reject:
        action_message("reject", {"reasons": " ", "reason_code": "MADE_UP"}, a_case(), [],
                       TODAY)
    assert set(reject.value.errors) == {"reasons", "reason_code"}
    with pytest.raises(FormProblem) as supplement:
        action_message("request_supplement", {"due_date": "2026-11-16"}, a_case(), [],
                       TODAY)
    assert supplement.value.errors == {"missing": "请至少选择一项需要补正的材料。",
                                       "due_date": "补正期限应在今天以后。"}
    asked = action_message("request_supplement", {"missing-plan": "1",
                                                  "due_date": "2026-11-30"}, a_case(), [],
                           TODAY)
    assert (list(asked.missing), asked.due_date) == (["plan"], "2026-11-30")
    with pytest.raises(FormProblem) as refusal:
        action_message("decide", {"outcome": "refuse", "reasons": "不符合条件"}, a_case(),
                       [], TODAY)
    assert set(refusal.value.errors) == {"legal_basis"}
    with pytest.raises(FormProblem) as returned:
        action_message("return_step", {"instance_id": "s2", "to_key": "accept",
                                       "reason": "补充"}, a_case(), steps, TODAY)
    assert set(returned.value.errors) == {"to_key"}
    with pytest.raises(FormProblem) as extension:
        action_message("start_procedure", {"kind": str(common_pb2.SPECIAL_PROCEDURE_EXTENSION),
                                           "reason": "情况复杂"}, a_case(), [], TODAY)
    assert set(extension.value.errors) == {"extension_days"}


def test_a_decision_with_a_penalty_within_its_discretion_standard() -> None:
    message = action_message("decide", {
        "outcome": "impose", "reasons": "违法事实清楚", "legal_basis": "《某法》第十条\n",
        "circumstance": "ordinary", "measure-fine": "1", "measure-warning": "1",
        "amount": "1500.5"}, a_case(), [], TODAY)
    assert message.outcome == kpb.DECISION_OUTCOME_IMPOSE
    assert list(message.legal_basis) == ["《某法》第十条"]
    assert list(message.penalty.measures) == ["warning", "fine"]
    assert (message.penalty.amount.units, message.penalty.amount.nanos) == (1500, 500_000_000)
    with pytest.raises(FormProblem) as wrong:
        action_message("decide", {"outcome": "impose", "circumstance": "ordinary",
                                  "amount": "一千"}, a_case(), [], TODAY)
    assert set(wrong.value.errors) == {"measures", "amount"}


def test_refusals_of_the_case_service_go_to_their_fields_in_chinese() -> None:
    unknown = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument.of_field(
        "countermeasures", "not countermeasures of step", code="UNKNOWN_COUNTERMEASURE"))
    assert set(refusal_errors(unknown)) == {"countermeasures"}
    reasons = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument.of_field(
        "reject.reasons", "required"))
    assert refusal_errors(reasons) == {"reasons": "理由不符合要求，请检查后再提交。"}
    state = FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, FailedPrecondition("no"))
    assert "刷新" in refusal_errors(state)[""]
    assert refusal_errors(FakeRpcError(grpc.StatusCode.INTERNAL)) is None


# --- the pages -----------------------------------------------------------------------------
class Cases:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, str]] = []
        self.case = a_case()
        self.refuse: grpc.RpcError | None = None

    def ListQueue(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("ListQueue", request, dict(metadata)["authorization"]))
        answer = kpb.ListQueueResponse(total=2)
        for step in self.case.steps[1:]:
            answer.entries.add(case_number=NUMBER, item_name="企业投资项目核准",
                               applicant_name="张三", step=step)
        return answer

    def GetCase(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        return kpb.CaseResponse(case=self.case)

    def ActOnCase(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("ActOnCase", request, dict(metadata)["authorization"]))
        if self.refuse is not None:
            raise self.refuse
        return kpb.CaseResponse(case=self.case)

    def GetTrace(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        return kpb.GetTraceResponse(entries=[kpb.TraceEntry(seq=1, action="case.submitted",
                                                            actor="clerk-1")])

    def VerifyTrace(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        return kpb.VerifyTraceResponse(intact=True, entries=1, head="ab" * 32)


class Catalogue:
    def GetItemVersion(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        return cpb.GetItemVersionResponse(item=cpb.ItemVersion(item_id=request.item_id,
                                                            version=1, content=content()))


class Monitoring:
    def ListWarnings(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        assert request.case_number == NUMBER
        return mpb.ListWarningsResponse(warnings=[mpb.Warning(
            warning_id=f"{NUMBER}:STEP_LIMIT:s2:1", case_number=NUMBER, rule_title="环节超时",
            severity=mpb.SEVERITY_YELLOW, status=mpb.WARNING_STATUS_OPEN,
            explanation="「审查」环节即将超时。")], total=1)


@pytest.fixture()
def cases() -> Cases:
    return Cases()


@pytest.fixture()
def catalogue() -> Catalogue:
    return Catalogue()


@pytest.fixture()
def monitoring() -> Monitoring:
    return Monitoring()


@pytest.fixture()
def client(tmp_path, cases, catalogue, monitoring) -> TestClient:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("100/minute", "100/minute"))
    provider.add(Kind.STAFF, "li.review", "李审查", PASSWORD, roles=("clerk",),
                 regions=("511602",), department_code=departments.DEVELOPMENT,
                 department_name="区发展改革局", positions=("reviewer",))
    provider.add(Kind.STAFF, "wang.jc", "王监察", PASSWORD, roles=("supervisor",),
                 regions=("511602",))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    backend = HallBackend(catalogue, cases, lambda: "Bearer hall", 5.0, monitoring=monitoring)
    app = create_app(backend, "广安区", today=lambda: TODAY, access=Access(
        provider, TokenMinter(SECRET), "k" * 64, session_ttl_s=3600))
    yield TestClient(app, follow_redirects=False)
    db.dispose()


def csrf(client: TestClient, path: str = "/signin") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client: TestClient, login: str = "li.review", kind: str = "staff") -> None:
    answer = client.post("/signin", data={"csrf_token": csrf(client), "kind": kind,
                                          "login": login, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 303


def test_the_workbench_is_for_staff_and_sends_others_to_sign_in(client) -> None:
    away = client.get("/workbench?view=mine")
    assert away.status_code == 303 and away.headers["location"].startswith(
        "/signin?next=/workbench%3Fview%3Dmine")
    sign_in(client, PERSON, "person")
    page = client.get("/workbench")
    assert page.status_code == 403 and "工作台仅供工作人员使用" in page.text
    assert "STAFF_ONLY" in page.text and page.headers["cache-control"] == "no-store"


def test_the_inbox_asks_the_case_service_as_the_staff_member(client, cases) -> None:
    sign_in(client)
    page = client.get("/workbench?view=mine&q=张三&unclaimed=1")
    assert page.status_code == 200
    (_, request, header), = cases.calls
    assert (request.mine_only, request.unclaimed_only, request.query) == (True, True, "张三")
    principal = Authenticator(SECRET).principal(header)
    assert (principal.subject, principal.department) == ("li.review", departments.DEVELOPMENT)
    assert "今天到期" in page.text and "临近时限" in page.text and "剩 2 个工作日" in page.text
    assert 'name="pick-' not in page.text  # no bulk reassignment for a handler
    assert "/workbench/cases/" + NUMBER in page.text


def test_a_handler_completes_a_step_with_its_countermeasures(client, cases) -> None:
    sign_in(client)
    path = f"/workbench/cases/{NUMBER}"
    page = client.get(path)
    assert page.status_code == 200
    assert "吃拿卡要" in page.text and 'name="cm-s2-0"' in page.text
    assert "缺少 1 项必需材料：项目方案" in page.text and "痕迹完整" in page.text
    assert "环节超时" in page.text and 'aria-current="step"' in page.text
    key = re.search(r'name="key" value="([^"]+-complete_step-s2)"', page.text).group(1)
    done = client.post(f"{path}/act/complete_step", data={
        "csrf_token": csrf(client, path), "key": key, "instance_id": "s2",
        "cm-s2-0": "1", "cm-s2-1": "1", "opinion": "同意"})
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"{path}?done=complete_step")
    (_, request, _), = [c for c in cases.calls if c[0] == "ActOnCase"]
    assert request.idempotency_key == key and request.case_number == NUMBER
    assert list(request.complete_step.countermeasures) == list(MEASURES)


class Meeting:
    """The calls a page makes at once (each on its own thread), each answered only once
    ``expected`` of them are under way: a page that waited for one before starting the next
    would see it fail at its deadline (DEADLINE_EXCEEDED, after ``deadline_s`` here)."""

    def __init__(self, expected: int, deadline_s: float = 2.0) -> None:
        self.expected, self.deadline_s = expected, deadline_s
        self.timeouts: list[float] = []
        self.all_started = threading.Event()
        self._lock = threading.Lock()

    def join(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """A stub's method that answers as ``call`` once the meeting is full."""
        def method(request: Any, timeout: float, metadata: Any) -> Any:
            with self._lock:
                self.timeouts.append(timeout)
                if len(self.timeouts) == self.expected:
                    self.all_started.set()
            if not self.all_started.wait(self.deadline_s):
                raise FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED)
            return call(request, timeout, metadata)
        return method


def refused(code: grpc.StatusCode) -> Callable[..., Any]:
    """A stub's method that fails with ``code``."""
    def method(request: Any, timeout: float, metadata: Any) -> Any:
        raise FakeRpcError(code)
    return method


def test_a_case_page_asks_for_the_rest_at_once_with_each_calls_deadline(
        client, cases, catalogue, monitoring) -> None:
    """Once it has the case, the page starts its item version, trace, the trace's check and
    the case's warnings together, each with the backend's deadline, and waits for them."""
    meeting = Meeting(4)
    cases.GetTrace, cases.VerifyTrace = (meeting.join(cases.GetTrace),
                                         meeting.join(cases.VerifyTrace))
    catalogue.GetItemVersion = meeting.join(catalogue.GetItemVersion)
    monitoring.ListWarnings = meeting.join(monitoring.ListWarnings)
    sign_in(client)
    page = client.get(f"/workbench/cases/{NUMBER}")
    assert page.status_code == 200
    assert "痕迹完整：共 1 条记录" in page.text and "环节超时" in page.text
    assert "吃拿卡要" in page.text  # the item version's risk points
    assert meeting.timeouts == [5.0] * 4


@pytest.mark.parametrize(("failing", "absent", "present"), [
    ("GetTrace", "痕迹完整", "办理痕迹暂时无法读取"),
    ("VerifyTrace", "痕迹完整", "办理痕迹暂时无法读取"),
    ("ListWarnings", "环节超时", "预警暂时无法读取"),
    ("GetItemVersion", "吃拿卡要", "事项的内部流程暂时无法读取")])
def test_a_case_page_shows_without_a_side_call_that_failed(
        client, cases, catalogue, monitoring, failing, absent, present) -> None:
    meeting = Meeting(4)
    for stub, name in ((cases, "GetTrace"), (cases, "VerifyTrace"),
                       (catalogue, "GetItemVersion"), (monitoring, "ListWarnings")):
        setattr(stub, name, meeting.join(refused(grpc.StatusCode.UNAVAILABLE) if name == failing
                                         else getattr(stub, name)))
    sign_in(client)
    page = client.get(f"/workbench/cases/{NUMBER}")
    assert page.status_code == 200
    assert absent not in page.text and present in page.text
    assert "当前环节：审查" in page.text  # the case itself


def test_a_case_page_is_not_found_without_its_case_and_asks_nothing_else(
        client, cases, catalogue, monitoring) -> None:
    meeting = Meeting(4)
    cases.GetTrace, cases.VerifyTrace = (meeting.join(cases.GetTrace),
                                         meeting.join(cases.VerifyTrace))
    catalogue.GetItemVersion = meeting.join(catalogue.GetItemVersion)
    monitoring.ListWarnings = meeting.join(monitoring.ListWarnings)
    cases.GetCase = refused(grpc.StatusCode.NOT_FOUND)
    sign_in(client)
    page = client.get(f"/workbench/cases/{NUMBER}")
    assert page.status_code == 404 and "没有找到受理编号为" in page.text
    assert meeting.timeouts == []


def test_a_refusal_is_shown_against_its_field_and_keeps_what_was_typed(client, cases) -> None:
    sign_in(client)
    path = f"/workbench/cases/{NUMBER}"
    cases.refuse = FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument.of_field(
        "countermeasures", "no", code="UNKNOWN_COUNTERMEASURE"))
    refused = client.post(f"{path}/act/complete_step", data={
        "csrf_token": csrf(client, path), "key": "k1", "instance_id": "s3",
        "cm-s3-other": "自拟措施", "opinion": "消防同意"})
    assert refused.status_code == 400
    assert "所选防范措施不是本环节公布的措施" in refused.text
    assert "aria-describedby=\"complete_step-s3-cm-error\"" in refused.text
    assert "自拟措施" in refused.text and "消防同意" in refused.text
    empty = client.post(f"{path}/act/return_step", data={
        "csrf_token": csrf(client, path), "key": "k2", "instance_id": "s2", "reason": ""})
    assert empty.status_code == 400 and "请选择退回到哪一个环节" in empty.text


def test_a_supervisor_reassigns_many_steps_at_once_each_recorded(client, cases) -> None:
    sign_in(client, "wang.jc")
    inbox = client.get("/workbench")
    assert inbox.status_code == 200 and 'name="pick-01"' in inbox.text
    token = csrf(client, "/workbench")
    done = client.post("/workbench/reassign", data={
        "csrf_token": token, "key": "bulk1", "to": "reviewer-2",
        "pick-01": f"{NUMBER}/s2", "pick-02": f"{NUMBER}/s3", "view": "group"})
    assert done.status_code == 200 and "已改派 2 个环节给 reviewer-2" in done.text
    acts = [c[1] for c in cases.calls if c[0] == "ActOnCase"]
    assert [(a.reassign.instance_id, a.reassign.to, a.idempotency_key) for a in acts] == [
        ("s2", "reviewer-2", f"bulk1:{NUMBER}:s2"), ("s3", "reviewer-2", f"bulk1:{NUMBER}:s3")]
    nobody = client.post("/workbench/reassign", data={"csrf_token": token, "to": "x"})
    assert nobody.status_code == 400 and "请至少勾选一个环节" in nobody.text


def test_a_handler_may_not_reassign_in_bulk(client, cases) -> None:
    sign_in(client)
    refused = client.post("/workbench/reassign", data={
        "csrf_token": csrf(client, "/workbench"), "to": "x", "pick-01": f"{NUMBER}/s2"})
    assert refused.status_code == 403 and "只有监察人员和管理员可以改派" in refused.text
    assert not [c for c in cases.calls if c[0] == "ActOnCase"]


def test_a_form_without_the_sessions_token_acts_on_nothing(client, cases) -> None:
    sign_in(client)
    refused = client.post(f"/workbench/cases/{NUMBER}/act/claim",
                          data={"instance_id": "s2", "csrf_token": "forged"})
    assert refused.status_code == 403
    assert not [c for c in cases.calls if c[0] == "ActOnCase"]
