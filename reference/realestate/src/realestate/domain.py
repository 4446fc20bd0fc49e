"""The registration office's own rules, pure (no database, no network): what a registration
(登记申请) is, which of the clerk's steps may follow which, and when a step recorded here may
be reported to the platform.

The office's flow — 收件 (received at the counter), 受理, 审核, 登簿 (or 不予登记), 发证 — is
the flow of the platform's item it submits for: the item's steps are keyed ``accept``,
``review`` and ``record`` (the decision step); see ``demo-item.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

__all__ = [
    "ACTIONS", "KINDS", "PLATFORM_STATUS", "STATUS", "STEPS", "DomainError", "PlatformState",
    "check_applicant", "check_certificate", "check_number", "check_text", "check_unit_number",
    "next_status",
]


class DomainError(ValueError):
    """A request the office refuses: a stable ``code`` and a message for the clerk."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


#: 登记类型: the kinds of registration the office handles (code → name)
KINDS: Mapping[str, str] = {
    "first": "首次登记",
    "transfer": "转移登记",
    "change": "变更登记",
    "mortgage": "抵押登记",
    "cancel": "注销登记",
}

#: the office's own status of a registration (code → name)
STATUS: Mapping[str, str] = {
    "received": "已收件",
    "accepted": "已受理",
    "reviewed": "已审核",
    "registered": "已登簿",
    "refused": "不予登记",
    "issued": "已发证",
}

#: the platform's case status, as the clerk reads it
PLATFORM_STATUS: Mapping[str, str] = {
    "": "未送达平台",
    "CASE_STATUS_SUBMITTED": "已申请",
    "CASE_STATUS_SUPPLEMENT": "补正中",
    "CASE_STATUS_IN_PROGRESS": "办理中",
    "CASE_STATUS_DECIDED": "已决定",
    "CASE_STATUS_PUBLISHED": "结果已公开",
    "CASE_STATUS_COMPLETED": "已办结",
    "CASE_STATUS_REJECTED": "不予受理",
    "CASE_STATUS_WITHDRAWN": "已撤回",
    "CASE_STATUS_LAPSED": "已失效",
}


@dataclass(frozen=True)
class PlatformState:
    """What the office knows of its case at the platform: its status and running steps
    (step key → instance id), from the answers to its requests and from the node's events."""

    case_number: str = ""
    status: str = ""
    active_steps: Mapping[str, str] | None = None

    def step(self, key: str) -> str:
        return (self.active_steps or {}).get(key, "")


@dataclass(frozen=True)
class ActionRule:
    """One platform action the office reports, and when the platform's case is ready for it:
    the step key that must be running there, or the case status it must have."""

    name: str
    step: str = ""
    case_status: str = ""

    def ready(self, state: PlatformState) -> bool:
        if not state.case_number:
            return False
        if self.step:
            return bool(state.step(self.step))
        return state.status == self.case_status


#: The platform actions (``sunlight_adapter``): accept → Accept; review → CompleteStep on the
#: running ``review`` step; approve/refuse → Decide on the ``record`` step; publish →
#: PublishResult; complete → Complete.
ACTIONS: Mapping[str, ActionRule] = {r.name: r for r in (
    ActionRule("accept", case_status="CASE_STATUS_SUBMITTED"),
    ActionRule("review", step="review"),
    ActionRule("approve", step="record"),
    ActionRule("refuse", step="record"),
    ActionRule("publish", case_status="CASE_STATUS_DECIDED"),
    ActionRule("complete", case_status="CASE_STATUS_PUBLISHED"),
)}


@dataclass(frozen=True)
class StepRule:
    """One of the clerk's steps: its name, the statuses it follows, the status it leads to
    and the platform actions it is reported with, in order."""

    name: str
    label: str
    after: tuple[str, ...]
    to: str
    actions: tuple[str, ...]


STEPS: Mapping[str, StepRule] = {r.name: r for r in (
    StepRule("accept", "受理", ("received",), "accepted", ("accept",)),
    StepRule("review", "审核", ("accepted",), "reviewed", ("review",)),
    StepRule("record", "登簿", ("reviewed",), "registered", ("approve",)),
    StepRule("refuse", "不予登记", ("reviewed",), "refused", ("refuse",)),
    StepRule("issue", "发证办结", ("registered", "refused"), "issued", ("publish", "complete")),
)}


def next_status(current: str, step: str) -> str:
    """The registration's status after the clerk's ``step``; DomainError when the step does
    not follow the status (e.g. 登簿 before 审核)."""
    rule = STEPS.get(step)
    if rule is None:
        raise DomainError("UNKNOWN_STEP", f"没有“{step}”这一环节")
    if current not in rule.after:
        allowed = "、".join(r.label for r in STEPS.values() if current in r.after)
        raise DomainError("STEP_OUT_OF_ORDER",
                          f"本件当前为“{STATUS.get(current, current)}”，不能办理“{rule.label}”"
                          + (f"；可办理：{allowed}" if allowed else "；本件已办结"))
    return rule.to


# --- inputs checked at the counter ------------------------------------------------------

#: 不动产单元号 (GB/T 37346): 宗地/宗海代码 12 digits (region 6, 地籍区 3, 地籍子区 3),
#: 宗地特征码 2 letters, 宗地顺序号 5 digits, 定着物特征码 1 letter, 定着物单元号 8 digits
_UNIT = re.compile(r"^[0-9]{12}[A-Z]{2}[0-9]{5}[A-Z][0-9]{8}$")
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]")


def check_unit_number(value: str, region: str) -> str:
    """The unit number, upper-cased; it must lie in the office's region."""
    unit = value.strip().upper()
    if not _UNIT.match(unit):
        raise DomainError("BAD_UNIT_NUMBER", f"不动产单元号“{value}”格式不对：应为28位，"
                          f"例如 {region}001001GB00012F00010001")
    if not unit.startswith(region):
        raise DomainError("UNIT_OUT_OF_REGION",
                          f"不动产单元号“{unit}”不在本机构辖区（{region}）内")
    return unit


def _id_card_ok(number: str) -> bool:
    if not re.match(r"^[0-9]{17}[0-9X]$", number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECKS[total % 11] == number[17]


def _credit_code_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in _CREDIT_ALPHABET for c in code):
        return False
    total = sum(_CREDIT_ALPHABET.index(c) * w
                for c, w in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def check_applicant(name: str, id_number: str) -> tuple[str, str, str]:
    """(name, id_type, id_number): a resident ID number (GB 11643) for a person, a unified
    social credit code (GB 32100) for an organisation, checked to the check character (a
    number that is no valid ID number but a valid code — some codes are all digits — is a
    code)."""
    name = name.strip()
    if not name or len(name) > 200 or _CONTROL.search(name) or "\n" in name:
        raise DomainError("BAD_APPLICANT_NAME", "申请人姓名（名称）必填，一行，不超过200字")
    number = id_number.strip().upper()
    if _id_card_ok(number):
        return name, "id_card", number
    if _credit_code_ok(number):
        return name, "credit_code", number
    raise DomainError("BAD_ID_NUMBER",
                      f"证件号码“{id_number}”不是有效的居民身份证号码或统一社会信用代码（请核对校验位）")


def check_text(value: str, label: str, *, required: bool = False, max_len: int = 2000) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError("TEXT_REQUIRED", f"{label}必填")
    if len(value) > max_len or _CONTROL.search(value):
        raise DomainError("BAD_TEXT", f"{label}不超过{max_len}字，不含控制字符")
    return value


def check_certificate(value: str) -> str:
    """不动产权证书号 / 不动产登记证明号, e.g. 川（2026）广安区不动产权第0000123号."""
    value = check_text(value, "证书号", required=True, max_len=100)
    if "\n" in value or "\r" in value:
        raise DomainError("BAD_TEXT", "证书号为一行")
    return value


_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def check_number(value: str) -> str:
    """A registration's number (业务号) given from outside the counter: 1-32 letters, digits,
    ``.``, ``_`` or ``-`` (it is the platform's idempotency key of the submission)."""
    number = value.strip()
    if not _NUMBER.match(number):
        raise DomainError("BAD_NUMBER", f"业务号“{value}”格式不对：1至32位字母、数字、“.”“_”“-”，"
                          "以字母或数字开头")
    return number
