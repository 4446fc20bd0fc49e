"""The hall's Find pages: page numbers, the flow chart drawn on the server, and a guide that
says what the catalogue does not state (尚未公布) instead of "none"."""

from __future__ import annotations

import re

from defusedxml import ElementTree as ET
from sunlight.catalogue.v1 import catalogue_pb2
from sunlight.common.v1 import common_pb2

from services.hall.find import discretion_view, pages, query_href
from services.hall.flow_svg import FlowStep, flow_svg, wrap
from tests.unit.test_hall_pages import fakes, text_of  # noqa: F401 - the fixture

SVG = "{http://www.w3.org/2000/svg}"
P = catalogue_pb2.GuidePart


# --- page numbers -----------------------------------------------------------------------------
def test_page_numbers_show_the_ends_and_the_neighbourhood() -> None:
    shown = pages(total=1135, size=20, current=10, path="/", filters={"region": "511602"})
    assert shown.last == 57
    assert [link.number for link in shown.links] == [1, None, 8, 9, 10, 11, 12, None, 57]
    assert [link.current for link in shown.links if link.number == 10] == [True]
    assert shown.links[0].href == "/?region=511602"  # page 1 has no number in its link
    assert shown.previous_href == "/?region=511602&page=9"
    assert shown.next_href == "/?region=511602&page=11"
    one = pages(total=0, size=20, current=1, path="/search", filters={"q": "x"})
    assert (one.last, one.previous_href, one.next_href) == (1, "", "")


def test_links_keep_filters_in_a_stable_order_and_drop_empty_ones() -> None:
    filters = {"region": "511602", "q": "备案", "department": "", "item_type": "01"}
    assert query_href("/search", filters, page=2) == (
        "/search?q=%E5%A4%87%E6%A1%88&item_type=01&region=511602&page=2")
    assert query_href("/", {"q": ""}) == "/"


# --- the flow chart ---------------------------------------------------------------------------
STEPS = [FlowStep("受理", "1 个工作日"),
         FlowStep("审查", "6 个工作日", (("区消防大队 消防安全检查", "5 个工作日"),
                                       ("区生态环境局 环境影响核查", "3 个工作日"))),
         FlowStep("决定<&>", "3 个自然日")]


def boxes(svg: str) -> list:
    return [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("rx") == "6"]


def test_the_flow_is_drawn_in_order_with_branches_side_by_side() -> None:
    svg = flow_svg(STEPS, title="示例办理流程图")
    root = ET.fromstring(svg)  # well-formed, names escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "flow-title flow-desc"
    assert root.find(f"{SVG}title").text == "示例办理流程图"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "开始" and texts[-1] == "办结"
    assert texts.index("受理") < texts.index("审查") < texts.index("决定<&>")
    for limit in ("1 个工作日", "6 个工作日", "5 个工作日", "3 个工作日", "3 个自然日"):
        assert limit in texts
    rects = boxes(svg)
    assert len(rects) == 5  # three steps, two branches
    ys = [float(r.get("y")) for r in rects]
    assert ys[1] == ys[2] == ys[3]  # 审查 and its branches in one row
    assert ys[0] < ys[1] < ys[4]  # 受理 above, 决定 below (after the join)
    xs = [float(r.get("x")) for r in rects[1:4]]
    assert xs == sorted(xs) and len(set(xs)) == 3  # side by side
    assert "并联办理，全部完成后继续" in texts
    assert "style=" not in svg and "<script" not in svg  # CSP: no inline style, no script


def test_the_description_says_the_whole_flow_in_words() -> None:
    desc = ET.fromstring(flow_svg(STEPS, title="t")).find(f"{SVG}desc").text
    assert desc == ("共 3 个环节：第 1 步 受理（1 个工作日）；第 2 步 审查（6 个工作日），同时并联"
                    "办理：区消防大队 消防安全检查（5 个工作日）、区生态环境局 环境影响核查（3 个"
                    "工作日），全部完成后进入下一步；第 3 步 决定<&>（3 个自然日）。")


def test_a_default_flow_is_drawn_dashed_and_says_so() -> None:
    svg = flow_svg(STEPS[:1], title="t", unconfirmed=True)
    assert all(r.get("stroke-dasharray") for r in boxes(svg))
    assert "默认流程，未经部门确认" in svg and "尚未经部门确认" in svg
    assert not any(r.get("stroke-dasharray") for r in boxes(flow_svg(STEPS[:1], title="t")))


def test_long_names_wrap_and_many_branches_widen_the_drawing() -> None:
    assert wrap("实施中等及中等以下学历教育、学前教育的学校设立审批", 126, 14) == [
        "实施中等及中等以下", "学历教育、学前教育", "的学校设立审批"]
    assert wrap("一" * 40, 28, 14, lines=2) == ["一一", "一…"]
    many = FlowStep("审查", "5 个工作日", tuple((f"部门{i}", "2 个工作日") for i in range(6)))
    root = ET.fromstring(flow_svg([many], title="t"))
    assert float(root.get("width")) > 360


# --- the guide: unknown is not none ----------------------------------------------------------
def imported(catalogue) -> None:  # type: ignore[no-untyped-def]
    """Make the fake's item look as an import leaves it."""
    c = catalogue.item.content
    del c.materials[:]
    del c.fees[:]
    del c.acceptance_conditions[:]
    catalogue.item.unconfirmed[:] = [P.GUIDE_PART_MATERIALS, P.GUIDE_PART_FEES,
                                     P.GUIDE_PART_ACCEPTANCE_CONDITIONS, P.GUIDE_PART_FLOW,
                                     P.GUIDE_PART_LIMITS]


def test_an_imported_guide_says_not_yet_listed_never_none(fakes) -> None:  # noqa: F811
    client, catalogue, _, _ = fakes
    imported(catalogue)
    page = text_of(client.get("/items/it-1").text)
    for claim in ("无需提交材料", "不收费"):
        assert claim not in page.replace("这不表示无需提交材料", "").replace("这不表示不收费", "")
    assert re.search(r"申请材料 尚未公布 ：部门尚未在清单中列明申请材料。"
                     r"这不表示无需提交材料", page)
    assert re.search(r"收费标准 尚未公布 ：部门尚未在清单中列明是否收费。这不表示不收费",
                     page)
    assert re.search(r"受理条件 尚未公布 ：部门尚未在清单中列明受理条件", page)
    assert "流程未经部门确认" in page and "默认流程，未经部门确认" in page
    assert re.search(r"法定时限 20 个工作日 系统导入时的默认值，尚未经部门确认", page)


def test_a_declared_guide_states_none_as_the_departments_word(fakes) -> None:  # noqa: F811
    client, catalogue, _, _ = fakes
    del catalogue.item.content.materials[:]
    del catalogue.item.content.fees[:]
    page = text_of(client.get("/items/it-1").text)
    assert "无需提交材料（部门公布）" in page and "不收费（部门公布）" in page
    assert "尚未经部门确认" not in page and "流程未经部门确认" not in page


def test_forms_and_samples_are_not_invented(fakes) -> None:  # noqa: F811
    client, _, _, _ = fakes
    html = client.get("/items/it-1").text
    page = text_of(html)
    assert '<th scope="col">表格和样表</th>' in html
    assert page.count("表格和样表 尚未公布") == 2 or html.count(
        '<td data-label="表格和样表" class="muted">尚未公布</td>') == 2
    assert not re.search(r'href="[^"]+\.(pdf|docx?|xlsx?)"', html)


def test_the_discretion_standards_of_a_penalty_are_public(fakes) -> None:  # noqa: F811
    client, catalogue, _, _ = fakes
    standard = catalogue.item.content.discretion_standards[0]
    standard.measures[:] = ["fine", "confiscate_gains"]
    standard.min_amount.CopyFrom(common_pb2.Money(currency_code="CNY", units=5000))
    standard.max_amount.CopyFrom(common_pb2.Money(currency_code="CNY", units=10000))
    page = text_of(client.get("/items/it-1").text)
    assert re.search(r"裁量基准 .*情节 违法事实 处罚种类 罚款幅度 裁量标准 较重 裁量事实秘密 "
                     r"罚款、没收违法所得 5000\.00 元至 10000\.00 元 罚款秘密区间", page)


def test_a_fine_with_one_bound_and_measures_without_fine() -> None:
    only_low = catalogue_pb2.DiscretionStandard(
        severity="一般", fact_pattern="初次", measures=["fine"],
        min_amount=common_pb2.Money(units=200))
    assert discretion_view(only_low).fine == "200.00 元以上"
    warning = catalogue_pb2.DiscretionStandard(measures=["warning"])
    view = discretion_view(warning)
    assert (view.fine, view.measures, view.severity) == ("", ("警告",), "尚未公布")


def test_the_guide_draws_its_flow_and_serves_it_alone(fakes) -> None:  # noqa: F811
    client, _, _, _ = fakes
    html = client.get("/items/it-1").text
    assert html.count("<svg") == 1 and 'aria-labelledby="flow-title flow-desc"' in html
    assert "食品经营许可办理流程图" in html and 'href="/items/it-1/flow.svg"' in html
    alone = client.get("/items/it-1/flow.svg")
    assert alone.status_code == 200 and alone.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(alone.text).tag == f"{SVG}svg"
    assert client.get("/items/bad%20id/flow.svg").status_code == 404
