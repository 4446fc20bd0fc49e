"""Power items (权力事项): what a department declares, and what makes a declaration valid.

A version is drafted by its department, reviewed, published and never changed again; a change
is a new draft of the next version (已发布版本不可修改). Only a published version may be
exercised: 清单之外无职权.

Two levels of validity: a *draft* must be identifiable (name, code, type, region, department)
and well formed (keys, the kinds and order of its steps, the steps a case may return to, its
handling modes, units and special procedures) so it can be stored and found; a version must be
*complete* (a legal basis — 职权法定 — for every power, limits, an internal flow that ends with
its decision and whose steps fit the promised limit) before it can be submitted for review or
published.

**Stated defaults.** What a declaration leaves unspecified, and what content stored before
these fields existed lacks, takes these values — here, once, when an :class:`ItemContent` is
made (``__post_init__``), so that every reader (the API, the events, the importer, the hall)
sees them stated:

- handling modes: none given = promised (承诺件) only;
- step kinds: a first step keyed ``accept`` is the acceptance step (受理), the last step the
  decision step (决定) unless the item is a filing (备案), every other step a review step;
- the steps a case may be returned to from a step: none given = every earlier step after the
  acceptance step;
- material keys ``m1``, ``m2`` … and branch keys (within their step) ``b1``, ``b2`` … by
  position;
- every time limit (the item's, a step's, a branch's) in working days;
- no special procedures, not classified, and who accepted a case may not decide it
  (``acceptor_may_decide`` false);
- discretion standards' keys ``d1``, ``d2`` … by position; not a major decision (``major``
  false) and no amount of its own above which a meeting decides (the node's setting);
- the department's code (实施主体编码, ``department_code``): none given = the unified social
  credit code in the implementation code's body segment (``…-000-<body>-1-00``) when that is
  a valid credit code, else unknown (empty: shown as unknown, never
  invented, and required before the version is submitted). A step's or branch's empty code
  is unknown too (a step naming no department is the item's own).

**Departments by code.** Who declares an item and who handles its cases is decided by the
department's unified social credit code (统一社会信用代码, GB 32100: ``services.shared
.departments``), never by its name; names (``department`` of the item, a step, a branch) are for
people. A 9-character organisation code (GB 11714) is refused as a department code, saying
that the credit code contains it.

**Cases the government opens** (立案: penalties, coercive measures, inspections): a flow whose
first step is an opening step (``opening``) is not applied for. Its decision step need not be
last: only service (送达), execution (执行) and closing (结案, last) steps follow it, and a
case is never returned from after its decision to before it (the default returns of a step
after the decision are the steps after the decision before it). A penalty's flow tells the
party before deciding: a notification step (告知) precedes the decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from services.shared.code_tables import (
    AMOUNT_MEASURES,
    EXERCISE_LEVELS,
    ITEM_TYPES,
    PENALTY_MEASURES,
    PENALTY_TYPE,
    PUBLIC_SERVICE_TYPE,
)
from services.shared.codes import DEFAULT_RULES, CodeRules, parse_implementation_code
from services.shared.departments import code_in_implementation_code, department_code_problem
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.regions import shown, validate_region

MAX_LIMIT_DAYS = 365
#: Lengths the catalogue stores; the contract (ItemDraft in catalogue.proto) states the same
#: limits, and tests/contract/test_limits_agree.py holds the two equal.
MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 200
MAX_CODE_LENGTH = 128
MAX_STEPS = 100
MAX_RETURNS_TO = 20
#: The key of a first step that, unless its kind says otherwise, is the acceptance step.
ACCEPTANCE_KEY = "accept"
#: Keys of steps, materials and branches: lower-case letters, digits and '_', from a letter.
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_STEP_KEY = _KEY
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


class HandlingMode(StrEnum):
    """How a case of the item is handled (办件类型)."""

    IMMEDIATE = "immediate"  # 即办件: accepted and decided the same working day
    PROMISED = "promised"    # 承诺件: decided within the promised limit
    REPORTED = "reported"    # 上报件: the decision belongs to the government one level up
    FILING = "filing"        # 备案: registered on receipt, no decision


class SpecialProcedure(StrEnum):
    """Special procedures (特别程序, GB/T 39046) a case of the item may go through."""

    EXTENSION = "extension"          # 延长审批期限
    HEARING = "hearing"              # 听证
    TENDER = "tender"                # 招标
    AUCTION = "auction"              # 拍卖
    INSPECTION = "inspection"        # 检验
    TESTING = "testing"              # 检测
    QUARANTINE = "quarantine"        # 检疫
    EXPERT_REVIEW = "expert_review"  # 专家评审
    APPRAISAL = "appraisal"          # 鉴定
    ON_SITE_CHECK = "on_site_check"  # 现场核查
    PUBLIC_NOTICE = "public_notice"  # 公示


class TimeUnit(StrEnum):
    """The unit of a time limit (时限单位)."""

    WORKING_DAYS = "working_days"    # 工作日, on the official calendar
    CALENDAR_DAYS = "calendar_days"  # 自然日


class StepKind(StrEnum):
    """What a step of the internal flow is for (labels: ``code_tables.STEP_KINDS``)."""

    ACCEPTANCE = "acceptance"  # 受理: accept, reject or ask for supplements; only first
    REVIEW = "review"          # 审查, 审核, 核查 …
    DECISION = "decision"      # 决定: last of a case applied for; a filing has none
    # A case the government opens itself (立案: penalties, coercive measures, inspections):
    OPENING = "opening"                      # 立案: only first, approved by the head
    INVESTIGATION = "investigation"          # 调查取证
    NOTIFICATION = "notification"            # 告知: the intended decision and the rights
    COLLECTIVE_REVIEW = "collective_review"  # 集体讨论 (会审会): a meeting decides
    SERVICE = "service"                      # 送达: after the decision
    EXECUTION = "execution"                  # 执行: after the decision
    CLOSING = "closing"                      # 结案: only last


#: the kinds a step after the decision of an opened case may have
AFTER_DECISION = frozenset({StepKind.SERVICE, StepKind.EXECUTION, StepKind.CLOSING})
#: the kinds that belong to opened cases only
OPENED_ONLY = frozenset({StepKind.OPENING, StepKind.NOTIFICATION,
                         StepKind.COLLECTIVE_REVIEW}) | AFTER_DECISION


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
    #: stable key within the item (cases name the materials they received and lack by it);
    #: empty: ``m<position>`` (1-based)
    key: str = ""


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
    #: stable key within its step; empty: ``b<position>`` (1-based)
    key: str = ""
    limit_unit: TimeUnit = TimeUnit.WORKING_DAYS
    #: the department's unified social credit code (GB 32100); empty: unknown
    department_code: str = ""


@dataclass(frozen=True)
class RiskPoint:
    """An integrity risk point (廉政风险点) with its countermeasures (防范措施)."""

    description: str
    level: RiskLevel = RiskLevel.LOW
    countermeasures: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscretionStandard:
    """A discretion standard for penalties (裁量基准): a circumstance (情节: its severity and
    fact pattern) and what a decision in it may impose — the measures (``PENALTY_MEASURES``)
    and, for a fine, the range in yuan. ``range`` is the standard's own words."""

    fact_pattern: str
    severity: str = ""
    range: str = ""
    #: stable key within the item (a decision names the circumstance by it); empty: ``d<n>``
    key: str = ""
    measures: tuple[str, ...] = ()
    #: the fine's range in yuan, when ``fine`` is among the measures ("" = none stated)
    min_amount: str = ""
    max_amount: str = ""


@dataclass(frozen=True)
class Step:
    """A step of the internal flow (内部流程环节) with its own limit."""

    key: str
    name: str
    limit_days: int
    role: str
    parallel_branches: tuple[Branch, ...] = ()
    risk_points: tuple[RiskPoint, ...] = ()
    #: None: decided by position when the item is made (see the module's defaults)
    kind: StepKind | None = None
    #: keys of earlier steps (after acceptance) a case may be returned to from this one;
    #: empty: every such step
    returns_to: tuple[str, ...] = ()
    limit_unit: TimeUnit = TimeUnit.WORKING_DAYS
    #: the department that handles the step, if not the item's own (e.g. the decision of a
    #: case reported up a level): its name, and its unified social credit code (empty with
    #: an empty name: the item's own department)
    department: str = ""
    department_code: str = ""

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
    #: how its cases may be handled; empty: promised (承诺件) only
    modes: tuple[HandlingMode, ...] = ()
    special_procedures: tuple[SpecialProcedure, ...] = ()
    #: 涉密: reviewed, published and runnable, but kept out of every public view and export
    classified: bool = False
    #: unit of the statutory and promised limits
    limit_unit: TimeUnit = TimeUnit.WORKING_DAYS
    #: separation of duties: False = who accepted a case may not decide it
    acceptor_may_decide: bool = False
    #: a major enforcement decision (重大执法决定): its cases are decided by a meeting
    #: (集体讨论) before the decision
    major: bool = False
    #: a fine above this many yuan is decided by a meeting too ("" = the node's setting)
    collective_review_above: str = ""
    #: the implementing department's unified social credit code (实施主体编码); empty: the
    #: one in the implementation code, else unknown
    department_code: str = ""

    def __post_init__(self) -> None:
        """State every default (the module's docstring): the one place they are decided."""
        if not self.department_code:
            derived = code_in_implementation_code(self.code)
            if derived:
                object.__setattr__(self, "department_code", derived)
        modes = self.modes or (HandlingMode.PROMISED,)
        if modes is not self.modes:
            object.__setattr__(self, "modes", modes)
        steps = resolved_steps(self.steps, filing=HandlingMode.FILING in modes)
        if steps is not self.steps:
            object.__setattr__(self, "steps", steps)
        if any(not m.key for m in self.materials):
            object.__setattr__(self, "materials", tuple(
                m if m.key else replace(m, key=f"m{i}")
                for i, m in enumerate(self.materials, start=1)))
        if any(not d.key for d in self.discretion_standards):
            object.__setattr__(self, "discretion_standards", tuple(
                d if d.key else replace(d, key=f"d{i}")
                for i, d in enumerate(self.discretion_standards, start=1)))

    @property
    def opened(self) -> bool:
        """Its cases are opened by the government (立案), not applied for: the flow begins
        with an opening step."""
        return bool(self.steps) and self.steps[0].kind is StepKind.OPENING

    @property
    def filing(self) -> bool:
        """A filing (备案): registered on receipt, never decided."""
        return HandlingMode.FILING in self.modes

    # --- validation ---------------------------------------------------------------------
    def validate_draft(self, rules: CodeRules = DEFAULT_RULES) -> list[str]:
        """Raise when the draft cannot even be stored; return doubts (warnings) otherwise."""
        problems: list[FieldProblem] = []
        warnings: list[str] = []
        _identity(self, problems, warnings, rules)
        _structure(self, problems)
        _raise(problems)
        return warnings

    def validate_structure(self) -> None:
        """Raise unless the parts beyond the item's identity are well formed (the draft
        rules without the code, name, type, region and department)."""
        problems: list[FieldProblem] = []
        _structure(self, problems)
        _raise(problems)

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

    @property
    def units_agree(self) -> bool:
        """Every step and branch counts in the unit of the item's limits."""
        unit = self.limit_unit
        return all(s.limit_unit is unit and all(b.limit_unit is unit
                                                for b in s.parallel_branches)
                   for s in self.steps)

    # --- (de)serialisation --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """The stored form: the JSON of :meth:`to_dict`, compact, without what is at its
        stated default (the identity always kept; steps keep their key, name, limit, role,
        kind and returns) — :meth:`from_dict` states it again."""
        d = asdict(self)
        stored = {k: v for k, v in d.items() if k in IDENTITY_FIELDS or v != _DEFAULTS[k]}
        if "department_code" in stored and (
                stored["department_code"] == code_in_implementation_code(self.code)):
            del stored["department_code"]  # the stated default: read back the same
        if "steps" in stored:
            stored["steps"] = stored_steps(self.steps)
        return _compact(stored)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ItemContent:
        """From ``to_dict``'s form — also as stored before a field existed: what is missing
        takes its stated default (the module's docstring)."""
        raw = dict(raw)
        raw["steps"] = tuple(
            Step(**{**s, "parallel_branches": tuple(
                        Branch(**{**b, "limit_unit": TimeUnit(b.get("limit_unit")
                                                              or TimeUnit.WORKING_DAYS)})
                        for b in s.get("parallel_branches", ())),
                    "risk_points": tuple(RiskPoint(**{**r, "level": RiskLevel(r["level"]),
                                                      "countermeasures": tuple(
                                                          r.get("countermeasures", ()))})
                                         for r in s.get("risk_points", ())),
                    "kind": StepKind(s["kind"]) if s.get("kind") else None,
                    "returns_to": tuple(s.get("returns_to", ())),
                    "limit_unit": TimeUnit(s.get("limit_unit") or TimeUnit.WORKING_DAYS)})
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
        raw["discretion_standards"] = tuple(
            DiscretionStandard(**{**d, "measures": tuple(d.get("measures", ()))})
            for d in raw.get("discretion_standards", ()))
        raw["modes"] = tuple(HandlingMode(m) for m in raw.get("modes", ()))
        raw["special_procedures"] = tuple(SpecialProcedure(p) for p in
                                          raw.get("special_procedures", ()))
        raw["limit_unit"] = TimeUnit(raw.get("limit_unit") or TimeUnit.WORKING_DAYS)
        return cls(**raw)


def step_kinds(steps: tuple[Step, ...], *, filing: bool) -> list[StepKind]:
    """The kind of each step: its own, else by position (the module's defaults)."""
    last = len(steps) - 1
    decides = any(step.kind is StepKind.DECISION for step in steps)
    kinds = []
    for i, step in enumerate(steps):
        if step.kind is not None:
            kinds.append(step.kind)
        elif i == 0 and step.key == ACCEPTANCE_KEY:
            kinds.append(StepKind.ACCEPTANCE)
        elif i == last and not filing and not decides:
            kinds.append(StepKind.DECISION)
        else:
            kinds.append(StepKind.REVIEW)
    return kinds


#: Step tuples found stated already, by identity, with the tuple itself (so that its id stays
#: its own): a flow shared by many items — an import's default flows — is checked once.
_STATED: dict[tuple[int, bool], tuple[Step, ...]] = {}
_STATED_MAX = 1024


def resolved_steps(steps: tuple[Step, ...], *, filing: bool) -> tuple[Step, ...]:
    """The steps with their kinds, the steps they may return to and their branches' keys
    stated; ``steps`` itself when they all were."""
    if _STATED.get((id(steps), filing)) is steps:
        return steps
    kinds = step_kinds(steps, filing=filing)
    out: list[Step] = []
    changed = False
    decision = next((j for j, kind in enumerate(kinds) if kind is StepKind.DECISION), None)
    for i, step in enumerate(steps):
        # a decided case is never returned to before its decision
        first = decision + 1 if decision is not None and i > decision else 0
        returns = step.returns_to or tuple(
            steps[j].key for j in range(first, i) if kinds[j] not in _NOT_RETURNABLE)
        branches = step.parallel_branches
        if any(not b.key for b in branches):
            branches = tuple(b if b.key else replace(b, key=f"b{j}")
                             for j, b in enumerate(branches, start=1))
        if step.kind is kinds[i] and returns == step.returns_to and (
                branches is step.parallel_branches):
            out.append(step)
        else:
            out.append(replace(step, kind=kinds[i], returns_to=returns,
                               parallel_branches=branches))
            changed = True
    if changed:
        return tuple(out)
    if len(_STATED) < _STATED_MAX:
        _STATED[(id(steps), filing)] = steps
    return steps


#: steps a case is never returned to: its acceptance, its opening
_NOT_RETURNABLE = frozenset({StepKind.ACCEPTANCE, StepKind.OPENING})

#: What the stored form of a content always keeps (:meth:`ItemContent.to_json`).
IDENTITY_FIELDS = frozenset({"name", "code", "item_type", "region", "department"})
STEP_KEPT = frozenset({"key", "name", "limit_days", "role", "kind", "returns_to"})
_DEFAULTS = ItemContent(name="", code="", item_type="", region="", department="").to_dict()
_STEP_DEFAULTS = asdict(Step("", "", 0, ""))
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def stored_steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    """The steps as the stored form keeps them: without what is at its default."""
    return [{k: v for k, v in asdict(step).items() if k in STEP_KEPT or v != _STEP_DEFAULTS[k]}
            for step in steps]


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
    if c.department_code:
        problem = department_code_problem(c.department_code)
        if problem is not None:
            bad("department_code", problem)
        else:
            in_code = code_in_implementation_code(c.code)
            if in_code and in_code != c.department_code:
                warnings.append(f"department code {c.department_code} is not the implementing "
                                f"body's code in the implementation code ({in_code})")
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

    unit = c.limit_unit
    if not isinstance(unit, TimeUnit):
        bad("limit_unit", _one_of(TimeUnit))
    for name in ("statutory_limit_days", "promised_limit_days"):
        if not 0 <= getattr(c, name) <= MAX_LIMIT_DAYS:
            bad(name, f"between 0 and {MAX_LIMIT_DAYS} days")
    _modes(c, bad)
    if len(c.steps) > MAX_STEPS:
        bad("steps", f"at most {MAX_STEPS} steps")
        return
    _steps(c, bad)
    for i, citation in enumerate(c.legal_basis):
        if not citation.law.strip():
            bad(f"legal_basis[{i}].law", "name the law or regulation")
    material_keys: set[str] = set()
    for i, material in enumerate(c.materials):
        if not material.name.strip():
            bad(f"materials[{i}].name", "required")
        if material.originals < 0 or material.copies < 0:
            bad(f"materials[{i}]", "original and copy counts cannot be negative")
        _key(material.key, material_keys, f"materials[{i}].key", "material", bad)
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
    _discretion(c, bad)
    if c.collective_review_above and _yuan(c.collective_review_above) is None:
        bad("collective_review_above", "a non-negative amount in yuan, e.g. 50000")


def _yuan(amount: str) -> Decimal | None:
    """An amount in yuan (at most two decimals), or None when it is not one."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _discretion(c: ItemContent, bad: Callable[[str, str], None]) -> None:
    """Each standard's key once, known measures, and a fine's range in yuan."""
    keys: set[str] = set()
    for i, d in enumerate(c.discretion_standards):
        where = f"discretion_standards[{i}]"
        _key(d.key, keys, f"{where}.key", "discretion standard", bad)
        for j, measure in enumerate(d.measures):
            if measure not in PENALTY_MEASURES:
                bad(f"{where}.measures[{j}]", f"{shown(measure)} is not a kind of penalty; "
                    "one of " + ", ".join(f"{k} {v}" for k, v in PENALTY_MEASURES.items()))
            elif measure in d.measures[:j]:
                bad(f"{where}.measures[{j}]", f"{measure} is named twice")
        low, high = (_yuan(d.min_amount) if d.min_amount else Decimal(0),
                     _yuan(d.max_amount) if d.max_amount else None)
        if low is None:
            bad(f"{where}.min_amount", "a non-negative amount in yuan")
        if d.max_amount and high is None:
            bad(f"{where}.max_amount", "a non-negative amount in yuan")
        if low is not None and high is not None and low > high:
            bad(f"{where}.max_amount", "at least the minimum")
        fines = AMOUNT_MEASURES & set(d.measures)
        if (d.min_amount or d.max_amount) and not fines:
            bad(f"{where}.measures", "an amount belongs to a fine (fine 罚款)")


def _modes(c: ItemContent, bad: Callable[[str, str], None]) -> None:
    """Known modes and special procedures, each once; a filing is a filing only."""
    for name, values, kind in (("modes", c.modes, HandlingMode),
                               ("special_procedures", c.special_procedures,
                                SpecialProcedure)):
        for i, value in enumerate(values):
            if not isinstance(value, kind):
                bad(f"{name}[{i}]", _one_of(kind))
            elif value in values[:i]:
                bad(f"{name}[{i}]", f"{value.value} is named twice")
    if c.filing and len(c.modes) > 1:
        bad("modes", "filing (备案) excludes every other mode: a filing is registered on "
            "receipt, never decided")


def _steps(c: ItemContent, bad: Callable[[str, str], None]) -> None:
    last = len(c.steps) - 1
    opened = c.opened
    decisions = [i for i, s in enumerate(c.steps) if s.kind is StepKind.DECISION]
    decided_at = decisions[0] if decisions else None
    if len(decisions) > 1:
        bad("steps", "a flow has one decision step (决定)")
    keys: set[str] = set()
    # keys of the steps so far that a later step may return a case to (not the acceptance)
    returnable: set[str] = set()
    for i, step in enumerate(c.steps):
        where = f"steps[{i}]"
        if not _KEY.match(step.key):
            bad(f"{where}.key", "lower-case letters, digits, '_'; starts with a letter")
        elif step.key in keys:
            bad(f"{where}.key", f"duplicate step key {step.key!r}")
        keys.add(step.key)
        if not step.name.strip():
            bad(f"{where}.name", "required")
        if not step.role.strip():
            bad(f"{where}.role", "required: who is responsible for the step")
        if len(step.department) > MAX_DEPARTMENT_LENGTH:
            bad(f"{where}.department", f"at most {MAX_DEPARTMENT_LENGTH} characters")
        _department_code(step.department_code, f"{where}.department_code", bad)
        if not 0 <= step.limit_days <= MAX_LIMIT_DAYS:
            bad(f"{where}.limit_days", f"between 0 and {MAX_LIMIT_DAYS}")
        if not isinstance(step.limit_unit, TimeUnit):
            bad(f"{where}.limit_unit", _one_of(TimeUnit))
        kind = step.kind
        if not isinstance(kind, StepKind):
            bad(f"{where}.kind", _one_of(StepKind))
        elif kind in (StepKind.ACCEPTANCE, StepKind.OPENING) and i != 0:
            bad(f"{where}.kind", f"only the first step can be the {kind.value} step "
                f"({'受理' if kind is StepKind.ACCEPTANCE else '立案'})")
        elif kind is StepKind.DECISION and c.filing:
            bad(f"{where}.kind", "a filing (备案) has no decision step (决定): it is "
                "registered on receipt")
        elif kind is StepKind.DECISION and i != last and not opened:
            bad(f"{where}.kind", "only the last step can be the decision step (决定) of a "
                "case applied for")
        elif kind in OPENED_ONLY and kind is not StepKind.OPENING and not opened:
            bad(f"{where}.kind", f"a {kind.value} step belongs to a case the government opens "
                "(its first step is the opening step, 立案)")
        elif opened and decided_at is not None and i > decided_at and (
                kind not in AFTER_DECISION):
            bad(f"{where}.kind", "after the decision an opened case is only served (送达), "
                "executed (执行) and closed (结案)")
        elif opened and kind in AFTER_DECISION and (decided_at is None or i < decided_at):
            bad(f"{where}.kind", f"a {kind.value} step comes after the decision step")
        elif kind is StepKind.CLOSING and i != last:
            bad(f"{where}.kind", "only the last step can be the closing step (结案)")
        if len(step.returns_to) > MAX_RETURNS_TO:
            bad(f"{where}.returns_to", f"at most {MAX_RETURNS_TO} steps")
        for j, target in enumerate(step.returns_to):
            if target not in returnable:
                bad(f"{where}.returns_to[{j}]", f"{shown(target)} is not an earlier step "
                    "after the acceptance (or opening) step: a case returns only to a step it "
                    "has passed, never to acceptance or opening, and never from after its "
                    "decision to before it")
            elif target in step.returns_to[:j]:
                bad(f"{where}.returns_to[{j}]", f"{target!r} is named twice")
        if kind is StepKind.DECISION and opened:
            returnable.clear()  # a decided case is never returned to before its decision
        elif kind not in _NOT_RETURNABLE:
            returnable.add(step.key)
        branch_keys: set[str] = set()
        for j, branch in enumerate(step.parallel_branches):
            if not branch.department.strip() or not branch.name.strip():
                bad(f"{where}.parallel_branches[{j}]", "department and name are required")
            _department_code(branch.department_code,
                             f"{where}.parallel_branches[{j}].department_code", bad)
            if not 0 <= branch.limit_days <= MAX_LIMIT_DAYS:
                bad(f"{where}.parallel_branches[{j}].limit_days",
                    f"between 0 and {MAX_LIMIT_DAYS}")
            if not isinstance(branch.limit_unit, TimeUnit):
                bad(f"{where}.parallel_branches[{j}].limit_unit", _one_of(TimeUnit))
            _key(branch.key, branch_keys, f"{where}.parallel_branches[{j}].key",
                 "branch", bad)
        for j, risk in enumerate(step.risk_points):
            if not risk.description.strip():
                bad(f"{where}.risk_points[{j}].description", "required")
            if risk.level is RiskLevel.HIGH and not risk.countermeasures:
                bad(f"{where}.risk_points[{j}].countermeasures",
                    "a high risk point needs at least one countermeasure (防范措施)")


def _department_code(code: str, where: str, bad: Callable[[str, str], None]) -> None:
    if code:
        problem = department_code_problem(code)
        if problem is not None:
            bad(where, problem)


def _key(key: str, seen: set[str], where: str, what: str,
         bad: Callable[[str, str], None]) -> None:
    if not _KEY.match(key):
        bad(where, "lower-case letters, digits, '_' (at most 40); starts with a letter")
    elif key in seen:
        bad(where, f"duplicate {what} key {key!r}")
    seen.add(key)


def _one_of(kind: type[StrEnum]) -> str:
    return "one of " + ", ".join(k.value for k in kind)


def _completeness(c: ItemContent, problems: list[FieldProblem]) -> None:
    def bad(name: str, description: str) -> None:
        problems.append(FieldProblem(name, description))

    unit = str(getattr(c.limit_unit, "value", "days")).replace("_", " ")
    if c.statutory_limit_days <= 0 and c.promised_limit_days <= 0 and c.item_type not in (
            "02", "03", "06"):
        bad("statutory_limit_days", "declare the statutory limit (法定时限)")
    if c.promised_limit_days > c.statutory_limit_days > 0:
        bad("promised_limit_days", "the promised limit (承诺时限) may not exceed the "
            f"statutory limit (法定时限) of {c.statutory_limit_days} {unit}")
    if c.item_type != PUBLIC_SERVICE_TYPE and not any(x.law.strip() for x in c.legal_basis):
        # 职权法定: a power exists only by law; public services (20) may cite a policy instead
        bad("legal_basis", "cite the law or regulation that grants the power (法律依据): no "
            "power without a legal basis is reviewed or published (职权法定)")
    if not c.department_code:
        bad("department_code", "the implementing department's unified social credit code "
            "(实施主体编码) is unknown: state it — its cases go to the department it names")
    for i, step in enumerate(c.steps):
        if step.department.strip() and not step.department_code:
            bad(f"steps[{i}].department_code", f"name the unified social credit code of "
                f"{step.department}, which handles this step")
        for j, branch in enumerate(step.parallel_branches):
            if not branch.department_code:
                who = branch.department or "the department"
                bad(f"steps[{i}].parallel_branches[{j}].department_code",
                    f"name the unified social credit code of {who}, which handles this branch")
    if not c.steps:
        bad("steps", "the internal flow needs at least one step")
        return
    if c.opened:
        _opened_complete(c, bad)
    elif not c.filing and c.steps[-1].kind is not StepKind.DECISION:
        modes = ", ".join(m.value for m in c.modes)
        bad("steps", f"the flow of a {modes} item ends with its decision step (决定)")
    if c.item_type == PENALTY_TYPE:
        for i, d in enumerate(c.discretion_standards):
            if not d.severity.strip() or not d.measures:
                bad(f"discretion_standards[{i}]", "state the circumstance (severity, 情节) and "
                    "the measures a decision in it may impose")
            elif AMOUNT_MEASURES & set(d.measures) and not d.max_amount:
                bad(f"discretion_standards[{i}].max_amount", "a fine's standard states its "
                    "range: the most it allows, in yuan")
    # steps counted in another unit than the limits are not added up against them
    if c.promised_limit_days and c.units_agree and c.flow_days > c.promised_limit_days:
        bad("steps", f"the steps take {c.flow_days} {unit}, more than the promised "
            f"limit of {c.promised_limit_days}")


def _opened_complete(c: ItemContent, bad: Callable[[str, str], None]) -> None:
    """A case the government opens (立案) is decided, and a penalty is told to its party
    before it is decided (告知: 《行政处罚法》 art. 44)."""
    kinds = [s.kind for s in c.steps]
    if c.filing:
        bad("modes", "a case the government opens is never a filing (备案)")
    if StepKind.DECISION not in kinds:
        bad("steps", "the flow of an opened case has its decision step (决定)")
    elif c.item_type == PENALTY_TYPE and StepKind.NOTIFICATION not in kinds[
            :kinds.index(StepKind.DECISION)]:
        bad("steps", "a penalty is told to its party before it is decided: a notification "
            "step (告知) comes before the decision (《行政处罚法》第四十四条)")


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidArgument(
            "the item is not valid: " + "; ".join(f"{p.field}: {p.description}"
                                                  for p in problems),
            code="ITEM_INVALID", violations=problems)

