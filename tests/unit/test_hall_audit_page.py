"""The supervision page of the audit (/supervision/audit), on fakes: the case service's audit
asked with the supervisor's own token and filters, shown in Chinese with the numbers masked;
the hall's sign-in records for supervisors of the node's region, counted and paged with the
filters kept; nobody else gets the page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sunlight.cases.v1 import cases_pb2

from services.hall.app import Access, create_app
from services.hall.backend import HallBackend
from services.hall.identity import Kind
from services.hall.identity import storage as t
from services.hall.identity.accounts import AccountStore
from services.hall.identity.credentials import Passwords
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.sign_in_audit import OK, WRONG_PASSWORD, SignInAudit, audit_key
from services.hall.tokens import TokenMinter
from services.shared.auth import Authenticator
from services.shared.db import Database
from services.shared.token_keys import TokenKey

SECRET = TokenKey.generate().to_text()
PASSWORD = "Correct-horse-9"
PERSON = "511602199001011236"
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Cases:
    def __init__(self) -> None:
        self.asked: list[tuple[cases_pb2.ListAccessAuditRequest, str]] = []

    def ListAccessAudit(self, request, timeout, metadata):  # type: ignore[no-untyped-def]  # noqa: N802
        who = Authenticator(SECRET, "511602").principal(dict(metadata)["authorization"])
        self.asked.append((request, who.subject))
        entry = cases_pb2.CaseAccess(
            case_number="51160220261130000001", subject="id_card:511602********1236",
            name="张三", roles="public", view="detail", channel="hall", own=True,
            purpose="GetCase")
        entry.at.FromJsonString("2026-11-30T01:00:00Z")
        other = cases_pb2.CaseAccess(
            case_number="51160220261130000001", subject="li.clerk", name="李经办",
            roles="clerk", department="区发展改革局", view="material", target="ab" * 32,
            channel="federation", asserted_by="511600", purpose="核对材料")
        other.at.FromJsonString("2026-11-30T02:00:00Z")
        return cases_pb2.ListAccessAuditResponse(entries=[other, entry], total=2)


@pytest.fixture()
def world(tmp_path):  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'hall.db'}", "hall")
    t.metadata.create_all(db.engine)
    provider = LocalIdentityProvider(AccountStore(db), "511602", passwords=FAST,
                                     limits=SignInLimits.of("100/minute", "100/minute"))
    provider.add(Kind.STAFF, "wang.jc", "王监察", PASSWORD, roles=("supervisor",),
                 regions=("511602",))
    provider.add(Kind.STAFF, "zhao.jc", "赵监察", PASSWORD, roles=("supervisor",),
                 regions=("511603",))
    provider.add(Kind.PERSON, PERSON, "张三", PASSWORD)
    cases = Cases()
    audit = SignInAudit(db, audit_key(SECRET))
    app = create_app(HallBackend(object(), cases, lambda: "Bearer hall", 5.0), "广安区",
                     access=Access(provider, TokenMinter(SECRET, "511602"), "k" * 64,
                                   session_ttl_s=3600, sign_ins=audit))
    yield app, cases, audit
    db.dispose()


def sign_in(app, login: str, kind: str = "staff", password: str = PASSWORD) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert token
    client.post("/signin", data={"csrf_token": token.group(1), "kind": kind, "login": login,
                                 "password": password})
    return client


def test_a_supervisor_reads_who_read_which_file_and_who_signed_in(world) -> None:
    app, cases, _ = world
    sign_in(app, PERSON, "person", "not-the-password")
    client = sign_in(app, "wang.jc")
    page = client.get("/supervision/audit", params={
        "case": "51160220261130000001", "reader": "li.clerk", "day": "2026-11-30"})
    assert page.status_code == 200, page.text
    request, subject = cases.asked[-1]
    assert subject == "wang.jc"  # the supervisor's own token: the case service decides
    assert (request.case_number, request.subject) == ("51160220261130000001", "li.clerk")
    assert request.since.ToJsonString() == "2026-11-29T16:00:00Z"  # the day in Beijing time
    assert request.until.ToJsonString() == "2026-11-30T16:00:00Z"
    text = page.text
    assert "下载申请材料" in text and "跨节点" in text and "节点 511600 担保" in text
    assert "申请人本人" in text and "511602********1236" in text and PERSON not in text
    # the hall's own sign-in records: the failed password, masked; no password anywhere
    assert "密码错误" in text and "WRONG_PASSWORD" in text and "not-the-password" not in text


def test_sign_ins_only_for_the_nodes_region_and_the_page_only_for_supervisors(world) -> None:
    app, _, _ = world
    elsewhere = sign_in(app, "zhao.jc").get("/supervision/audit")
    assert elsewhere.status_code == 200 and "登录记录" not in elsewhere.text
    citizen = sign_in(app, PERSON, "person")
    refused = citizen.get("/supervision/audit")
    assert refused.status_code == 403 and "SUPERVISORS_ONLY" in refused.text


def test_the_sign_ins_are_counted_and_paged_with_their_filters_kept(world) -> None:
    app, _, audit = world
    # 120 attempts on 2026-11-29 (Beijing time), one a minute: 90 wrong passwords, 30 fine
    start = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    for n in range(120):
        audit.clock = lambda n=n: start + timedelta(minutes=n)
        audit.record("sign_in", Kind.PERSON, WRONG_PASSWORD if n % 4 else OK, PERSON,
                     f"10.0.{n // 100}.{n % 100}", "test")
    audit.clock = lambda: datetime.now(UTC)
    client = sign_in(app, "wang.jc")  # today's sign-in: outside the day asked for

    def shown(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        table = page.text.split('id="audit-sign-ins"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'<span class="code">(\w+)</span>.*?<td>(10\.0\.[0-9.]+)</td>', table)

    def next_link(page) -> str | None:  # type: ignore[no-untyped-def]
        found = re.search(r'<a href="([^"]+)" rel="next" id="signins-next">下一页</a>', page.text)
        return html.unescape(found.group(1)) if found else None

    first = client.get("/supervision/audit", params={"day": "2026-11-29",
                                                      "outcome": WRONG_PASSWORD})
    assert first.status_code == 200, first.text
    assert "登录记录（共 90 条）" in first.text
    seen = shown(first)
    assert len(seen) == 50 and {o for o, _ in seen} == {WRONG_PASSWORD}
    link = next_link(first)
    assert link is not None
    kept = parse_qs(urlsplit(link).query)
    assert kept["day"] == ["2026-11-29"] and kept["outcome"] == [WRONG_PASSWORD]
    second = client.get(link)
    assert "登录记录（共 90 条）" in second.text
    assert len(shown(second)) == 40 and next_link(second) is None
    every = seen + shown(second)
    assert len({c for _, c in every}) == 90  # each attempt once, none lost between pages
    assert every[0][1] == "10.0.1.19" and every[-1][1] == "10.0.0.1"  # newest first

    # no filter: every attempt, today's sign-in too (not 10.0.x: not in shown), 50 a page
    unfiltered, pages = client.get("/supervision/audit"), 1
    assert "登录记录（共 121 条）" in unfiltered.text
    while (link := next_link(unfiltered)) is not None:
        unfiltered, pages = client.get(link), pages + 1
    assert pages == 3 and len(shown(unfiltered)) == 21  # 50 + 50 + 21 (one is today's)
    # a token that is not one: the first page, not an error
    assert len(shown(client.get("/supervision/audit", params={"signins": "x-1"}))) == 49
    # digits past any time a record can have (a tampered link): the first page too
    for token in ("9" * 16 + "-1", "9" * 40 + "-1", "1-" + "9" * 40):
        answer = client.get("/supervision/audit", params={"signins": token})
        assert answer.status_code == 200 and len(shown(answer)) == 49, token


def test_a_reader_named_by_id_number_is_posted_and_kept_out_of_every_address(world) -> None:
    app, cases, audit = world
    for n in range(60):  # more than a page of sign-ins, so that there is a next page
        audit.record("sign_in", Kind.PERSON, WRONG_PASSWORD, PERSON, f"10.1.0.{n}", "test")
    client = sign_in(app, "wang.jc")
    form = client.get("/supervision/audit").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    assert 'method="post" action="/supervision/audit"' in form
    page = client.post("/supervision/audit", data={"csrf_token": token, "reader": PERSON})
    assert page.status_code == 200, page.text
    assert cases.asked[-1][0].subject == PERSON  # the case service filters by it
    # the number is in the form's box (the supervisor typed it), in no address of the page
    addresses = re.findall(r'(?:href|action)="([^"]*)"', page.text)
    assert addresses and not any(PERSON in a for a in addresses)
    more = re.search(r'<form method="post" action="/supervision/audit" class="pager">(.*?)'
                     r'</form>', page.text, re.S)
    assert more is not None and 'id="signins-next"' in more.group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', more.group(1)))
    assert fields["reader"] == PERSON and fields["signins"]
    second = client.post("/supervision/audit", data=fields)
    assert second.status_code == 200 and "本节点办事大厅的登录记录" in second.text
    assert cases.asked[-1][0].subject == PERSON
    # without the page's token, nothing is posted
    refused = client.post("/supervision/audit", data={"reader": PERSON})
    assert refused.status_code in (400, 403), refused.status_code
