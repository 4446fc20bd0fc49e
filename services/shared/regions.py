"""Region codes (行政区划代码, GB/T 2260): levels and which government covers which.

A 6-digit code names a province (``510000``), a city (``511600``) or a county (``511602``).
A government's scope covers its own code and every code below it.
"""

from __future__ import annotations

import re

from services.shared.errors import InvalidArgument

#: six ASCII digits (``\d`` would also take full-width and other Unicode digits)
_CODE = re.compile(r"^[0-9]{6}\Z")

PROVINCE, CITY, COUNTY = "province", "city", "county"


def is_region_code(code: object) -> bool:
    """Six ASCII digits, not starting with 00 (the form; whether it exists is another matter:
    see ``services.shared.territory``)."""
    return isinstance(code, str) and bool(_CODE.match(code)) and code[:2] != "00"


def validate_region(code: str, field: str = "region") -> str:
    if not is_region_code(code):
        raise InvalidArgument.of_field(
            field, f"{shown(code)} is not a 6-digit region code (e.g. 510000, 511602)",
            code="INVALID_REGION")
    return code


def shown(value: object, limit: int = 40) -> str:
    """A value as an error message quotes it: repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def level(code: str) -> str:
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return CITY
    return COUNTY


def parent(code: str) -> str | None:
    """The government one level up: county → city, city → province, province → None."""
    lvl = level(code)
    if lvl == COUNTY:
        return code[:4] + "00"
    if lvl == CITY:
        return code[:2] + "0000"
    return None


def scope_prefix(scope: str) -> str:
    """The leading digits every region under ``scope`` shares: 51, 5116 or 511602."""
    lvl = level(scope)
    return scope[:2] if lvl == PROVINCE else scope[:4] if lvl == CITY else scope


def covers(scope: str, region: str) -> bool:
    """True when a government with ``scope`` has authority over ``region`` (both must be
    region codes: an empty or malformed scope covers nothing)."""
    return is_region_code(scope) and is_region_code(region) and region.startswith(
        scope_prefix(scope))
