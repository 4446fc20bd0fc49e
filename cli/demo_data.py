"""What the demo data (演示数据) is: the items, the accounts and the cases ``sunlight demo
seed`` makes (``cli/demo.py`` makes them, through the services' contracts).

Two items are real rows of the shipped Guang'an catalogue (``data/catalogues/
guang_an_511602.csv``: name, department, implementation code and type as they are), completed
as demo versions — a flow with limits, materials, a fee where one is sensible, a legal basis —
and named with the suffix ``（演示）``. The catalogue lists no penalty, so the penalty item
that demo cases are opened (立案) on is declared for a real department of it (区市监局, by its
credit code) under an implementation code in the national format, marked the same way.
Everything a person reads of the demo — items, applicants, parties, accounts — carries 演示.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from services.shared.codes import credit_check_char, resident_id_check_char

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "data" / "catalogues" / "guang_an_511602.csv"
REGION = "511602"  # 广安区
MARK = "（演示）"
#: every demo account's password: published in the README and printed by the seeder, which
#: is safe only because these are demo accounts — the hall refuses them once the node has
#: SUNLIGHT_DEMO_DATA=0
PASSWORD = "Yanshi-2026"  # noqa: S105 - a demo account's, published on purpose


@dataclass(frozen=True)
class Department:
    name: str
    code: str  # unified social credit code (GB 32100), from the catalogue's rows


APPROVAL = Department("区行政审批局", "115113016823646795")
FIRE = Department("区消防大队", "11511300MB1A21304N")
MARKET = Department("区市监局", "11511301MB051073XA")


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def _credit_code(first17: str) -> str:
    return first17 + credit_check_char(first17)


@dataclass(frozen=True)
class Staff:
    """A member of staff: a hall account (工作人员) whose tokens the seeder mints as the hall
    would for them."""

    login: str
    name: str
    roles: tuple[str, ...]
    what: str  # what they do, for the printed table
    department: Department | None = None
    positions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Public:
    """A person (自然人, resident ID) or an enterprise (法人, credit code) with a hall account."""

    kind: str  # "person" | "enterprise"
    login: str
    name: str
    what: str

    @property
    def id_type(self) -> str:
        return "id_card" if self.kind == "person" else "credit_code"


CITIZEN = Public("person", _resident_id("51160219880512301"), f"张明{MARK}",
                 "申请人：补正中的申请、已办结并评价的许可")
ENTERPRISE = Public("enterprise", _credit_code("92511602MA6X8K2L1"), f"广安区福临门便利店{MARK}",
                    "企业：即办件、并联审批中、待受理的申请；被立案调查的当事人")

STAFF = {
    "clerk": Staff("demo.clerk", f"李受理{MARK}", ("clerk",), "区行政审批局 窗口受理",
                   APPROVAL, ("clerk",)),
    "handler": Staff("demo.handler", f"钱审查{MARK}", ("clerk",), "区行政审批局 审查（经办）",
                     APPROVAL, ("reviewer",)),
    "chief": Staff("demo.chief", f"孙科长{MARK}", ("clerk",), "区行政审批局 决定（科长）",
                   APPROVAL, ("chief",)),
    "fire": Staff("demo.fire", f"赵消防{MARK}", ("clerk",), "区消防大队 并联审批的消防意见",
                  FIRE, ("reviewer",)),
    "inspector": Staff("demo.inspector", f"周执法{MARK}", ("clerk",),
                       "区市监局 执法人员（立案调查）", MARKET, ("inspector",)),
    "head": Staff("demo.head", f"吴局长{MARK}", ("clerk",), "区市监局 负责人（批准立案、决定）",
                  MARKET, ("head",)),
    "supervisor": Staff("demo.supervisor", f"王监察{MARK}", ("supervisor",),
                        "监察人员：监察工作台、预警、效能排名"),
}
#: who reviews the demo versions (法制审核, 编制审核): they act through tokens only
REVIEWERS = {
    "legal": Staff("demo.legal", f"法制审核员{MARK}", ("legal_reviewer",), "法制审核"),
    "staffing": Staff("demo.staffing", f"编制审核员{MARK}", ("staffing_reviewer",), "编制审核"),
}
#: applicants at the counter, without an account
COUNTER_APPLICANT = ("王建国" + MARK, "id_card", _resident_id("51160219750315201"))


def catalogue_row(code: str) -> dict[str, str]:
    """The shipped catalogue's row of an implementation code."""
    with CATALOGUE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["item_code"] == code:
                return row
    raise LookupError(f"{code} is not in {CATALOGUE.name}")


@dataclass(frozen=True)
class DemoItem:
    key: str  # the seeder's own name for it, in idempotency keys
    draft: dict  # ItemDraft as JSON (protobuf's JSON names)
    creator: str  # the STAFF key of who declares it
    from_catalogue: bool = True
    extra: dict = field(default_factory=dict)


def _from_catalogue(code: str) -> dict:
    row = catalogue_row(code)
    return {"name": row["name"] + MARK, "code": row["item_code"],
            "item_type": f"{int(row['task_type']):02d}", "region": REGION,
            "department": row["department"],
            **({"group": row["group"]} if row["group"] != "未分类" else {})}


#: 烟花爆竹经营（零售）许可证核发 — a licence (01) of 区行政审批局, promised (承诺件), its review
#: beside the fire brigade's opinion (并联审批)
FIREWORKS_CODE = "511A0007700001-511602000000-000-115113016823646795-1-00"
FIREWORKS_MEASURES = ("现场核查两人以上并留存影像", "审查意见经科室负责人复核")
DECIDE_MEASURES = ("作出决定前经法制审核",)
#: 企业登记档案资料查询 — a public service (20) of 区行政审批局, immediate (即办件), a fee
ARCHIVE_CODE = "512B0110700001-511602000000-000-115113016823646795-1-00"
ARCHIVE_FEE = "档案资料复印费" + MARK
#: the penalty the demo opens a case on: not in the catalogue (it lists no penalty)
PENALTY_CODE = "511B0112200001-511602000000-000-11511301MB051073XA-1-00"
PENALTY_LAW = "《中华人民共和国食品安全法》第一百二十二条"

COMMON = {
    "department_code": APPROVAL.code, "list_kind": "LIST_KIND_POWER", "exercise_level": "4",
    "body": {"name": "广安市广安区行政审批局", "code": APPROVAL.code,
             "nature": "BODY_NATURE_STATUTORY"},
    "accepting_office": "广安区政务服务中心 区行政审批局窗口" + MARK,
    "supervision_phone": "0826-12345", "enquiry_phone": "0826-12345",
    "handling_forms": ["HANDLING_FORM_COUNTER", "HANDLING_FORM_ONLINE"],
}

ITEMS = (
    DemoItem("fireworks", creator="clerk", draft={
        **_from_catalogue(FIREWORKS_CODE), **COMMON,
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "legal_basis": [
            {"law": "《烟花爆竹安全管理条例》", "article": "第三条"},
            {"law": "《烟花爆竹安全管理条例》", "article": "第十九条",
             "text": "申请从事烟花爆竹零售经营的，应当向所在地县级人民政府安全生产监督管理部门"
                     "提出申请……审查批准后核发《烟花爆竹经营（零售）许可证》。"}],
        "acceptance_conditions": ["具有营业执照", "零售经营场所符合烟花爆竹安全管理要求",
                                  "主要负责人经过安全知识教育"],
        "materials": [
            {"key": "application", "name": "烟花爆竹经营（零售）许可证申请书", "mandatory": True,
             "originals": 1},
            {"key": "licence", "name": "营业执照", "mandatory": True, "copies": 1},
            {"key": "premises", "name": "经营场所产权证明或租赁合同", "mandatory": True,
             "copies": 1},
            {"key": "training", "name": "主要负责人安全培训合格证明", "mandatory": True,
             "copies": 1},
            {"key": "layout", "name": "经营场所平面图及周边情况示意图", "mandatory": False,
             "originals": 1}],
        "fees": [],  # the licence is free (不收费): stated as the department's word
        "external_flow": ["提交申请", "受理", "审查（含现场核查、消防意见）", "决定", "领取许可证"],
        "modes": ["HANDLING_MODE_PROMISED"],
        "special_procedures": ["SPECIAL_PROCEDURE_ON_SITE_CHECK"],
        "steps": [
            {"key": "accept", "name": "受理", "kind": "STEP_KIND_ACCEPTANCE", "limit_days": 1,
             "role": "clerk"},
            {"key": "review", "name": "审查", "kind": "STEP_KIND_REVIEW", "limit_days": 5,
             "role": "reviewer",
             "risk_points": [{"description": "现场核查走过场，降低安全条件许可",
                              "level": "RISK_LEVEL_MEDIUM",
                              "countermeasures": list(FIREWORKS_MEASURES)}],
             "parallel_branches": [
                 {"key": "fire", "name": "消防安全意见", "department": FIRE.name,
                  "department_code": FIRE.code, "limit_days": 3, "role": "reviewer"}]},
            {"key": "decide", "name": "决定", "kind": "STEP_KIND_DECISION", "limit_days": 2,
             "role": "chief", "returns_to": ["review"],
             "risk_points": [{"description": "违规作出许可决定", "level": "RISK_LEVEL_MEDIUM",
                              "countermeasures": list(DECIDE_MEASURES)}]}]}),
    DemoItem("archive", creator="clerk", draft={
        **_from_catalogue(ARCHIVE_CODE), **COMMON,
        "list_kind": "LIST_KIND_PUBLIC_SERVICE",
        "statutory_limit_days": 1, "promised_limit_days": 0,
        "legal_basis": [{"law": "《企业登记档案资料查询办法》",
                         "text": "企业登记机关应当为查询人提供企业登记档案资料查询服务。"}],
        "acceptance_conditions": ["查询本企业登记档案，或持有被查询企业的书面授权"],
        "materials": [
            {"key": "request", "name": "企业登记档案查询申请表", "mandatory": True,
             "originals": 1},
            {"key": "identity", "name": "经办人身份证件", "mandatory": True, "copies": 1},
            {"key": "authorisation", "name": "企业授权委托书", "mandatory": False,
             "originals": 1, "note": "代他人查询时提交"}],
        "fees": [{"name": ARCHIVE_FEE, "amount": {"currency_code": "CNY", "units": "0",
                                                  "nanos": 500000000},
                  "basis": "按复印页数收取，每页 0.50 元（演示数据，非真实收费标准）"}],
        "external_flow": ["提交申请", "当场查询", "出具档案资料"],
        "modes": ["HANDLING_MODE_IMMEDIATE"],
        "steps": [
            {"key": "accept", "name": "受理", "kind": "STEP_KIND_ACCEPTANCE", "limit_days": 0,
             "role": "clerk"},
            {"key": "provide", "name": "查询并出具", "kind": "STEP_KIND_DECISION",
             "limit_days": 0, "role": "chief"}]}),
    DemoItem("penalty", creator="inspector", from_catalogue=False, draft={
        "name": "对未取得食品经营许可从事食品经营活动的处罚" + MARK, "code": PENALTY_CODE,
        "item_type": "02", "region": REGION, "department": MARKET.name,
        "department_code": MARKET.code, "list_kind": "LIST_KIND_POWER", "exercise_level": "4",
        "statutory_limit_days": 90, "limit_unit": "TIME_UNIT_CALENDAR_DAYS",
        "legal_basis": [{"law": "《中华人民共和国食品安全法》", "article": "第一百二十二条"}],
        "supervision_phone": "0826-12345",
        "steps": [
            {"key": "open", "name": "立案", "kind": "STEP_KIND_OPENING", "role": "head",
             "limit_days": 3},
            {"key": "investigate", "name": "调查取证", "kind": "STEP_KIND_INVESTIGATION",
             "role": "inspector", "limit_days": 30},
            {"key": "notify", "name": "告知", "kind": "STEP_KIND_NOTIFICATION",
             "role": "inspector", "limit_days": 3},
            {"key": "decide", "name": "决定", "kind": "STEP_KIND_DECISION", "role": "head",
             "limit_days": 10},
            {"key": "serve", "name": "送达", "kind": "STEP_KIND_SERVICE", "role": "inspector",
             "limit_days": 7},
            {"key": "close", "name": "结案", "kind": "STEP_KIND_CLOSING", "role": "inspector",
             "limit_days": 3}],
        "discretion_standards": [
            {"key": "small", "severity": "一般", "fact_pattern": "违法经营的食品货值金额不足一万元",
             "range": "没收违法所得和违法经营的食品，并处五万元以上十万元以下罚款",
             "measures": ["confiscate_gains", "confiscate_property", "fine"],
             "min_amount": {"units": "50000"}, "max_amount": {"units": "100000"}}]}),
)

ALL_MATERIALS = ("application", "licence", "premises", "training", "layout")
