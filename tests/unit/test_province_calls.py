"""What make run's registry allows between two nodes: the 上报件 calls one way each."""

from __future__ import annotations

from infra.province import CALLS, DOWN_CALLS, UP_CALLS, calls_between

UP, DOWN = UP_CALLS[0], DOWN_CALLS[0]


def test_a_child_hands_up_to_its_parent_and_the_parent_answers_down() -> None:
    assert UP.endswith("/ReceiveReportedCase") and DOWN.endswith("/ReceiveReportedDecision")
    assert UP in calls_between("511602", "511600") and DOWN not in calls_between("511602",
                                                                                 "511600")
    assert DOWN in calls_between("511600", "511602") and UP not in calls_between("511600",
                                                                                 "511602")
    assert UP in calls_between("511600", "510000")
    # the province is not the district's parent: neither way
    for caller, callee in (("511602", "510000"), ("510000", "511602")):
        assert calls_between(caller, callee) == CALLS
