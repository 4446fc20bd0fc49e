"""The catalogue's code tables, in one place: GB/T 39046 and the contract's enums, with the
words people read.

Every table maps a *code* to its Chinese label. Item types and exercise levels are coded as
GB/T 39046 codes them (``"01"``, ``"4"``); the contract's enums (``sunlight.catalogue.v1`` and
``sunlight.common.v1``) are coded by their value names without the enum's prefix, in lower
case — ``HANDLING_MODE_PROMISED`` is ``promised`` (:func:`enum_code`). The catalogue's domain
uses these codes as the values of its enums, the importer judges item types by
:data:`ITEM_TYPES`, the hall shows the labels, and the catalogue CSV
(``services.shared.catalogue_csv``) writes the codes.

Pure: no protobuf here (the catalogue's domain imports this module, and domain modules stay
free of generated code).
"""

from __future__ import annotations

#: GB/T 39046 item types (事项类型).
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
}
#: Item types with special rules: penalties carry discretion standards (裁量基准); public
#: services may cite a policy instead of a law.
PENALTY_TYPE = "02"
PUBLIC_SERVICE_TYPE = "20"

#: GB/T 39046 exercise levels (行使层级).
EXERCISE_LEVELS: dict[str, str] = {
    "1": "国家级", "2": "省级", "3": "市级", "4": "县级", "5": "镇（乡、街道）级",
    "6": "村（社区）级", "7": "分级行使",
}

#: The list an item belongs to (清单类型), ``ListKind``.
LIST_KINDS: dict[str, str] = {
    "power": "权力清单", "duty": "责任清单", "public_service": "公共服务清单",
    "negative": "负面清单",
}

#: Nature of the implementing body (实施主体性质), ``BodyNature``.
BODY_NATURES: dict[str, str] = {
    "statutory": "法定机关", "authorised": "法律法规授权组织", "entrusted": "受委托组织",
}

#: Handling forms (办理形式), ``HandlingForm``.
HANDLING_FORMS: dict[str, str] = {
    "counter": "窗口办理", "online": "网上办理", "mobile": "移动端办理",
    "post": "快递（邮寄）办理",
}

#: How a case of an item is handled (办件类型), ``HandlingMode``.
HANDLING_MODES: dict[str, str] = {
    "immediate": "即办件", "promised": "承诺件", "reported": "上报件", "filing": "备案",
}

#: Special procedures (特别程序, GB/T 39046), ``SpecialProcedure``.
SPECIAL_PROCEDURES: dict[str, str] = {
    "extension": "延长审批期限", "hearing": "听证", "tender": "招标", "auction": "拍卖",
    "inspection": "检验", "testing": "检测", "quarantine": "检疫",
    "expert_review": "专家评审", "appraisal": "鉴定", "on_site_check": "现场核查",
    "public_notice": "公示",
}

#: Units of a time limit (时限单位), ``TimeUnit``.
TIME_UNITS: dict[str, str] = {"working_days": "个工作日", "calendar_days": "个自然日"}

#: What a step of the internal flow is for, ``StepKind``. The first three make the flow of a
#: case applied for; a case the government opens itself (立案: penalties, coercive measures,
#: inspections) runs through the others, from its opening to its closing.
STEP_KINDS: dict[str, str] = {
    "acceptance": "受理", "review": "审查", "decision": "决定",
    "opening": "立案", "investigation": "调查取证", "notification": "告知",
    "collective_review": "集体讨论", "service": "送达", "execution": "执行", "closing": "结案",
}

#: Kinds of administrative penalty (《行政处罚法》2021 art. 9), ``DiscretionStandard.measures``.
PENALTY_MEASURES: dict[str, str] = {
    "warning": "警告", "circulated_criticism": "通报批评", "fine": "罚款",
    "confiscate_gains": "没收违法所得", "confiscate_property": "没收非法财物",
    "suspend_licence": "暂扣许可证件", "lower_qualification": "降低资质等级",
    "revoke_licence": "吊销许可证件", "restrict_business": "限制开展生产经营活动",
    "suspend_business": "责令停产停业", "close_down": "责令关闭", "restrict_practice": "限制从业",
    "detention": "行政拘留", "other": "法律、行政法规规定的其他行政处罚",
}
#: Measures that are amounts of money: a standard allowing one states its range in yuan.
AMOUNT_MEASURES = frozenset({"fine"})

#: Integrity risk levels (风险等级), ``RiskLevel``.
RISK_LEVELS: dict[str, str] = {"low": "低", "medium": "中", "high": "高"}


def enum_code(value_name: str, prefix: str) -> str:
    """The code of a contract enum value: ``enum_code("HANDLING_MODE_FILING",
    "HANDLING_MODE_")`` is ``"filing"``."""
    return value_name.removeprefix(prefix).lower()


def enum_value_name(code: str, prefix: str) -> str:
    """The contract's value name of a code: the inverse of :func:`enum_code`."""
    return prefix + code.upper()


# --- cases the government opens (立案) -------------------------------------------------------

#: Where an opened case came from (案件来源).
CASE_SOURCES: dict[str, str] = {
    "inspection": "监督检查发现", "complaint": "投诉举报", "referral": "其他机关移送",
    "assigned": "上级机关交办", "other": "其他途径",
}

#: Kinds of evidence (证据种类, 《行政处罚法》2021 art. 46).
EVIDENCE_KINDS: dict[str, str] = {
    "documentary": "书证", "physical": "物证", "audiovisual": "视听资料",
    "electronic": "电子数据", "witness": "证人证言", "party_statement": "当事人的陈述",
    "expert_opinion": "鉴定意见", "inspection_record": "勘验笔录、现场笔录",
}

#: 《行政处罚法》 art. 64(1): a hearing is asked for within 5 (working, art. 85) days of the
#: notification — the engine counts it, the hall says it.
HEARING_REQUEST_DAYS = 5

#: How a decision is served on the party (送达方式, 《行政处罚法》 art. 61).
SERVICE_METHODS: dict[str, str] = {
    "direct": "直接送达", "left": "留置送达", "post": "邮寄送达", "electronic": "电子送达",
    "entrusted": "委托送达", "announcement": "公告送达",
}

#: Outcomes of a decision: of a case applied for, and of a case the government opened.
DECISION_OUTCOMES: dict[str, str] = {
    "approve": "准予", "refuse": "不予", "impose": "作出处罚（处理）决定",
    "not_impose": "不予处罚（处理）",
}
