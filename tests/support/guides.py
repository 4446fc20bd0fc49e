"""Items whose departments declared their whole guide (办事指南), for tests of what the public
reads: a licence with conditions, materials, a fee, parallel branches and an external flow,
and a penalty with its discretion standards (裁量基准)."""

from __future__ import annotations

from dataclasses import replace

from services.catalogue.domain.items import (
    Branch,
    DiscretionStandard,
    Fee,
    HandlingForm,
    HandlingMode,
    ImplementingBody,
    ItemContent,
    LegalCitation,
    Material,
    SpecialProcedure,
    Step,
    StepKind,
    TimeUnit,
)
from tests.support import departments
from tests.support.codes import implementation_code

LICENCE_NAME = "公共场所卫生许可（示例）"
PENALTY_NAME = "对未取得食品经营许可从事食品经营活动的处罚（示例）"
DEPT = "区卫健局"


def licence(region: str = "511602", **changes: object) -> ItemContent:
    """A licence declared in full: every list of its guide stated by the department."""
    base = ItemContent(
        name=LICENCE_NAME, code=implementation_code(region, seed=71), item_type="01",
        region=region, department=DEPT, statutory_limit_days=20, promised_limit_days=10,
        exercise_level="4", group="公共场所卫生许可",
        body=ImplementingBody(DEPT), accepting_office="广安区政务服务中心卫健窗口",
        legal_basis=(LegalCitation("《公共场所卫生管理条例》", "第八条",
                                   text="除公园、体育场（馆）、公共交通工具外的公共场所，"
                                        "经营单位应当及时向卫生行政部门申请办理卫生许可证。"),),
        acceptance_conditions=("有固定的经营场所", "卫生设施符合国家卫生标准和要求"),
        materials=(Material("公共场所卫生许可申请表", "申请人", 1, 0, True, key="form"),
                   Material("卫生检测报告", "检测机构", 1, 1, True, key="report"),
                   Material("从业人员健康合格证明", "医疗机构", 0, 1, False,
                            note="已在系统中登记的可免交", key="health")),
        fees=(Fee("证照工本费", "10.00", "川发改价格〔2020〕1号"),),
        supervision_phone="0826-12345", enquiry_phone="0826-2345678",
        handling_forms=(HandlingForm.COUNTER, HandlingForm.ONLINE),
        modes=(HandlingMode.PROMISED,),
        special_procedures=(SpecialProcedure.ON_SITE_CHECK,),
        external_flow=("申请", "受理", "现场核查", "决定", "送达"),
        steps=(Step("accept", "受理", 1, "clerk"),
               Step("review", "审查", 6, "section_chief", parallel_branches=(
                   Branch("区消防救援大队", "消防安全检查", 5, "inspector", key="fire",
                          department_code=departments.FIRE),
                   Branch("区生态环境局", "环境影响核查", 3, "inspector", key="env",
                          department_code=departments.ENVIRONMENT))),
               Step("decide", "决定", 3, "leader")))
    return replace(base, **changes)


FINE = DiscretionStandard("首次违法且货值金额不足一万元", "一般",
                          "没收违法所得，并处五千元以上一万元以下罚款", key="first",
                          measures=("confiscate_gains", "fine"), min_amount="5000",
                          max_amount="10000")
SEVERE = DiscretionStandard("两年内再次违法", "严重", "吊销许可证件，并处罚款", key="repeat",
                            measures=("fine", "revoke_licence"), min_amount="50000",
                            max_amount="100000")


def penalty(region: str = "511602", **changes: object) -> ItemContent:
    flow = tuple(Step(k.value, name, days, "inspector", kind=k) for k, name, days in (
        (StepKind.OPENING, "立案", 7), (StepKind.INVESTIGATION, "调查取证", 30),
        (StepKind.NOTIFICATION, "告知", 5), (StepKind.DECISION, "决定", 10),
        (StepKind.SERVICE, "送达", 7), (StepKind.CLOSING, "结案", 3)))
    base = ItemContent(
        name=PENALTY_NAME, code=implementation_code(region, seed=72), item_type="02",
        region=region, department="区市监局", statutory_limit_days=90,
        limit_unit=TimeUnit.CALENDAR_DAYS, exercise_level="4", steps=flow,
        legal_basis=(LegalCitation("《中华人民共和国食品安全法》", "第一百二十二条"),),
        discretion_standards=(FINE, SEVERE))
    return replace(base, **changes)
