"""Signing in to the hall and its sessions, on the local provider over a SQLite file and a
fake supervision stub: check characters, Argon2, attempt limits, CSRF, the session's end,
the tokens the hall calls the services with, and who may open the dashboard."""

from __future__ import annotations

import re
from urllib.parse import unquote

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2
from sunlight.monitoring.v1 import monitoring_pb2 as mpb

from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import (
    BAD_CREDENTIALS,
    INVALID_LOGIN,
    TOO_MANY_ATTEMPTS,
    Kind,
    SignInRefused,
)
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords, normalise_login
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.sessions import SESSION_COOKIE, safe_next
from services.hall.tokens import TokenMinter
from services.shared.auth import Authenticator
from services.shared.codes import credit_check_char, resident_id_check_char
from services.shared.db import Database
from services.shared.errors import DomainError, FailedPrecondition
from services.shared.grpc_errors import to_status
from services.shared.token_keys import TokenKey
from tests.support import departments

SECRET = TokenKey.generate().to_text()
PERSON = "511602199001011236"
ENTERPRISE = departments.DEVELOPMENT
PASSWORD = "Correct-horse-9"
WARNING_ID = "511602202611160000001:STEP_LIMIT:s2:1"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeRpcError(grpc.RpcError, grpc.Call):
    def __init__(self, code: grpc.StatusCode, error: DomainError | None = None) -> None:
        self._code = code
        status = to_status(error) if error else None
        self._details = status.message if status else ""
        self._trailers = (("grpc-status-details-bin", status.SerializeToString()),
                          ) if status else ()

    def code(self):  # type: ignore[no-untyped-def]
        return self._code

    def details(self):  # type: ignore[no-untyped-def]
        return self._details

    def trailing_metadata(self):  # type: ignore[no-untyped-def]
        return self._trailers

    def initial_metadata(self):  # type: ignore[no-untyped-def]
        return ()

    def is_active(self):  # type: ignore[no-untyped-def]
        return False

    def time_remaining(self):  # type: ignore[no-untyped-def]
        return None

    def cancel(self):  # type: ignore[no-untyped-def]
        return False

    def add_callback(self, callback):  # type: ignore[no-untyped-def]
        return False


def a_warning(status: int = mpb.WARNING_STATUS_CONTESTED) -> mpb.Warning:
    w = mpb.Warning(warning_id=WARNING_ID, case_number="511602202611160000001",
                    region="511602", department="区发展改革局", rule="STEP_LIMIT",
                    rule_title="环节超时", subject="s2", severity=mpb.SEVERITY_RED,
                    status=status, explanation="「审查」环节已超过 3 个工作日的时限。",
                    handler="reviewer-1", department_code=ENTERPRISE)
    w.facts["limit_days"] = "3"
    w.history.add(by="supervision", action="raised", severity=mpb.SEVERITY_YELLOW)
    return w


class Monitoring:
    """Supervision's stub: remembers who called, answers one warning."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, str]] = []
        self.refuse: grpc.RpcError | None = None
        self.status = mpb.WARNING_STATUS_CONTESTED

    def _who(self, metadata) -> str:  # type: ignore[no-untyped-def]
        return dict(metadata)["authorization"]

    def ListWarnings(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("ListWarnings", request, self._who(metadata)))
        return mpb.ListWarningsResponse(warnings=[a_warning()], total=1)

    def GetWarning(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("GetWarning", request, self._who(metadata)))
        return mpb.WarningResponse(warning=a_warning(self.status))

    def ActOnWarning(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("ActOnWarning", request, self._who(metadata)))
        if self.refuse is not None:
            raise self.refuse
        return mpb.WarningResponse(warning=a_warning(mpb.WARNING_STATUS_UPHELD))

    def Evaluate(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("Evaluate", request, self._who(metadata)))
        if self.refuse is not None:
            raise self.refuse
        known = mpb.EvaluationRow(rank=1, key=ENTERPRISE, name="区发展改革局", handled=4,
                                  on_time_rate=0.75, overdue=1, red_warnings=1)
        unknown = mpb.EvaluationRow(rank=0, key=departments.FIRE, name="区消防救援大队",
                                    unknown=["on_time_rate"])
        return mpb.EvaluateResponse(period=request.period, rows=[known, unknown],
                                    row_count=2, notes=["投诉数尚未统计"])

    def ExportEvaluation(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.calls.append(("ExportEvaluation", request, self._who(metadata)))
        if request.format == mpb.EXPORT_FORMAT_SVG:
            return mpb.ExportEvaluationResponse(content=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                                media_type="image/svg+xml",
                                                filename="evaluation.svg")
        return mpb.ExportEvaluationResponse(content="\ufeff名次,部门\r\n".encode(),
                                            media_type="text/csv; charset=utf-8",
                                            filename="evaluation-511602-department-2026-11.csv")


@pytest.fixture()
def provider(tmp_path) -> LocalIdentityProvider:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    found = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                  limits=SignInLimits.of("3/minute", "100/minute"))
    found.add(Kind.STAFF, "wang.jc", "王监察", PASSWORD, roles=("supervisor",),
              regions=("511602",))
    found.add(Kind.STAFF, "li.clerk", "李经办", PASSWORD, roles=("clerk",),
              regions=("511602",), department_code=ENTERPRISE, department_name="区发展改革局")
    found.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    yield found
    db.dispose()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def monitoring() -> Monitoring:
    return Monitoring()


@pytest.fixture()
def client(provider, clock, monitoring) -> TestClient:  # type: ignore[no-untyped-def]
    backend = HallBackend(object(), object(), lambda: "Bearer hall", 5.0,
                          monitoring=monitoring)
    app = create_app(backend, "广安区", access=Access(
        provider, TokenMinter(SECRET), "k" * 64, session_ttl_s=3600, clock=clock,
        live_poll_s=1))
    return TestClient(app, follow_redirects=False)


def csrf(client: TestClient, path: str = "/signin") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no form token on {path}"
    return found.group(1)


def sign_in(client: TestClient, login: str = "wang.jc", kind: str = "staff",
            password: str = PASSWORD, next_: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/signin", data={"csrf_token": csrf(client), "kind": kind,
                                        "login": login, "password": password, "next": next_})


# --- what a person types -----------------------------------------------------------------
def test_resident_id_numbers_and_credit_codes_are_checked_by_their_check_character() -> None:
    assert normalise_login(Kind.PERSON, " 51160219900101123x ".replace("x", "6")) == PERSON
    wrong = PERSON[:17] + ("0" if PERSON[17] != "0" else "1")
    with pytest.raises(SignInRefused) as refused:
        normalise_login(Kind.PERSON, wrong)
    assert refused.value.code == INVALID_LOGIN and refused.value.field == "login"
    assert f"应为 {resident_id_check_char(PERSON[:17])}" in refused.value.message
    assert normalise_login(Kind.ENTERPRISE, ENTERPRISE.lower()) == ENTERPRISE
    bad_code = ENTERPRISE[:17] + ("0" if ENTERPRISE[17] != "0" else "1")
    with pytest.raises(SignInRefused) as refused:
        normalise_login(Kind.ENTERPRISE, bad_code)
    assert f"应为 {credit_check_char(ENTERPRISE[:17])}" in refused.value.message
    with pytest.raises(SignInRefused, match="组织机构代码"):
        normalise_login(Kind.ENTERPRISE, ENTERPRISE[8:17])
    with pytest.raises(SignInRefused, match="出生日期"):
        normalise_login(Kind.PERSON, "511602199013011236")
    assert normalise_login(Kind.STAFF, "Wang.JC") == "wang.jc"
    with pytest.raises(SignInRefused):
        normalise_login(Kind.STAFF, "王 监察")


def test_passwords_are_argon2id_hashes_verified_only_by_the_password() -> None:
    stored = FAST.hash(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert FAST.verify(stored, PASSWORD)
    assert not FAST.verify(stored, PASSWORD + "x")
    assert not FAST.verify(None, PASSWORD)  # no such account: refused all the same
    assert not FAST.verify("not a hash", PASSWORD)
    assert Passwords(PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
                     ).needs_rehash(stored)


def test_sign_in_answers_the_same_for_an_unknown_account_and_a_wrong_password(
        provider) -> None:
    identity = provider.authenticate(Kind.PERSON, PERSON, PASSWORD, "10.0.0.1")
    assert (identity.kind, identity.subject, identity.display_name) == (
        Kind.PERSON, PERSON, "张三")
    answers = []
    for login, password in ((PERSON, "wrong-password"), ("110101199003070011", PASSWORD)):
        with pytest.raises(SignInRefused) as refused:
            provider.authenticate(Kind.PERSON, login, password, "10.0.0.1")
        answers.append((refused.value.code, refused.value.message))
    assert answers[0] == answers[1] and answers[0][0] == BAD_CREDENTIALS
    with pytest.raises(SignInRefused, match="不正确"):  # a person is no staff account
        provider.authenticate(Kind.STAFF, PERSON, PASSWORD, "10.0.0.1")


def test_failed_passwords_are_limited_per_account_and_attempts_per_client(
        provider, tmp_path) -> None:
    for _ in range(3):
        with pytest.raises(SignInRefused, match="不正确"):
            provider.authenticate(Kind.STAFF, "wang.jc", "guess-guess", "10.0.0.2")
    with pytest.raises(SignInRefused) as refused:  # even the right password, from anywhere
        provider.authenticate(Kind.STAFF, "wang.jc", PASSWORD, "10.0.0.3")
    assert refused.value.code == TOO_MANY_ATTEMPTS and refused.value.retry_after
    # another account is not locked by it
    assert provider.authenticate(Kind.STAFF, "li.clerk", PASSWORD, "10.0.0.2").staff
    per_client = LocalIdentityProvider(provider.store, "511602", passwords=FAST,
                                       limits=SignInLimits.of("100/minute", "2/minute"))
    for login in ("li.clerk", "wang.jc"):
        with pytest.raises(SignInRefused):
            per_client.authenticate(Kind.STAFF, login, "nope-nope", "10.0.0.9")
    with pytest.raises(SignInRefused) as refused:
        per_client.authenticate(Kind.STAFF, "li.clerk", PASSWORD, "10.0.0.9")
    assert refused.value.code == TOO_MANY_ATTEMPTS
    assert per_client.authenticate(Kind.STAFF, "li.clerk", PASSWORD, "10.0.0.10").staff


def test_staff_accounts_say_what_a_token_may_say(provider) -> None:
    from services.shared.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="department"):
        provider.add(Kind.STAFF, "zhao.clerk", "赵", PASSWORD, roles=("clerk",),
                     regions=("511602",))
    with pytest.raises(InvalidArgument, match="regions"):
        provider.add(Kind.STAFF, "zhao.sup", "赵", PASSWORD, roles=("supervisor",),
                     regions=("999999",))
    with pytest.raises(SignInRefused, match="已经存在"):
        provider.add(Kind.STAFF, "wang.jc", "王", PASSWORD, roles=("supervisor",),
                     regions=("511602",))
    with pytest.raises(SignInRefused, match="至少 8 位"):
        provider.add(Kind.PERSON, "110101199003070011", "李", "short")


# --- pages -------------------------------------------------------------------------------
def test_sign_in_sets_a_signed_http_only_same_site_cookie(client) -> None:
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/supervision"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    assert "王监察" not in cookie and "wang.jc" not in cookie  # signed, not readable
    tampered = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, "x" + tampered[1:])
    assert client.get("/supervision").status_code == 303  # a changed cookie signs nobody in


def test_a_refused_sign_in_is_shown_on_the_form_and_too_many_answer_429(client) -> None:
    page = sign_in(client, PERSON[:17] + "0", kind="person")
    assert page.status_code == 400
    assert 'aria-invalid="true"' in page.text and "f-login-error" in page.text
    for _ in range(3):
        assert sign_in(client, password="wrong-guess").status_code == 400
    limited = sign_in(client)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "尝试次数过多" in limited.text


def test_every_form_is_refused_without_the_sessions_csrf_token(client) -> None:
    posts = {r.path for r in client.app.routes if "POST" in getattr(r, "methods", ())}
    assert posts >= {"/signin", "/signup", "/signout",
                     "/supervision/warnings/{warning_id}/{action}"}
    sign_in(client)
    for path in posts:
        url = path.replace("{warning_id}", WARNING_ID).replace("{action}", "uphold")
        for token in ("", "forged"):
            answer = client.post(url, data={"csrf_token": token, "reason": "x",
                                            "login": "wang.jc", "password": PASSWORD})
            assert answer.status_code == 403, url
            assert "CSRF_FAILED" in answer.text and "表单已失效" in answer.text
    assert client.get("/supervision").status_code == 200  # still signed in: nothing acted


def test_an_ended_sign_in_leads_back_to_sign_in_and_then_to_the_page(client, clock) -> None:
    sign_in(client)
    assert client.get("/supervision?show=all").status_code == 200
    clock.now += 3601
    answer = client.get("/supervision?show=all")
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/signin?next=") and location.endswith("&expired=1")
    back = unquote(location.split("next=")[1].split("&expired")[0])
    assert back == "/supervision?show=all"
    page = client.get(location)
    assert page.status_code == 200 and "您的登录已过期" in page.text
    assert f'name="next" value="{back}"' in page.text
    assert sign_in(client, next_=back).headers["location"] == back
    # the live list answers JSON a script understands, never a page
    clock.now += 3601
    live = client.get("/supervision/warnings.json")
    assert live.status_code == 401 and live.json()["code"] == "SESSION_EXPIRED"


def test_a_form_posted_after_the_sign_in_ended_is_kept_for_after_signing_in(
        client, clock, monitoring) -> None:
    sign_in(client)
    page = f"/supervision/warnings/{WARNING_ID}"
    token = csrf(client, page)
    clock.now += 3601
    answer = client.post(f"{page}/uphold", data={"csrf_token": token, "reason": "理由如下",
                                                 "key": "k-1"}, headers={"referer": page})
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert not [c for c in monitoring.calls if c[0] == "ActOnWarning"]
    sign_in(client, next_=page)
    restored = client.get(page)
    assert "已恢复您登录过期前填写的内容" in restored.text and "理由如下" in restored.text


def test_the_hall_calls_supervision_with_a_token_of_the_signed_in_supervisor(
        client, monitoring) -> None:
    sign_in(client)
    assert client.get("/supervision").status_code == 200
    _, _, header = monitoring.calls[-1]
    principal = Authenticator(SECRET).principal(header)
    assert (principal.subject, principal.roles, principal.regions) == (
        "wang.jc", ("supervisor",), ("511602",))
    assert "Bearer hall" not in header


def test_the_dashboard_ranks_departments_of_the_month_with_its_chart_and_csv(
        client, monitoring) -> None:
    sign_in(client)
    page = client.get("/supervision")
    assert page.status_code == 200 and "尚未提供" not in page.text
    (_, request, _), = [c for c in monitoring.calls if c[0] == "Evaluate"]
    assert re.fullmatch(r"\d{4}-\d{2}", request.period)
    rankings = page.text[page.text.index('id="rankings-heading"'):]
    assert "区发展改革局" in rankings and "75.0%" in rankings
    # a rate the evaluation does not know is said to be unknown, never 0
    assert re.search(r"区消防救援大队</th><td>0</td><td>未知</td>", rankings)
    assert 'src="/supervision/rankings.svg"' in rankings and "投诉数尚未统计" in rankings
    chart = client.get("/supervision/rankings.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    table = client.get("/supervision/rankings.csv")
    assert table.status_code == 200 and table.content.startswith("\ufeff名次".encode())
    assert 'filename="evaluation-511602-department-2026-11.csv"' in table.headers[
        "content-disposition"]
    assert client.get("/supervision/rankings.pdf").status_code == 404
    # without the evaluation, the warnings still show, and the rankings say why not
    monitoring.refuse = FakeRpcError(grpc.StatusCode.UNAVAILABLE)
    monitoring.calls.clear()
    monitoring_list = client.get("/supervision")
    assert monitoring_list.status_code == 200 and "效能评估暂时无法读取" in monitoring_list.text


def test_the_rankings_are_for_supervisors_only(client) -> None:
    sign_in(client, "li.clerk")
    assert client.get("/supervision/rankings.svg").status_code == 403


def test_a_supervisor_upholds_a_warning_once_per_form(client, monitoring) -> None:
    sign_in(client)
    page = f"/supervision/warnings/{WARNING_ID}"
    shown = client.get(page)
    assert "环节超时" in shown.text and "维持预警" in shown.text and "撤销预警" in shown.text
    token = csrf(client, page)
    key = re.search(r'name="key" value="([^"]+-uphold)"', shown.text).group(1)
    empty = client.post(f"{page}/uphold", data={"csrf_token": token, "reason": " ",
                                                "key": key})
    assert empty.status_code == 400 and "请填写维持的理由" in empty.text
    done = client.post(f"{page}/uphold", data={"csrf_token": token, "reason": "理由充分",
                                               "key": key})
    assert done.status_code == 303 and done.headers["location"] == f"{page}?done=uphold"
    (_, request, _), = [c for c in monitoring.calls if c[0] == "ActOnWarning"]
    assert request.idempotency_key == key and request.uphold.reason == "理由充分"
    monitoring.status = mpb.WARNING_STATUS_UPHELD  # as shown; the service then refuses
    monitoring.refuse = FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, FailedPrecondition(
        "no", code="WARNING_NOT_RED"))
    refused = client.post(f"{page}/hold_accountable", data={
        "csrf_token": token, "measure": "诫勉谈话", "key": "k2"})
    assert refused.status_code == 409 and "责任追究只适用于红牌预警" in refused.text
    assert "诫勉谈话" in refused.text  # what was typed is not lost


@pytest.mark.parametrize(("login", "kind"), [("li.clerk", "staff"), (PERSON, "person")])
def test_who_is_no_supervisor_gets_a_page_that_explains(client, login, kind) -> None:
    assert sign_in(client, login, kind).headers["location"] == "/"
    page = client.get("/supervision")
    assert page.status_code == 403 and "仅供监察人员使用" in page.text
    assert "SUPERVISORS_ONLY" in page.text


def test_signing_up_and_out(client, provider) -> None:
    token = csrf(client, "/signup")
    taken = client.post("/signup", data={"csrf_token": token, "kind": "person",
                                         "login": PERSON, "name": "张三",
                                         "password": PASSWORD, "password_again": PASSWORD})
    assert taken.status_code == 400 and "已经注册过了" in taken.text
    other = "110101199003070011"
    other = other[:17] + resident_id_check_char(other[:17])
    made = client.post("/signup", data={"csrf_token": token, "kind": "person",
                                        "login": other, "name": "李四",
                                        "password": PASSWORD, "password_again": PASSWORD})
    assert made.status_code == 303
    assert "您已作为 李四 登录" in client.get("/signin").text
    assert provider.store.get(other).display_name == "李四"
    token = csrf(client, "/signin")
    out = client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 303
    assert client.get("/supervision").status_code == 303


def test_the_way_back_after_signing_in_stays_on_this_site() -> None:
    assert safe_next("/supervision?show=all") == "/supervision?show=all"
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil", "javascript:x"):
        assert safe_next(elsewhere) == "/"


def test_staff_and_applicants_get_tokens_the_services_accept() -> None:
    from services.hall.identity import Identity

    minter = TokenMinter(SECRET, ttl_s=300)
    auth = Authenticator(SECRET)
    staff = Identity(Kind.STAFF, "li.clerk", "李经办", ("clerk",), ("511602",), ENTERPRISE,
                     "区发展改革局", ("chief",))
    principal = auth.principal(minter.header(staff))
    assert principal.department == ENTERPRISE and principal.positions == ("chief",)
    assert minter.header(staff) == minter.header(staff)  # kept while it lives
    person = Identity(Kind.PERSON, PERSON, "张三", (), ("510000",))
    principal = auth.principal(minter.header(person))
    assert principal.roles == ("public",) and principal.subject == f"id_card:{PERSON}"
    assert not principal.can("supervision.read") and principal.can("feedback.submit")


def test_a_case_timeline_shows_the_verified_trace(client) -> None:
    class Cases:
        def GetCase(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
            return cases_pb2.CaseResponse(case=cases_pb2.Case(
                case_number=request.case_number, item_name="企业投资项目核准",
                department="区发展改革局", status=cases_pb2.CASE_STATUS_IN_PROGRESS))

        def GetTrace(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
            return cases_pb2.GetTraceResponse(entries=[
                cases_pb2.TraceEntry(seq=1, actor="clerk-1", action="case.submitted",
                                     hash="a" * 64),
                cases_pb2.TraceEntry(seq=2, actor="clerk-1", action="case.accepted",
                                     opinion="材料齐全", hash="b" * 64)])

        def VerifyTrace(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
            return cases_pb2.VerifyTraceResponse(intact=False, entries=2, broken_at=2,
                                                 reason="hash mismatch")

    sign_in(client)
    client.app.state.backend._cases = Cases()
    page = client.get("/supervision/cases/511602202611160000001")
    assert page.status_code == 200
    assert "受理" in page.text and "材料齐全" in page.text
    assert "痕迹不完整：从第 2 条起无法核验" in page.text and "未通过核验" in page.text
