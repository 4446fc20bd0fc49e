"""Power items (权力事项): what a department declares, and what makes a declaration valid.

A version is drafted by its department, reviewed, published and never changed again; a change
is a new draft of the next version (已发布版本不可修改). Only a published version may be
exercised: 清单之外无职权.

Two levels of validity: a *draft* must be identifiable (name, code, type, region, department)
so it can be stored and found; a version must be *complete* (a legal basis — 职权法定 — for
every power, limits, an internal flow whose steps fit the promised limit) before it can be
submitted for review or published.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from services.shared.codes import DEFAULT_RULES, CodeRules, parse_implementation_code
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.regions import shown, validate_region

#: GB/T 39046 item types (事项类型).
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
}
#: GB/T 39046 exercise levels (行使层级).
EXERCISE_LEVELS: dict[str, str] = {
    "1": "国家级", "2": "省级", "3": "市级", "4": "县级", "5": "镇（乡、街道）级",
    "6": "村（社区）级", "7": "分级行使",
}
PENALTY_TYPE = "02"
PUBLIC_SERVICE_TYPE = "20"
MAX_LIMIT_DAYS = 365
#: Lengths the catalogue stores; the contract (ItemDraft in catalogue.proto) states the same
#: limits, and tests/contract/test_limits_agree.py holds the two equal.
MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 200
MAX_CODE_LENGTH = 128
MAX_STEPS = 100
_STEP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PHONE = re.compile(r"^[0-9+\-() ]{3,40}$")


class ListKind(StrEnum):
    POWER = "power"                     # 权力清单
    DUTY = "duty"                       # 责任清单
    PUBLIC_SERVICE = "public_service"   # 服务清单
    NEGATIVE = "negative"               # 负面清单


class BodyNature(StrEnum):
    STATUTORY = "statutory"     # 法定
    AUTHORISED = "authorised"   # 授权
    ENTRUSTED = "entrusted"     # 受委托


class HandlingForm(StrEnum):
    COUNTER = "counter"
    ONLINE = "online"
    MOBILE = "mobile"
    POST = "post"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ImplementingBody:
    """The implementing body (实施主体) with its credit or organisation code and nature."""

    name: str
    code: str = ""
    nature: BodyNature = BodyNature.STATUTORY


@dataclass(frozen=True)
class LegalCitation:
    """One citation of the legal basis (法律依据)."""

    law: str
    article: str = ""
    clause: str = ""
    text: str = ""


@dataclass(frozen=True)
class Material:
    """A required material (申请材料)."""

    name: str
    issuer: str = ""
    originals: int = 0
    copies: int = 0
    mandatory: bool = True
    note: str = ""


@dataclass(frozen=True)
class Fee:
    """A fee (收费标准) in yuan, with its basis."""

    name: str
    amount: str = "0"
    basis: str = ""
    currency: str = "CNY"


@dataclass(frozen=True)
class Branch:
    """A branch another department handles in parallel (并联审批); joins before the next step."""

    department: str
    name: str
    limit_days: int
    role: str = ""


@dataclass(frozen=True)
class RiskPoint:
    """An integrity risk point (廉政风险点) with its countermeasures (防范措施)."""

    description: str
    level: RiskLevel = RiskLevel.LOW
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscretionStandard:
    """A discretion standard for penalties (裁量基准): fact pattern → allowed range."""

    fact_pattern: str
    severity: str = ""
    range: str = ""


@dataclass(frozen=True)
class Step:
    """A step of the internal flow (内部流程环节) with its own limit in working days."""

    key: str
    name: str
    limit_days: int
    role: str
    parallel_branches: tuple[Branch, ...] = ()
    risk_points: tuple[RiskPoint, ...] = ()

    @property
    def span_days(self) -> int:
        """Working days the step occupies: its own limit or its slowest parallel branch."""
        return max([self.limit_days, *(b.limit_days for b in self.parallel_branches)])


@dataclass(frozen=True)
class ItemContent:
    """What a department declares for one version of an item."""

    name: str
    code: str
    item_type: str
    region: str
    department: str
    statutory_limit_days: int = 0
    promised_limit_days: int = 0
    steps: tuple[Step, ...] = ()
    list_kind: ListKind = ListKind.POWER
    exercise_level: str = ""
    body: ImplementingBody | None = None
    accepting_office: str = ""
    legal_basis: tuple[LegalCitation, ...] = ()
    acceptance_conditions: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()
    fees: tuple[Fee, ...] = ()
    supervision_phone: str = ""
    enquiry_phone: str = ""
    handling_forms: tuple[HandlingForm, ...] = ()
    external_flow: tuple[str, ...] = ()
    discretion_standards: tuple[DiscretionStandard, ...] = ()
    group: str = ""

    # --- validation ---------------------------------------------------------------------
    def validate_draft(self, rules: CodeRules = DEFAULT_RULES) -> list[str]:
        """Raise when the draft cannot even be stored; return doubts (warnings) otherwise."""
        problems: list[FieldProblem] = []
        warnings: list[str] = []
        _identity(self, problems, warnings, rules)
        _structure(self, problems)
        _raise(problems)
        return warnings

    def validate_complete(self, rules: CodeRules = DEFAULT_RULES) -> list[str]:
        """Raise unless the version is complete enough to be reviewed and published."""
        problems: list[FieldProblem] = []
        warnings: list[str] = []
        _identity(self, problems, warnings, rules)
        _structure(self, problems)
        _completeness(self, problems)
        _raise(problems)
        return warnings

    def validate(self) -> ItemContent:
        """Complete validation, for callers that only need pass/fail."""
        self.validate_complete()
        return self

    @property
    def flow_days(self) -> int:
        return sum(s.span_days for s in self.steps)

    # --- (de)serialisation --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ItemContent:
        raw = dict(raw)
        raw["steps"] = tuple(
            Step(**{**s, "parallel_branches": tuple(Branch(**b) for b in
                                                    s.get("parallel_branches", ())),
                    "risk_points": tuple(RiskPoint(**{**r, "level": RiskLevel(r["level"]),
                                                      "countermeasures": tuple(
                                                          r.get("countermeasures", ()))})
                                         for r in s.get("risk_points", ()))})
            for s in raw.get("steps", ()))
        raw["list_kind"] = ListKind(raw.get("list_kind", ListKind.POWER))
        body = raw.get("body")
        raw["body"] = ImplementingBody(**{**body, "nature": BodyNature(body["nature"])}
                                       ) if body else None
        raw["legal_basis"] = tuple(LegalCitation(**c) for c in raw.get("legal_basis", ()))
        raw["acceptance_conditions"] = tuple(raw.get("acceptance_conditions", ()))
        raw["materials"] = tuple(Material(**m) for m in raw.get("materials", ()))
        raw["fees"] = tuple(Fee(**f) for f in raw.get("fees", ()))
        raw["handling_forms"] = tuple(HandlingForm(h) for h in raw.get("handling_forms", ()))
        raw["external_flow"] = tuple(raw.get("external_flow", ()))
        raw["discretion_standards"] = tuple(DiscretionStandard(**d) for d in
                                            raw.get("discretion_standards", ()))
        return cls(**raw)


def _identity(c: ItemContent, problems: list[FieldProblem], warnings: list[str],
              rules: CodeRules) -> None:
    def bad(name: str, description: str) -> None:
        problems.append(FieldProblem(name, description))

    if not c.name.strip():
        bad("name", "required")
    elif len(c.name) > MAX_NAME_LENGTH:
        bad("name", f"at most {MAX_NAME_LENGTH} characters")
    if c.item_type not in ITEM_TYPES:
        bad("item_type", f"{shown(c.item_type)} is not a GB/T 39046 item type; one of "
            + ", ".join(f"{k} {v}" for k, v in ITEM_TYPES.items()))
    try:
        validate_region(c.region)
    except InvalidArgument as exc:
        problems.extend(exc.field_violations)
    if not c.department.strip():
        bad("department", "required: the implementing body (实施主体)")
    elif len(c.department) > MAX_DEPARTMENT_LENGTH:
        bad("department", f"at most {MAX_DEPARTMENT_LENGTH} characters")
    if len(c.code) > MAX_CODE_LENGTH:
        bad("code", f"at most {MAX_CODE_LENGTH} characters")
        return
    if c.exercise_level and c.exercise_level not in EXERCISE_LEVELS:
        bad("exercise_level", "one of " + ", ".join(f"{k} {v}" for k, v in
                                                   EXERCISE_LEVELS.items()))
    if not c.code.strip():
        bad("code", "required: the national implementation code (实施编码)")
        return
    parsed = parse_implementation_code(c.code, rules, expected_region=c.region)
    for error in parsed.errors:
        bad("code", error)
    warnings.extend(parsed.warnings)


def _structure(c: ItemContent, problems: list[FieldProblem]) -> None:
    def bad(name: str, description: str) -> None:
        problems.append(FieldProblem(name, description))

    for name in ("statutory_limit_days", "promised_limit_days"):
        if not 0 <= getattr(c, name) <= MAX_LIMIT_DAYS:
            bad(name, f"between 0 and {MAX_LIMIT_DAYS} working days")
    if len(c.steps) > MAX_STEPS:
        bad("steps", f"at most {MAX_STEPS} steps")
        return
    keys: set[str] = set()
    for i, step in enumerate(c.steps):
        where = f"steps[{i}]"
        if not _STEP_KEY.match(step.key):
            bad(f"{where}.key", "lower-case letters, digits, '_'; starts with a letter")
        elif step.key in keys:
            bad(f"{where}.key", f"duplicate step key {step.key!r}")
        keys.add(step.key)
        if not step.name.strip():
            bad(f"{where}.name", "required")
        if not step.role.strip():
            bad(f"{where}.role", "required: who is responsible for the step")
        if not 0 <= step.limit_days <= MAX_LIMIT_DAYS:
            bad(f"{where}.limit_days", f"between 0 and {MAX_LIMIT_DAYS}")
        for j, branch in enumerate(step.parallel_branches):
            if not branch.department.strip() or not branch.name.strip():
                bad(f"{where}.parallel_branches[{j}]", "department and name are required")
            if not 0 <= branch.limit_days <= MAX_LIMIT_DAYS:
                bad(f"{where}.parallel_branches[{j}].limit_days",
                    f"between 0 and {MAX_LIMIT_DAYS}")
        for j, risk in enumerate(step.risk_points):
            if not risk.description.strip():
                bad(f"{where}.risk_points[{j}].description", "required")
            if risk.level is RiskLevel.HIGH and not risk.countermeasures:
                bad(f"{where}.risk_points[{j}].countermeasures",
                    "a high risk point needs at least one countermeasure (防范措施)")
    for i, citation in enumerate(c.legal_basis):
        if not citation.law.strip():
            bad(f"legal_basis[{i}].law", "name the law or regulation")
    for i, material in enumerate(c.materials):
        if not material.name.strip():
            bad(f"materials[{i}].name", "required")
        if material.originals < 0 or material.copies < 0:
            bad(f"materials[{i}]", "original and copy counts cannot be negative")
    for i, fee in enumerate(c.fees):
        try:
            if Decimal(fee.amount) < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            bad(f"fees[{i}].amount", "a non-negative amount in yuan, e.g. 50 or 12.50")
        if fee.currency != "CNY":
            bad(f"fees[{i}].currency", "fees are in CNY")
    for name in ("supervision_phone", "enquiry_phone"):
        value = getattr(c, name)
        if value and not _PHONE.match(value):
            bad(name, "digits, spaces, '+', '-' and brackets only")
    if c.discretion_standards and c.item_type != PENALTY_TYPE:
        bad("discretion_standards", "discretion standards (裁量基准) belong to penalty items "
            "(item type 02)")


def _completeness(c: ItemContent, problems: list[FieldProblem]) -> None:
    def bad(name: str, description: str) -> None:
        problems.append(FieldProblem(name, description))

    if c.statutory_limit_days <= 0 and c.promised_limit_days <= 0 and c.item_type not in (
            "02", "03", "06"):
        bad("statutory_limit_days", "declare the statutory limit (法定时限) in working days")
    if c.promised_limit_days > c.statutory_limit_days > 0:
        bad("promised_limit_days", "the promised limit (承诺时限) may not exceed the "
            f"statutory limit (法定时限) of {c.statutory_limit_days} working days")
    if c.item_type != PUBLIC_SERVICE_TYPE and not any(x.law.strip() for x in c.legal_basis):
        # 职权法定: a power exists only by law; public services (20) may cite a policy instead
        bad("legal_basis", "cite the law or regulation that grants the power (法律依据): no "
            "power without a legal basis is reviewed or published (职权法定)")
    if not c.steps:
        bad("steps", "the internal flow needs at least one step")
    elif c.promised_limit_days and c.flow_days > c.promised_limit_days:
        bad("steps", f"the steps take {c.flow_days} working days, more than the promised "
            f"limit of {c.promised_limit_days}")


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidArgument(
            "the item is not valid: " + "; ".join(f"{p.field}: {p.description}"
                                                  for p in problems),
            code="ITEM_INVALID", violations=problems)

