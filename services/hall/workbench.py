"""The staff workbench (工作台): civil servants' inbox and case pages over the case service.

``/workbench`` the inbox (待办): my steps (claimed by me) or my group's (my department's and
positions' running steps; a supervisor's: every department of their regions), earliest due
first, with the due date, the days left and a mark (临近 / 超期) in words, not colour alone;
filters (unclaimed only, a position, a department for supervisors) and a search by case
number or applicant name, with page numbers. Claim (认领) and hand back (退回待办) from the
list; a supervisor reassigns (改派) — one step, or many at once from a checkbox list, each a
separate action the case service records in the case's trace (audited), each with its own
idempotency key derived from the form's.

``/workbench/cases/{number}`` a case as its handlers see it: the application with its
materials and the completeness check's result; the item's internal flow with where the case
stands; for each running step, its integrity risk points and their countermeasures
(廉政风险点 · 防范措施) as checkboxes that become ``complete_step``'s (or ``decide``'s)
countermeasures; the discretion standards (裁量基准) where they apply; a form for every
action the case allows now (accept, reject with reasons, request supplements naming what is
missing, claim, release, reassign, complete, return to an earlier step, start or end a
special procedure, decide, publish the result, complete the case) — each with the session's
CSRF token and an idempotency key, so a form sent twice acts once; a refusal is shown
against its field in Chinese. Below: the case's trace, verified link by link, and its
warnings from supervision.

Every call carries a token minted for the signed-in staff member (``services.hall.tokens``):
the case service decides what they may see and do. Staff only: anyone else gets a page in
Chinese that says who the workbench is for.
"""

# No `from __future__ import annotations`: the routes' annotations name the session object
# of the closure (``Depends(sessions.posted_form)``), which FastAPI must see evaluated.
import logging
import re
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import grpc
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from google.protobuf.message import Message
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.common.v1 import common_pb2
from sunlight.common.v1.common_pb2 import Money

from services.hall.backend import HallBackend
from services.hall.enforcement import UNKNOWN, chinese_day, yuan_text
from services.hall.identity import Identity
from services.hall.sessions import Sessions, safe_next
from services.hall.supervision import EVENT_WORDS, warning_row
from services.hall.tokens import TokenMinter
from services.hall.views import CASE_STATUSES, UNKNOWN_STATUS, local_time, missing_key
from services.shared.code_tables import (
    CASE_SOURCES,
    EVIDENCE_KINDS,
    PENALTY_MEASURES,
    SERVICE_METHODS,
)
from services.shared.grpc_errors import error_detail_of

log = logging.getLogger(__name__)
Render = Callable[..., HTMLResponse]
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,50}$")
INSTANCE = re.compile(r"^s[0-9]{1,4}$")
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9=_-]{0,100}$")
CODE = re.compile(r"^[0-9A-Za-z]{18}$")
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DOCUMENT_ID = re.compile(r"^d[0-9]{1,9}(-[0-9]{1,3})?$")
#: rows a page of the inbox shows (a bulk reassignment posts one field per row: the form
#: reader takes at most 50)
PAGE_SIZE = 20
#: a step is marked near its limit (临近) with this many days left or fewer (0: due today)
NEAR_DAYS = 1
MAX_TEXT = 2000
MAX_QUERY = 100
REASSIGNING_ROLES = ("supervisor", "admin")
#: roles that take steps (claim them): the others only read the queues
HANDLING_ROLES = ("clerk", "admin", "department_system")

STEP_STATUS_WORDS = {kpb.STEP_STATUS_PENDING: "等待", kpb.STEP_STATUS_ACTIVE: "办理中",
                     kpb.STEP_STATUS_DONE: "已完成", kpb.STEP_STATUS_RETURNED: "已退回"}
RISK_WORDS = {cpb.RISK_LEVEL_HIGH: "高", cpb.RISK_LEVEL_MEDIUM: "中", cpb.RISK_LEVEL_LOW: "低"}
PROCEDURE_WORDS = {
    common_pb2.SPECIAL_PROCEDURE_EXTENSION: "延长审批期限",
    common_pb2.SPECIAL_PROCEDURE_HEARING: "听证", common_pb2.SPECIAL_PROCEDURE_TENDER: "招标",
    common_pb2.SPECIAL_PROCEDURE_AUCTION: "拍卖", common_pb2.SPECIAL_PROCEDURE_INSPECTION: "检验",
    common_pb2.SPECIAL_PROCEDURE_TESTING: "检测", common_pb2.SPECIAL_PROCEDURE_QUARANTINE: "检疫",
    common_pb2.SPECIAL_PROCEDURE_EXPERT_REVIEW: "专家评审",
    common_pb2.SPECIAL_PROCEDURE_APPRAISAL: "鉴定",
    common_pb2.SPECIAL_PROCEDURE_ON_SITE_CHECK: "现场核查",
    common_pb2.SPECIAL_PROCEDURE_PUBLIC_NOTICE: "公示"}
REJECT_REASONS = {"NOT_IN_SCOPE": "不属于本机关职权范围", "NOT_QUALIFIED": "不符合申请条件",
                  "OTHER": "其他法定情形"}
OUTCOMES = {"approve": (kpb.DECISION_OUTCOME_APPROVE, "准予"),
            "refuse": (kpb.DECISION_OUTCOME_REFUSE, "不予"),
            "impose": (kpb.DECISION_OUTCOME_IMPOSE, "作出处罚决定"),
            "not_impose": (kpb.DECISION_OUTCOME_NOT_IMPOSE, "不予处罚")}
MEASURES = {"warning": "警告", "circulated_criticism": "通报批评", "fine": "罚款",
            "confiscate_gains": "没收违法所得", "confiscate_property": "没收非法财物",
            "suspend_licence": "暂扣许可证件", "lower_qualification": "降低资质等级",
            "revoke_licence": "吊销许可证件", "restrict_business": "限制开展生产经营活动",
            "suspend_business": "责令停产停业", "close_down": "责令关闭",
            "restrict_practice": "限制从业", "detention": "行政拘留", "other": "其他"}
#: the actions the workbench offers, with their button's words (the oneof's field names)
ACTION_WORDS = {
    "accept": "受理", "reject": "不予受理", "request_supplement": "要求补正",
    "claim": "认领", "release": "退回待办", "reassign": "改派",
    "complete_step": "办结本环节", "return_step": "退回到前一环节",
    "start_procedure": "启动特别程序", "end_procedure": "结束特别程序",
    "decide": "作出决定", "publish_result": "公开办理结果", "complete": "办结",
    # a case the government opened (立案)
    "record_evidence": "记录证据", "notify": "送达行政处罚事先告知书",
    "record_statement": "记录陈述、申辩", "request_hearing": "记录听证申请",
    "waive_hearing": "记录放弃听证", "schedule_hearing": "安排听证",
    "hold_hearing": "记录听证结果", "record_collective_review": "记录集体讨论",
    "serve": "送达决定书",
}
#: the words of an action on a case the government opened, where they differ
OPENED_WORDS = {"accept": "批准立案", "reject": "不予立案"}
#: actions only a case the government opened takes (its enforcement forms)
OPENED_ACTIONS = ("record_evidence", "notify", "record_statement", "request_hearing",
                  "waive_hearing", "schedule_hearing", "hold_hearing",
                  "record_collective_review", "serve")
#: steps that end with an action of their own, never with complete_step (the engine's rule)
OWN_ACTION_KINDS = frozenset({cpb.STEP_KIND_DECISION, cpb.STEP_KIND_NOTIFICATION,
                              cpb.STEP_KIND_SERVICE, cpb.STEP_KIND_COLLECTIVE_REVIEW})
#: actions that act on one running step (the form names it)
STEP_ACTIONS = frozenset({"claim", "release", "reassign", "complete_step", "return_step"})
#: what the service's field names are on the forms, and their labels
FIELD_LABELS = {
    "opinion": "办理意见", "reasons": "理由", "reason": "理由", "reason_code": "理由类别",
    "missing": "需补正的材料", "due_date": "补正期限", "to": "改派给", "to_key": "退回到",
    "kind": "特别程序", "extension_days": "延长的工作日", "result": "结果",
    "outcome": "决定", "legal_basis": "法律依据", "document_number": "文书编号",
    "certificate": "证照名称", "valid_until": "有效期至", "countermeasures": "防范措施",
    "circumstance": "裁量情形", "measures": "处罚种类", "amount": "罚款金额",
    "departure": "偏离裁量基准的理由", "instance_id": "环节",
    "description": "证据说明", "sha256": "证据文件的 SHA-256",
    "intended": "拟作出的处理决定", "notified_on": "告知日期", "text": "陈述、申辩的内容",
    "requested_on": "当事人提出听证要求的日期",
    "on": "听证日期", "place": "听证地点", "host": "听证主持人", "record": "听证笔录",
    "held_on": "会议日期", "participants": "参加人员", "opinions": "个人意见",
    "minutes": "会议纪要", "method": "送达方式", "recipient": "受送达人",
    "served_on": "送达日期", "note": "备注",
}
#: refusals by their stable code, in words (the field they belong to, the sentence)
REFUSALS: dict[str, tuple[str, str]] = {
    "UNKNOWN_COUNTERMEASURE": ("countermeasures",
                               "所选防范措施不是本环节公布的措施，请从列表中选择。"),
    "STEP_TAKEN": ("", "这个环节已被其他人认领，请刷新页面查看。"),
    "MATERIALS_INCOMPLETE": ("", "材料不齐全的申请不能直接不予受理，请要求补正。"),
    "REASON_CODE_REQUIRED": ("reason_code", "材料齐全的申请不予受理，须选择理由类别。"),
    "SEPARATION_OF_DUTIES": ("", "按照岗位分离（查处分离）要求，受理或调查本件的人员不能作出"
                                 "决定。"),
    "BRANCHES_OPEN": ("", "并联环节尚未全部办结，本环节暂不能办结。"),
    "NOT_ASSIGNEE": ("", "这个环节已由他人认领，只有认领人可以办理。"),
    "NOT_YOURS": ("", "这个环节不属于您的部门或岗位。"),
    "STEP_NOT_ACTIVE": ("instance_id", "这个环节已经办结，请刷新页面。"),
    "RETURN_NOT_ALLOWED": ("to_key", "本环节不能退回到所选环节。"),
    "PROCEDURE_NOT_ALLOWED": ("kind", "本事项不适用所选特别程序。"),
    "ACTION_NOT_ALLOWED": ("", "办件当前的状态不允许这项操作。请刷新页面查看最新状态。"),
    # a case the government opened (立案); {…}: the refusal's metadata, days in words
    "HEARING_WINDOW_CLOSED": ("requested_on",
                              "当事人要求听证的期限已于 {hearing_due_on} 届满（告知后 5 个"
                              "工作日内，《行政处罚法》第六十四条）：逾期提出的听证要求不能记录。"),
    "HEARING_WINDOW_OPEN": ("", "当事人可以在 {hearing_due_on} 前要求听证：期限届满或当事人"
                                "放弃听证后，才能作出决定。"),
    "HEARING_PENDING": ("", "当事人要求的听证尚未举行，举行听证后才能作出决定。"),
    "HEARING_NOTICE_TOO_SHORT": ("on", "应在听证的 7 个工作日前通知当事人：今天通知，听证最早"
                                       "可定于 {earliest}。"),
    "HOST_INVESTIGATED": ("host", "本案的调查人员不能主持听证，请另选听证主持人。"),
    "HEARING_NOT_YET": ("", "听证定于 {scheduled_on}，尚未到听证日期。"),
    "NOT_NOTIFIED": ("", "尚未向当事人送达行政处罚事先告知书，不能作出处罚决定。"),
    "COLLECTIVE_REVIEW_REQUIRED": ("", "本案须经负责人集体讨论决定：请先记录集体讨论。"),
    "DISCRETION_OUT_OF_RANGE": ("amount", "处罚超出所选情形的裁量基准（{allowed}）：请在基准"
                                          "范围内决定，或在“偏离裁量基准的理由”中书面说明"
                                          "理由。"),
    "LEGAL_BASIS_NOT_OF_ITEM": ("legal_basis", "所引法律依据不在本事项公布的依据之内，请从"
                                               "列表中选择。"),
    "USE_NOTIFY": ("", "告知环节以“送达行政处罚事先告知书”办结。"),
    "USE_SERVE": ("", "送达环节以“送达决定书”办结。"),
    "USE_RECORD_COLLECTIVE_REVIEW": ("", "集体讨论环节以“记录集体讨论”办结。"),
    "USE_ACCEPT": ("", "立案环节由负责人批准立案或不予立案。"),
    "STEP_NOT_RUNNING": ("", "办件当前没有进行到这一环节，请刷新页面查看最新状态。"),
}
#: what a refusal adds against another field (the sentence there)
REFUSAL_ALSO: dict[str, tuple[str, str]] = {
    "DISCRETION_OUT_OF_RANGE": ("departure", "确需偏离裁量基准的，请在此书面说明理由。"),
}


# --- the inbox ---------------------------------------------------------------------------


@dataclass
class InboxRow:
    case_number: str
    href: str
    item_name: str
    applicant: str
    step: str
    instance_id: str
    department: str
    assignee: str
    due_date: str
    days_left: str
    mark: str        # "over", "near" or ""
    mark_words: str  # 超期 / 临近时限 / ""
    stopped: bool
    mine: bool


def days_words(days_left: int, due_date: str, unit: int) -> str:
    """Days left in words: 剩 3 个工作日, 今天到期, 超期 2 个工作日; a stopped clock says so."""
    if not due_date:
        return "计时暂停"
    word = "天" if unit == common_pb2.TIME_UNIT_CALENDAR_DAYS else "个工作日"
    if days_left > 0:
        return f"剩 {days_left} {word}"
    if days_left == 0:
        return "今天到期"
    return f"超期 {-days_left} {word}"


def mark_of(days_left: int, due_date: str) -> tuple[str, str]:
    if not due_date:
        return "", ""
    if days_left < 0:
        return "over", "超期"
    if days_left <= NEAR_DAYS:
        return "near", "临近时限"
    return "", ""


def inbox_row(entry: kpb.QueueEntry, me: str) -> InboxRow:
    step = entry.step
    mark, words = mark_of(step.days_left, step.due_date)
    return InboxRow(
        entry.case_number, f"/workbench/cases/{entry.case_number}", entry.item_name,
        entry.applicant_name or "—", step.name, step.instance_id,
        step.department or "本部门", step.assignee, step.due_date or "—",
        days_words(step.days_left, step.due_date, step.limit_unit), mark, words,
        not step.due_date, bool(me) and step.assignee == me)


@dataclass
class InboxQuery:
    view: str = "group"      # mine | group
    unclaimed: bool = False
    position: str = ""
    department: str = ""
    q: str = ""
    page: int = 1
    token: str = ""

    def request(self) -> dict[str, Any]:
        return {"mine_only": self.view == "mine", "unclaimed_only": self.unclaimed,
                "role": self.position, "department_code": self.department,
                "query": self.q, "page_token": self.token}

    def href(self, **changes: Any) -> str:
        """This inbox's address with ``changes`` (page 1 and no token unless given)."""
        values = {"view": self.view, "unclaimed": "1" if self.unclaimed else "",
                  "position": self.position, "department": self.department, "q": self.q,
                  "page": "", "token": ""}
        values.update({k: str(v) for k, v in changes.items()})
        if values["page"] == "1":
            values["page"] = ""
        query = urlencode({k: v for k, v in values.items() if v})
        return "/workbench" + (f"?{query}" if query else "")


def inbox_query(view: str, unclaimed: str, position: str, department: str, q: str,
                page: str, token: str) -> tuple[InboxQuery, str]:
    """The inbox's filters from the query string, and what is wrong with them (in words)."""
    query = InboxQuery(view if view in ("mine", "group") else "group", unclaimed == "1",
                       position.strip()[:64], department.strip().upper(), q.strip())
    problem = ""
    if query.department and not CODE.match(query.department):
        problem, query.department = "部门应以 18 位统一社会信用代码表示。", ""
    if len(query.q) > MAX_QUERY:
        problem, query.q = f"检索词最多 {MAX_QUERY} 个字。", ""
    if any(ord(c) < 32 for c in query.q + query.position):
        problem, query.q, query.position = "检索词含有无法识别的字符。", "", ""
    if page.isdigit() and 1 <= int(page) <= 100_000 and PAGE_TOKEN.match(token):
        query.page, query.token = int(page), token
    return query, problem


# --- a case --------------------------------------------------------------------------------


@dataclass
class RiskView:
    description: str
    level: str
    high: bool
    countermeasures: list[tuple[str, str]]  # (field name, text)


@dataclass
class StepView:
    """A running step instance and what its handler sees to act on it."""

    instance_id: str
    name: str
    department: str
    role: str
    assignee: str
    due_date: str
    days_left: str
    mark: str
    mark_words: str
    branch: bool
    risks: list[RiskView] = field(default_factory=list)
    risks_of: str = ""           # for a branch: the stage's step whose risk points it shows
    free_countermeasure: bool = False
    returns_to: list[tuple[str, str]] = field(default_factory=list)
    decision: bool = False
    #: the step ends with an action of its own (notify, serve, …), never with complete_step
    own_action: bool = False
    department_code: str = ""
    #: the signed-in person's department handles it (the case service decides again)
    ours: bool = True


@dataclass
class FlowStage:
    name: str
    role: str
    limit: str
    department: str
    state: str        # done | current | waiting
    state_words: str
    branches: list[tuple[str, str, str]]  # (name, department, state words)


def countermeasure_field(instance_id: str, n: int) -> str:
    return f"cm-{instance_id}-{n}"


def item_step(content: cpb.ItemDraft | None, step_key: str) -> cpb.Step | None:
    if content is None:
        return None
    return next((s for s in content.steps if s.key == step_key), None)


def step_views(case: kpb.Case, content: cpb.ItemDraft | None) -> list[StepView]:
    """The running steps, each with the risk points and countermeasures of its item step
    (a parallel branch publishes none of its own: it shows its stage's, to state freely)."""
    views = []
    for s in case.steps:
        if s.status != kpb.STEP_STATUS_ACTIVE:
            continue
        stage_key = s.key.split("/")[0]
        spec = item_step(content, stage_key)
        mark, words = mark_of(s.days_left, s.due_date)
        view = StepView(s.instance_id, s.name, s.department or case.department, s.role,
                        s.assignee, s.due_date or "—",
                        days_words(s.days_left, s.due_date, s.limit_unit), mark, words,
                        bool(s.branch), department_code=s.department_code)
        if spec is not None and s.stage >= 0:
            n = 0
            for risk in spec.risk_points:
                measures = []
                for text in risk.countermeasures:
                    measures.append((countermeasure_field(s.instance_id, n), text))
                    n += 1
                view.risks.append(RiskView(risk.description, RISK_WORDS.get(risk.level, "未定"),
                                           risk.level == cpb.RISK_LEVEL_HIGH, measures))
            if s.branch:
                view.risks_of = spec.name
            view.returns_to = [(k, next((x.name for x in content.steps if x.key == k), k))
                               for k in spec.returns_to] if content else []
            view.decision = spec.kind == cpb.STEP_KIND_DECISION
            view.own_action = not s.branch and spec.kind in OWN_ACTION_KINDS
        elif content is None and not s.branch and "decide" in case.allowed_actions:
            view.decision = True  # the flow is unknown: the case says a decision is due
        # the engine checks a stated countermeasure against the item's list only for the
        # stage's own step: a branch (or a step that publishes none) may state its own
        view.free_countermeasure = s.stage >= 0 and (s.branch or not any(
            r.countermeasures for r in view.risks))
        views.append(view)
    return views


def flow_view(case: kpb.Case, content: cpb.ItemDraft | None) -> list[FlowStage]:
    """The item's internal flow, each stage done, current or still to come for this case."""
    if content is None:
        return []
    passed: dict[str, int] = {}
    for s in case.steps:
        passed[s.key] = s.status
    stages = []
    for step in content.steps:
        status = passed.get(step.key)
        if status == kpb.STEP_STATUS_ACTIVE:
            state, words = "current", "当前环节"
        elif status == kpb.STEP_STATUS_DONE:
            state, words = "done", "已完成"
        else:
            state, words = "waiting", "未到"
        branches = []
        for b in step.parallel_branches:
            b_status = passed.get(f"{step.key}/{b.key}")
            branches.append((b.name, b.department, STEP_STATUS_WORDS.get(b_status, "未到")
                             if b_status is not None else "未到"))
        unit = "天" if step.limit_unit == common_pb2.TIME_UNIT_CALENDAR_DAYS else "个工作日"
        stages.append(FlowStage(step.name, step.role, f"{step.limit_days} {unit}",
                                step.department or content.department, state, words,
                                branches))
    return stages


def handed_text(given: kpb.MaterialGiven | None) -> str:
    """What was handed in of one material: paper originals and copies, electronic files."""
    if given is None:
        return "未提交"
    paper = f"原件 {given.originals} 份，复印件 {given.copies} 份"
    if not given.files:
        return paper
    files = f"电子文件 {len(given.files)} 个"
    return files if not (given.originals or given.copies) else f"{files}；{paper}"


def material_files(case: kpb.Case) -> dict[str, list[kpb.MaterialFile]]:
    """Material key → its electronic files (uploads), for the staff to open."""
    return {m.key: list(m.files) for m in case.materials if m.files}


def material_rows(case: kpb.Case, content: cpb.ItemDraft | None
                  ) -> tuple[list[tuple[str, str, str, bool]], list[tuple[str, str]]]:
    """(every material of the item: key, name, what was handed in, missing?) and the
    materials the completeness check found missing (key, name)."""
    given = {m.key: m for m in case.materials}
    # the completeness check names each finding "name (key)…": the rows are by key
    lacking = [missing_key(text) for text in case.missing_materials]
    missing = set(lacking)
    names: dict[str, str] = {}
    rows = []
    if content is not None:
        for n, m in enumerate(content.materials, start=1):
            k = m.key or f"m{n}"
            names[k] = m.name
            g = given.get(k)
            handed = handed_text(g)
            rows.append((k, m.name + ("（必需）" if m.mandatory else ""), handed, k in missing))
    for k, g in given.items():
        if k not in names:
            rows.append((k, k, handed_text(g), False))
    return rows, [(k, names.get(k, k)) for k in lacking]


# --- actions: from a form to the case service's message ------------------------------------


class FormProblem(Exception):  # noqa: N818 - said to the person
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _text(fields: dict[str, str], name: str, errors: dict[str, str], *,
          required: bool = False, limit: int = MAX_TEXT) -> str:
    value = fields.get(name, "").strip()
    if required and not value:
        errors[name] = f"请填写{FIELD_LABELS.get(name, name)}。"
    elif len(value) > limit:
        errors[name] = f"{FIELD_LABELS.get(name, name)}最多 {limit} 个字。"
    return value


def _countermeasures(fields: dict[str, str], step: StepView | None) -> list[str]:
    chosen = []
    if step is not None:
        for risk in step.risks:
            chosen.extend(text for name, text in risk.countermeasures if fields.get(name))
        other = fields.get(f"cm-{step.instance_id}-other", "").strip()
        if other and step.free_countermeasure:
            chosen.extend(line.strip() for line in other.splitlines() if line.strip())
    return chosen


def _money(text: str, errors: dict[str, str]) -> Money | None:
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,12})(?:\.(\d{1,2}))?", text)
    if not match:
        errors["amount"] = "金额应为数字，最多两位小数，例如 2000 或 1500.50。"
        return None
    fen = (match.group(2) or "").ljust(2, "0")
    return Money(currency_code="CNY", units=int(match.group(1)), nanos=int(fen) * 10_000_000)


def action_message(action: str, fields: dict[str, str], case: kpb.Case,
                   steps: list[StepView], today: date) -> Message:
    """The case service's message for ``action`` from a posted form; FormProblem naming each
    field that is wrong, in words. ``steps``: the running steps as the page showed them."""
    errors: dict[str, str] = {}
    step = None
    if action in STEP_ACTIONS:
        instance_id = fields.get("instance_id", "")
        step = next((s for s in steps if s.instance_id == instance_id), None)
        if not INSTANCE.match(instance_id) or step is None:
            raise FormProblem({"instance_id": "这个环节已经办结或不存在，请刷新页面。"})
    message: Message
    if action == "accept":
        message = kpb.Accept(opinion=_text(fields, "opinion", errors))
    elif action == "reject":
        code = fields.get("reason_code", "")
        if code and code not in REJECT_REASONS:
            errors["reason_code"] = "请从列表中选择理由类别。"
        message = kpb.Reject(reason_code="" if code == "OTHER" else code,
                             reasons=_text(fields, "reasons", errors, required=True))
    elif action == "request_supplement":
        missing = [k[len("missing-"):] for k, v in fields.items()
                   if k.startswith("missing-") and v]
        if not missing:
            errors["missing"] = "请至少选择一项需要补正的材料。"
        due = fields.get("due_date", "").strip()
        if not DAY.match(due):
            errors["due_date"] = "请填写补正期限（年-月-日）。"
        elif due <= today.isoformat():
            errors["due_date"] = "补正期限应在今天以后。"
        message = kpb.RequestSupplement(missing=sorted(missing), due_date=due)
    elif action == "claim":
        message = kpb.Claim(instance_id=step.instance_id)  # type: ignore[union-attr]
    elif action == "release":
        message = kpb.Release(instance_id=step.instance_id)  # type: ignore[union-attr]
    elif action == "reassign":
        message = kpb.Reassign(instance_id=step.instance_id,  # type: ignore[union-attr]
                               to=_text(fields, "to", errors, required=True, limit=128))
    elif action == "complete_step":
        message = kpb.CompleteStep(instance_id=step.instance_id,  # type: ignore[union-attr]
                                   opinion=_text(fields, "opinion", errors),
                                   countermeasures=_countermeasures(fields, step))
    elif action == "return_step":
        to_key = fields.get("to_key", "")
        if to_key not in {k for k, _ in step.returns_to}:  # type: ignore[union-attr]
            errors["to_key"] = "请选择退回到哪一个环节。"
        message = kpb.ReturnStep(instance_id=step.instance_id,  # type: ignore[union-attr]
                                 to_key=to_key,
                                 reason=_text(fields, "reason", errors, required=True))
    elif action == "start_procedure":
        kind = fields.get("kind", "")
        kinds = {str(k): k for k in PROCEDURE_WORDS}
        if kind not in kinds:
            errors["kind"] = "请选择特别程序。"
        days_text = fields.get("extension_days", "").strip() or "0"
        days = int(days_text) if days_text.isdigit() else -1
        if kinds.get(kind) == common_pb2.SPECIAL_PROCEDURE_EXTENSION and not 1 <= days <= 30:
            errors["extension_days"] = "延长期限应为 1 至 30 个工作日。"
        elif not 0 <= days <= 30:
            errors["extension_days"] = "延长期限应为 0 至 30 个工作日。"
        message = kpb.StartProcedure(kind=kinds.get(kind, 0),
                                     reason=_text(fields, "reason", errors, required=True),
                                     extension_days=max(days, 0))
    elif action == "end_procedure":
        message = kpb.EndProcedure(result=_text(fields, "result", errors, required=True))
    elif action == "decide":
        outcome = OUTCOMES.get(fields.get("outcome", ""))
        if outcome is None:
            errors["outcome"] = "请选择决定。"
        refusal = outcome is not None and outcome[0] == kpb.DECISION_OUTCOME_REFUSE
        reasons = _text(fields, "reasons", errors, required=refusal or case.opened)
        basis = [b for n, b in enumerate(case.legal_basis) if fields.get(f"basis-{n}")]
        basis += [line.strip() for line in fields.get("legal_basis", "").splitlines()
                  if line.strip() and line.strip() not in basis]
        if refusal and not basis:
            errors["legal_basis"] = "不予许可的决定须写明法律依据，每行一条。"
        elif case.opened and not basis:
            errors["legal_basis"] = "请选择决定所依据的法律规定（本事项公布的依据）。"
        if any(len(b) > 200 for b in basis) or len(basis) > 20:
            errors["legal_basis"] = "法律依据最多 20 条，每条最多 200 个字。"
        valid_until = fields.get("valid_until", "").strip()
        if valid_until and not DAY.match(valid_until):
            errors["valid_until"] = "有效期应为日期（年-月-日）。"
        running = [s for s in steps if s.decision] or steps
        message = kpb.Decide(
            outcome=outcome[0] if outcome else 0, reasons=reasons, legal_basis=basis,
            document_number=_text(fields, "document_number", errors, limit=100),
            certificate=_text(fields, "certificate", errors, limit=200),
            valid_until=valid_until,
            countermeasures=_countermeasures(fields, running[0] if running else None))
        penalty = _penalty(fields, errors)
        if penalty is not None:
            message.penalty.CopyFrom(penalty)
    elif action == "publish_result":
        message = kpb.PublishResult()
    elif action == "complete":
        message = kpb.CompleteCase()
    elif action in OPENED_ACTIONS:
        message = opened_message(action, fields, errors, today)
    else:
        raise FormProblem({"": "没有这项操作。"})
    if errors:
        raise FormProblem(errors)
    return message


def _penalty(fields: dict[str, str], errors: dict[str, str]) -> kpb.Penalty | None:
    """The penalty the form states (its circumstance, measures, amount and a departure's
    justification), or None when no circumstance is chosen."""
    circumstance = fields.get("circumstance", "").strip()
    if not circumstance:
        return None
    measures = [m for m in MEASURES if fields.get(f"measure-{m}")]
    if not measures:
        errors["measures"] = "请至少选择一种处罚种类。"
    amount = _money(fields.get("amount", "").strip(), errors)
    if "fine" in measures and amount is None and "amount" not in errors:
        errors["amount"] = "选择了罚款，请填写罚款金额（元）。"
    penalty = kpb.Penalty(circumstance=circumstance, measures=measures,
                          departure=_text(fields, "departure", errors))
    if amount is not None:
        penalty.amount.CopyFrom(amount)
    return penalty


def _day(fields: dict[str, str], name: str, errors: dict[str, str], today: date, *,
         required: bool = False, past: bool = False, future: bool = False) -> str:
    """A day field (YYYY-MM-DD): ``past``: not after today; ``future``: after today."""
    value = fields.get(name, "").strip()
    label = FIELD_LABELS.get(name, name)
    if not value:
        if required:
            errors[name] = f"请填写{label}（年-月-日）。"
        return ""
    try:
        day = date.fromisoformat(value) if DAY.match(value) else None
    except ValueError:
        day = None
    if day is None:
        errors[name] = f"{label}应为日期（年-月-日）。"
    elif past and day > today:
        errors[name] = f"{label}不能晚于今天。"
    elif future and day <= today:
        errors[name] = f"{label}应在今天以后。"
    return value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _participants(fields: dict[str, str], errors: dict[str, str]
                  ) -> tuple[list[kpb.Participant], list[kpb.MemberOpinion]]:
    """The meeting's members (``姓名（职务）`` a line) and each one's opinion (``姓名：意见`` a
    line)."""
    participants = []
    for line in _lines(fields.get("participants", "")):
        match = re.fullmatch(r"([^（(]+)(?:[（(]([^）)]*)[）)])?", line)
        name, position = (match.group(1).strip(), (match.group(2) or "").strip()) if (
            match) else (line, "")
        if len(name) > 100 or len(position) > 100:
            errors["participants"] = "参加人员的姓名、职务每项最多 100 个字。"
        participants.append(kpb.Participant(name=name, position=position))
    if len({p.name for p in participants}) < 3 or len(
            {p.name for p in participants}) != len(participants):
        errors["participants"] = "集体讨论至少 3 人参加，每行一人，格式：姓名（职务），不重复。"
    opinions = []
    names = {p.name for p in participants}
    for line in _lines(fields.get("opinions", "")):
        name, sep, opinion = _split_opinion(line)
        if not sep or not opinion.strip() or name.strip() not in names:
            errors["opinions"] = ("每行一位参加人员的意见，格式：姓名：意见；姓名须与参加人员"
                                  "一致。")
            continue
        opinions.append(kpb.MemberOpinion(participant=name.strip(), opinion=opinion.strip()))
    if "opinions" not in errors and sorted(o.participant for o in opinions) != sorted(names):
        errors["opinions"] = "请写明每一位参加人员的意见（每人一行，格式：姓名：意见）。"
    return participants, opinions


def _split_opinion(line: str) -> tuple[str, str, str]:
    match = re.match(r"([^：:]*)([：:])(.*)", line)
    return (match.group(1), match.group(2), match.group(3)) if match else (line, "", "")


def opened_message(action: str, fields: dict[str, str], errors: dict[str, str],
                   today: date) -> Message:
    """The message of an action only a case the government opened takes, from its form."""
    message: Message
    if action == "record_evidence":
        kind = fields.get("kind", "")
        if kind not in EVIDENCE_KINDS:
            errors["kind"] = "请选择证据种类。"
        digest = fields.get("sha256", "").strip().lower()
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            errors["sha256"] = "SHA-256 为 64 位十六进制数字（可不填）。"
        message = kpb.RecordEvidence(evidence=kpb.EvidenceGiven(
            kind=kind, description=_text(fields, "description", errors, required=True),
            sha256=digest))
    elif action == "notify":
        message = kpb.Notify(intended=_text(fields, "intended", errors, required=True),
                             hearing_right=fields.get("hearing_right") == "1",
                             notified_on=_day(fields, "notified_on", errors, today,
                                              past=True))
        penalty = _penalty(fields, errors)
        if penalty is not None:
            message.penalty.CopyFrom(penalty)
    elif action == "record_statement":
        message = kpb.RecordStatement(text=_text(fields, "text", errors, required=True,
                                                 limit=5000))
    elif action == "request_hearing":
        message = kpb.RequestHearing(requested_on=_day(fields, "requested_on", errors, today,
                                                       past=True))
    elif action == "waive_hearing":
        message = kpb.WaiveHearing(reason=_text(fields, "reason", errors))
    elif action == "schedule_hearing":
        message = kpb.ScheduleHearing(
            on=_day(fields, "on", errors, today, required=True, future=True),
            place=_text(fields, "place", errors, required=True, limit=200),
            host=_text(fields, "host", errors, required=True, limit=128))
    elif action == "hold_hearing":
        record = _text(fields, "record", errors, required=True, limit=5000)
        outcome = fields.get("outcome", "").strip()
        if not outcome:
            errors["outcome"] = "请填写听证结论。"
        message = kpb.HoldHearing(record=record, outcome=outcome[:MAX_TEXT],
                                  party_absent=fields.get("party_absent") == "1")
    elif action == "record_collective_review":
        participants, opinions = _participants(fields, errors)
        outcome = fields.get("outcome", "").strip()
        if not outcome:
            errors["outcome"] = "请填写讨论结论。"
        message = kpb.RecordCollectiveReview(
            held_on=_day(fields, "held_on", errors, today, required=True, past=True),
            participants=participants, opinions=opinions,
            minutes=_text(fields, "minutes", errors, required=True, limit=20000),
            outcome=outcome[:MAX_TEXT])
    else:  # serve
        method = fields.get("method", "")
        if method not in SERVICE_METHODS:
            errors["method"] = "请选择送达方式。"
        message = kpb.Serve(method=method,
                            recipient=_text(fields, "recipient", errors, required=True,
                                            limit=200),
                            served_on=_day(fields, "served_on", errors, today, past=True),
                            note=_text(fields, "note", errors))
    return message


#: a violation of a field the form names otherwise (the penalty as a whole: its circumstance)
FIELD_ALIASES = {"penalty": "circumstance", "evidence": "description"}


def refusal_errors(error: grpc.RpcError) -> dict[str, str] | None:
    """A refusal of the case service as errors against the form's fields (``""``: the
    form as a whole), in words; None for an error that is no refusal of the form."""
    detail = error_detail_of(error)
    code = detail.code if detail else ""
    status = error.code() if hasattr(error, "code") else None
    if code in REFUSALS:
        name, words = REFUSALS[code]
        errors = {name: words.format_map(_Said(detail.metadata if detail else {}))}
        if code in REFUSAL_ALSO:
            also, sentence = REFUSAL_ALSO[code]
            errors[also] = sentence
        return errors
    if status is grpc.StatusCode.INVALID_ARGUMENT:
        errors: dict[str, str] = {}
        for violation in (detail.field_violations if detail else ()):
            name = violation.field.split(".")[-1].split("[")[0]
            name = FIELD_ALIASES.get(name, name)
            label = FIELD_LABELS.get(name)
            if label:
                errors[name] = f"{label}不符合要求，请检查后再提交。"
        return errors or {"": "填写的内容不完整或不符合要求，请检查后再提交。"}
    if status is grpc.StatusCode.PERMISSION_DENIED:
        return {"": "您没有办理这一操作的权限：它不属于您的部门、岗位或地区。"}
    if status is grpc.StatusCode.FAILED_PRECONDITION:
        return {"": "办件当前的状态不允许这项操作，可能已被他人办理。请刷新页面查看最新状态。"}
    if status is grpc.StatusCode.ALREADY_EXISTS or code == "IDEMPOTENCY_KEY_REUSED":
        return {"": "这张表单已经提交过了。请刷新页面后重新填写。"}
    if status is grpc.StatusCode.ABORTED:
        return {"": "办件刚刚被他人更新，请刷新页面后重试。"}
    return None


class _Said(dict[str, str]):
    """A refusal's metadata as its sentence says it: days in words, anything missing 未知."""

    def __init__(self, metadata: Any) -> None:
        super().__init__({k: chinese_day(v) if DAY.match(v) else v
                          for k, v in dict(metadata).items()})

    def __missing__(self, key: str) -> str:
        return UNKNOWN


def applicable(case: kpb.Case) -> set[str]:
    return set(case.allowed_actions) & set(ACTION_WORDS)


def action_words(case: kpb.Case) -> dict[str, str]:
    """The actions' words on this case's page (批准立案 for a case the government opened)."""
    return {**ACTION_WORDS, **OPENED_WORDS} if case.opened else ACTION_WORDS


# --- the pages ------------------------------------------------------------------------------


class NotStaff(Exception):  # noqa: N818 - a page that explains
    def __init__(self, identity: Identity) -> None:
        super().__init__(identity.subject)
        self.identity = identity


def add_workbench_pages(app: FastAPI, render: Render, backend: HallBackend,
                        sessions: Sessions, minter: TokenMinter, *,
                        page_error: Callable[[grpc.RpcError, str, str], Exception],
                        not_found: Callable[[str], Exception],
                        today: Callable[[], date]) -> None:

    def staff(request: Request, draft: dict[str, str] | None = None) -> Identity:
        identity = sessions.require(request, draft=draft)
        if not identity.staff:
            raise NotStaff(identity)
        return identity

    @app.exception_handler(NotStaff)
    async def _not_staff(request: Request, error: NotStaff) -> HTMLResponse:
        return render(request, "workbench/not_allowed.html", {"who": error.identity}, 403)

    def reassigner(identity: Identity) -> bool:
        return identity.has_role(*REASSIGNING_ROLES)

    # --- the inbox ------------------------------------------------------------------------
    def show_inbox(request: Request, identity: Identity, query: InboxQuery, *,
                   problem: str = "", done: str = "", outcome: list[str] | None = None,
                   status: int = 200) -> HTMLResponse:
        try:
            found = backend.queue(minter.header(identity), page_size=PAGE_SIZE,
                                  **query.request())
        except grpc.RpcError as error:
            if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
                found, status = kpb.ListQueueResponse(), 400
                problem = "检索条件有误，请修改后重试。"
            elif error.code() is grpc.StatusCode.PERMISSION_DENIED:
                found = kpb.ListQueueResponse()
                problem, status = "您的账号不能查看这个待办列表（部门或岗位不符）。", 403
            else:
                raise page_error(error, "没有找到待办。", "待办") from None
        rows = [inbox_row(e, identity.subject) for e in found.entries]
        pages = max(1, -(-found.total // PAGE_SIZE))
        return render(request, "workbench/inbox.html", {
            "rows": rows, "total": found.total, "query": query, "problem": problem,
            "page": query.page, "pages": pages,
            "next_href": query.href(page=query.page + 1, token=found.next_page_token)
            if found.next_page_token else "",
            "first_href": query.href() if query.page > 1 else "",
            "reassigner": reassigner(identity), "positions": identity.positions,
            "handler": identity.has_role(*HANDLING_ROLES),
            "done": done, "outcome": outcome or [], "key": uuid.uuid4().hex,
            "back": str(request.url.path) + (f"?{request.url.query}"
                                             if request.url.query else "")}, status)

    @app.get("/workbench", response_class=HTMLResponse)
    def inbox(request: Request,
              view: Annotated[str, Query(max_length=10)] = "",
              unclaimed: Annotated[str, Query(max_length=2)] = "",
              position: Annotated[str, Query(max_length=100)] = "",
              department: Annotated[str, Query(max_length=40)] = "",
              q: Annotated[str, Query(max_length=400)] = "",
              page: Annotated[str, Query(max_length=10)] = "",
              token: Annotated[str, Query(max_length=200)] = "",
              done: Annotated[str, Query(max_length=30)] = "") -> HTMLResponse:
        identity = staff(request)
        query, problem = inbox_query(view, unclaimed, position, department, q, page, token)
        return show_inbox(request, identity, query, problem=problem,
                          done=ACTION_WORDS.get(done, ""), status=400 if problem else 200)

    @app.post("/workbench/reassign", response_class=HTMLResponse)
    def bulk_reassign(request: Request,
                      fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
                      ) -> HTMLResponse:
        """Reassign every step ticked (``pick-N`` = ``<case number>/<instance>``) to ``to``:
        one action each, recorded in each case's trace."""
        identity = staff(request, draft=fields)
        query, _ = inbox_query(fields.get("view", "group"), fields.get("unclaimed", ""),
                               fields.get("position", ""), fields.get("department", ""),
                               fields.get("q", ""), "", "")
        if not reassigner(identity):
            return show_inbox(request, identity, query, status=403,
                              problem="只有监察人员和管理员可以改派。")
        to = fields.get("to", "").strip()
        picks = [v for k, v in sorted(fields.items()) if k.startswith("pick-") and v]
        if not to or len(to) > 128 or not picks:
            return show_inbox(request, identity, query, status=400, problem=(
                "请填写改派给谁（工作人员账号）。" if not to or len(to) > 128
                else "请至少勾选一个环节。"))
        form_key = fields.get("key", "")[:96] or uuid.uuid4().hex
        header = minter.header(identity)
        outcome, moved = [], 0
        for pick in picks:
            number, _, instance_id = pick.partition("/")
            if not CASE_NUMBER.match(number) or not INSTANCE.match(instance_id):
                continue
            try:
                backend.act_on_case(header, number, f"{form_key}:{number}:{instance_id}",
                                    reassign=kpb.Reassign(instance_id=instance_id, to=to))
                moved += 1
                log.info("staff %s reassigned %s/%s to %s", identity.subject, number,
                         instance_id, to)
            except grpc.RpcError as error:
                errors = refusal_errors(error)
                if errors is None:
                    raise page_error(error, "没有找到办件。", "办件") from None
                outcome.append(f"{number}：{next(iter(errors.values()))}")
        done = f"已改派 {moved} 个环节给 {to}。" if moved else ""
        return show_inbox(request, identity, query, done=done, outcome=outcome,
                          status=200 if moved or not outcome else 409)

    # --- a case -----------------------------------------------------------------------------
    def load_case(identity: Identity, number: str) -> kpb.Case:
        missing = f"没有找到受理编号为 {number} 的办件，或它不在您的办理范围内。"
        if not CASE_NUMBER.match(number):
            raise not_found(missing)
        try:
            return backend.case_as(minter.header(identity), number)
        except grpc.RpcError as error:
            raise page_error(error, missing, "办件") from None

    def content_of(identity: Identity, case: kpb.Case,
                   started: Future[cpb.ItemVersion] | None = None) -> cpb.ItemDraft | None:
        """The item version the case is pinned to (asked for now, or ``started`` before);
        the page still shows without it."""
        try:
            item = started.result() if started is not None else backend.item_version_as(
                minter.header(identity), case.item_id, case.item_version)
            return item.content
        except grpc.RpcError as error:
            log.warning("item %s v%s unavailable: %s", case.item_id, case.item_version,
                        error.code().name if hasattr(error, "code") else error)
            return None

    def show_case(request: Request, identity: Identity, number: str, *,
                  errors: dict[str, str] | None = None, action: str = "",
                  values: dict[str, str] | None = None, done: str = "",
                  status: int = 200) -> HTMLResponse:
        header = minter.header(identity)
        case = load_case(identity, number)  # the page is the case's: nothing else without it
        # the rest at once (the backend's side calls), each within its own deadline
        item_call = backend.beside(backend.item_version_as, header, case.item_id,
                                   case.item_version)
        trace_call = backend.beside(backend.trace, header, number)
        verify_call = backend.beside(backend.verify_trace, header, number)
        warnings_call = backend.beside(backend.warnings, header, case_number=number,
                                       page_size=100)
        content = content_of(identity, case, item_call)
        steps = step_views(case, content)
        for step in steps:
            step.ours = (not step.department_code or identity.has_role("admin")
                         or step.department_code == identity.department_code)
        materials, missing = material_rows(case, content)
        try:
            entries, verdict = trace_call.result(), verify_call.result()
        except grpc.RpcError as error:
            log.warning("trace of %s unavailable: %s", number,
                        error.code().name if hasattr(error, "code") else error)
            entries, verdict = [], None
        try:
            warnings = [warning_row(w) for w in warnings_call.result().warnings]
        except grpc.RpcError as error:
            log.warning("warnings of %s unavailable: %s", number,
                        error.code().name if hasattr(error, "code") else error)
            warnings = None
        timeline = [{
            "seq": e.seq, "at": local_time(e.at), "actor": e.actor or "系统",
            "action": EVENT_WORDS.get(e.action, e.action), "opinion": e.opinion,
            "broken": bool(verdict and verdict.broken_at and e.seq >= verdict.broken_at)}
            for e in entries]
        draft = sessions.take_draft(request, request.url.path)
        if draft and not values:
            action, values = draft.pop("_action", ""), draft
        label, css, _ = CASE_STATUSES.get(case.status, UNKNOWN_STATUS)
        ranges = standard_ranges(content)
        return render(request, "workbench/case.html", {
            "case": case, "status_label": label, "status_class": css, "content": content,
            "flow": flow_view(case, content), "steps": steps, "materials": materials,
            "files": material_files(case), "material_names": dict(
                (k, name.removesuffix("（必需）")) for k, name, _, _ in materials),
            "missing": missing, "allowed": applicable(case), "words": action_words(case),
            "errors": errors or {}, "action": action, "values": values or {},
            "done": action_words(case).get(done, ""), "key": uuid.uuid4().hex,
            "reject_reasons": REJECT_REASONS, "procedures": procedure_choices(content),
            "outcomes": outcome_choices(case), "measures": MEASURES,
            "standards": list(content.discretion_standards) if content else [],
            "timeline": timeline, "verdict": verdict, "warnings": warnings,
            "me": identity, "reassigner": reassigner(identity),
            "accepted_at": local_time(case.accepted_at),
            "submitted_at": local_time(case.submitted_at),
            "restored": bool(draft), "today": today().isoformat(),
            # a case the government opened (立案)
            "opened_actions": OPENED_ACTIONS, "evidence_kinds": EVIDENCE_KINDS,
            "service_methods": SERVICE_METHODS, "sources": CASE_SOURCES,
            "amount_hint": amount_hint(ranges, (values or {}).get("circumstance", "")),
            "amount_hint_all": amount_hint(ranges, ""),
            "penalty_measures": PENALTY_MEASURES, "chinese_day": chinese_day,
            "parties_text": "、".join(p.name for p in case.parties),
            "documents": [(d.document_id, d.title, d.number, local_time(d.issued_at))
                          for d in case.documents]}, status)

    @app.get("/workbench/cases/{case_number}", response_class=HTMLResponse)
    def case_page(request: Request, case_number: str,
                  done: Annotated[str, Query(max_length=30)] = "") -> HTMLResponse:
        identity = staff(request)
        return show_case(request, identity, case_number, done=done)

    @app.get("/workbench/cases/{case_number}/documents/{document_id}")
    def document(request: Request, case_number: str, document_id: str) -> Response:
        """A document of the case (internal ones too: 立案审批表), as the staff member reads
        it — the case service decides, and logs the read."""
        identity = staff(request)
        missing = "没有找到这份文书，或它不在您的办理范围内。"
        if not CASE_NUMBER.match(case_number) or not DOCUMENT_ID.match(document_id):
            raise not_found(missing)
        try:
            found = backend.document_as(minter.header(identity), case_number, document_id)
        except grpc.RpcError as error:
            raise page_error(error, missing, "文书") from None
        return Response(found.pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{case_number}-{document_id}.pdf"',
            "Cache-Control": "no-store"})

    @app.post("/workbench/cases/{case_number}/act/{action}", response_model=None)
    def act(request: Request, case_number: str, action: str,
            fields: Annotated[dict[str, str], Depends(sessions.posted_form)]
            ) -> HTMLResponse | RedirectResponse:
        identity = staff(request, draft={**fields, "_action": action})
        if action not in ACTION_WORDS:
            raise not_found("没有这项操作。")
        case = load_case(identity, case_number)
        steps = step_views(case, content_of(identity, case))
        values = {k: v for k, v in fields.items() if k != "key"}
        try:
            message = action_message(action, fields, case, steps, today())
        except FormProblem as problem:
            return show_case(request, identity, case_number, errors=problem.errors,
                             action=action, values=values, status=400)
        key = fields.get("key", "")[:128] or uuid.uuid4().hex
        try:
            backend.act_on_case(minter.header(identity), case_number, key, **{action: message})
        except grpc.RpcError as error:
            errors = refusal_errors(error)
            if errors is None:
                raise page_error(error, "没有找到办件。", "办件") from None
            return show_case(request, identity, case_number, errors=errors, action=action,
                             values=values, status=409 if error.code() in (
                                 grpc.StatusCode.FAILED_PRECONDITION,
                                 grpc.StatusCode.ALREADY_EXISTS,
                                 grpc.StatusCode.ABORTED) else 400)
        log.info("staff %s: %s on %s", identity.subject, action, case_number)
        back = safe_next(fields.get("next", ""), "")
        if back.startswith("/workbench"):
            sep = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{sep}done={action}", status_code=303)
        return RedirectResponse(f"/workbench/cases/{case_number}?done={action}#top",
                                status_code=303)


def standard_ranges(content: cpb.ItemDraft | None) -> list[tuple[str, str]]:
    """Each discretion standard's key and what it allows, in words: ``一般（初次违法）：罚款
    500 元以上 2000 元以下（罚款 500 元至 2000 元）``."""
    ranges = []
    for n, d in enumerate(content.discretion_standards if content else (), start=1):
        words = f"{d.severity}（{d.fact_pattern}）：{d.range or '幅度未公布'}"
        if d.HasField("min_amount") or d.HasField("max_amount"):
            low = yuan_text(d.min_amount) if d.HasField("min_amount") else "0 元"
            high = yuan_text(d.max_amount) if d.HasField("max_amount") else f"上限{UNKNOWN}"
            words += f"（罚款 {low}至 {high}）"
        ranges.append((d.key or f"d{n}", words))
    return ranges


def amount_hint(ranges: list[tuple[str, str]], chosen: str) -> str:
    """The hint beside a fine's amount: the chosen circumstance's range, or every one's."""
    if not ranges:
        return ""
    picked = [words for key, words in ranges if key == chosen]
    if picked:
        return f"所选情形的裁量基准：{picked[0]}"
    return "裁量基准（按所选情形）：" + "；".join(words for _, words in ranges)


def procedure_choices(content: cpb.ItemDraft | None) -> list[tuple[int, str]]:
    """The special procedures the item allows (all of them when it is not known)."""
    kinds = list(content.special_procedures) if content and content.special_procedures else (
        list(PROCEDURE_WORDS))
    return [(k, PROCEDURE_WORDS[k]) for k in kinds if k in PROCEDURE_WORDS]


def outcome_choices(case: kpb.Case) -> list[tuple[str, str]]:
    keys = ("impose", "not_impose") if case.opened else ("approve", "refuse")
    return [(k, OUTCOMES[k][1]) for k in keys]
