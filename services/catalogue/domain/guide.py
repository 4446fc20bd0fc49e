"""What an item's public guide (办事指南) states, and what it does not.

A catalogue file usually names an item and little else: the Sichuan export has no materials,
fees, conditions, limits or flow. The importer fills in what a case needs to run — a default
flow (受理 → 审查 → 决定) and default limits — and flags the version for the department to
confirm. Neither the defaults nor the empty lists are the department's word: a citizen must
read "尚未公布" (not yet listed) and "未经部门确认", never "无需提交材料" or "不收费".

:func:`unconfirmed_parts` says which parts of a version are so, from the import's flags (a
version the department drafts itself carries none of them, so its empty lists are its own
declaration: no materials, no fees).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from services.catalogue.domain.items import ItemContent

#: Flags of an imported version whose flow (and limits) are the importer's defaults.
DEFAULT_FLOW_FLAG = "flow and limits are import defaults: the department must confirm them"
DEFAULT_STEPS_FLAG = "the flow is an import default: the department must confirm it"


class GuidePart(StrEnum):
    """A part of the public guide (``GuidePart`` in the contract)."""

    MATERIALS = "materials"  # 申请材料
    FEES = "fees"  # 收费标准
    ACCEPTANCE_CONDITIONS = "acceptance_conditions"  # 受理条件
    FLOW = "flow"  # 办理流程
    LIMITS = "limits"  # 法定时限, 承诺时限


def unconfirmed_parts(content: ItemContent, flags: Iterable[str]) -> tuple[GuidePart, ...]:
    """The parts of a version's guide that are not the department's own statement: the flow
    (and, with it, the limits) the importer defaulted, and — in a version that came from such
    an import — the materials, fees and conditions it left empty because the file had none."""
    flags = set(flags)
    defaulted_limits = DEFAULT_FLOW_FLAG in flags
    imported = defaulted_limits or DEFAULT_STEPS_FLAG in flags
    if not imported:
        return ()
    parts: list[GuidePart] = []
    if not content.materials:
        parts.append(GuidePart.MATERIALS)
    if not content.fees:
        parts.append(GuidePart.FEES)
    if not content.acceptance_conditions:
        parts.append(GuidePart.ACCEPTANCE_CONDITIONS)
    parts.append(GuidePart.FLOW)
    if defaulted_limits:
        parts.append(GuidePart.LIMITS)
    return tuple(parts)
