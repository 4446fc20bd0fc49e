"""The hand-overs of 上报件 as the API lists them (``ListHandovers``): a row of
``case_handovers`` (``services.cases.handover`` keeps and delivers them) into its message.

A row's direction is its kind — ``hand_up``: the reported case to the node above;
``return``: the decision back to the node below. Its state: delivered once the other node
answered; failing while undelivered after a failed attempt (``last_error``); else pending.
"""

from __future__ import annotations

from typing import Any

from sunlight.cases.v1 import cases_pb2 as pb

#: the listing's state filter → ``repository.HANDOVER_STATES``'s name
STATE_NAMES = {pb.HANDOVER_STATE_PENDING: "pending", pb.HANDOVER_STATE_FAILING: "failing",
               pb.HANDOVER_STATE_DELIVERED: "delivered"}
#: the listing's direction filter → the rows' kind
KIND_OF_DIRECTION = {pb.HANDOVER_DIRECTION_UP: "hand_up",
                     pb.HANDOVER_DIRECTION_DOWN: "return"}
DIRECTION_OF_KIND = {kind: direction for direction, kind in KIND_OF_DIRECTION.items()}


def state_of(row: Any) -> int:
    if row.delivered_at is not None:
        return pb.HANDOVER_STATE_DELIVERED
    return pb.HANDOVER_STATE_FAILING if row.last_error is not None else (
        pb.HANDOVER_STATE_PENDING)


def to_pb(row: Any) -> pb.Handover:
    """One row of ``case_handovers`` as the API gives it (its request stays inside)."""
    message = pb.Handover(
        id=row.id, case_number=row.case_number, region=row.region,
        direction=DIRECTION_OF_KIND.get(row.kind, pb.HANDOVER_DIRECTION_UNSPECIFIED),
        peer=row.peer, state=state_of(row), attempts=row.attempts,
        last_error=row.last_error or "", answer_json=row.answer or "")
    message.created_at.FromDatetime(row.created_at)
    if row.delivered_at is not None:
        message.delivered_at.FromDatetime(row.delivered_at)
    else:
        message.next_attempt_at.FromDatetime(row.next_attempt_at)
    return message
