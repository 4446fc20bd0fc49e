"""What make run's registry allows between two nodes: the 上报件 calls one way each, a
delegation (下放) from a node to any node below it."""

from __future__ import annotations

from infra.province import CALLS, DOWN_CALLS, DOWNWARD_CALLS, UP_CALLS, calls_between

UP, DOWN = UP_CALLS[0], DOWN_CALLS[0]


def test_a_child_hands_up_to_its_parent_and_the_parent_answers_down() -> None:
    assert UP.endswith("/ReceiveReportedCase") and DOWN.endswith("/ReceiveReportedDecision")
    assert UP in calls_between("511602", "511600") and DOWN not in calls_between("511602",
                                                                                 "511600")
    assert DOWN in calls_between("511600", "511602") and UP not in calls_between("511600",
                                                                                 "511602")
    assert UP in calls_between("511600", "510000")
    # the province is not the district's parent: neither way; it may delegate down to it
    assert calls_between("511602", "510000") == CALLS
    assert calls_between("510000", "511602") == (*CALLS, *DOWNWARD_CALLS)
    assert set(DOWNWARD_CALLS) <= set(calls_between("511600", "511602"))
    assert not set(DOWNWARD_CALLS) & set(calls_between("511602", "511600"))
