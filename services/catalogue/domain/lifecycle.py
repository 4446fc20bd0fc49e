"""Lifecycle of an item version (事项审核发布) and of the item as a whole (动态调整).

Version: draft → submitted → legal review (法制部门) *and* staffing review (机构编制管理机关) →
published. Either reviewer may return it with reasons; the department edits and submits again,
and both reviews start over. The two reviews are by two different people, neither of them a
drafter of the version (who created, edited or submitted it). A version reviewed outside the
platform (a list approved by a government document) is published with both reviewers and the
approving document named (:class:`OfflineReview`), under the same rule. A published version is
immutable; the one it replaces is superseded.

Item: active, or — by a reduction action (关停并转放), each with a reason — suspended (暂停),
cancelled (取消), delegated down a level (下放), transferred to market or society (转),
merged into another item (并) or frozen (冻结). Only an active item may be exercised.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from services.shared.errors import FailedPrecondition, FieldProblem, InvalidArgument


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


EDITABLE = frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED})


class ReviewKind(StrEnum):
    LEGAL = "legal"        # 法制办
    STAFFING = "staffing"  # 编办


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


@dataclass(frozen=True)
class ReviewRecord:
    kind: ReviewKind
    decision: Decision
    reviewer: str
    reason: str
    round: int


def require_editable(status: VersionStatus, item_id: str, version: int) -> None:
    if status not in EDITABLE:
        raise FailedPrecondition(
            f"item {item_id} version {version} is {status.value}: only a draft or a returned "
            "version can be changed; published versions never change — draft the next version",
            code="VERSION_NOT_EDITABLE",
            metadata={"item_id": item_id, "version": str(version), "status": status.value})


def submit(status: VersionStatus, item_id: str, version: int) -> VersionStatus:
    require_editable(status, item_id, version)
    return VersionStatus.SUBMITTED


def review(status: VersionStatus, reviews: list[ReviewRecord], kind: ReviewKind,
           decision: Decision, reason: str, round_: int, item_id: str, version: int, *,
           reviewer: str, drafters: Collection[str]) -> VersionStatus:
    """The status after one review; both kinds approving in the same round publishes."""
    if status is not VersionStatus.SUBMITTED:
        raise FailedPrecondition(
            f"item {item_id} version {version} is {status.value}, not submitted for review",
            code="VERSION_NOT_SUBMITTED", metadata={"status": status.value})
    if decision is Decision.RETURN and not reason.strip():
        raise InvalidArgument.of_field("reason", "say why the version is returned, so the "
                                                 "department can correct it")
    if reviewer in drafters:
        raise FailedPrecondition(
            f"{reviewer} drafted, edited or submitted item {item_id} version {version} and "
            "cannot review it: a review is by someone other than the drafter",
            code="REVIEWER_IS_DRAFTER", metadata={"reviewer": reviewer})
    this_round = [r for r in reviews if r.round == round_]
    if any(r.kind is kind for r in this_round):
        raise FailedPrecondition(
            f"the {kind.value} review of item {item_id} version {version} is already done "
            "for this submission", code="ALREADY_REVIEWED", metadata={"kind": kind.value})
    if any(r.reviewer == reviewer for r in this_round):
        raise FailedPrecondition(
            f"{reviewer} already did the other review of item {item_id} version {version}: "
            "the legal and the staffing review are by two different people",
            code="SAME_REVIEWER", metadata={"reviewer": reviewer})
    if decision is Decision.RETURN:
        return VersionStatus.RETURNED
    approved = {r.kind for r in this_round if r.decision is Decision.APPROVE} | {kind}
    return VersionStatus.PUBLISHED if approved == set(ReviewKind) else VersionStatus.SUBMITTED


MAX_REVIEWER_LENGTH = 128
MAX_DOCUMENT_LENGTH = 200


@dataclass(frozen=True)
class OfflineReview:
    """Reviews done outside the platform, recorded at publication: who did the legal review
    (法制部门), who the staffing review (机构编制管理机关), and the approving document (文号)."""

    legal_reviewer: str
    staffing_reviewer: str
    document: str

    def validate(self) -> OfflineReview:
        problems: list[tuple[str, str]] = []
        for name in ("legal_reviewer", "staffing_reviewer"):
            value = getattr(self, name)
            if not value.strip() or len(value) > MAX_REVIEWER_LENGTH:
                problems.append((name, f"required: who did the review (1 to "
                                       f"{MAX_REVIEWER_LENGTH} characters)"))
        if not self.document.strip() or len(self.document) > MAX_DOCUMENT_LENGTH:
            problems.append(("approving_document", "required: the document that approved the "
                             f"list, e.g. 广安府发〔2024〕12号 (at most {MAX_DOCUMENT_LENGTH} "
                             "characters)"))
        if not problems and self.legal_reviewer.strip() == self.staffing_reviewer.strip():
            problems.append(("staffing_reviewer", "the legal and the staffing review are by "
                             "two different people"))
        if problems:
            raise InvalidArgument("the publication is not valid: " + "; ".join(
                f"{f}: {d}" for f, d in problems), code="REVIEWERS_INVALID",
                violations=[FieldProblem(f, d) for f, d in problems])
        return self

    def check_against(self, drafters: Collection[str]) -> None:
        """Neither reviewer may be a drafter of the version."""
        for kind, reviewer in self.by_kind():
            if reviewer in drafters:
                raise FailedPrecondition(
                    f"{reviewer} drafted, edited or submitted this version and cannot be its "
                    f"{kind.value} reviewer", code="REVIEWER_IS_DRAFTER",
                    metadata={"reviewer": reviewer})

    def by_kind(self) -> list[tuple[ReviewKind, str]]:
        return [(ReviewKind.LEGAL, self.legal_reviewer.strip()),
                (ReviewKind.STAFFING, self.staffing_reviewer.strip())]

    def fingerprint(self) -> list[str]:
        return [self.legal_reviewer.strip(), self.staffing_reviewer.strip(),
                self.document.strip()]


class ItemState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"      # 暂停行使
    CANCELLED = "cancelled"      # 取消
    DELEGATED = "delegated"      # 下放
    TRANSFERRED = "transferred"  # 转
    MERGED = "merged"            # 并
    FROZEN = "frozen"            # 冻结


class Action(StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"
    DELEGATE = "delegate"
    TRANSFER = "transfer"
    MERGE = "merge"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"


#: action → (states it may start from, state it leads to, needs a target)
TRANSITIONS: dict[Action, tuple[frozenset[ItemState], ItemState, bool]] = {
    Action.SUSPEND: (frozenset({ItemState.ACTIVE}), ItemState.SUSPENDED, False),
    Action.RESUME: (frozenset({ItemState.SUSPENDED}), ItemState.ACTIVE, False),
    Action.CANCEL: (frozenset({ItemState.ACTIVE, ItemState.SUSPENDED, ItemState.FROZEN}),
                    ItemState.CANCELLED, False),
    Action.DELEGATE: (frozenset({ItemState.ACTIVE}), ItemState.DELEGATED, True),
    Action.TRANSFER: (frozenset({ItemState.ACTIVE, ItemState.SUSPENDED}),
                      ItemState.TRANSFERRED, True),
    Action.MERGE: (frozenset({ItemState.ACTIVE, ItemState.SUSPENDED}), ItemState.MERGED, True),
    Action.FREEZE: (frozenset({ItemState.ACTIVE}), ItemState.FROZEN, False),
    Action.UNFREEZE: (frozenset({ItemState.FROZEN}), ItemState.ACTIVE, False),
}
TARGET_MEANING = {
    Action.DELEGATE: "the region code of the government one level down that takes it over",
    Action.TRANSFER: "who takes it over (a market or social organisation)",
    Action.MERGE: "the item id it is merged into",
}


def adjust(state: ItemState, action: Action, reason: str, target: str, item_id: str
           ) -> ItemState:
    """The item's state after a reduction action; every action needs a reason."""
    sources, result, needs_target = TRANSITIONS[action]
    if not reason.strip():
        raise InvalidArgument.of_field("reason", f"say why the item is to {action.value} "
                                                 "(recorded in its public history)")
    if needs_target and not target.strip():
        raise InvalidArgument.of_field("target", TARGET_MEANING[action])
    if state not in sources:
        raise FailedPrecondition(
            f"item {item_id} is {state.value}; it cannot {action.value} (possible from: "
            + ", ".join(sorted(s.value for s in sources)) + ")",
            code="ITEM_STATE_CONFLICT", metadata={"state": state.value,
                                                  "action": action.value})
    return result
