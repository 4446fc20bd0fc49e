from datetime import UTC, datetime, timedelta

from services.monitoring.domain.records import apply_case_event

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def data(sequence: int, status: str = "CASE_STATUS_IN_PROGRESS", completed: int = 0) -> dict:
    return {"case_number": "N1", "region": "511602", "item_id": "i", "item_version": 1,
            "department": "d", "sequence": sequence, "status": status, "step_count": 2,
            "steps_completed": completed, "due_date": "2026-11-27",
            "accepted_at": "2026-11-20T02:00:00Z"}


def test_events_in_order_build_the_record() -> None:
    r = apply_case_event(None, "case.submitted", T0, data(1, "CASE_STATUS_SUBMITTED"), T0)
    assert r.status == "submitted" and r.completed_at is None
    r = apply_case_event(r, "case.accepted", T0, data(2), T0)
    r = apply_case_event(r, "case.step_completed", T0, data(3, completed=1), T0)
    assert (r.steps_completed, r.status, r.events_applied) == (1, "in_progress", 3)
    r = apply_case_event(r, "case.completed", T0, data(4, "CASE_STATUS_COMPLETED", 2), T0)
    assert (r.steps_completed, r.status, r.completed_at) == (2, "completed", T0)


def test_a_closed_case_is_closed_whatever_closed_it() -> None:
    r = apply_case_event(None, "case.rejected", T0, data(3, "CASE_STATUS_REJECTED"), T0)
    assert (r.status, r.completed_at) == ("rejected", T0)


def test_a_late_older_event_changes_nothing_but_the_count() -> None:
    r = apply_case_event(None, "case.completed", T0, data(3, "CASE_STATUS_COMPLETED", 2), T0)
    late = apply_case_event(r, "case.accepted", T0 - timedelta(1), data(1), T0)
    assert late.status == "completed" and late.last_sequence == 3
    assert late.events_applied == 2


def test_what_the_tables_cannot_hold_is_refused_before_touching_them() -> None:
    import pytest

    for bad in ({"region": "5116020"}, {"case_number": "N" * 51}, {"sequence": 2**63}):
        with pytest.raises(ValueError):
            apply_case_event(None, "case.accepted", T0, {**data(1), **bad}, T0)
