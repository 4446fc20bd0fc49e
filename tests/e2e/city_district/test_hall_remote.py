"""End to end, two real nodes: a citizen signed in at the city's hall (511600) follows their own
case that the district (511602) holds — its page, its documents and who read its file come
from the district through the gateways; what they would do on it (a withdrawal, supplements) is
refused here with the node named, and the district's audit records the read as vouched for by
the city."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from infra.localnode import LocalProvince
from tests.support.clients import apply_over_http, node_api, publish_over_http

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

CITY, DISTRICT = "511600", "511602"
#: the applicant of ``apply_over_http``'s cases
APPLICANT = "511602199001011236"
#: someone else (a valid GB 11643 number)
STRANGER = "11010519491231002X"
PASSWORD = "Yangguang-e2e-2026"


def admin(province: LocalProvince, region: str) -> httpx.Client:
    return node_api(province.node(region), region)


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


@contextmanager
def signed_up(province: LocalProvince, id_number: str, name: str) -> Iterator[httpx.Client]:
    """A person's new account at the city's hall, signed in."""
    with httpx.Client(base_url=f"http://127.0.0.1:{province.node(CITY).port('hall')}",
                      timeout=30, follow_redirects=True) as hall:
        reply = hall.post("/signup", data={
            "csrf_token": csrf(hall.get("/signup?kind=person").text), "kind": "person",
            "login": id_number, "name": name, "password": PASSWORD,
            "password_again": PASSWORD})
        assert reply.status_code == 200 and "退出" in reply.text, reply.text
        yield hall


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def district_case(province) -> str:
    """A case of 张三 at the district, accepted there (its 受理通知书 issued)."""
    with admin(province, DISTRICT) as district:
        item_id = publish_over_http(district, DISTRICT, "区发展改革局")
        number = apply_over_http(district, item_id, DISTRICT)["case_number"]
        accepted = district.post(f"/v1/cases/{number}/actions", json={
            "idempotency_key": uuid.uuid4().hex, "accept": {"opinion": "材料齐全"}})
        assert accepted.status_code == 200, accepted.text
    return str(number)


def test_a_citizen_signed_in_at_the_city_follows_their_district_case(
        province, district_case) -> None:
    number = district_case
    with signed_up(province, APPLICANT, "张三") as hall:
        # found by its number from the list page, whichever node holds it
        mine = hall.get("/my/cases")
        assert "在全省其他地方申请的办件" in mine.text
        page = hall.get("/my/cases/open", params={"case_number": number})
        assert page.status_code == 200, page.text
        assert str(page.url).endswith(f"/my/cases/{number}")
        text = text_of(page.text)
        assert "这个办件由 广安区（511602） 办理" in text, text
        assert number in text and "企业投资项目备案" in text and "受理通知书" in text
        assert "补正材料、撤回申请请登录该地的网上办事大厅办理" in text
        assert "撤回这个申请" not in text  # the action is the district hall's
        # who read the file: asked of the district too (not "unavailable")
        assert "查阅记录暂时无法显示" not in text
        # the 受理通知书, read at the district through the gateways
        link = re.search(rf'href="(/my/cases/{number}/documents/[^"]+)"', page.text)
        assert link is not None, page.text
        pdf = hall.get(link.group(1))
        assert pdf.status_code == 200, pdf.text[:300]
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        # a withdrawal asked here is refused, naming the node, and nothing happens there
        form = hall.get(f"/my/cases/{number}")
        refused = hall.post(f"/my/cases/{number}/withdraw", data={
            "csrf_token": csrf(form.text), "key": uuid.uuid4().hex, "reason": "不办了"})
        assert refused.status_code == 409, refused.text
        assert "CASE_HELD_ELSEWHERE" in refused.text
        assert "广安区（511602）办理" in text_of(refused.text)
    with admin(province, DISTRICT) as district:
        case = district.get(f"/v1/cases/{number}").json()["case"]
        assert case["status"] == "CASE_STATUS_IN_PROGRESS", case["status"]
        # the district's audit: the applicant's own reads, vouched for by the city
        reads = district.get("/v1/audit/case-reads", params={"case_number": number})
        assert reads.status_code == 200, reads.text
        own = [e for e in reads.json()["entries"] if e.get("own")]
        assert own and all(e.get("asserted_by") == CITY for e in own), reads.json()
        assert {e.get("channel") for e in own} == {"federation"}, own


def test_someone_else_signed_in_at_the_city_does_not_find_it(province, district_case) -> None:
    with signed_up(province, STRANGER, "李四") as hall:
        page = hall.get(f"/my/cases/{district_case}")
        assert page.status_code == 404, page.text
        assert "张三" not in page.text
        document = hall.get(f"/my/cases/{district_case}/documents/d1")
        assert document.status_code == 404, document.text[:300]
