"""What a case runs on: the published item version, compiled into stages (内部流程).

The item's internal flow is a list of steps; each step is a *stage*. A stage may fan out into
parallel branches handled by other departments (并联审批), which all join before the next stage
starts. The first step may be the acceptance step (受理: accept, reject or ask for supplements),
the last one the decision step (决定); a filing (备案) has no decision. A step names the earlier
steps a case may be returned to from it.

Departments are named by their unified social credit code (``department_code``; the name beside
it is for people): the item's, and that of a step or branch of another department. A snapshot
kept before codes existed states the item's code when it is read — the credit code in its
implementation code, as the catalogue states it (``services.shared.departments``) — and a step
or branch of another department named without a code has none (unknown: only administrators
act for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services.cases.domain.clock import Limit
from services.shared.departments import code_in_implementation_code
from services.shared.errors import InvalidArgument


class Mode(StrEnum):
    """How a case is handled (办件类型)."""

    IMMEDIATE = "immediate"  # 即办件: accepted and decided the same working day
    PROMISED = "promised"    # 承诺件: within the promised limit
    REPORTED = "reported"    # 上报件: the decision belongs to the government above
    FILING = "filing"        # 备案: registered on receipt, no decision


class StepKind(StrEnum):
    ACCEPTANCE = "acceptance"  # 受理
    REVIEW = "review"          # 审查, 审核, 现场核查 …
    DECISION = "decision"      # 决定
    # a case the government opens (立案): penalties, coercive measures, inspections
    OPENING = "opening"                      # 立案 (approved by the head)
    INVESTIGATION = "investigation"          # 调查取证
    NOTIFICATION = "notification"            # 告知: the intended decision and the rights
    COLLECTIVE_REVIEW = "collective_review"  # 集体讨论: a meeting decides
    SERVICE = "service"                      # 送达
    EXECUTION = "execution"                  # 执行
    CLOSING = "closing"                      # 结案


#: the first step of a flow when it is an entry step: its stage is -1
ENTRY = frozenset({StepKind.ACCEPTANCE, StepKind.OPENING})
#: kinds of a step after the decision of an opened case
AFTER_DECISION = frozenset({StepKind.SERVICE, StepKind.EXECUTION, StepKind.CLOSING})


@dataclass(frozen=True)
class DiscretionSpec:
    """A discretion standard (裁量基准) of a penalty: a circumstance (情节) and what a decision
    in it may impose — its measures and, for a fine, the range in fen (分)."""

    key: str
    severity: str
    fact_pattern: str = ""
    measures: tuple[str, ...] = ()
    min_fen: int = 0
    #: None: the standard states no most (then no fine is inside it)
    max_fen: int | None = None


@dataclass(frozen=True)
class MaterialSpec:
    """A required material (申请材料), by its stable key."""

    key: str
    name: str
    mandatory: bool = True
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True)
class BranchSpec:
    """A branch of a stage handled in parallel by another department (并联审批)."""

    key: str
    name: str
    department: str
    role: str
    limit: Limit
    #: the department's unified social credit code; empty: unknown
    department_code: str = ""


@dataclass(frozen=True)
class StepSpec:
    """A step of the item's internal flow (环节)."""

    key: str
    name: str
    kind: StepKind
    role: str
    limit: Limit
    department: str = ""  # empty: the item's department
    branches: tuple[BranchSpec, ...] = ()
    #: earlier steps a case may be returned to from this one
    returns_to: tuple[str, ...] = ()
    #: an integrity risk point of level high: handled or signed off by the department's head
    high_risk: bool = False
    #: the code of ``department`` (a step of another department); both empty: the item's own
    department_code: str = ""
    #: the countermeasures (防范措施) of the step's integrity risk points, as the item words
    #: them: a handler completing it states which were carried out (empty: none published,
    #: or a snapshot kept before they were carried)
    countermeasures: tuple[str, ...] = ()

    @property
    def own_department(self) -> bool:
        """The item's own department handles it (the step names no other)."""
        return not (self.department or self.department_code)


@dataclass(frozen=True)
class ItemSnapshot:
    """The published item version a case is pinned to: everything running it needs."""

    item_id: str
    version: int
    code: str
    name: str
    region: str
    department: str
    #: the statutory (法定) and promised (承诺) limits; None where the item declares none
    statutory: Limit | None
    promised: Limit | None
    steps: tuple[StepSpec, ...]
    modes: frozenset[Mode] = field(default_factory=lambda: frozenset({Mode.PROMISED}))
    materials: tuple[MaterialSpec, ...] = ()
    #: special procedures (特别程序) the item allows: "extension", "expert_review", …
    procedures: frozenset[str] = frozenset()
    #: separation of duties: who accepted may not decide
    separate_acceptance_and_decision: bool = True
    #: a classified (涉密) item: its cases are never shown to the public, not even that
    #: they exist
    classified: bool = False
    #: GB/T 39046 item type ("01" a licence, "02" a penalty, …)
    item_type: str = ""
    #: the implementing body's name (printed as the issuer of the case's documents)
    body_name: str = ""
    #: the item's legal basis, each citation as one text (《法》第N条): decisions and
    #: documents cite these
    legal_basis: tuple[str, ...] = ()
    discretion: tuple[DiscretionSpec, ...] = ()
    #: a major enforcement decision (重大执法决定): a meeting decides (集体讨论)
    major: bool = False
    #: a fine above this many fen is decided by a meeting too; None: no such amount
    collective_review_above_fen: int | None = None

    @property
    def opened(self) -> bool:
        """Cases of the item are opened by the government (立案), not applied for."""
        return bool(self.steps) and self.steps[0].kind is StepKind.OPENING

    @property
    def entry(self) -> StepSpec | None:
        """The acceptance (受理) or opening (立案) step, when the flow begins with one."""
        first = self.steps[0] if self.steps else None
        return first if first is not None and first.kind in ENTRY else None

    def standard(self, key: str) -> DiscretionSpec | None:
        return next((d for d in self.discretion if d.key == key), None)

    #: the implementing department's unified social credit code; empty: unknown (stated when
    #: made or read: the module's docstring)
    department_code: str = ""

    def __post_init__(self) -> None:
        if not self.department_code:
            derived = code_in_implementation_code(self.code)
            if derived:
                object.__setattr__(self, "department_code", derived)

    def department_of(self, step: StepSpec, branch: BranchSpec | None = None
                      ) -> tuple[str, str]:
        """(code, name) of the department that handles ``step`` (or its ``branch``)."""
        if branch is not None:
            return branch.department_code, branch.department
        if step.own_department:
            return self.department_code, self.department
        return step.department_code, step.department

    def department_of_key(self, key: str) -> tuple[str, str] | None:
        """(code, name) of the department of a step instance's key (``review`` or
        ``review/fire``); None when the flow has no such step or branch."""
        step_key, _, branch_key = key.partition("/")
        try:
            step = self.step(step_key)
        except KeyError:
            return None
        if not branch_key:
            return self.department_of(step)
        branch = next((b for b in step.branches if b.key == branch_key), None)
        return None if branch is None else self.department_of(step, branch)

    @property
    def acceptance(self) -> StepSpec | None:
        first = self.steps[0] if self.steps else None
        return first if first is not None and first.kind is StepKind.ACCEPTANCE else None

    @property
    def stages(self) -> tuple[StepSpec, ...]:
        """The steps after acceptance (or opening), in order: each one a stage."""
        return self.steps[1:] if self.entry is not None else self.steps

    def step(self, key: str) -> StepSpec:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def stage_of(self, key: str) -> int:
        for index, step in enumerate(self.stages):
            if step.key == key:
                return index
        raise KeyError(key)

    def validate(self) -> ItemSnapshot:
        """A flow a case can run on; InvalidArgument names what is wrong."""
        problems: list[str] = []
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            problems.append("step keys repeat")
        opened = self.opened
        decision = next((i for i, s in enumerate(self.steps) if s.kind is StepKind.DECISION),
                        None)
        for index, step in enumerate(self.steps):
            if step.kind in ENTRY and index != 0:
                problems.append(f"{step.key}: the {step.kind.value} step comes first")
            if step.kind is StepKind.DECISION and index != len(self.steps) - 1 and not opened:
                problems.append(f"{step.key}: the decision step comes last")
            if opened and decision is not None and index > decision and (
                    step.kind not in AFTER_DECISION):
                problems.append(f"{step.key}: after the decision only service, execution "
                                "and closing")
            earlier = set(keys[:index]) - ({self.steps[0].key} if self.entry else set())
            for target in step.returns_to:
                if target not in earlier:
                    problems.append(f"{step.key}: returns to {target}, which is not an earlier "
                                    "step after acceptance")
        decides = bool(self.steps) and (self.steps[-1].kind is StepKind.DECISION or (
            opened and decision is not None))
        if not self.modes:
            problems.append("no handling mode")
        if self.modes - {Mode.FILING} and not decides:
            problems.append("a flow that decides ends with its decision step")
        if Mode.FILING in self.modes and len(self.modes) > 1:
            problems.append("a filing (备案) is handled in no other mode")
        if problems:
            raise InvalidArgument(f"item {self.item_id} v{self.version} cannot run cases: "
                                  + "; ".join(problems), code="FLOW_INVALID")
        return self
