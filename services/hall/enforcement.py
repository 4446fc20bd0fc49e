"""A case the government opened (立案), as its party follows it in the hall.

What the party may do and by when, in plain words, from what the case service tells the
party (their own view of the case, ``Case.notification``, ``hearing``, ``decision``,
``service``): once the notice of the intended penalty (行政处罚事先告知书) is served, the last
day to state, defend or ask for a hearing — the day the case engine computed on the official
calendar (5 working days, 《行政处罚法》 art. 64 and 85), never counted again here, and said to
be provisional when it counted days of a year without an official holiday schedule; the
hearing's day and place once it is set; the decision and its amount once decided; how and
when it was served. A date the platform does not know is said to be unknown (未知).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sunlight.cases.v1 import cases_pb2

from services.hall.views import local_time
from services.shared.code_tables import HEARING_REQUEST_DAYS, PENALTY_MEASURES, SERVICE_METHODS

UNKNOWN = "未知"
OUTCOME_WORDS = {cases_pb2.DECISION_OUTCOME_IMPOSE: "作出行政处罚决定",
                 cases_pb2.DECISION_OUTCOME_NOT_IMPOSE: "不予行政处罚"}


def chinese_day(text: str) -> str:
    """``2026-11-23`` → ``2026年11月23日``; empty or not a day → 未知."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return UNKNOWN
    return f"{day.year}年{day.month}月{day.day}日"


def yuan_text(money: object) -> str:
    """An amount of a ``Money`` in words: ``8000 元``, ``1500.5 元``."""
    units, nanos = getattr(money, "units", 0), getattr(money, "nanos", 0)
    fen = units * 100 + nanos // 10_000_000
    if fen % 100:
        return f"{fen / 100:.2f}".rstrip("0") + " 元"
    return f"{fen // 100} 元"


def penalty_words(penalty: cases_pb2.Penalty) -> str:
    """``罚款 8000 元、警告``; a fine whose amount is not stated: 罚款（金额未知）."""
    words = []
    for measure in penalty.measures:
        label = PENALTY_MEASURES.get(measure, measure)
        if measure == "fine":
            label += f" {yuan_text(penalty.amount)}" if penalty.HasField("amount") else (
                f"（金额{UNKNOWN}）")
        words.append(label)
    return "、".join(words) or UNKNOWN


@dataclass(frozen=True)
class PartyRights:
    """What the party of an opened case may do now and by when, in sentences."""

    notified: bool
    notice: str              # the notice served and what it intends, or that none was yet
    rights: str              # what the party may do and by when (the sentence of issue 8)
    deadline_note: str       # the deadline's unit and inclusiveness, or why it is provisional
    hearing: str             # the hearing: asked, set (day and place), held, waived or ""
    decision: str            # the decision and its amount, or that none was taken yet
    decision_basis: str
    decided_on: str
    service: str             # how and when the decision was served, or ""
    open_window: bool        # the party may still ask for a hearing today


def party_rights(case: cases_pb2.Case, today: date) -> PartyRights:
    notice = case.notification if case.HasField("notification") else None
    hearing = case.hearing if case.HasField("hearing") else None
    open_window = False
    deadline_note = ""
    if notice is None:
        notice_text = "办案部门尚未送达行政处罚事先告知书。"
        rights = ("告知书送达后，您可以在规定期限内提出陈述、申辩或要求听证；期限届时在此显示，"
                  "现在尚未确定（未知）。")
    else:
        notice_text = f"办案部门已于 {chinese_day(notice.notified_on)} 送达行政处罚事先告知书"
        intended = penalty_words(notice.penalty) if notice.HasField("penalty") else (
            notice.intended)
        notice_text += f"，拟作出的处罚：{intended}。" if intended else "。"
        due = notice.hearing_due_on
        due_words = chinese_day(due)
        if not notice.hearing_right:
            rights = "您可以向办案部门提出陈述、申辩。本案拟作出的处罚不属于可以要求听证的情形。"
        elif not due:
            rights = (f"您可以提出陈述、申辩或要求听证；期限为告知书送达后 {HEARING_REQUEST_DAYS} "
                      f"个工作日，截止日期{UNKNOWN}，请向办案部门询问。")
        elif hearing is not None or case.hearing_waived:
            rights = f"要求听证的期限截至 {due_words}。"
        elif today.isoformat() <= due:
            open_window = True
            rights = (f"您可以在 {due_words} 前（{HEARING_REQUEST_DAYS}个工作日内）提出陈述、"
                      "申辩或要求听证")
            deadline_note = (f"{due_words}当天仍可提出。请向办案部门提出（电话、书面或当面），"
                             "逾期未提出听证要求的，视为放弃听证。")
        else:
            rights = (f"要求听证的期限已于 {due_words} 届满（告知书送达后 "
                      f"{HEARING_REQUEST_DAYS} 个工作日）。")
        if due and notice.hearing_due_provisional:
            deadline_note = (deadline_note + " " if deadline_note else "") + (
                "该日期按双休日推算：所跨年度的法定节假日安排尚未公布，以办案部门确认的日期为准。")
    hearing_text = ""
    if case.hearing_waived:
        hearing_text = "您已放弃听证。"
    elif hearing is not None:
        asked = chinese_day(hearing.requested_on)
        if hearing.HasField("held_at") and hearing.held_at.seconds:
            hearing_text = (f"听证已于 {chinese_day(hearing.scheduled_on)} 在"
                            f"{hearing.place or UNKNOWN}举行。")
        elif hearing.scheduled_on:
            hearing_text = (f"您于 {asked} 要求听证。听证定于 {chinese_day(hearing.scheduled_on)}"
                            f" 在{hearing.place or f'（地点{UNKNOWN}）'}举行。")
        else:
            hearing_text = (f"您于 {asked} 要求听证。听证的时间和地点尚未确定（{UNKNOWN}），"
                            "办案部门将在听证的 7 个工作日前通知您。")
    decision_text, basis, decided_on = "尚未作出处罚决定。", "", ""
    if case.HasField("decision"):
        d = case.decision
        outcome = OUTCOME_WORDS.get(d.outcome, "已作出决定")
        decision_text = outcome
        if d.HasField("penalty") and d.penalty.measures:
            decision_text += f"：{penalty_words(d.penalty)}"
        decision_text += "。"
        if d.document_number:
            decision_text += f"文书编号 {d.document_number}。"
        basis = "；".join(d.legal_basis)
        decided_on = _stamp_day(d, "decided_at")
    service_text = ""
    if case.HasField("service"):
        s = case.service
        service_text = (f"处罚决定书已于 {chinese_day(s.served_on)} "
                        f"以{SERVICE_METHODS.get(s.method, s.method or UNKNOWN)}方式送达。")
    return PartyRights(notice is not None, notice_text, rights, deadline_note, hearing_text,
                       decision_text, basis, decided_on, service_text, open_window)


def _stamp_day(message: object, name: str) -> str:
    if not message.HasField(name):  # type: ignore[attr-defined]
        return UNKNOWN
    return local_time(getattr(message, name)) or UNKNOWN
