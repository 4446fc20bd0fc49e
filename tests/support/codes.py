"""Valid national implementation codes for tests."""

from __future__ import annotations

import itertools

from services.shared.codes import credit_check_char

_counter = itertools.count(1)


def credit_code(seed: int) -> str:
    first17 = f"11511301{seed % 10**8:08d}1"
    return first17 + credit_check_char(first17)


def implementation_code(region: str = "511602", seed: int | None = None) -> str:
    """``<basic>-<region12>-000-<credit code>-1-00`` with a correct check character."""
    n = next(_counter) if seed is None else seed
    return f"511A{n:010d}-{region}000000-000-{credit_code(n)}-1-00"
