"""What the hall's Find pages show (查找事项): browsing by facet, search results, page numbers,
and the parts of an item's guide (办事指南) the views of ``views.py`` do not cover — what the
catalogue does not state, the discretion standards of a penalty, the flow chart.

Pure: computed from the contract's messages, no web and no gRPC. Lists people choose from are
in pinyin order (``services.shared.collation``); codes keep their own order (item types and
levels by GB/T 39046 code, regions by GB/T 2260 code).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from sunlight.catalogue.v1 import catalogue_pb2

from services.hall.flow_svg import FlowStep, flow_svg
from services.hall.views import ItemView, item_view, limit_text, money_text
from services.shared.code_tables import EXERCISE_LEVELS, ITEM_TYPES, PENALTY_MEASURES
from services.shared.collation import sorted_by_pinyin
from services.shared.errors import DomainError
from services.shared.region_data import RegionDirectory

#: What the guide says of a part the catalogue does not state (尚未公布), never "none".
NOT_YET_LISTED = "尚未公布"
#: Filters a browse page takes, in the order links keep them.
FILTERS = ("q", "department", "item_type", "exercise_level", "region")
_PART = catalogue_pb2.GuidePart


# --- facets and pages ---------------------------------------------------------------------
@dataclass(frozen=True)
class FacetOption:
    """One value of a filter: its label, how many items it has, the link that applies it (or,
    for the value in force, removes it)."""

    value: str
    label: str
    count: int
    href: str
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    title: str  # 事项类型 …
    options: tuple[FacetOption, ...]
    selected_label: str  # the label of the value in force, if any
    clear_href: str  # the link that removes this filter


def query_href(path: str, filters: Mapping[str, str], **changes: str | int) -> str:
    """``path`` with the non-empty filters and ``changes`` (a change to a filter goes back to
    the first page)."""
    kept = {k: str(v) for k, v in {**filters, **changes}.items() if v not in ("", 0, None)}
    ordered = [(k, kept[k]) for k in (*FILTERS, "page") if k in kept]
    return f"{path}?{urlencode(ordered)}" if ordered else path


def region_name(code: str, within: str = "") -> str:
    """``广安市`` for 511600; ``广安市本级`` for a city's own level listed under the city."""
    try:
        name = RegionDirectory.load().name(code)
    except (DomainError, OSError):
        return code
    if code == within and code.endswith("00") and not code.endswith("0000"):
        return f"{name}本级"
    return name


def facets(found: catalogue_pb2.Facets, path: str, filters: Mapping[str, str]
           ) -> tuple[Facet, ...]:
    """The facets of a result, as links that keep every other filter."""

    def facet(name: str, title: str, counts: Iterable[catalogue_pb2.FacetCount],
              label: dict[str, str] | None, order: str) -> Facet:
        current = filters.get(name, "")
        options = [FacetOption(
            c.value, (label or {}).get(c.value, c.value) if name != "region"
            else region_name(c.value, filters.get("region", "")), c.count,
            query_href(path, filters, **{name: "" if c.value == current else c.value}),
            c.value == current) for c in counts if c.count > 0]
        if order == "pinyin":
            options = sorted_by_pinyin(options, key=lambda o: o.label)
        else:
            options.sort(key=lambda o: o.value)
        selected = next((o.label for o in options if o.selected), "")
        if current and not selected:  # a value with no items now: still say what is in force
            selected = region_name(current) if name == "region" else (label or {}).get(
                current, current)
        return Facet(name, title, tuple(options), selected,
                     query_href(path, filters, **{name: ""}))

    return (facet("item_type", "事项类型", found.item_types, ITEM_TYPES, "code"),
            facet("department", "实施部门", found.departments, None, "pinyin"),
            facet("exercise_level", "行使层级", found.exercise_levels, EXERCISE_LEVELS, "code"),
            facet("region", "地区", found.regions, None, "code"))


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap (…)
    href: str
    current: bool


@dataclass(frozen=True)
class Pages:
    current: int
    last: int
    links: tuple[PageLink, ...]
    previous_href: str
    next_href: str


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def pages(total: int, size: int, current: int, path: str, filters: Mapping[str, str],
          around: int = 2) -> Pages:
    """Page numbers: the first, the last, ``around`` on each side of the current one, gaps
    between."""
    last = page_count(total, size)
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    links: list[PageLink] = []
    for n in shown:
        if links and links[-1].number is not None and n - links[-1].number > 1:
            links.append(PageLink(None, "", False))
        links.append(PageLink(n, query_href(path, filters, page=n if n > 1 else 0),
                              n == current))
    return Pages(current, last, tuple(links),
                 query_href(path, filters, page=current - 1 if current > 2 else 0)
                 if current > 1 else "",
                 query_href(path, filters, page=current + 1) if current < last else "")


# --- the guide ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscretionView:
    """A discretion standard (裁量基准) as published: the circumstance and what it allows."""

    severity: str
    fact_pattern: str
    measures: tuple[str, ...]
    fine: str  # "5000.00 元至 10000.00 元", "" when no fine is among the measures
    wording: str  # the standard's own words


def discretion_view(standard: catalogue_pb2.DiscretionStandard) -> DiscretionView:
    fine = ""
    if "fine" in standard.measures:
        low = money_text(standard.min_amount) if standard.HasField("min_amount") else ""
        high = money_text(standard.max_amount) if standard.HasField("max_amount") else ""
        fine = (f"{low}至 {high}" if low and high else f"{low}以上" if low
                else f"{high}以下" if high else NOT_YET_LISTED)
    return DiscretionView(standard.severity or NOT_YET_LISTED,
                          standard.fact_pattern or NOT_YET_LISTED,
                          tuple(PENALTY_MEASURES.get(m, m) for m in standard.measures),
                          fine, standard.range)


@dataclass(frozen=True)
class GuideView:
    """An item's public guide: the item, what is unknown, its discretion standards, its flow
    drawn as a picture and in words."""

    item: ItemView
    materials_unknown: bool  # 尚未公布, not "无需提交材料"
    fees_unknown: bool  # 尚未公布, not "不收费"
    conditions_unknown: bool
    flow_unconfirmed: bool  # a default the department has not confirmed
    limits_unconfirmed: bool
    discretion: tuple[DiscretionView, ...]
    flow_svg: str
    fee_total: str


#: guides kept, drawn (``kept_guide_view``)
GUIDES_KEPT = 256


def kept_guide_view(version: catalogue_pb2.ItemVersion) -> GuideView:
    """``guide_view(version)``, drawn once per distinct version: a guide (its flow chart
    drawn as SVG included) is a function of the version's content alone, kept by its bytes —
    a version changed in any way is drawn again."""
    return _guide_of(version.SerializeToString(deterministic=True))


@functools.lru_cache(maxsize=GUIDES_KEPT)
def _guide_of(serialized: bytes) -> GuideView:
    return guide_view(catalogue_pb2.ItemVersion.FromString(serialized))


def guide_view(version: catalogue_pb2.ItemVersion) -> GuideView:
    item = item_view(version)
    parts = set(version.unconfirmed)
    flow_unconfirmed = _PART.GUIDE_PART_FLOW in parts
    steps = [FlowStep(s.name, limit_text(s.limit_days, s.limit_unit),
                      tuple((f"{b.department} {b.name}".strip(),
                             limit_text(b.limit_days, b.limit_unit))
                            for b in s.parallel_branches))
             for s in version.content.steps]
    total = sum((Decimal(f.amount.units) + Decimal(f.amount.nanos) / Decimal(10**9)
                 for f in version.content.fees
                 if (f.amount.currency_code or "CNY") == "CNY"), Decimal(0))
    return GuideView(
        item=item,
        materials_unknown=_PART.GUIDE_PART_MATERIALS in parts and not item.materials,
        fees_unknown=_PART.GUIDE_PART_FEES in parts and not item.fees,
        conditions_unknown=(_PART.GUIDE_PART_ACCEPTANCE_CONDITIONS in parts
                            and not item.acceptance_conditions),
        flow_unconfirmed=flow_unconfirmed,
        limits_unconfirmed=_PART.GUIDE_PART_LIMITS in parts,
        discretion=tuple(discretion_view(d) for d in version.content.discretion_standards),
        flow_svg=flow_svg(steps, title=f"{item.name}办理流程图",
                          unconfirmed=flow_unconfirmed) if steps else "",
        fee_total=f"{total.quantize(Decimal('0.01'))} 元" if len(item.fees) > 1 else "")
