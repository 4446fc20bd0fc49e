"""Lifecycle of an item version (事项审核发布) and of the item as a whole (动态调整).

Version: draft → submitted → legal review (法制办) *and* staffing review (编办) → published.
Either reviewer may return it with reasons; the department edits and submits again, and both
reviews start over. A published version is immutable; the one it replaces is superseded.

Item: active, or — by a reduction action (关停并转放), each with a reason — suspended (暂停),
cancelled (取消), delegated down a level (下放), transferred to market or society (转),
merged into another item (并) or frozen (冻结). Only an active item may be exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.shared.errors import FailedPrecondition, InvalidArgument


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
           decision: Decision, reason: str, round_: int, item_id: str, version: int
           ) -> VersionStatus:
    """The status after one review; both kinds approving in the same round publishes."""
    if status is not VersionStatus.SUBMITTED:
        raise FailedPrecondition(
            f"item {item_id} version {version} is {status.value}, not submitted for review",
            code="VERSION_NOT_SUBMITTED", metadata={"status": status.value})
    if decision is Decision.RETURN and not reason.strip():
        raise InvalidArgument.of_field("reason", "say why the version is returned, so the "
                                                 "department can correct it")
    this_round = [r for r in reviews if r.round == round_]
    if any(r.kind is kind for r in this_round):
        raise FailedPrecondition(
            f"the {kind.value} review of item {item_id} version {version} is already done "
            "for this submission", code="ALREADY_REVIEWED", metadata={"kind": kind.value})
    if decision is Decision.RETURN:
        return VersionStatus.RETURNED
    approved = {r.kind for r in this_round if r.decision is Decision.APPROVE} | {kind}
    return VersionStatus.PUBLISHED if approved == set(ReviewKind) else VersionStatus.SUBMITTED


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
