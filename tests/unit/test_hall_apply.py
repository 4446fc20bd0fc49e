"""Applying online at the hall, over a SQLite file and fake catalogue and case services: the
storage port and what it accepts (magic bytes, limits, digests), the draft store, and the
pages — start, whom for, conditions, uploads (a refused file said on the same form), check
your answers with its change links, submit, the receipt with the completeness check's
answer; who may see a draft and its files; an ended session keeping the answers."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2

from services.hall.app import Access, create_app
from services.hall.apply import Applying
from services.hall.backend import HallBackend
from services.hall.drafts import DraftClosed, DraftStore
from services.hall.identity import Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.storage import (
    FileRefused,
    Limits,
    LocalStore,
    StoreUnavailable,
    check_upload,
    clean_name,
    sniff,
)
from services.hall.tokens import TokenMinter
from services.shared.auth import Authenticator
from services.shared.codes import resident_id_check_char
from services.shared.db import Database
from services.shared.token_keys import TokenKey
from tests.support import departments

SECRET = TokenKey.generate().to_text()
PERSON = "511602199001011236"
OTHER = "51160219850505123" + resident_id_check_char("51160219850505123")
ENTERPRISE = departments.DEVELOPMENT
PASSWORD = "Correct-horse-9"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def ofd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD/>")
    return out.getvalue()


# --- the storage port and what it accepts ---------------------------------------------------
def test_types_are_told_by_their_content_not_their_name() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(ofd()) == "application/ofd"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as package:
        package.writestr("word/document.xml", "<w/>")
    assert sniff(plain_zip.getvalue()) is None  # a .docx is a ZIP, not an OFD
    assert sniff(b"PK\x03\x04broken") is None
    assert sniff(b"MZ\x90\x00 an executable called scan.pdf") is None
    assert sniff(b"<html>%PDF-") is None


def test_uploads_are_refused_with_a_reason_when_empty_too_large_or_of_another_type() -> None:
    limits = Limits(file_bytes=100, application_bytes=150)
    accepted = check_upload(PDF, "C:\\扫描\\申请表.pdf", limits)
    assert accepted.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (accepted.size, accepted.media_type, accepted.name) == (
        len(PDF), "application/pdf", "申请表.pdf")
    for data, already, code in ((b"", 0, "FILE_EMPTY"), (PDF + b"x" * 100, 0, "FILE_TOO_LARGE"),
                                (PDF, 140, "APPLICATION_TOO_LARGE"),
                                (b"hello", 0, "FILE_TYPE_NOT_ALLOWED")):
        with pytest.raises(FileRefused) as refused:
            check_upload(data, "a.pdf", limits, already)
        assert refused.value.code == code and refused.value.message
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("\x00\x1f") == "未命名文件"
    assert len(clean_name("很" * 300 + ".pdf")) == 200 and clean_name(
        "很" * 300 + ".pdf").endswith(".pdf")


# --- the draft store ------------------------------------------------------------------------
@pytest.fixture()
def db(tmp_path):  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_drafts_belong_to_their_owner_and_stop_changing_once_submitted(db) -> None:
    store = DraftStore(db)
    me, other = f"id_card:{PERSON}", f"id_card:{OTHER}"
    draft = store.create(me, "it-1", 2, "建设工程规划许可", "511602", {"for": "self"})
    assert store.get(draft.draft_id, other) is None
    assert store.open_for(me, "it-1").draft_id == draft.draft_id
    assert store.open_for(other, "it-1") is None
    saved = store.save_answers(draft.draft_id, me, {"name": "张三"})
    assert saved.answers == {"for": "self", "name": "张三"}
    file = {"sha256": "ab" * 32, "name": "a.pdf", "media_type": "application/pdf",
            "size": 10}
    store.add_file(draft.draft_id, me, "form", file)
    twice = store.add_file(draft.draft_id, me, "form", file)
    assert len(twice.files_of("form")) == 1 and twice.total_bytes == 10

    def too_big(current) -> None:  # type: ignore[no-untyped-def]
        raise FileRefused("APPLICATION_TOO_LARGE", "太大")

    with pytest.raises(FileRefused):
        store.add_file(draft.draft_id, me, "form", {**file, "sha256": "cd" * 32}, fits=too_big)
    with pytest.raises(KeyError):
        store.save_answers(draft.draft_id, other, {"name": "李四"})
    assert store.remove_file(draft.draft_id, me, "form", "ab" * 32).files == ()
    done = store.mark_submitted(draft.draft_id, me, "511602202612080000001", "ACDE3467",
                                {"missing": []})
    assert done.submitted and done.query_code == "ACDE3467"
    with pytest.raises(DraftClosed):
        store.save_answers(draft.draft_id, me, {"name": "王五"})
    assert store.open_for(me, "it-1") is None
    assert [d.draft_id for d in store.of_owner(me)] == [draft.draft_id]


# --- the pages ------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Catalogue:
    def __init__(self) -> None:
        self.item = catalogue_pb2.ItemVersion(item_id="it-1", version=3)
        c = self.item.content
        c.name, c.region, c.department = "食品经营许可", "511602", "区市场监管局"
        c.acceptance_conditions.extend(["有与经营的食品品种相适应的场所", "有食品安全管理人员"])
        c.materials.extend([
            catalogue_pb2.Material(key="form", name="申请书", mandatory=True, originals=1),
            catalogue_pb2.Material(key="licence", name="营业执照", mandatory=True, copies=1),
            catalogue_pb2.Material(key="plan", name="平面图", mandatory=False)])

    def GetItemVersion(self, request, **options):  # noqa: N802
        found = catalogue_pb2.ItemVersion()
        found.CopyFrom(self.item)
        return catalogue_pb2.GetItemVersionResponse(item=found)


class Cases:
    """Answers as the case service would: the missing mandatory materials, a query code;
    the internal view of a case only to the department's staff."""

    def __init__(self) -> None:
        self.submitted: list[tuple[cases_pb2.SubmitApplicationRequest, str]] = []
        self.authenticator = Authenticator(SECRET)

    def SubmitApplication(self, request, timeout, metadata):  # noqa: N802
        who = self.authenticator.principal(dict(metadata)["authorization"])
        self.submitted.append((request, who.subject))
        given = {m.key for m in request.materials if m.files}
        case = cases_pb2.Case(case_number="511602202612080000001", status=3,
                              query_code="ACDE3467", channel=request.channel,
                              department="区市场监管局",
                              missing_materials=[f"{name} ({key})" for key, name in (
                                  ("form", "申请书"), ("licence", "营业执照"))
                                  if key not in given])
        case.materials.extend(request.materials)
        return cases_pb2.CaseResponse(case=case)

    def GetCase(self, request, timeout, metadata):  # noqa: N802
        who = self.authenticator.principal(dict(metadata)["authorization"])
        self.material_reads = [*getattr(self, "material_reads", []), request.material_sha256]
        case = cases_pb2.Case(case_number=request.case_number)
        if who.department == ENTERPRISE:  # the department's staff: the internal view
            for r, _ in self.submitted:
                case.materials.extend(r.materials)
        return cases_pb2.CaseResponse(case=case)


class Files(LocalStore):
    """The local store, which can be made unreachable (as a remote store can be)."""

    down = False

    def put(self, data: bytes) -> str:
        if self.down:
            raise StoreUnavailable("put: connection refused")
        return super().put(data)

    def get(self, sha256: str) -> bytes | None:
        if self.down:
            raise StoreUnavailable("get: read timeout")
        return super().get(sha256)


@pytest.fixture()
def world(db, tmp_path):  # type: ignore[no-untyped-def]
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("100/minute", "100/minute"))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    provider.add(Kind.PERSON, OTHER, "李四", PASSWORD)
    provider.add(Kind.STAFF, "li.clerk", "李经办", PASSWORD, roles=("clerk",),
                 regions=("511602",), department_code=ENTERPRISE, department_name="区市场监管局")
    provider.add(Kind.STAFF, "edu.clerk", "赵经办", PASSWORD, roles=("clerk",),
                 regions=("511602",), department_code=departments.EDUCATION)
    cases, clock = Cases(), Clock()
    backend = HallBackend(Catalogue(), cases, lambda: "Bearer hall", 5.0)
    files = Files(tmp_path / "files")
    app = create_app(backend, "广安区", access=Access(
        provider, TokenMinter(SECRET), "k" * 64, session_ttl_s=3600, clock=clock),
        applying=Applying(DraftStore(db), files, Limits(file_bytes=1000,
                                                          application_bytes=1500)))
    return TestClient(app, follow_redirects=False), cases, clock, files


def token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no form token on {path}"
    return found.group(1)


def sign_in(client: TestClient, login: str = PERSON, kind: str = "person") -> None:
    answer = client.post("/signin", data={"csrf_token": token(client, "/signin"),
                                          "kind": kind, "login": login, "password": PASSWORD})
    assert answer.status_code == 303


def post(client: TestClient, path: str, page: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": token(client, page), **data})


def upload(client: TestClient, base: str, key: str, name: str, data: bytes
           ):  # type: ignore[no-untyped-def]
    return client.post(f"{base}/materials/{key}", data={
        "csrf_token": token(client, f"{base}/materials")}, files={"file": (name, data)})


def started(client: TestClient) -> str:
    answer = post(client, "/items/it-1/apply", "/items/it-1/apply")
    assert answer.status_code == 303
    return answer.headers["location"].removesuffix("/applicant")


def test_a_person_applies_uploads_checks_changes_and_submits(world) -> None:
    client, cases, _, files = world
    assert client.get("/items/it-1/apply").headers["location"].startswith("/signin?next=")
    sign_in(client)
    start = client.get("/items/it-1/apply")
    assert start.status_code == 200 and "申请书" in start.text and "开始申请" in start.text
    base = started(client)
    # the applicant's details come from the account
    page = client.get(f"{base}/applicant")
    assert 'value="张三"' in page.text and PERSON in page.text
    assert post(client, f"{base}/applicant", f"{base}/applicant", **{
        "for": "self", "name": "张三"}).headers["location"] == f"{base}/conditions"
    # a condition left unanswered: the same form, the error tied to its field
    refused = post(client, f"{base}/conditions", f"{base}/conditions", c0="yes")
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.text
    assert 'href="#c1-yes"' in refused.text
    assert post(client, f"{base}/conditions", f"{base}/conditions", c0="yes", c1="yes"
                ).headers["location"] == f"{base}/materials"
    # uploads: a PDF accepted, a text file renamed .pdf refused on the same form
    assert upload(client, base, "form", "申请书.pdf", PDF).status_code == 303
    bad = upload(client, base, "licence", "执照.pdf", b"just text, not a PDF")
    assert bad.status_code == 400 and "无法识别这个文件的格式" in bad.text
    assert 'id="file-licence"' in bad.text and 'aria-invalid="true"' in bad.text
    assert "FILE_TYPE_NOT_ALLOWED" in bad.text and "申请书.pdf" in bad.text
    big = upload(client, base, "licence", "big.png", PNG + b"\x00" * 2000)
    assert big.status_code == 400 and "文件太大" in big.text
    assert files.get(hashlib.sha256(PDF).hexdigest()) == PDF
    own = client.get(f"{base}/files/{hashlib.sha256(PDF).hexdigest()}")
    assert own.status_code == 200 and own.content == PDF
    assert own.headers["content-type"] == "application/pdf"
    assert own.headers["cache-control"].startswith("no-store")
    # check your answers: a change link per answer; changing one comes back here
    check = client.get(f"{base}/check")
    assert check.text.count("?from=check") >= 6 and "营业执照" in check.text
    changed = post(client, f"{base}/applicant?from=check", f"{base}/applicant?from=check",
                   **{"for": "self", "name": "张三丰", "from": "check"})
    assert changed.headers["location"] == f"{base}/check"
    assert "张三丰" in client.get(f"{base}/check").text
    # submit: the completeness check answers at once
    done = post(client, f"{base}/submit", f"{base}/check")
    assert done.headers["location"] == f"{base}/receipt"
    request, subject = cases.submitted[-1]
    assert subject == f"id_card:{PERSON}" and request.channel == cases_pb2.CHANNEL_ONLINE
    assert (request.applicant.name, request.applicant.id_number) == ("张三丰", PERSON)
    assert request.item_version == 3 and request.region == "511602"
    assert [(m.key, m.files[0].sha256) for m in request.materials] == [
        ("form", hashlib.sha256(PDF).hexdigest())]
    receipt = client.get(f"{base}/receipt")
    assert "511602202612080000001" in receipt.text and "ACDE3467" in receipt.text
    assert "材料不齐全" in receipt.text and "营业执照" in receipt.text
    # a submitted application no longer changes; its pages lead to the receipt
    assert client.get(f"{base}/materials").headers["location"] == f"{base}/receipt"
    assert "511602202612080000001" in client.get("/applications").text


def test_a_store_out_of_reach_is_said_on_the_form_and_nothing_is_lost(world) -> None:
    client, _, _, files = world
    sign_in(client)
    base = started(client)
    post(client, f"{base}/applicant", f"{base}/applicant", **{"for": "self", "name": "张三"})
    assert upload(client, base, "form", "申请书.pdf", PDF).status_code == 303
    files.down = True
    refused = upload(client, base, "licence", "执照.png", PNG)
    assert refused.status_code == 503 and "FILE_STORE_UNAVAILABLE" in refused.text
    assert "文件暂时无法保存" in refused.text and 'id="file-licence"' in refused.text
    assert "申请书.pdf" in refused.text  # what was uploaded before is still there
    reading = client.get(f"{base}/files/{hashlib.sha256(PDF).hexdigest()}")
    assert reading.status_code == 503 and "文件暂时无法读取" in reading.text
    files.down = False
    assert upload(client, base, "licence", "执照.png", PNG).status_code == 303
    assert "执照.png" in client.get(f"{base}/check").text


def test_a_declared_unmet_condition_stops_the_submission(world) -> None:
    client, cases, _, _ = world
    sign_in(client)
    base = started(client)
    post(client, f"{base}/applicant", f"{base}/applicant", **{"for": "self", "name": "张三"})
    post(client, f"{base}/conditions", f"{base}/conditions", c0="yes", c1="no")
    check = client.get(f"{base}/check")
    assert "您声明不符合受理条件" in check.text and "提交申请</button>" not in check.text
    refused = post(client, f"{base}/submit", f"{base}/check")
    assert refused.status_code == 400 and not cases.submitted


def test_an_agent_applies_for_someone_both_named(world) -> None:
    client, cases, _, _ = world
    sign_in(client, OTHER)
    base = started(client)
    wrong = post(client, f"{base}/applicant", f"{base}/applicant", **{
        "for": "other", "applicant_name": "张三", "applicant_id_type": "id_card",
        "applicant_id_number": PERSON[:17] + "0", "authorisation": "受托"})
    assert wrong.status_code == 400 and "应为" in wrong.text
    missing_note = post(client, f"{base}/applicant", f"{base}/applicant", **{
        "for": "other", "applicant_name": "张三", "applicant_id_type": "id_card",
        "applicant_id_number": PERSON})
    assert missing_note.status_code == 400 and "委托授权" in missing_note.text
    post(client, f"{base}/applicant", f"{base}/applicant", **{
        "for": "other", "applicant_name": "张三", "applicant_id_type": "id_card",
        "applicant_id_number": PERSON, "authorisation": "张三之子，持授权委托书"})
    post(client, f"{base}/conditions", f"{base}/conditions", c0="yes", c1="yes")
    assert "代他人申请（代办）" in client.get(f"{base}/check").text
    post(client, f"{base}/submit", f"{base}/check")
    request, subject = cases.submitted[-1]
    assert subject == f"id_card:{OTHER}" and request.channel == cases_pb2.CHANNEL_AGENT
    assert (request.applicant.id_number, request.agent.id_number) == (PERSON, OTHER)
    assert request.agent_authorisation == "张三之子，持授权委托书"


def test_drafts_and_files_are_only_their_owners_and_the_cases_staff(world) -> None:
    client, cases, _, _ = world
    sign_in(client)
    base = started(client)
    upload(client, base, "form", "申请书.pdf", PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    # another person, on another device: neither the draft nor its file
    other = TestClient(client.app, follow_redirects=False)
    sign_in(other, OTHER)
    assert other.get(f"{base}/check").status_code == 404
    assert other.get(f"{base}/files/{digest}").status_code == 404
    assert other.get("/applications").text.count("食品经营许可") == 0
    # the owner, on another device: the same draft
    phone = TestClient(client.app, follow_redirects=False)
    sign_in(phone)
    assert "食品经营许可" in phone.get("/applications").text
    assert phone.get("/items/it-1/apply").headers["location"] == base
    # staff: a case's files, when the case service gives them its internal view
    post(client, f"{base}/applicant", f"{base}/applicant", **{"for": "self", "name": "张三"})
    post(client, f"{base}/conditions", f"{base}/conditions", c0="yes", c1="yes")
    post(client, f"{base}/submit", f"{base}/check")
    staff = TestClient(client.app, follow_redirects=False)
    sign_in(staff, "li.clerk", "staff")
    served = staff.get(f"/staff/cases/511602202612080000001/files/{digest}")
    assert served.status_code == 200 and served.content == PDF
    # the case service is told which file is served: it audits the download as such
    assert cases.material_reads[-1] == digest
    stranger = TestClient(client.app, follow_redirects=False)
    sign_in(stranger, "edu.clerk", "staff")
    assert stranger.get(f"/staff/cases/511602202612080000001/files/{digest}"
                        ).status_code == 404
    assert staff.get("/items/it-1/apply").status_code == 403  # staff do not apply online


def test_an_ended_session_leads_to_sign_in_and_keeps_the_answers(world) -> None:
    client, _, clock, _ = world
    sign_in(client)
    base = started(client)
    form = token(client, f"{base}/applicant")
    clock.now += 3601  # the sign-in ends
    answer = client.post(f"{base}/applicant", data={
        "csrf_token": form, "for": "self", "name": "张三（已改）"},
        headers={"referer": f"http://testserver{base}/applicant"})
    assert answer.status_code == 303
    location = unquote(answer.headers["location"])
    assert location.startswith("/signin?next=") and f"{base}/applicant" in location
    assert "expired=1" in location
    sign_in(client)
    restored = client.get(f"{base}/applicant")
    assert "张三（已改）" in restored.text and "已恢复" in restored.text


def test_a_lost_session_cookie_leads_to_sign_in_and_back_with_the_answers(world) -> None:
    """The session cookie itself expired (the browser dropped it): the form posted from the
    page is not refused with a bare 403 but leads to sign-in, and back with what was typed."""
    client, cases, _, _ = world
    sign_in(client)
    base = started(client)
    form = token(client, f"{base}/applicant")
    client.cookies.clear()  # the cookie's own age ran out: no session at all
    answer = client.post(f"{base}/applicant", data={
        "csrf_token": form, "for": "self", "name": "张三（过期后）"},
        headers={"referer": f"http://testserver{base}/applicant",
                 "sec-fetch-site": "same-origin"})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/signin?next=") and "expired=1" in location
    assert unquote(location).split("next=")[1].split("&")[0] == f"{base}/applicant"
    signin = client.get(location)
    assert signin.status_code == 200 and "您的登录已过期" in signin.text
    assert "未提交的内容会保留" in signin.text
    back = client.post("/signin", data={
        "csrf_token": token(client, location), "kind": "person", "login": PERSON,
        "password": PASSWORD, "next": f"{base}/applicant"})
    assert back.headers["location"] == f"{base}/applicant"
    restored = client.get(f"{base}/applicant")
    assert "张三（过期后）" in restored.text and "已恢复" in restored.text
    assert not cases.submitted
    # a form posted to the hall from another site keeps nothing for later
    client.cookies.clear()
    forged = client.post(f"{base}/applicant", data={"for": "self", "name": "别人填的"},
                         headers={"referer": f"http://testserver{base}/applicant",
                                  "sec-fetch-site": "cross-site"})
    assert forged.status_code == 303 and forged.headers["location"].startswith("/signin")
    sign_in(client)
    assert "别人填的" not in client.get(f"{base}/applicant").text


def test_an_upload_without_a_stated_length_is_refused_before_it_is_read(world) -> None:
    """A chunked body would be spooled to disk whole before the size limits are checked."""
    client, _, _, files = world
    sign_in(client)
    base = started(client)
    csrf = token(client, f"{base}/materials")
    boundary = "sunlightboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() + PDF + \
        f"\r\n--{boundary}--\r\n".encode()

    def chunks():  # an iterator: sent chunked, with no Content-Length
        yield body

    refused = client.post(f"{base}/materials/form", content=chunks(), headers={
        "content-type": f"multipart/form-data; boundary={boundary}"})
    assert refused.status_code == 411 and "LENGTH_REQUIRED" in refused.text
    assert files.get(hashlib.sha256(PDF).hexdigest()) is None


def test_a_form_over_the_size_or_the_field_limit_is_refused_with_a_reason(world) -> None:
    """The hall's form limits (sessions.MAX_FORM_BYTES, MAX_FORM_FIELDS): a body over 64 KiB
    is 413 FORM_TOO_LARGE before it is parsed; more than 50 fields is 400 FORM_INVALID."""
    from services.hall.sessions import MAX_FORM_BYTES, MAX_FORM_FIELDS

    client, *_ = world
    sign_in(client)
    base = started(client)
    csrf = token(client, f"{base}/applicant")
    at_limit = {"csrf_token": csrf, "for": "self", "name": "张三"}
    assert client.post(f"{base}/applicant", data=at_limit).status_code in (200, 303)
    too_long = client.post(f"{base}/applicant", data={**at_limit,
                                                      "name": "x" * MAX_FORM_BYTES})
    assert too_long.status_code == 413 and "FORM_TOO_LARGE" in too_long.text
    many = {**at_limit, **{f"f{i}": "1" for i in range(MAX_FORM_FIELDS)}}
    too_many = client.post(f"{base}/applicant", data=many)
    assert too_many.status_code == 400 and "FORM_INVALID" in too_many.text
