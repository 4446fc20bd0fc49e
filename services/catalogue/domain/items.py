"""Power items (权力事项) and the lifecycle of their versions.

A version is drafted by its department, published after review, and never changed again; a
change is a new draft of the next version (已发布版本不可修改). Only a published version may be
exercised: 清单之外无职权.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from services.shared.errors import FailedPrecondition, FieldProblem, InvalidArgument
from services.shared.regions import validate_region

#: GB/T 39046 item types (事项类型).
ITEM_TYPES: dict[str, str] = {
    "00": "行政权力", "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收",
    "05": "行政给付", "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决",
    "10": "其他行政权力", "20": "公共服务",
}
MAX_LIMIT_DAYS = 365
_STEP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Step:
    """A step of the internal flow (内部流程环节) with its own limit in working days."""

    key: str
    name: str
    limit_days: int
    role: str


@dataclass(frozen=True)
class ItemContent:
    """What a department declares for one version of an item."""

    name: str
    code: str
    item_type: str
    region: str
    department: str
    statutory_limit_days: int
    promised_limit_days: int
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def validate(self) -> ItemContent:
        problems: list[FieldProblem] = []

        def bad(name: str, description: str) -> None:
            problems.append(FieldProblem(name, description))

        if not self.name.strip():
            bad("name", "required")
        elif len(self.name) > 200:
            bad("name", "at most 200 characters")
        if not self.code.strip():
            bad("code", "required: the national implementation code (实施编码)")
        if self.item_type not in ITEM_TYPES:
            bad("item_type", f"{self.item_type!r} is not a GB/T 39046 item type; one of "
                + ", ".join(f"{k} {v}" for k, v in ITEM_TYPES.items()))
        try:
            validate_region(self.region)
        except InvalidArgument as exc:
            problems.extend(exc.field_violations)
        if not self.department.strip():
            bad("department", "required: the implementing body (实施主体)")
        if not 0 <= self.statutory_limit_days <= MAX_LIMIT_DAYS:
            bad("statutory_limit_days", f"between 0 and {MAX_LIMIT_DAYS} working days")
        if not 0 <= self.promised_limit_days <= MAX_LIMIT_DAYS:
            bad("promised_limit_days", f"between 0 and {MAX_LIMIT_DAYS} working days")
        elif self.promised_limit_days > self.statutory_limit_days:
            bad("promised_limit_days", "the promised limit (承诺时限) may not exceed the "
                f"statutory limit (法定时限) of {self.statutory_limit_days} working days")
        if not self.steps:
            bad("steps", "the internal flow needs at least one step")
        keys: set[str] = set()
        for i, step in enumerate(self.steps):
            if not _STEP_KEY.match(step.key):
                bad(f"steps[{i}].key", "lower-case letters, digits, '_'; starts with a letter")
            elif step.key in keys:
                bad(f"steps[{i}].key", f"duplicate step key {step.key!r}")
            keys.add(step.key)
            if not step.name.strip():
                bad(f"steps[{i}].name", "required")
            if not step.role.strip():
                bad(f"steps[{i}].role", "required: who is responsible for the step")
            if not 0 <= step.limit_days <= MAX_LIMIT_DAYS:
                bad(f"steps[{i}].limit_days", f"between 0 and {MAX_LIMIT_DAYS}")
        total = sum(s.limit_days for s in self.steps)
        if self.steps and not problems and total > self.promised_limit_days:
            bad("steps", f"the steps take {total} working days, more than the promised "
                f"limit of {self.promised_limit_days}")
        if problems:
            raise InvalidArgument(
                "the item is not valid: " + "; ".join(f"{p.field}: {p.description}"
                                                      for p in problems),
                code="ITEM_INVALID", violations=problems)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ItemContent:
        steps = tuple(Step(**s) for s in raw.get("steps", ()))
        return cls(**{**raw, "steps": steps})


def check_publishable(status: VersionStatus, item_id: str, version: int) -> None:
    if status is VersionStatus.PUBLISHED:
        return
    if status not in (VersionStatus.DRAFT, VersionStatus.SUBMITTED):
        raise FailedPrecondition(
            f"item {item_id} version {version} is {status.value} and cannot be published",
            code="VERSION_NOT_PUBLISHABLE",
            metadata={"item_id": item_id, "version": str(version), "status": status.value})
