"""A penalty item whose cases the government opens (立案), and the stubs of what a hall test
of it does not test: the catalogue's answer for the item version (its internal flow and
discretion standard) and supervision's warnings (none)."""

from __future__ import annotations

from datetime import UTC, datetime

from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1.common_pb2 import Money
from sunlight.monitoring.v1 import monitoring_pb2

from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.flow import DiscretionSpec, ItemSnapshot, StepKind, StepSpec
from tests.support import departments
from tests.support.cases import staff

DEPT = "区市场监督管理局"
BASIS = "《中华人民共和国食品安全法》第一百二十二条"
K = StepKind
STEPS = (("open", "立案", K.OPENING, "head"),
         ("investigate", "调查取证", K.INVESTIGATION, "inspector"),
         ("notify", "告知", K.NOTIFICATION, "inspector"), ("decide", "决定", K.DECISION, "head"),
         ("serve", "送达", K.SERVICE, "inspector"), ("execute", "执行", K.EXECUTION, "inspector"),
         ("close", "结案", K.CLOSING, "inspector"))
#: a fine of 500 to 5000 yuan for a first offence; a meeting decides a fine above 4000 yuan
ITEM = ItemSnapshot(
    item_id="pen-wb", version=1, code="P-WB", name="对未取得食品经营许可从事食品经营活动的处罚",
    region="511602", department=DEPT, statutory=Limit(90, TimeUnit.CALENDAR_DAYS),
    promised=None, item_type="02", legal_basis=(BASIS,),
    steps=tuple(StepSpec(k, name, kind, role, Limit(5)) for k, name, kind, role in STEPS),
    discretion=(DiscretionSpec("first", "一般", "初次违法，货值较小", ("warning", "fine"),
                               50_000, 500_000),),
    collective_review_above_fen=400_000, department_code=departments.MARKET)
INSPECTOR = staff("insp.one", department=departments.MARKET, positions=("inspector",))
HEAD = staff("head.one", department=departments.MARKET, positions=("head",))
NOTIFIER = staff("insp.two", department=departments.MARKET, positions=("inspector",))
STEP_KINDS = {K.OPENING: cpb.STEP_KIND_OPENING, K.INVESTIGATION: cpb.STEP_KIND_INVESTIGATION,
              K.NOTIFICATION: cpb.STEP_KIND_NOTIFICATION, K.DECISION: cpb.STEP_KIND_DECISION,
              K.SERVICE: cpb.STEP_KIND_SERVICE, K.EXECUTION: cpb.STEP_KIND_EXECUTION,
              K.CLOSING: cpb.STEP_KIND_CLOSING}


class Items:
    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return ITEM


class Catalogue:
    """The item version's internal flow and discretion standard, as the catalogue says it."""

    def GetItemVersion(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        content = cpb.ItemDraft(
            name=ITEM.name, department=DEPT, department_code=departments.MARKET,
            steps=[cpb.Step(key=k, name=name, role=role, limit_days=5, kind=STEP_KINDS[kind])
                   for k, name, kind, role in STEPS],
            discretion_standards=[cpb.DiscretionStandard(
                key="first", severity="一般", fact_pattern="初次违法，货值较小",
                range="警告或罚款 500 元以上 5000 元以下", measures=["warning", "fine"],
                min_amount=Money(currency_code="CNY", units=500),
                max_amount=Money(currency_code="CNY", units=5000))])
        return cpb.GetItemVersionResponse(item=cpb.ItemVersion(
            item_id=request.item_id, version=1, content=content))


class Monitoring:
    def ListWarnings(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        return monitoring_pb2.ListWarningsResponse()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now
