"""Valid national implementation codes for tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from services.shared.codes import credit_check_char
from tests.support.departments import DEVELOPMENT

_counter = itertools.count(1)


def credit_code(seed: int) -> str:
    first17 = f"11511301{seed % 10**8:08d}1"
    return first17 + credit_check_char(first17)


def implementation_code(region: str = "511602", seed: int | None = None,
                        department_code: str = DEVELOPMENT) -> str:
    """``<basic>-<region12>-000-<department's credit code>-1-00``, the basic code unique:
    the implementing body's segment names the department (区发展改革局 unless told), as a
    real department's items all do — so the item's department code is stated from it."""
    n = next(_counter) if seed is None else seed
    return f"511A{n:010d}-{region}000000-000-{department_code}-1-00"


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(seed: int, region: str = "511602") -> str:
    """A valid resident ID number (GB 11643), distinct per seed below ten million (born
    from 1990 on, the day from the seed's thousands)."""
    born = date(1990, 1, 1) + timedelta(days=(seed // 1000) % 10_000)
    first17 = f"{region}{born:%Y%m%d}{seed % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS,
                                                         strict=True)) % 11]
    return first17 + check
