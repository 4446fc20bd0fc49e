"""Speaking up in the hall (咨询 · 投诉 · 好差评) and its public page (动态公开), on the real
catalogue, case and supervision services on PostgreSQL: a visitor asks about an item leaving
a contact and reads the answer with the query code; a signed-in person asks, the item's
department answers from the workbench, and the person finds the answer under 我的咨询投诉评价;
the applicant rates their finished case at /my/cases/<number>/rate (supervision's refusals —
a bad rating without its reason, a second rating, an unfinished case — shown in Chinese and
tied to the field); they complain about the case to the body they choose (a report to the
department itself refused). The public page shows no personal data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.clients import applicant
from tests.support.speak import PASSWORD, PERSON, SpeakNode, speak_node

pytestmark = pytest.mark.integration


class Hall(SpeakNode):
    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)


@pytest.fixture(scope="module")
def hall(pg_settings, tmp_path_factory) -> Iterator[Hall]:
    with speak_node(pg_settings, tmp_path_factory.mktemp("hall") / "hall.db") as node:
        yield Hall(**vars(node))


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:300])
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client: TestClient, kind: str, login: str) -> None:
    answer = client.post("/signin", data={"csrf_token": csrf(client, "/signin"), "kind": kind,
                                          "login": login, "password": PASSWORD,
                                          "next": "/"})
    assert answer.status_code == 303, answer.text[:300]


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_visitor_asks_with_a_contact_and_reads_the_answer_with_the_query_code(hall) -> None:
    client = hall.client()
    guide = client.get(f"/items/{hall.item_id}")
    assert f'href="/items/{hall.item_id}/ask"' in guide.text and "投诉该部门" in guide.text
    path = f"/items/{hall.item_id}/ask"
    token = csrf(client, path)
    refused = client.post(path, data={"csrf_token": token, "title": "收费吗",
                                      "question": "办理收费吗？"})
    assert refused.status_code == 400
    assert 'id="f-contact-error"' in refused.text
    assert re.search(r'id="f-contact"[^>]*aria-invalid="true"', refused.text)
    no_token = client.post(path, data={"title": "收费吗", "question": "办理收费吗？",
                                       "contact": "13800000000"})
    assert no_token.status_code in (303, 403) and "query-code" not in no_token.text
    asked = client.post(path, data={"csrf_token": token, "title": "收费吗",
                                     "question": "办理收费吗？", "contact": "13800000000"})
    assert asked.status_code == 200, asked.text[:500]
    number = re.search(r'id="consultation-id">([^<]+)<', asked.text).group(1)
    code = re.search(r'id="query-code">([^<]+)<', asked.text).group(1)
    assert len(code) == 8
    wrong = client.post("/consultations", data={"csrf_token": token, "consultation_id": number,
                                                "query_code": "ZZZZZZZZ"})
    assert wrong.status_code == 404 and "没有找到" in words(wrong.text)
    found = client.post("/consultations", data={"csrf_token": token,
                                                "consultation_id": number, "query_code": code})
    assert found.status_code == 200 and "办理收费吗？" in found.text and "尚未答复" in found.text


def test_a_person_asks_the_department_answers_and_the_person_reads_it(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    path = f"/items/{hall.item_id}/ask"
    asked = person.post(path, data={"csrf_token": csrf(person, path), "title": "要带原件吗",
                                    "question": "窗口提交时需要带原件吗？"})
    assert asked.status_code == 303 and asked.headers["location"].startswith(
        "/my/feedback?done=asked#c-")
    number = asked.headers["location"].split("#c-")[1]
    mine = words(person.get("/my/feedback?done=asked").text)
    assert "咨询已提交" in mine and "要带原件吗" in mine and "还剩 5 个工作日" in mine

    clerk = hall.client()
    sign_in(clerk, "staff", "li.clerk")
    bench = clerk.get("/workbench/consultations")
    assert bench.status_code == 200 and number in bench.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', bench.text).group(1)
    empty = clerk.post(f"/workbench/consultations/{number}/answer",
                       data={"csrf_token": token, "answer": " "})
    assert empty.status_code == 400 and f'id="f-answer-{number}-error"' in empty.text
    answered = clerk.post(f"/workbench/consultations/{number}/answer",
                          data={"csrf_token": token, "answer": "需要带原件核验，核验后退还。"})
    assert answered.status_code == 303
    assert number not in clerk.get("/workbench/consultations").text
    mine = words(person.get("/my/feedback").text)
    assert "需要带原件核验，核验后退还。" in mine and "已答复" in mine
    answered_at = re.search(r"答复时间\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2})", mine)
    assert answered_at, mine  # when the answer was given
    # a person is not staff: the workbench page is not theirs
    assert person.get("/workbench/consultations").status_code == 404


def test_the_applicant_rates_a_finished_case_once_with_refusals_in_words(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    running_case = hall.case(finish=False)
    path = f"/my/cases/{running_case}/rate"
    early = person.post(path, data={"csrf_token": csrf(person, path), "level": "1"})
    assert early.status_code == 409 and "尚未办结" in words(early.text)
    assert "CASE_NOT_FINISHED" in early.text

    number = hall.case()
    page = person.get(f"/my/cases/{number}")
    assert f'href="/my/cases/{number}/rate"' in page.text
    path = f"/my/cases/{number}/rate"
    token = csrf(person, path)
    form = person.get(path).text
    for words_ in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "办事指南准确性"):
        assert words_ in form
    no_level = person.post(path, data={"csrf_token": token})
    assert no_level.status_code == 400 and 'id="f-level-error"' in no_level.text
    bad = person.post(path, data={"csrf_token": token, "level": "5"})
    assert bad.status_code == 400 and 'id="f-comment-error"' in bad.text
    assert re.search(r'id="f-comment"[^>]*aria-invalid="true"', bad.text)
    rated = person.post(path, data={"csrf_token": token, "level": "2",
                                    "indicator_efficiency": "1", "indicator_usability": "3",
                                    "comment": "办理很快"})
    assert rated.status_code == 303
    assert rated.headers["location"] == f"/my/feedback?done=rated#r-{number}-online"
    again = person.post(path, data={"csrf_token": token, "level": "1"})
    assert again.status_code == 409
    assert "只能评价一次" in words(again.text) and "ALREADY_RATED" in again.text
    assert "您已评价过这个办件" in person.get(path).text
    assert f'id="r-{number}-online"' in person.get("/my/feedback").text


def test_the_applicant_complains_about_the_case_to_the_body_they_choose(hall) -> None:
    person = hall.client()
    sign_in(person, "person", PERSON)
    number = hall.case(finish=False)
    path = f"/complain?case_number={number}"
    token = csrf(person, path)
    data = {"csrf_token": token, "case_number": number, "title": "窗口推诿",
            "content": "多次往返仍未受理。"}
    refused = person.post("/complain", data={**data, "kind": "report",
                                             "addressee": "department"})
    assert refused.status_code == 400 and "举报不能提交给被举报部门本身" in words(refused.text)
    assert 'id="f-addressee-error"' in refused.text
    done = person.post("/complain", data={**data, "kind": "complaint",
                                          "addressee": "supervision"})
    assert done.status_code == 303 and "#t-" in done.headers["location"]
    mine = words(person.get("/my/feedback").text)
    assert "窗口推诿" in mine and "待受理" in mine
    # without signing in, the form leads to sign-in
    assert hall.client().get(path).status_code in (303, 307)


def test_the_open_page_shows_no_one(hall) -> None:
    number = hall.case(finish=False)
    hall.supervise(number)  # once a case is there the page once failed on its as-of time
    client = hall.client()
    page = client.get("/open")
    assert page.status_code == 200
    text = words(page.text)
    assert number in text and "数据更新至" in text and "合计" in text
    assert "5 分钟内" in text and "部门月度统计" in text and "权力清单清理结果" in text
    assert applicant().name not in text and PERSON not in text
    feed = client.get("/open/cases.json").json()
    assert feed["delay_minutes"] == 5 and isinstance(feed["cases"], list)
    assert client.get("/open?finished=1").status_code == 200
