"""A case flow for tests: an item with acceptance, a review with a parallel branch and a
decision, the principals who handle it, and a driver that carries a case through."""

from __future__ import annotations

import uuid

from services.cases.domain.clock import Limit
from services.cases.domain.engine import Accept, CompleteStep, Decide
from services.cases.domain.flow import (
    BranchSpec,
    ItemSnapshot,
    MaterialSpec,
    Mode,
    StepKind,
    StepSpec,
)
from services.cases.domain.model import Case, Channel, Party
from services.cases.service import Application, CaseService
from services.shared.auth import Principal, permissions_of
from tests.support import departments

DEPT = "区发展改革局"
FIRE = "区消防救援大队"
#: their unified social credit codes: who may act is decided by these
DEPT_CODE = departments.DEVELOPMENT
FIRE_CODE = departments.FIRE


def item(item_id: str | None = None) -> ItemSnapshot:
    return ItemSnapshot(
        item_id=item_id or f"item-{uuid.uuid4().hex[:8]}", version=1, code="C-1",
        name="企业投资项目核准", region="511602", department=DEPT, statutory=Limit(20),
        promised=Limit(10),
        steps=(StepSpec("accept", "受理", StepKind.ACCEPTANCE, "clerk", Limit(1)),
               StepSpec("review", "审查", StepKind.REVIEW, "reviewer", Limit(3), branches=(
                   BranchSpec("fire", "消防意见", FIRE, "reviewer", Limit(2), FIRE_CODE),)),
               StepSpec("decide", "决定", StepKind.DECISION, "chief", Limit(2),
                        returns_to=("review",))),
        modes=frozenset({Mode.PROMISED, Mode.IMMEDIATE}),
        materials=(MaterialSpec("form", "申请表", originals=1),),
        procedures=frozenset({"expert_review", "extension"}), department_code=DEPT_CODE)


def staff(subject: str, role: str = "clerk", department: str | None = DEPT_CODE,
          positions: tuple[str, ...] = (), region: str = "511602") -> Principal:
    """A principal; ``department`` is the department's credit code."""
    return Principal(subject, (role,), (region,), department, subject,
                     permissions_of([role]), positions,
                     departments.NAMES.get(department or "", ""))


CLERK = staff("clerk-1")
REVIEWER = staff("reviewer-1", positions=("reviewer",))
FIRE_REVIEWER = staff("fire-1", department=FIRE_CODE, positions=("reviewer",))
CHIEF = staff("chief-1", positions=("chief",))
SUPERVISOR = staff("sup-1", "supervisor", None)
ADMIN = staff("admin-1", "admin", None, region="510000")
APPLICANT = Party("张三", "id_card", "511602199001011236")


def application(snapshot: ItemSnapshot, mode: Mode = Mode.PROMISED,
                materials: tuple[tuple[str, int, int], ...] = (("form", 1, 0),)
                ) -> Application:
    return Application(snapshot.item_id, 0, "511602", mode, Channel.COUNTER, APPLICANT,
                       materials=materials)


def key() -> str:
    return uuid.uuid4().hex


def active(case: Case, step_key: str) -> str:
    return next(i.instance_id for i in case.active if i.key == step_key)


def run_to_decision(service: CaseService, snapshot: ItemSnapshot) -> Case:
    """Submit, accept and review a case: its decision step is running."""
    case = service.submit(CLERK, application(snapshot), key())
    case = service.act(CLERK, case.number, Accept("材料齐全"), key())
    case = service.act(FIRE_REVIEWER, case.number,
                       CompleteStep(active(case, "review/fire"), "消防同意"), key())
    return service.act(REVIEWER, case.number, CompleteStep(active(case, "review"), "同意"),
                       key())


def decide(service: CaseService, case: Case) -> Case:
    return service.act(CHIEF, case.number, Decide("approve", "符合条件"), key())
