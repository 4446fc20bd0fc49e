from datetime import UTC, datetime

import pytest

from services.cases.domain.cases import (
    Applicant,
    CaseStatus,
    FlowStep,
    ItemSnapshot,
    StepStatus,
    case_number,
    complete_step,
    open_case,
)
from services.shared.errors import Conflict, FailedPrecondition, InvalidArgument
from services.shared.working_days import WorkingCalendar

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Shanghai
ITEM = ItemSnapshot(item_id="i1", version=3, code="C", name="备案", region="511602",
                    department="区发展改革局", statutory_limit_days=20, promised_limit_days=5,
                    steps=(FlowStep("accept", "受理", "clerk", 1),
                           FlowStep("decide", "决定", "chief", 2)))
APPLICANT = Applicant("张三", "id_card", "511602199001011236")


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.official()


def test_opening_pins_the_version_and_activates_the_first_step(calendar) -> None:
    case, transition = open_case("N1", ITEM, APPLICANT, "511602", NOW, calendar, "clerk1")
    assert case.item.version == 3 and case.sequence == 1
    assert case.steps[0].status is StepStatus.ACTIVE
    assert case.steps[1].status is StepStatus.PENDING
    assert case.steps[0].due_date == "2026-11-23"  # next working day after Friday
    assert case.due_date == "2026-11-27"           # 5 working days
    assert transition.event_type == "case.accepted"


def test_steps_run_in_order_to_completion(calendar) -> None:
    case, _ = open_case("N1", ITEM, APPLICANT, "511602", NOW, calendar, "c")
    first = complete_step(case, 0, "clerk1", "材料齐全", NOW, calendar)
    assert first.event_type == "case.step_completed"
    assert first.next_step is case.steps[1] and case.current_step == 1
    last = complete_step(case, 1, "chief1", "准予", NOW, calendar)
    assert last.event_type == "case.completed"
    assert case.status is CaseStatus.COMPLETED and case.current_step == -1
    assert case.sequence == 3
    with pytest.raises(FailedPrecondition, match="already completed"):
        complete_step(case, 1, "chief1", "", NOW, calendar)


def test_a_step_out_of_turn_is_a_conflict(calendar) -> None:
    case, _ = open_case("N1", ITEM, APPLICANT, "511602", NOW, calendar, "c")
    with pytest.raises(Conflict) as info:
        complete_step(case, 1, "x", "", NOW, calendar)
    assert info.value.metadata["active_step"] == "0"
    assert case.sequence == 1 and case.steps[0].status is StepStatus.ACTIVE


def test_a_case_belongs_to_the_region_of_the_item(calendar) -> None:
    with pytest.raises(FailedPrecondition) as info:
        open_case("N1", ITEM, APPLICANT, "511600", NOW, calendar, "c")
    assert info.value.code == "REGION_MISMATCH"


def test_applicant_is_checked(calendar) -> None:
    with pytest.raises(InvalidArgument, match="id_type"):
        open_case("N1", ITEM, Applicant("张三", "passport", "1"), "511602", NOW, calendar, "c")


def test_case_numbers_are_routable() -> None:
    number = case_number("511602", "20261122", 42)
    assert number == "51160220261122000042" and number[:6] == "511602"


@pytest.mark.parametrize(("applicant", "words"), [
    (Applicant("张三", "id_card", "511602199001011234"),
     "check character at position 18 is '4', expected '6'"),
    (Applicant("张三", "id_card", "001602199001011236"), "not in a province"),
    (Applicant("张三", "id_card", "511602209901011236"), "in the future"),
    (Applicant("张三", "id_card", "51160219900101123"), "has 17 characters; expected 18"),
    (Applicant("某公司", "credit_code", "91511602MA62X7Y1X0"), "check character"),
])
def test_an_identity_number_that_fails_its_national_check_is_refused(calendar, applicant,
                                                                       words) -> None:
    with pytest.raises(InvalidArgument) as caught:
        open_case("N1", ITEM, applicant, "511602", NOW, calendar, "clerk1")
    assert caught.value.code == "INVALID_CODE"
    assert caught.value.field_violations[0].field == "applicant.id_number"
    assert words in caught.value.message


def test_identity_numbers_are_stored_upper_case(calendar) -> None:
    case, _ = open_case("N1", ITEM, Applicant("张三", "id_card", "11010519491231002x"),
                        "511602", NOW, calendar, "clerk1")
    assert case.applicant.id_number == "11010519491231002X"
    company, _ = open_case("N2", ITEM, Applicant("某公司", "credit_code", "91350100M000100Y43"),
                           "511602", NOW, calendar, "clerk1")
    assert company.applicant.id_number == "91350100M000100Y43"
