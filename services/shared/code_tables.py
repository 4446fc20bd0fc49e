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

import re
from dataclasses import dataclass

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


# --- the catalogue import's report (导入报告) ------------------------------------------------

#: Why a row of a catalogue import was flagged or rejected, or what became of it: a stable code
#: and the Chinese an official acts on, with the row's particulars (``{line}``, ``{column}``,
#: ``{value}`` …). The importer states each reason as a sentence of detail (English, for logs
#: and the drafts' flags); :data:`IMPORT_REASON_PATTERNS` tells its code and particulars, so
#: rows stored before the codes existed — plain English in ``import_rows.reasons`` — read the
#: same as new ones (``{"code": …, "detail": …}``).
IMPORT_REASONS: dict[str, str] = {
    "IMPORT_DUPLICATE_CODE":
        "实施编码与本次导入的第 {line} 行相同：未另建事项，本行归入该行的事项。请核对是否重复"
        "填报。",
    "IMPORT_ALREADY_IN_CATALOGUE":
        "清单中已有同一地区、同一实施编码的事项（{item_id}），本行未作改动。",
    "IMPORT_NOT_PUBLISHED":
        "本行存疑，不予直接公布：事项保留为草稿，请部门核实存疑之处后提交审核。",
    "IMPORT_NO_LEGAL_BASIS":
        "未列明设定依据（职权法定）：事项保留为草稿，部门补充法律依据后方可公布。",
    "IMPORT_NOT_COMPLETE":
        "事项要素不完整（{fields}），保留为草稿：请部门补全后提交审核。",
    "IMPORT_CELLS_UNREADABLE":
        "本行有单元格无法读取，事项按通常导入方式建立，请核对该行内容。",
    "IMPORT_CONTENT_INVALID":
        "本行“{field}”的内容不符合清单格式，事项按通常导入方式建立，请核对。",
    "IMPORT_NAME_EMPTY":
        "事项名称（{column} 列）为空，本行不予导入。",
    "IMPORT_NAME_TOO_LONG":
        "事项名称有 {length} 个字，超过上限 {max} 个字，本行不予导入。",
    "IMPORT_DEPARTMENT_EMPTY":
        "实施主体（{column} 列）为空：每个事项都须有实施主体，本行不予导入。",
    "IMPORT_DEPARTMENT_TOO_LONG":
        "实施主体名称有 {length} 个字，超过上限 {max} 个字，本行不予导入。",
    "IMPORT_ITEM_TYPE_UNKNOWN":
        "事项类型（{column} 列）{value} 不是国家规定的事项类型（1 行政许可、2 行政处罚……20 公"
        "共服务），本行不予导入。",
    "IMPORT_CODE_EMPTY":
        "实施编码（{column} 列）为空，本行不予导入。",
    "IMPORT_CODE_TOO_LONG":
        "实施编码有 {length} 个字符，超过上限 {max} 个，本行不予导入。",
    "IMPORT_NO_REGION":
        "无法确定事项所属地区：区划代码为空或不在行政区划代码（2023）中，实施编码中的区划段也"
        "不可用。请填写 6 位或 12 位区划代码，本行不予导入。",
    "IMPORT_REGION_OUTSIDE":
        "事项所属地区 {region} {region_name} 不在本次导入的地区 {scope} {scope_name} 范围内，"
        "本行不予导入。",
    "IMPORT_AREA_CODE_INVALID":
        "区划代码 {value} 无效（不是 6 位或 12 位区划代码，或不在行政区划代码中），已改用实施"
        "编码中的区划段，请核对。",
    "IMPORT_CODE_REGION_UNKNOWN":
        "实施编码中的区划段 {value} 不是已知的行政区划，请核对。",
    "IMPORT_CODE_REGION_DIFFERS":
        "实施编码的区划段 {value} 与区划代码 {area} 不一致，请核对。",
    "IMPORT_PROMISED_OVER_STATUTORY":
        "承诺时限 {promised} 个工作日超过法定时限 {statutory} 个工作日，请核对。",
    "IMPORT_LIMIT_INVALID":
        "{what}（{column} 列）{value} 不是 0 到 {max} 之间的工作日数，已采用导入默认时限，请"
        "核对。",
    "IMPORT_LEGAL_BASIS_TOO_LONG":
        "法律依据（{column} 列）有 {length} 个字，超过上限 {max} 个字，未予采用，请精简后补充"
        "。",
    "IMPORT_DEPARTMENT_CODE_UNKNOWN":
        "部门的统一社会信用代码未知：实施编码中没有，须由部门补充。",
    "IMPORT_DEPARTMENT_CODE_DIFFERS":
        "部门代码（{column} 列）{value} 与实施编码中的实施主体代码 {in_code} 不一致，已采用 {"
        "value}，请核对。",
    "IMPORT_DEPARTMENT_CODE_INVALID":
        "部门代码（{column} 列）{value} 不是有效的统一社会信用代码；已采用实施编码中的代码（"
        "如有），否则在部门补充前未知，请核对。",
    "IMPORT_FORMULA_ESCAPED":
        "{what}（{column} 列）以单引号加 {value} 开头（导出文件防公式的转义），已去掉单引号读"
        "取，请核对内容。",
    "IMPORT_FORMULA_START":
        "{what}（{column} 列）以 {value} 开头，电子表格会把它当作公式执行（CSV 注入），已按文"
        "本保存，请核对内容。",
    "IMPORT_CODE_LOWER_CASE":
        "实施编码含小写字母，已按大写 {value} 读取。",
    "IMPORT_CODE_BLANKS":
        "实施编码含空格，请删除空格后重新导入。",
    "IMPORT_CODE_EMPTY_SEGMENT":
        "实施编码中有空段（连续两个连字符，或以连字符开头、结尾），请核对。",
    "IMPORT_CODE_TOO_FEW_SEGMENTS":
        "实施编码只有 {count} 段，至少应有 6 段（基本编码-区划-…-实施主体代码-主体性质-办理项"
        "），请核对。",
    "IMPORT_CODE_HANDLING_ITEM":
        "实施编码的最后一段（办理项）是 {value}，应为 {digits} 位数字，请核对。",
    "IMPORT_CODE_BODY_NATURE":
        "实施编码的倒数第二段（实施主体性质）是 {value}，应为 1 法定机关、2 法律法规授权组织"
        "或 3 受委托组织，请核对。",
    "IMPORT_CODE_MIDDLE_SEGMENT":
        "实施编码中实施主体代码之前的一段是 {value}，应为 {expected}，请核对。",
    "IMPORT_CODE_REGION_PART":
        "实施编码的区划段 {value} 不是有效的区划代码，请核对。",
    "IMPORT_CODE_BASIC_CODE":
        "实施编码的基本编码段缺失，或含有数字、大写字母和连字符以外的字符，请核对。",
    "IMPORT_CODE_ORGANISATION_CODE":
        "实施主体代码 {value} 是旧的 9 位组织机构代码，不是 18 位统一社会信用代码，请部门更新"
        "。",
    "IMPORT_CODE_BODY_LENGTH":
        "实施主体代码 {value} 有 {length} 位，应为 18 位统一社会信用代码，请核对。",
    "IMPORT_CODE_BODY_INVALID":
        "实施编码中的实施主体代码不是有效的统一社会信用代码（校验不通过），请核对。",
    "IMPORT_OTHER":
        "导入时发现其他问题，请核对本行。",
}

#: the columns' subjects, as the reasons name them
_IMPORT_WHAT = {"name": "事项名称", "department": "实施主体", "group": "分组",
                "legal basis": "法律依据", "statutory limit": "法定时限",
                "promised limit": "承诺时限"}

#: How the importer's detail reads as a code and its particulars: the first pattern that
#: matches (``re.search``) gives the code; its named groups fill the Chinese text.
IMPORT_REASON_PATTERNS: tuple[tuple[str, str], ...] = (
    ("IMPORT_DUPLICATE_CODE", r"^duplicate implementation code: same code as line (?P<line>\d+)"),
    ("IMPORT_ALREADY_IN_CATALOGUE", r"^already in the catalogue: item (?P<item_id>\S+)"),
    ("IMPORT_NOT_PUBLISHED", r"^kept as a draft: flagged rows are not published"),
    ("IMPORT_NO_LEGAL_BASIS", r"^kept as a draft: no legal basis"),
    ("IMPORT_NOT_COMPLETE", r"^kept as a draft: not complete"),
    ("IMPORT_CELLS_UNREADABLE", r"^unreadable cells"),
    ("IMPORT_NAME_EMPTY", r"^name \((?P<column>.*)\) is empty"),
    ("IMPORT_NAME_TOO_LONG", r"^name has (?P<length>\d+) characters; at most (?P<max>\d+)"),
    ("IMPORT_DEPARTMENT_EMPTY", r"^department \((?P<column>.*?)\) is empty"),
    ("IMPORT_DEPARTMENT_TOO_LONG",
     r"^department has (?P<length>\d+) characters; at most (?P<max>\d+)"),
    ("IMPORT_ITEM_TYPE_UNKNOWN",
     r"^item type \((?P<column>.*?)\) (?P<value>.*) is not a national item type"),
    ("IMPORT_CODE_EMPTY", r"^implementation code \((?P<column>.*)\) is empty"),
    ("IMPORT_CODE_TOO_LONG",
     r"^implementation code has (?P<length>\d+) characters; at most (?P<max>\d+)"),
    ("IMPORT_NO_REGION", r"^no usable region"),
    ("IMPORT_REGION_OUTSIDE", r"^region (?P<region>\d+) (?P<region_name>.*) lies outside the "
                              r"importing region (?P<scope>\d+) ?(?P<scope_name>.*)$"),
    ("IMPORT_AREA_CODE_INVALID", r"^area code (\((?P<column>.*?)\) )?(?P<value>'[^']*')"),
    ("IMPORT_CODE_REGION_UNKNOWN", r"^the code's region part (?P<value>\S+) is not a known"),
    ("IMPORT_CODE_REGION_DIFFERS",
     r"^region part (?P<value>\d+) of the code is not the area code (?P<area>\d+)"),
    ("IMPORT_PROMISED_OVER_STATUTORY", r"^the promised limit of (?P<promised>\d+) working days "
                                       r"exceeds the statutory limit of (?P<statutory>\d+)"),
    ("IMPORT_LIMIT_INVALID", r"^(?P<what>statutory limit|promised limit) \((?P<column>.*?)\) "
                             r"(?P<value>.*) is not a number of working days \(0 to "
                             r"(?P<max>\d+)\)"),
    ("IMPORT_LEGAL_BASIS_TOO_LONG", r"^legal basis \((?P<column>.*?)\) has (?P<length>\d+) "
                                    r"characters; at most (?P<max>\d+)"),
    ("IMPORT_DEPARTMENT_CODE_UNKNOWN", r"^the department's unified social credit code is "
                                       r"unknown"),
    ("IMPORT_DEPARTMENT_CODE_DIFFERS", r"^department code \((?P<column>.*?)\) (?P<value>\S+) "
                                       r"is not the implementing body's code in the "
                                       r"implementation code \((?P<in_code>\S+)\)"),
    ("IMPORT_DEPARTMENT_CODE_INVALID",
     r"^department code \((?P<column>.*?)\) (?P<value>'[^']*'):"),
    ("IMPORT_FORMULA_ESCAPED", r"^(?P<what>name|department|group|legal basis) \((?P<column>"
                               r".*?)\) begins with (?P<value>'.*?') behind a leading quote"),
    ("IMPORT_FORMULA_START", r"^(?P<what>name|department|group|legal basis) \((?P<column>"
                             r".*?)\) begins with (?P<value>'.*?'): a spreadsheet"),
    ("IMPORT_CODE_LOWER_CASE",
     r"^implementation code has lower-case letters; read as (?P<value>'.*')"),
    ("IMPORT_CODE_BLANKS", r"^implementation code .* contains blanks"),
    ("IMPORT_CODE_EMPTY_SEGMENT", r"^implementation code .* has an empty segment"),
    ("IMPORT_CODE_TOO_FEW_SEGMENTS",
     r"^implementation code .* has (?P<count>\d+) segments, at least"),
    ("IMPORT_CODE_HANDLING_ITEM", r"^handling item \(last segment\) is (?P<value>'.*?'); "
                                  r"expected (?P<digits>\d+) digits"),
    ("IMPORT_CODE_BODY_NATURE",
     r"^body nature \(second segment from the right\) is (?P<value>'.*?');"),
    ("IMPORT_CODE_MIDDLE_SEGMENT", r"^segment before the body code is (?P<value>'.*?'); "
                                   r"expected (?P<expected>'.*?')"),
    ("IMPORT_CODE_REGION_PART", r"^region part (?P<value>'.*?') (does not|should be)"),
    ("IMPORT_CODE_BASIC_CODE", r"^basic code"),
    ("IMPORT_CODE_ORGANISATION_CODE", r"^implementing body code (?P<value>'.*?') is an old "
                                      r"9-character organisation code"),
    ("IMPORT_CODE_BODY_LENGTH",
     r"^implementing body code (?P<value>'.*?') has (?P<length>\d+) characters"),
    ("IMPORT_CODE_BODY_INVALID", r"(credit code|check character|organisation code)"),
    ("IMPORT_CONTENT_INVALID", r"^(?P<field>[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*): "),
)
_IMPORT_COMPILED = tuple((code, re.compile(pattern)) for code, pattern in IMPORT_REASON_PATTERNS)


@dataclass(frozen=True)
class ImportReason:
    """One reason of an import's report: its stable code, the Chinese an official reads, and
    the importer's detail it came from."""

    code: str
    message: str
    detail: str

    def stored(self) -> dict[str, str]:
        """How ``import_rows.reasons`` keeps it: the code, and the detail it was read from."""
        return {"code": self.code, "detail": self.detail}


def import_reason(value: object) -> ImportReason:
    """The reason an importer's detail (or a stored reason: ``{"code", "detail"}``, or the
    plain English of rows stored before the codes) says."""
    if isinstance(value, dict):
        detail = str(value.get("detail", ""))
        stored_code = str(value.get("code", ""))
    else:
        detail, stored_code = str(value), ""
    code, found = "IMPORT_OTHER", {}
    for candidate, pattern in _IMPORT_COMPILED:
        match = pattern.search(detail)
        if match is not None:
            code, found = candidate, {k: v for k, v in match.groupdict().items() if v}
            break
    if stored_code in IMPORT_REASONS and stored_code != code:
        code, found = stored_code, {}  # the stored code stands; particulars as far as known
    if "what" in found:
        found["what"] = _IMPORT_WHAT.get(found["what"], found["what"])
    if code == "IMPORT_NOT_COMPLETE":  # the fields to complete, by their names
        found["fields"] = "、".join(dict.fromkeys(re.findall(
            r"(?:not valid: |; )([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): ",
            detail))) or "详见事项的审核意见"
    return ImportReason(code, _fill(IMPORT_REASONS[code], found), detail)


def _fill(template: str, values: dict[str, str]) -> str:
    """The template with its particulars; one not known is said to be unknown (（未知）)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "（未知）"), template)
