"""The model's ``replace``: the same objects as ``dataclasses.replace``, faster where a class's
``__init__`` only assigns its fields, and ``dataclasses.replace`` itself for any other."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
import pytest

from services.cases.domain.clock import Limit
from services.cases.domain.flow import Mode
from services.cases.domain.frozen import replace
from services.cases.domain.model import Case, CaseStatus, Channel, StepInstance
from tests.support.cases import APPLICANT, item

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Plain:
    n: int
    label: str = "plain"


def a_case() -> Case:
    return Case(number="51160220261130000001", region="511602", item=item(),
                mode=Mode.PROMISED, applicant=APPLICANT, channel=Channel.COUNTER,
                submitted_at=AT, submitted_by="clerk-1")


def test_the_same_object_as_dataclasses_replace():
    case = a_case()
    changes = {"status": CaseStatus.IN_PROGRESS, "sequence": 7, "accepted_at": AT}
    fast, slow = replace(case, **changes), dataclasses.replace(case, **changes)
    assert fast == slow and hash(fast) == hash(slow)
    assert vars(fast) == vars(slow) and list(vars(fast)) == list(vars(slow))  # field order
    assert type(fast) is Case and fast is not case
    assert case.sequence != 7  # the original unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.sequence = 8  # type: ignore[misc]


def test_a_derived_value_is_not_carried_over():
    instance = StepInstance("s1", "review", "审查", 0, "", "区发展改革局", "511602", "clerk",
                            Limit(3), AT)
    vars(instance)["_scratch"] = "not a field"  # anything kept beside the fields
    assert "_scratch" not in vars(replace(instance, assignee="clerk-1"))


def test_a_field_left_at_its_class_default_is_copied():
    decoded = msgspec.convert({"n": 1}, Plain)  # msgspec leaves defaults to the class
    assert "label" not in vars(decoded)
    assert replace(decoded, n=2) == Plain(2, "plain")


def test_validation_in_post_init_still_runs():
    with pytest.raises(ValueError, match="negative"):
        replace(Limit(3), days=-1)


def test_an_unknown_field_is_refused_as_dataclasses_refuses_it():
    with pytest.raises(TypeError):
        replace(a_case(), no_such_field=1)


def test_fields_outside_init_go_to_dataclasses_replace():
    @dataclass(frozen=True)
    class Counted:
        n: int
        double: int = field(init=False, default=0)

    with pytest.raises(ValueError):
        replace(Counted(1), double=4)
    assert replace(Counted(1), n=2) == Counted(2)
