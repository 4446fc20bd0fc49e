"""The directory of real administrative divisions (行政区划), read from packaged CSV files.

``services/shared/data/regions/`` holds the National Bureau of Statistics 2023 division codes
(provinces 2 digits, cities 4, county-level units 6; see the README there). Every code is
padded to the 6-digit region code: Sichuan ``51`` → ``510000``, Guang'an city ``5116`` →
``511600``, Guang'an district ``511602``. A 12-digit code (as embedded in an implementation
code, ``511602000000``) is read as its first 6 digits.

The data lists county-level units only under cities; provinces reach their counties through
their cities. Three cities have no counties and are listed as their own county-level unit
(东莞 441900, 中山 442000, 儋州 460400): such a code is one region of level ``city``, and it is
counted among the county-level units of its province.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.shared.errors import InvalidArgument, NotFound

PROVINCE, CITY, COUNTY = "province", "city", "county"
DATA_DIR = Path(__file__).resolve().parent / "data" / "regions"

#: names of pseudo-cities that group county-level units; left out of full names
_GROUPING_NAMES = ("市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划")


@dataclass(frozen=True)
class Region:
    code: str  # 6 digits
    name: str
    level: str  # province / city / county
    parent: str | None  # 6-digit code of the region one level up


def normalise_code(code: object, field: str = "region") -> str:
    """Pad a 2-, 4- or 6-digit code to 6 digits; take the first 6 of a 12-digit code.

    Raises InvalidArgument for anything else.
    """
    text = "" if code is None else str(code).strip()
    if text.isascii() and text.isdigit() and len(text) in (2, 4, 6, 12):
        padded = text[:6].ljust(6, "0")
        if padded[:2] != "00":
            return padded
    raise InvalidArgument.of_field(
        field, f"{code!r} is not a region code: expected 2 (province), 4 (city), 6 or 12 "
        "digits, e.g. 51, 5116, 511602 or 511602000000", code="INVALID_REGION")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


class RegionDirectory:
    """Every known province, city and county-level unit, by 6-digit code."""

    def __init__(self, provinces: Iterable[tuple[str, str]],
                 cities: Iterable[tuple[str, str, str]],
                 areas: Iterable[tuple[str, str, str, str]]) -> None:
        """Build from raw rows: provinces ``(code2, name)``, cities ``(code4, name, province2)``,
        areas ``(code6, name, city4, province2)``."""
        self._by_code: dict[str, Region] = {}
        self._children: dict[str, list[Region]] = {}
        self._counties_by_province: dict[str, list[Region]] = {}
        for code, name in provinces:
            self._add(Region(normalise_code(code), name, PROVINCE, None))
        for code, name, province in cities:
            self._add(Region(normalise_code(code), name, CITY, normalise_code(province)))
        for code, name, city, province in areas:
            code6, city6, prov6 = normalise_code(code), normalise_code(city), normalise_code(
                province)
            if code6 == city6:
                # a city without counties listed as its own county-level unit (东莞, 中山 …)
                self._counties_by_province.setdefault(prov6, []).append(self._by_code[code6])
                continue
            region = Region(code6, name, COUNTY, city6)
            self._add(region)
            self._counties_by_province.setdefault(prov6, []).append(region)

    def _add(self, region: Region) -> None:
        if region.code in self._by_code:
            raise ValueError(f"region {region.code} listed twice")
        if region.parent is not None and region.parent not in self._by_code:
            raise ValueError(f"region {region.code} {region.name}: parent {region.parent} unknown")
        self._by_code[region.code] = region
        if region.parent is not None:
            self._children.setdefault(region.parent, []).append(region)

    @classmethod
    def load(cls, directory: Path | str | None = None) -> RegionDirectory:
        """The directory from the packaged CSV files (or another folder of the same shape);
        read once per folder and cached."""
        return _load(str(Path(directory).resolve()) if directory is not None else str(DATA_DIR))

    # --- lookups ---------------------------------------------------------------------------

    def get(self, code: object) -> Region | None:
        try:
            return self._by_code.get(normalise_code(code))
        except InvalidArgument:
            return None

    def region(self, code: object) -> Region:
        """The region, or NotFound; InvalidArgument when ``code`` is not a region code."""
        found = self._by_code.get(normalise_code(code))
        if found is None:
            raise NotFound(f"region {normalise_code(code)} is not in the 2023 division codes",
                           code="UNKNOWN_REGION", metadata={"region": normalise_code(code)})
        return found

    def exists(self, code: object) -> bool:
        return self.get(code) is not None

    def name(self, code: object) -> str:
        return self.region(code).name

    def level(self, code: object) -> str:
        return self.region(code).level

    def parent(self, code: object) -> Region | None:
        parent = self.region(code).parent
        return self._by_code[parent] if parent else None

    def ancestors(self, code: object) -> list[Region]:
        """From the province down to the region itself."""
        chain = [self.region(code)]
        while chain[-1].parent is not None:
            chain.append(self._by_code[chain[-1].parent])
        return chain[::-1]

    def full_name(self, code: object) -> str:
        """``四川省广安市广安区``; grouping names such as 市辖区 are left out."""
        return "".join(r.name for r in self.ancestors(code) if r.name not in _GROUPING_NAMES)

    def children(self, code: object) -> list[Region]:
        """Regions one level down, in code order (province → cities, city → counties)."""
        return list(self._children.get(self.region(code).code, ()))

    def cities_of_province(self, code: object) -> list[Region]:
        province = self._of_level(code, PROVINCE)
        return self.children(province.code)

    def counties_of_city(self, code: object) -> list[Region]:
        city = self._of_level(code, CITY)
        return self.children(city.code)

    def counties_of_province(self, code: object) -> list[Region]:
        """Every county-level unit of a province, including cities that are county-level
        units themselves (东莞 441900)."""
        province = self._of_level(code, PROVINCE)
        return list(self._counties_by_province.get(province.code, ()))

    def within(self, code: object, scope: object) -> bool:
        """True when ``code`` is ``scope`` itself or lies below it; both must exist."""
        region, outer = self.get(code), self.get(scope)
        if region is None or outer is None:
            return False
        current: Region | None = region
        while current is not None:
            if current.code == outer.code:
                return True
            current = self._by_code.get(current.parent) if current.parent else None
        return False

    def find(self, name: str) -> list[Region]:
        """Regions with exactly this name (names repeat: several 市辖区, 朝阳区 …)."""
        return [r for r in self._by_code.values() if r.name == name.strip()]

    def _of_level(self, code: object, level: str) -> Region:
        region = self.region(code)
        if region.level != level:
            raise InvalidArgument.of_field(
                "region", f"{region.code} {region.name} is a {region.level}, not a {level}",
                code="INVALID_REGION")
        return region

    def __contains__(self, code: object) -> bool:
        return self.exists(code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


@lru_cache(maxsize=4)
def _load(directory: str) -> RegionDirectory:
    folder = Path(directory)
    try:
        provinces = _read(folder / "provinces.csv")
        cities = _read(folder / "cities.csv")
        areas = _read(folder / "areas.csv")
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"region data missing in {folder}: {exc.filename}") from exc
    return RegionDirectory(
        ((r["code"], r["name"]) for r in provinces),
        ((r["code"], r["name"], r["provinceCode"]) for r in cities),
        ((r["code"], r["name"], r["cityCode"], r["provinceCode"]) for r in areas),
    )
