"""A person's own cases in the hall (我的办件), on a fake case service: listed and opened with
the person's own token, who holds each step, supplying the missing materials, withdrawing,
the documents and the access log — and the case service's refusals shown in words."""

from __future__ import annotations

import hashlib
import re

import grpc
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2

from services.hall.app import Access, create_app
from services.hall.apply import Applying
from services.hall.backend import HallBackend
from services.hall.drafts import DraftStore
from services.hall.identity import Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.storage import Limits, LocalStore
from services.hall.tokens import TokenMinter
from services.hall.track import access_view, my_case_row, supplied_materials, supplies
from services.shared.auth import Authenticator
from services.shared.db import Database
from services.shared.token_keys import TokenKey
from tests.support.codes import resident_id

SECRET = TokenKey.generate().to_text()
PASSWORD = "correct horse battery"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
PERSON = resident_id(4242)
NUMBER = "511602202611020000001"


class Refused(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self):  # type: ignore[no-untyped-def]
        return self._code

    def details(self):  # type: ignore[no-untyped-def]
        return ""

    def trailing_metadata(self):  # type: ignore[no-untyped-def]
        return ()


def own_case(status: int = cases_pb2.CASE_STATUS_IN_PROGRESS) -> cases_pb2.Case:
    case = cases_pb2.Case(
        case_number=NUMBER, region="511602", item_id="it-1", item_name="企业投资项目核准",
        department="广安区发展和改革局", status=status, own_view=True, query_code="K7M3P9QX",
        applicant=cases_pb2.Applicant(name="张三", id_type="id_card", id_number=PERSON),
        allowed_actions=["withdraw"], next_steps=["决定"],
        steps=[cases_pb2.CaseStep(index=0, instance_id="s1", name="审查", role="section_chief",
                                  status=cases_pb2.STEP_STATUS_ACTIVE, claimed=True,
                                  department="广安区发展和改革局", limit_days=3,
                                  due_date="2026-11-05", days_left=2)],
        documents=[cases_pb2.DocumentSummary(document_id="d2", kind="acceptance_notice",
                                             title="受理通知书", number="区发改受〔2026〕1号")])
    case.promised.CopyFrom(cases_pb2.Due(limit_days=10, due_date="2026-11-13", left=8))
    return case


class Cases:
    """The case service's stub: what each call was asked, with whose token."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, str]] = []
        self.case = own_case()
        self.refuse: grpc.RpcError | None = None

    def _call(self, name: str, request, metadata):  # type: ignore[no-untyped-def]
        self.calls.append((name, request, dict(metadata)["authorization"]))

    def ListMyCases(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self._call("ListMyCases", request, metadata)
        return cases_pb2.ListMyCasesResponse(cases=[self.case], total=1)

    def GetCase(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self._call("GetCase", request, metadata)
        if request.case_number != NUMBER:
            raise Refused(grpc.StatusCode.NOT_FOUND)
        return cases_pb2.CaseResponse(case=self.case)

    def ListCaseAccesses(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self._call("ListCaseAccesses", request, metadata)
        entry = cases_pb2.CaseAccess(subject="li.clerk", name="李经办", roles="clerk",
                                     department="区发展改革局", call="GetCase",
                                     purpose="核对申请材料")
        entry.at.FromJsonString("2026-11-02T01:30:00Z")
        return cases_pb2.ListCaseAccessesResponse(entries=[entry], total=1)

    def ActOnCase(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self._call("ActOnCase", request, metadata)
        if self.refuse is not None:
            raise self.refuse
        return cases_pb2.CaseResponse(case=self.case)

    def GetDocument(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self._call("GetDocument", request, metadata)
        return cases_pb2.GetDocumentResponse(pdf=b"%PDF-1.7 fake")


class Catalogue:
    def GetItemVersion(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        raise Refused(grpc.StatusCode.UNAVAILABLE)


@pytest.fixture()
def cases() -> Cases:
    return Cases()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def hall(tmp_path, cases, *, uploads: bool, clock: Clock | None = None):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("30/minute", "100/minute"))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    backend = HallBackend(Catalogue(), cases, lambda: "Bearer hall", 5.0)
    applying = Applying(DraftStore(db), LocalStore(tmp_path / "files"),
                        Limits(file_bytes=1000, application_bytes=1500)) if uploads else None
    app = create_app(backend, "广安区", applying=applying, access=Access(
        provider, TokenMinter(SECRET), "k" * 64, session_ttl_s=3600,
        **({"clock": clock} if clock else {})))
    return TestClient(app, follow_redirects=False), db


@pytest.fixture()
def client(tmp_path, cases) -> TestClient:  # type: ignore[no-untyped-def]
    found, db = hall(tmp_path, cases, uploads=False)
    yield found
    db.dispose()


def csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client: TestClient) -> None:
    answer = client.post("/signin", data={"csrf_token": csrf(client, "/signin"),
                                          "kind": "person", "login": PERSON,
                                          "password": PASSWORD, "next": "/my/cases"})
    assert answer.status_code == 303 and answer.headers["location"] == "/my/cases"


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_cases_need_a_sign_in_and_are_asked_for_with_my_own_token(client, cases) -> None:
    away = client.get("/my/cases")
    assert away.status_code == 303 and away.headers["location"].startswith(
        "/signin?next=/my/cases")
    sign_in(client)
    page = client.get("/my/cases")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "企业投资项目核准" in page.text and f'href="/my/cases/{NUMBER}"' in page.text
    assert "当前环节 审查" in words(page.text)
    (name, _, token), = cases.calls
    subject = Authenticator(SECRET).principal(token).subject
    assert name == "ListMyCases" and subject == f"id_card:{PERSON}"
    # the case's old address leads a signed-in person to their own page of it
    assert client.get(f"/cases/{NUMBER}").headers["location"] == f"/my/cases/{NUMBER}"


def test_my_case_shows_who_holds_it_the_documents_and_who_looked(client, cases) -> None:
    sign_in(client)
    page = words(client.get(f"/my/cases/{NUMBER}").text)
    assert "现在由谁办理 审查：广安区发展和改革局 · 科（股）室负责人 （已签收，正在办理）" in page
    assert "查询码 K7M3P9QX" in page
    assert "下载受理通知书（PDF）" in page
    assert "李经办（部门工作人员） 区发展改革局 查看办件：核对申请材料" in page
    assert "2026-11-02 09:30" in page  # Asia/Shanghai
    assert "撤回这个申请" in page and "补正材料" not in page
    pdf = client.get(f"/my/cases/{NUMBER}/documents/d2")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    # another person's case, as the case service answers it: not found
    other = client.get("/my/cases/511602202611020000002")
    assert other.status_code == 404 and "不是您的办件" in words(other.text)


def test_withdrawing_my_case(client, cases) -> None:
    sign_in(client)
    form = client.get(f"/my/cases/{NUMBER}/withdraw")
    assert "确认撤回" in form.text
    key = re.search(r'name="key" value="([0-9a-f]{32})"', form.text).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    done = client.post(f"/my/cases/{NUMBER}/withdraw",
                       data={"csrf_token": token, "key": key, "reason": "不再需要"})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=withdrawn#result")
    name, request, _ = cases.calls[-1]
    assert (name, request.idempotency_key, request.withdraw.reason) == (
        "ActOnCase", key, "不再需要")
    # the case moved on meanwhile: said in words, on the case's page
    cases.refuse = Refused(grpc.StatusCode.FAILED_PRECONDITION)
    again = client.post(f"/my/cases/{NUMBER}/withdraw",
                        data={"csrf_token": token, "key": key, "reason": ""})
    assert again.status_code == 409 and "这项操作现在不能办理" in words(again.text)
    # without the form's token: nothing is sent
    calls = len(cases.calls)
    assert client.post(f"/my/cases/{NUMBER}/withdraw", data={"reason": "x"}).status_code == 403
    assert len(cases.calls) == calls


def test_supplying_the_missing_materials_from_the_case_page(client, cases) -> None:
    cases.case = own_case(cases_pb2.CASE_STATUS_SUPPLEMENT)
    cases.case.allowed_actions[:] = ["receive_supplement", "withdraw"]
    cases.case.supplements.add(request_id="r1", missing=["form", "licence"],
                               due_date="2026-11-20")
    sign_in(client)
    page = client.get(f"/my/cases/{NUMBER}").text
    assert "提交补正材料" in page and 'name="give_licence"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(f"/my/cases/{NUMBER}/supplement",
                          data={"csrf_token": token, "give_form": "1", "originals_form": "x"})
    assert refused.status_code == 400 and "份数应为" in words(refused.text)
    done = client.post(f"/my/cases/{NUMBER}/supplement", data={
        "csrf_token": token, "give_form": "1", "originals_form": "1", "copies_form": "2"})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=supplied#result")
    name, request, _ = cases.calls[-1]
    assert name == "ActOnCase"
    assert [(m.key, m.originals, m.copies) for m in request.receive_supplement.materials] == [
        ("form", 1, 2)]


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


def supplement_wanted(cases: Cases) -> None:
    cases.case = own_case(cases_pb2.CASE_STATUS_SUPPLEMENT)
    cases.case.allowed_actions[:] = ["receive_supplement", "withdraw"]
    cases.case.supplements.add(request_id="r1", missing=["form", "licence"],
                               due_date="2026-11-20")


def test_supplying_uploads_the_missing_materials_files(tmp_path, cases) -> None:
    client, db = hall(tmp_path, cases, uploads=True)
    supplement_wanted(cases)
    sign_in(client)
    page = client.get(f"/my/cases/{NUMBER}").text
    assert 'enctype="multipart/form-data"' in page and 'name="file_licence"' in page
    assert "上传要求" in page and 'aria-describedby="supply-rules"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    calls = len(cases.calls)
    # a text file named .pdf: refused as an application's upload is, tied to its field
    bad = client.post(f"/my/cases/{NUMBER}/supplement", data={
        "csrf_token": token, "give_licence": "1"},
        files={"file_licence": ("执照.pdf", b"just text, not a PDF")})
    assert bad.status_code == 400 and "无法识别这个文件的格式" in bad.text
    assert "FILE_TYPE_NOT_ALLOWED" in bad.text and 'href="#file-licence"' in bad.text
    assert 'aria-describedby="file-licence-error supply-rules"' in bad.text
    big = client.post(f"/my/cases/{NUMBER}/supplement", data={"csrf_token": token},
                      files={"file_licence": ("执照.pdf", PDF + b"\x00" * 2000)})
    assert big.status_code == 400 and "文件太大" in big.text and "FILE_TOO_LARGE" in big.text
    huge = client.post(f"/my/cases/{NUMBER}/supplement", data={"csrf_token": token},
                       files={"file_licence": ("执照.pdf", PDF + b"\x00" * 200_000)})
    assert huge.status_code == 413 and "APPLICATION_TOO_LARGE" in huge.text
    # without the form's token: refused, nothing stored
    forged = client.post(f"/my/cases/{NUMBER}/supplement", data={"csrf_token": "x"},
                         files={"file_licence": ("执照.pdf", PDF)})
    assert forged.status_code == 403 and "CSRF_FAILED" in forged.text
    assert len([c for c in cases.calls[calls:] if c[0] == "ActOnCase"]) == 0
    digest = hashlib.sha256(PDF).hexdigest()
    assert not (tmp_path / "files" / digest[:2]).exists()
    # a PDF for the licence (no counts): stored by its digest, named in ReceiveSupplement
    done = client.post(f"/my/cases/{NUMBER}/supplement", data={
        "csrf_token": token, "give_licence": "1", "originals_licence": "0",
        "copies_licence": "0"}, files={"file_licence": ("营业执照.pdf", PDF)})
    assert done.status_code == 303, done.text
    name, request, _ = cases.calls[-1]
    assert name == "ActOnCase"
    [given] = request.receive_supplement.materials
    assert (given.key, given.originals, given.copies) == ("licence", 0, 0)
    assert [(f.sha256, f.name, f.media_type, f.size) for f in given.files] == [
        (digest, "营业执照.pdf", "application/pdf", len(PDF))]
    assert LocalStore(tmp_path / "files").get(digest) == PDF
    db.dispose()


def test_an_ended_sign_in_on_the_supplement_form_keeps_what_was_typed(tmp_path, cases
                                                                      ) -> None:
    clock = Clock()
    client, db = hall(tmp_path, cases, uploads=True, clock=clock)
    supplement_wanted(cases)
    sign_in(client)
    page = f"/my/cases/{NUMBER}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text).group(1)
    clock.now += 3601  # the sign-in ends while the form is open
    ended = client.post(f"{page}/supplement", data={
        "csrf_token": token, "give_form": "1", "originals_form": "3", "copies_form": "0"},
        files={"file_licence": ("营业执照.pdf", PDF)},
        headers={"referer": f"http://testserver{page}"})
    assert ended.status_code == 303 and "expired=1" in ended.headers["location"]
    assert ended.headers["location"].startswith(f"/signin?next={page}")
    assert not [c for c in cases.calls if c[0] == "ActOnCase"]
    # the cookie gone altogether: the same, from the page's own form
    second = TestClient(client.app, follow_redirects=False)
    lost = second.post(f"{page}/supplement", data={
        "csrf_token": "gone", "give_form": "1", "originals_form": "2"},
        headers={"referer": f"http://testserver{page}", "origin": "http://testserver"})
    assert lost.status_code == 303 and lost.headers["location"] == (
        f"/signin?next={page}&expired=1")
    for browser in (client, second):
        answer = browser.post("/signin", data={
            "csrf_token": csrf(browser, "/signin"), "kind": "person", "login": PERSON,
            "password": PASSWORD, "next": page})
        assert answer.headers["location"] == page
    again = client.get(page).text
    assert "已恢复您登录过期前填写的内容" in again and "请重新选择" in again
    assert 'name="originals_form" type="number" min="0" max="99" value="3"' in again
    assert 'name="originals_form" type="number" min="0" max="99" value="2"' in \
        second.get(page).text
    db.dispose()


def test_the_views_in_words() -> None:
    case = own_case(cases_pb2.CASE_STATUS_SUPPLEMENT)
    case.supplements.add(request_id="r1", missing=["form"])
    wanted = supplies(case, {"form": "申请表"})
    assert [(s.key, s.name) for s in wanted] == [("form", "申请表")]
    # the form proposes what the item asks: a licence asked as one copy is one copy
    case.supplements[0].missing.append("licence")
    asked = supplies(case, {"form": "申请表", "licence": "营业执照"}, {
        "form": ("申请表", 1, 0), "licence": ("营业执照", 0, 1)})
    assert [(s.key, s.originals, s.copies) for s in asked] == [("form", 1, 0),
                                                               ("licence", 0, 1)]
    assert supplied_materials({}, wanted)[2].message.startswith("请至少勾选一项已补齐的材料")
    unstated = supplied_materials({"give_form": "1", "originals_form": "0"}, wanted)[2]
    assert "原件或复印件份数" in unstated.message and unstated.field == "file-form"
    entry = cases_pb2.CaseAccess(subject="sup-1", roles="supervisor", call="GetTrace",
                                 purpose="GetTrace")
    view = access_view(entry)
    assert (view.who, view.department, view.what, view.purpose) == (
        "sup-1（监察人员）", "—", "查看办理痕迹", "")


@pytest.mark.parametrize(("status", "left", "said"), [
    (cases_pb2.CASE_STATUS_IN_PROGRESS, 3, "还剩 3 个工作日"),
    (cases_pb2.CASE_STATUS_COMPLETED, 10, "按时办结"),
    (cases_pb2.CASE_STATUS_PUBLISHED, -2, "超期 2 个工作日办结"),
])
def test_my_cases_list_gives_a_decided_case_its_verdict_not_days_left(status, left,
                                                                      said) -> None:
    from datetime import date  # noqa: PLC0415

    case = cases_pb2.Case(case_number="51160220261130000002", item_name="许可", status=status)
    case.promised.due_date = "2026-12-14"
    case.promised.left = left
    case.promised.unit = 1  # working days
    assert my_case_row(case, date(2026, 11, 30), "x").left == said


def test_a_store_out_of_reach_is_said_on_the_supplement_form_and_nothing_is_sent(
        tmp_path, cases, monkeypatch) -> None:
    from services.hall.storage import StoreUnavailable  # noqa: PLC0415

    client, db = hall(tmp_path, cases, uploads=True)
    supplement_wanted(cases)
    sign_in(client)
    page = client.get(f"/my/cases/{NUMBER}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def out_of_reach(_store, _content: bytes) -> str:
        raise StoreUnavailable("connect timeout")

    monkeypatch.setattr(LocalStore, "put", out_of_reach)
    calls = len(cases.calls)
    answer = client.post(f"/my/cases/{NUMBER}/supplement", data={
        "csrf_token": token, "give_licence": "1", "copies_licence": "1"},
        files={"file_licence": ("营业执照.pdf", PDF)})
    assert answer.status_code == 503 and "FILE_STORE_UNAVAILABLE" in answer.text
    assert "存储服务不可用" in answer.text
    assert not [c for c in cases.calls[calls:] if c[0] == "ActOnCase"]
    db.dispose()


def test_counts_in_other_digits_are_refused_on_their_field(client, cases) -> None:
    supplement_wanted(cases)
    sign_in(client)
    page = client.get(f"/my/cases/{NUMBER}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/my/cases/{NUMBER}/supplement", data={
        "csrf_token": token, "give_licence": "1", "copies_licence": "②"})
    assert answer.status_code == 400 and "份数应为" in answer.text
