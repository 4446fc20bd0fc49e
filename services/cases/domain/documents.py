"""Documents (文书) a case produces: their kinds, their wording, their numbers and their hash.

A document *is* its content: one JSON object holding everything the page prints — the issuing
body, the title, the number (文号, e.g. ``区发改受〔2026〕12号``), the addressee, every paragraph
of the body as it is printed (facts, legal basis, the rights notice), the rows of a form, the
date. Its SHA-256 over the RFC 8785 form (``content_hash``) is what the case's trace records
for the event that issued it, in the same transaction; the PDF is rendered from the content
afterwards, deterministically (``services.cases.documents``), and carries the content inside
it, so that any copy can be checked against the trace.

The kinds are declared once, in ``KINDS``: a stable key, the Chinese title, the word of the
number (``受`` in ``区发改受〔2026〕12号``), the layout (a letter or a form), the fields each
needs and whether it states the right to apply for administrative reconsideration (行政复议,
60 days: 《行政复议法》第二十条) or to sue (行政诉讼, 6 months: 《行政诉讼法》第四十六条).
``compose`` turns a kind and its fields into the printed paragraphs or rows — the templates'
wording, one function per kind.

Which events issue which document: of a case applied for, ``application_drafts`` (accepted →
受理通知书, supplements asked for → 补正通知书, rejected → 不予受理决定书, a licence item
(GB/T 39046 type 01) decided → 行政许可决定书 or 不予行政许可决定书); of a case the government
opened (立案), ``opened_drafts`` (its opening approved → 立案审批表, a penalty's party told →
行政处罚事先告知书, a hearing set → 听证通知书, a penalty imposed → 行政处罚决定书, a decision
served → 送达回证). Both are issued through ``services.cases.documents.issuing.issue_document``
in the transaction of their event.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.cases.domain.clock import TimeUnit
from services.cases.domain.model import (
    Accepted,
    Case,
    CaseEvent,
    Decided,
    HearingScheduled,
    PartyNotified,
    Penalty,
    Rejected,
    Served,
    SupplementRequested,
)
from services.cases.domain.trace import canonical
from services.shared.code_tables import (
    CASE_SOURCES,
    PENALTY_MEASURES,
    PENALTY_TYPE,
    SERVICE_METHODS,
)
from services.shared.errors import InvalidArgument
from services.shared.working_days import local_day

#: the version of the content's shape (every content names it)
SCHEMA = "sunlight.document/1"
#: GB/T 39046 item type of an administrative licence (行政许可)
LICENCE = "01"
LICENSING_LAW = "《中华人民共和国行政许可法》"
PENALTY_LAW = "《中华人民共和国行政处罚法》"
MAX_FIELD_TEXT = 4000
MAX_FIELD_ITEMS = 100
LETTER, FORM = "letter", "form"


@dataclass(frozen=True)
class Field:
    """A field a document kind needs: its key, its label in Chinese, whether it is a list of
    texts (one a line) rather than one text, and whether it may be left out."""

    key: str
    label: str
    many: bool = False
    optional: bool = False


@dataclass(frozen=True)
class DocumentKind:
    key: str                  # stable: stored, in URLs and in the trace
    title: str                # printed as the document's title
    word: str                 # the kind's word in the number: 区发改{受}〔2026〕12号
    layout: str               # LETTER (addressee, paragraphs) or FORM (rows of a table)
    fields: tuple[Field, ...]
    #: states the right to administrative reconsideration and to sue (and needs the body that
    #: hears a reconsideration: field ``reconsideration_body``)
    rights: bool = False
    enforcement: bool = False  # issued by the enforcement engine
    #: an internal record of the department (立案审批表), not addressed to the party: staff
    #: read it, the case's parties do not
    internal: bool = False

    def field(self, key: str) -> Field:
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        raise KeyError(key)


def _f(key: str, label: str, *, many: bool = False, optional: bool = False) -> Field:
    return Field(key, label, many, optional)


_APPLICATION = (_f("item_name", "申请事项"), _f("applied_on", "申请日期"))
_RIGHTS = (_f("reconsideration_body", "行政复议机关"),)

#: every kind of document, declared once
KINDS: dict[str, DocumentKind] = {k.key: k for k in (
    DocumentKind("acceptance_notice", "受理通知书", "受", LETTER, (
        *_APPLICATION, _f("accepted_on", "受理日期"), _f("limit", "办理时限"),
        _f("basis", "受理依据"), _f("query_code", "查询码", optional=True))),
    DocumentKind("supplement_notice", "补正通知书", "补", LETTER, (
        *_APPLICATION, _f("missing", "需补正的材料", many=True), _f("due_on", "补正期限"),
        _f("basis", "补正依据"))),
    DocumentKind("rejection_decision", "不予受理决定书", "不受", LETTER, (
        *_APPLICATION, _f("reasons", "不予受理的理由"), _f("basis", "法律依据"), *_RIGHTS),
        rights=True),
    DocumentKind("licence_decision", "行政许可决定书", "许", LETTER, (
        *_APPLICATION, _f("accepted_on", "受理日期"), _f("reasons", "审查意见"),
        _f("basis", "法律依据", many=True), _f("certificate", "许可证件", optional=True),
        _f("valid_until", "有效期至", optional=True), *_RIGHTS), rights=True),
    DocumentKind("licence_refusal", "不予行政许可决定书", "不许", LETTER, (
        *_APPLICATION, _f("accepted_on", "受理日期"), _f("reasons", "不予许可的理由"),
        _f("basis", "法律依据", many=True), *_RIGHTS), rights=True),
    DocumentKind("filing_approval", "立案审批表", "立", FORM, (
        _f("case_source", "案件来源"), _f("cause", "案由"), _f("party", "当事人"),
        _f("party_id", "证件号码", optional=True), _f("party_address", "住所（地址）",
                                                          optional=True),
        _f("facts", "简要案情"), _f("basis", "立案依据"),
        _f("handler_opinion", "承办人意见"), _f("handlers", "承办人"),
        _f("approver_opinion", "审批意见", optional=True),
        _f("approver", "审批人", optional=True)), enforcement=True, internal=True),
    DocumentKind("penalty_notice", "行政处罚事先告知书", "罚告", LETTER, (
        _f("party", "当事人"), _f("facts", "违法事实"), _f("evidence", "证据", many=True),
        _f("violated", "违反的规定"), _f("penalty_basis", "处罚依据"),
        _f("penalty", "拟作出的行政处罚"), _f("hearing", "是否告知听证权利（是/否）"),
        _f("contact", "联系人及电话", optional=True)), enforcement=True),
    DocumentKind("hearing_notice", "听证通知书", "听", LETTER, (
        _f("party", "当事人"), _f("cause", "案由"), _f("hearing_time", "听证时间"),
        _f("hearing_place", "听证地点"), _f("presiding", "听证主持人"),
        _f("recorder", "记录员", optional=True),
        _f("contact", "联系人及电话", optional=True)), enforcement=True),
    DocumentKind("penalty_decision", "行政处罚决定书", "罚", LETTER, (
        _f("party", "当事人"), _f("party_id", "证件号码", optional=True),
        _f("party_address", "住所（地址）", optional=True), _f("facts", "违法事实"),
        _f("evidence", "证据", many=True), _f("violated", "违反的规定"),
        _f("penalty_basis", "处罚依据"), _f("penalty", "行政处罚的内容"),
        _f("performance", "履行方式和期限"), *_RIGHTS), rights=True, enforcement=True),
    DocumentKind("service_receipt", "送达回证", "送", FORM, (
        _f("served_document", "送达文书名称及文号"), _f("recipient", "受送达人"),
        _f("place", "送达地点"), _f("method", "送达方式"), _f("server", "送达人"),
        _f("witness", "见证人", optional=True), _f("note", "备注", optional=True)),
        enforcement=True),
)}
#: the kinds the application engine issues (the rest: the enforcement engine)
APPLICATION_KINDS = tuple(k for k, kind in KINDS.items() if not kind.enforcement)


def kind_of(key: str) -> DocumentKind:
    kind = KINDS.get(key)
    if kind is None:
        raise InvalidArgument.of_field("kind", "one of " + ", ".join(KINDS))
    return kind


def check_fields(kind: DocumentKind, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a document of ``kind``: every required one present and not blank, each a
    text (or, for a list field, a list of texts), none the kind does not know. InvalidArgument
    names what is wrong."""
    known = {f.key for f in kind.fields}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InvalidArgument.of_field(f"fields.{unknown[0]}",
                                       f"{kind.title} has no such field (it has: "
                                       + ", ".join(f.key for f in kind.fields) + ")")
    checked: dict[str, Any] = {}
    for spec in kind.fields:
        value = fields.get(spec.key)
        if value is None or value == "" or value == [] or value == ():
            if not spec.optional:
                raise InvalidArgument.of_field(f"fields.{spec.key}",
                                               f"{spec.label}: required for {kind.title}")
            continue
        if spec.many:
            if isinstance(value, str) or not isinstance(value, Sequence) or not all(
                    isinstance(v, str) for v in value):
                raise InvalidArgument.of_field(f"fields.{spec.key}", "a list of texts")
            if len(value) > MAX_FIELD_ITEMS:
                raise InvalidArgument.of_field(f"fields.{spec.key}",
                                               f"at most {MAX_FIELD_ITEMS} entries")
            items = [v.strip() for v in value if v.strip()]
            for item in items:
                _text(item, spec.key)
            if not items and not spec.optional:
                raise InvalidArgument.of_field(f"fields.{spec.key}",
                                               f"{spec.label}: required for {kind.title}")
            if items:
                checked[spec.key] = items
        else:
            if not isinstance(value, str):
                raise InvalidArgument.of_field(f"fields.{spec.key}", "a text")
            text = _text(value.strip(), spec.key)
            if text:
                checked[spec.key] = text
            elif not spec.optional:
                raise InvalidArgument.of_field(f"fields.{spec.key}",
                                               f"{spec.label}: required for {kind.title}")
    return checked


def _text(value: str, key: str) -> str:
    if len(value) > MAX_FIELD_TEXT:
        raise InvalidArgument.of_field(f"fields.{key}", f"at most {MAX_FIELD_TEXT} characters")
    if any(ord(c) < 0x20 and c not in "\n\t" or c == "\x7f" for c in value):
        raise InvalidArgument.of_field(f"fields.{key}", "no control characters")
    return value


# --- who issues, and the numbers --------------------------------------------------------------

#: how the words of departments' names are shortened in numbers (机关代字), longest first
_SHORT_WORDS = (
    ("发展和改革", "发改"), ("发展改革", "发改"), ("市场监督管理", "市监"), ("行政审批", "审批"),
    ("生态环境", "环"), ("自然资源和规划", "自然资源"), ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"), ("交通运输", "交"), ("农业农村", "农"), ("卫生健康", "卫健"),
    ("人力资源和社会保障", "人社"), ("应急管理", "应急"), ("文化广电旅游", "文旅"),
    ("文化和旅游", "文旅"), ("教育和体育", "教体"), ("综合行政执法", "综合执法"),
    ("城市管理", "城管"), ("公安", "公"), ("民政", "民"), ("财政", "财"), ("水利", "水"),
    ("商务", "商"), ("司法", "司"), ("林业", "林"), ("消防救援", "消"),
)
_ORGAN_SUFFIX = re.compile(r"(委员会|管理局|办公室|大队|支队|中心|局|委|厅|办|所|站)$")
_LEVEL_WORDS = "省市州盟县区旗"


def abbreviation(department: str) -> str:
    """The department's word in document numbers (机关代字): ``区发展改革局`` → ``区发改``.

    A leading level (区, 县, 市 …) is kept, the common words of bureaus' names shortened
    (``_SHORT_WORDS``) and the organ's suffix (局, 委员会 …) left out; a department whose name
    has none of those words keeps the rest of its name. When departments become codes, their
    directory will say each one's word; this derivation stays the fallback."""
    name = re.sub(r"\s+", "", department)
    level = name[0] if name[:1] in _LEVEL_WORDS and len(name) > 2 else ""
    body = name[len(level):]
    for long, short in _SHORT_WORDS:
        if body.startswith(long):
            body = short + body[len(long):]
            break
    return level + (_ORGAN_SUFFIX.sub("", body) or body)


def document_number(department_word: str, kind: DocumentKind, year: int, serial: int) -> str:
    """``区发改受〔2026〕12号``: the department's word, the kind's word, the year in hexagonal
    brackets (六角括号), the serial of that department, kind and year."""
    return f"{department_word}{kind.word}〔{year}〕{serial}号"


def localised_department(department: str, region_name: str) -> str:
    """``区发展改革局`` of 广安区 → ``广安区发展改革局``: a department named by its level alone
    printed with its government's name."""
    if department[:1] in _LEVEL_WORDS and region_name.endswith(department[:1]):
        return region_name + department[1:]
    return department


@dataclass(frozen=True)
class Issuer:
    """Who issues a case's documents: the counter's key (region and department, plain strings),
    the name printed at the top and by the seal, the word of the numbers, and the body that
    hears an administrative reconsideration (复议机关)."""

    region: str
    department: str
    name: str
    word: str
    reconsideration_body: str


# --- content ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A document to issue: its kind, its addressee and its fields (not yet numbered)."""

    kind: str
    addressee: str
    fields: Mapping[str, Any] = field(default_factory=dict)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def compose_content(kind: DocumentKind, *, document_id: str, case_number: str, issuer: Issuer,
                    addressee: str, fields: Mapping[str, Any], serial: int, issued_at: datetime
                    ) -> dict[str, Any]:
    """The document's content: every word the page prints, as JSON values (strings, integers,
    lists, objects), in the form its hash covers."""
    checked = check_fields(kind, fields)
    day = local_day(issued_at)
    number = document_number(issuer.word, kind, day.year, serial)
    paragraphs, rows = compose(kind, checked, addressee)
    return {
        "schema": SCHEMA, "document_id": document_id, "case_number": case_number,
        "kind": kind.key, "layout": kind.layout, "title": kind.title, "number": number,
        "year": day.year, "serial": serial, "region": issuer.region,
        "department": issuer.department, "issuer": issuer.name, "addressee": addressee,
        "date": day.isoformat(), "date_text": chinese_date(day), "fields": checked,
        "paragraphs": paragraphs, "rows": rows,
    }


def content_bytes(content: Mapping[str, Any]) -> bytes:
    """The canonical form (RFC 8785) the hash covers and the PDF carries."""
    return canonical(dict(content))


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(content_bytes(content)).hexdigest()


# --- the templates' wording ---------------------------------------------------------------------

_RIGHTS_TEXT = ("如不服本决定，可以自收到本决定书之日起六十日内向{body}申请行政复议，也可以自收到"
                "本决定书之日起六个月内依法向人民法院提起行政诉讼。")


def rights_notice(body: str) -> str:
    """The right to apply for administrative reconsideration within 60 days (《行政复议法》第二十条)
    or to sue within 6 months (《行政诉讼法》第四十六条)."""
    return _RIGHTS_TEXT.format(body=body)


def _day_text(value: str) -> str:
    try:
        return chinese_date(date.fromisoformat(value))
    except ValueError:
        return value


def _joined(values: Sequence[str]) -> str:
    return "、".join(values)


def _numbered(values: Sequence[str]) -> list[str]:
    return [f"{n}. {v}" for n, v in enumerate(values, start=1)]


def compose(kind: DocumentKind, f: Mapping[str, Any], addressee: str
            ) -> tuple[list[str], list[list[str]]]:
    """The printed body: paragraphs (a letter) or label/value rows (a form)."""
    match kind.key:
        case "acceptance_notice":
            return [
                f"你（单位）于{_day_text(f['applied_on'])}提出的{f['item_name']}申请，经审查，"
                f"申请材料齐全、符合法定形式。根据{f['basis']}的规定，本机关决定自"
                f"{_day_text(f['accepted_on'])}起予以受理。",
                f"本机关将在{f['limit']}内作出决定；依法需要听证、招标、拍卖、检验、检测、检疫、"
                "鉴定和专家评审的，所需时间不计算在内，届时另行书面告知。",
                # a notice issued before query codes were printed renders as it did then
                f"请凭本通知书所载办件编号和查询码{f['query_code']}查询办理进度（不必登录）。"
                if f.get("query_code") else "请凭本通知书所载办件编号查询办理进度。",
            ], []
        case "supplement_notice":
            return [
                f"你（单位）于{_day_text(f['applied_on'])}提出的{f['item_name']}申请，经审查，"
                f"申请材料不齐全或者不符合法定形式。根据{f['basis']}的规定，请于"
                f"{_day_text(f['due_on'])}前补正下列材料：",
                *_numbered(f["missing"]),
                "补正期间不计算在办理时限内；逾期未补正的，申请失效。补正材料齐全、符合法定形式的，"
                "本机关将予以受理。",
            ], []
        case "rejection_decision":
            return [
                f"你（单位）于{_day_text(f['applied_on'])}提出的{f['item_name']}申请，经审查："
                f"{_sentence(f['reasons'])}根据{f['basis']}的规定，本机关决定不予受理。",
                rights_notice(f["reconsideration_body"]),
            ], []
        case "licence_decision":
            granted = []
            if f.get("certificate"):
                granted.append(f"准予许可的证件：{f['certificate']}")
            if f.get("valid_until"):
                granted.append(f"有效期至{_day_text(f['valid_until'])}")
            return [
                f"你（单位）于{_day_text(f['applied_on'])}提出的{f['item_name']}申请，本机关于"
                f"{_day_text(f['accepted_on'])}受理。经审查：{_sentence(f['reasons'])}"
                f"根据{_joined(f['basis'])}的规定，本机关决定准予行政许可。",
                *([("；".join(granted)) + "。"] if granted else []),
                "本机关将自作出决定之日起十日内向你（单位）颁发、送达行政许可证件"
                "（《中华人民共和国行政许可法》第四十四条）。",
                rights_notice(f["reconsideration_body"]),
            ], []
        case "licence_refusal":
            return [
                f"你（单位）于{_day_text(f['applied_on'])}提出的{f['item_name']}申请，本机关于"
                f"{_day_text(f['accepted_on'])}受理。经审查：{_sentence(f['reasons'])}"
                f"根据{_joined(f['basis'])}的规定，本机关决定不予行政许可。",
                rights_notice(f["reconsideration_body"]),
            ], []
        case "penalty_notice":
            hearing = f["hearing"].strip() in ("是", "yes", "true", "1")
            paragraphs = [
                f"经查，你（单位）{_sentence(f['facts'])}以上事实有下列证据证实：",
                *_numbered(f["evidence"]),
                f"你（单位）的上述行为违反了{f['violated']}的规定。依据{f['penalty_basis']}的规定，"
                f"本机关拟对你（单位）作出如下行政处罚：{_sentence(f['penalty'])}",
                f"根据{PENALTY_LAW}第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩，"
                "可以自收到本告知书之日起五日内向本机关提出。",
            ]
            if hearing:
                paragraphs.append(
                    f"根据{PENALTY_LAW}第六十三条、第六十四条的规定，你（单位）有权要求听证；"
                    "要求听证的，应当自收到本告知书之日起五日内向本机关提出。")
            paragraphs.append("逾期未提出陈述、申辩" + ("或者听证要求" if hearing else "")
                              + "的，视为放弃上述权利。")
            if f.get("contact"):
                paragraphs.append(f"联系人及电话：{f['contact']}")
            return paragraphs, []
        case "hearing_notice":
            paragraphs = [
                f"根据你（单位）的申请，本机关定于{f['hearing_time']}在{f['hearing_place']}"
                f"就{f['cause']}一案公开举行听证（涉及国家秘密、商业秘密或者个人隐私依法予以保密"
                f"的除外），听证主持人：{f['presiding']}"
                + (f"，记录员：{f['recorder']}" if f.get("recorder") else "") + "。",
                "请你（单位）准时出席。你（单位）可以亲自参加听证，也可以委托一至二人代理；委托代理"
                "的，应当向本机关提交授权委托书。认为主持人与本案有直接利害关系的，有权申请回避。",
                f"无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利，本机关终止听证"
                f"（{PENALTY_LAW}第六十四条）。",
            ]
            if f.get("contact"):
                paragraphs.append(f"联系人及电话：{f['contact']}")
            return paragraphs, []
        case "penalty_decision":
            who = "；".join([f"当事人：{f['party']}"]
                           + ([f"证件号码：{f['party_id']}"] if f.get("party_id") else [])
                           + ([f"住所（地址）：{f['party_address']}"]
                              if f.get("party_address") else [])) + "。"
            return [
                who,
                f"经查，你（单位）{_sentence(f['facts'])}以上事实有下列证据证实：",
                *_numbered(f["evidence"]),
                f"你（单位）的上述行为违反了{f['violated']}的规定。本机关已依法告知你（单位）"
                f"陈述、申辩等权利。依据{f['penalty_basis']}的规定，本机关决定对你（单位）"
                f"作出如下行政处罚：{_sentence(f['penalty'])}",
                f"履行方式和期限：{_sentence(f['performance'])}",
                rights_notice(f["reconsideration_body"])
                + f"复议、诉讼期间，本决定不停止执行（{PENALTY_LAW}第七十三条）。",
            ], []
        case "filing_approval":
            return [], _rows(kind, f)
        case "service_receipt":  # signed by hand on the paper
            return [], [*_rows(kind, f), ["受送达人签名或盖章", ""],
                        ["签收日期", "　　　　年　　月　　日"]]
    raise AssertionError(f"no template for {kind.key}")  # pragma: no cover - KINDS is closed


def _rows(kind: DocumentKind, f: Mapping[str, Any]) -> list[list[str]]:
    return [[spec.label, _row_text(f.get(spec.key, ""))] for spec in kind.fields]


def _row_text(value: str | list[str]) -> str:
    return "\n".join(value) if isinstance(value, list) else value


def _sentence(text: str) -> str:
    """A text as a sentence of the body: ended by a full stop unless it ends already."""
    text = text.strip()
    return text if text[-1:] in "。！？；…" else text + "。"


# --- the application engine's documents ---------------------------------------------------------


def limit_text(case: Case) -> str:
    """The promised limit as the acceptance notice states it."""
    promised = case.promised
    if promised is None:
        statutory = case.statutory
        promised = statutory
    if promised is None:
        return "法定期限"
    if promised.days == 0:
        return "当日"
    unit = "个工作日" if promised.unit is TimeUnit.WORKING_DAYS else "日"
    return f"受理之日起{promised.days}{unit}"


def _basis(case: Case, article: str) -> str:
    """The legal basis of an application document: the Licensing Law's article for a licence
    item, else the item's own legal basis (or, without one, the relevant rules)."""
    if case.item.item_type == LICENCE:
        return LICENSING_LAW + article
    return "、".join(case.item.legal_basis) or "有关法律、法规"


#: the events that may issue a document: of the application engine (``application_drafts``)
#: and of a case the government opened (``opened_drafts``); no other event issues one
APPLICATION_DOCUMENT_EVENTS = (Accepted, SupplementRequested, Rejected, Decided)
OPENED_DOCUMENT_EVENTS = (Accepted, PartyNotified, HearingScheduled, Decided, Served)


def may_issue(case: Case, event: CaseEvent) -> bool:
    """Whether ``event`` can issue a document at all (most events issue none): who issues,
    and the drafts, are worked out only for those that can."""
    return isinstance(event, OPENED_DOCUMENT_EVENTS if case.opened
                      else APPLICATION_DOCUMENT_EVENTS)


def application_drafts(case: Case, event: CaseEvent, issuer: Issuer, query_code: str = ""
                       ) -> list[Draft]:
    """The documents an event of the application engine issues; ``case`` is the case after
    the event; ``query_code`` the receipt's (查询码), printed on the acceptance notice so that
    the applicant can look the case up with it and its number without signing in."""
    if not isinstance(event, APPLICATION_DOCUMENT_EVENTS):
        return []
    applied_on = local_day(case.submitted_at).isoformat()
    common = {"item_name": case.item.name, "applied_on": applied_on}
    addressee = case.applicant.name
    match event:
        case Accepted():
            return [Draft("acceptance_notice", addressee, {
                **common, "accepted_on": local_day(event.at).isoformat(),
                "limit": limit_text(case), "basis": _basis(case, "第三十二条第一款第（五）项"),
                **({"query_code": query_code} if query_code else {})})]
        case SupplementRequested():
            names = {m.key: m.name for m in case.item.materials}
            return [Draft("supplement_notice", addressee, {
                **common, "missing": [names.get(k, k) for k in event.missing],
                "due_on": event.due_on.isoformat() if event.due_on else "",
                "basis": _basis(case, "第三十二条第一款第（四）项")})]
        case Rejected():
            return [Draft("rejection_decision", addressee, {
                **common, "reasons": event.reasons,
                "basis": _basis(case, "第三十二条第一款"),
                "reconsideration_body": issuer.reconsideration_body})]
        case Decided(decision=decision) if (decision is not None
                                            and case.item.item_type == LICENCE):
            basis = list(decision.legal_basis or case.item.legal_basis) or [
                LICENSING_LAW + ("第三十八条第一款" if decision.outcome == "approve"
                                 else "第三十八条第二款")]
            accepted_on = local_day(case.accepted_at or event.at).isoformat()
            reasons = decision.reasons or ("申请人的申请符合法定条件、标准"
                                           if decision.outcome == "approve" else "")
            fields: dict[str, Any] = {**common, "accepted_on": accepted_on,
                                      "reasons": reasons, "basis": basis,
                                      "reconsideration_body": issuer.reconsideration_body}
            if decision.outcome == "approve":
                fields["certificate"] = decision.certificate
                fields["valid_until"] = (decision.valid_until.isoformat()
                                         if decision.valid_until else "")
                return [Draft("licence_decision", addressee, fields)]
            return [Draft("licence_refusal", addressee, fields)]
    return []


# --- the documents of a case the government opened (立案) ---------------------------------------

#: 《行政处罚法》 art. 67: a fine is paid within 15 days of receiving the decision
PAYMENT_TEXT = ("当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款"
                "（《中华人民共和国行政处罚法》第六十七条）。")


def penalty_text(penalty: Penalty | None, intended: str = "") -> str:
    """A penalty in words: ``罚款人民币 8000 元、没收违法所得``."""
    if penalty is None:
        return intended
    words = []
    for measure in penalty.measures:
        label = PENALTY_MEASURES.get(measure, measure)
        if measure == "fine" and penalty.amount_fen:
            yuan = penalty.amount_fen / 100
            label = f"罚款人民币 {yuan:g} 元" if yuan != int(yuan) else (
                f"罚款人民币 {int(yuan)} 元")
        words.append(label)
    return "、".join(words) or intended


def _parties(case: Case) -> tuple[str, str]:
    parties = case.parties or (case.applicant,)
    return ("、".join(p.name for p in parties), "、".join(p.id_number for p in parties))


def opened_drafts(case: Case, event: CaseEvent, issuer: Issuer,
                  served_document: str = "") -> list[Draft]:
    """The documents an event of a case the government opened issues (``case``: after the
    event): its opening approved → 立案审批表; a penalty's party told → 行政处罚事先告知书; a
    hearing set → 听证通知书; a penalty imposed → 行政处罚决定书; a decision served → 送达回证
    (``served_document``: the title and number of what was served)."""
    if not isinstance(event, OPENED_DOCUMENT_EVENTS):
        return []
    party, party_id = _parties(case)
    cause = case.item.name
    basis = "、".join(case.legal_basis) or "、".join(case.item.legal_basis)
    evidence = [e.description for e in case.evidence] or ["（无）"]
    penalty_item = case.item.item_type == PENALTY_TYPE
    match event:
        case Accepted():
            return [Draft("filing_approval", party, {
                "case_source": CASE_SOURCES.get(case.source, case.source or "未说明"),
                "cause": cause, "party": party, "party_id": party_id, "facts": case.facts,
                "basis": basis, "handler_opinion": "建议立案调查",
                "handlers": case.submitted_by,
                "approver_opinion": event.opinion or "同意立案", "approver": event.by})]
        case PartyNotified(notification=notice) if notice is not None and penalty_item:
            return [Draft("penalty_notice", party, {
                "party": party, "facts": case.facts, "evidence": evidence,
                "violated": basis, "penalty_basis": basis,
                "penalty": penalty_text(notice.penalty, notice.intended),
                "hearing": "是" if notice.hearing_right else "否"})]
        case HearingScheduled(scheduled_on=on, place=place, host=host) if on is not None:
            return [Draft("hearing_notice", party, {
                "party": party, "cause": cause, "hearing_time": chinese_date(on),
                "hearing_place": place, "presiding": host})]
        case Decided(decision=decision) if (decision is not None and penalty_item
                                            and decision.penalty is not None):
            return [Draft("penalty_decision", party, {
                "party": party, "party_id": party_id, "facts": case.facts,
                "evidence": evidence, "violated": basis,
                "penalty_basis": "、".join(decision.legal_basis) or basis,
                "penalty": penalty_text(decision.penalty),
                "performance": PAYMENT_TEXT if "fine" in decision.penalty.measures
                else "自收到本决定书之日起履行。",
                "reconsideration_body": issuer.reconsideration_body})]
        case Served(service=service) if service is not None:
            return [Draft("service_receipt", service.recipient, {
                "served_document": served_document or "行政处罚决定书",
                "recipient": service.recipient, "place": service.note or "当事人处",
                "method": SERVICE_METHODS.get(service.method, service.method),
                "server": event.by})]
    return []
