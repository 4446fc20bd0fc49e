"""The packaged directory of administrative divisions (NBS 2023)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.errors import InvalidArgument, NotFound
from services.shared.region_data import (
    CITY,
    COUNTY,
    DATA_DIR,
    PROVINCE,
    Region,
    RegionDirectory,
    normalise_code,
)


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory.load()


def test_load_is_cached() -> None:
    assert RegionDirectory.load() is RegionDirectory.load()
    assert RegionDirectory.load(DATA_DIR) is RegionDirectory.load()


def test_packaged_files_and_their_source_note() -> None:
    for name in ("provinces.csv", "cities.csv", "areas.csv", "README.md"):
        assert (DATA_DIR / name).is_file(), name
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "modood/Administrative-divisions-of-China" in readme and "WTFPL" in readme


def test_sizes(regions: RegionDirectory) -> None:
    levels = [r.level for r in regions]
    assert levels.count(PROVINCE) == 31
    assert levels.count(CITY) == 342
    # 2978 county-level rows; 东莞, 中山 and 儋州 are listed as their own county-level unit
    assert levels.count(COUNTY) == 2975
    assert len(regions) == 31 + 342 + 2975


@pytest.mark.parametrize(("code", "name", "level"), [
    ("510000", "四川省", PROVINCE),
    ("51", "四川省", PROVINCE),
    ("511600", "广安市", CITY),
    ("5116", "广安市", CITY),
    ("511602", "广安区", COUNTY),
    ("511602000000", "广安区", COUNTY),
    ("110100", "市辖区", CITY),
    ("441900", "东莞市", CITY),
])
def test_lookup_pads_codes(regions: RegionDirectory, code: str, name: str, level: str) -> None:
    assert regions.exists(code) and code in regions
    assert regions.name(code) == name
    assert regions.level(code) == level


@pytest.mark.parametrize("code", ["511699", "519900", "990000", "000000", "5", "51160",
                                  "5116020", "abcdef", "", None])
def test_unknown_or_malformed_codes_do_not_exist(regions: RegionDirectory, code: object
                                                 ) -> None:
    assert not regions.exists(code)
    assert regions.get(code) is None


def test_name_of_unknown_and_malformed_codes(regions: RegionDirectory) -> None:
    with pytest.raises(NotFound, match="511699"):
        regions.name("511699")
    with pytest.raises(InvalidArgument, match="not a region code"):
        regions.name("51160")


@pytest.mark.parametrize(("given", "padded"), [
    ("51", "510000"), ("5116", "511600"), ("511602", "511602"), ("511602000000", "511602"),
    (" 5116 ", "511600"),
])
def test_normalise_code(given: str, padded: str) -> None:
    assert normalise_code(given) == padded


@pytest.mark.parametrize("given", ["5", "511", "51160", "5116020", "00", "0000", "51a6"])
def test_normalise_rejects(given: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        normalise_code(given, "area_code")
    assert caught.value.field_violations[0].field == "area_code"


def test_parents_and_full_names(regions: RegionDirectory) -> None:
    assert regions.parent("511602") == Region("511600", "广安市", CITY, "510000")
    assert regions.parent("511600").code == "510000"  # type: ignore[union-attr]
    assert regions.parent("510000") is None
    assert [r.code for r in regions.ancestors("511602")] == ["510000", "511600", "511602"]
    assert regions.full_name("511602") == "四川省广安市广安区"
    assert regions.full_name("110101") == "北京市东城区"  # 市辖区 left out


def test_children(regions: RegionDirectory) -> None:
    assert [(r.code, r.name) for r in regions.children("5116")] == [
        ("511602", "广安区"), ("511603", "前锋区"), ("511621", "岳池县"), ("511622", "武胜县"),
        ("511623", "邻水县"), ("511681", "华蓥市")]
    assert all(r.level == CITY for r in regions.children("51"))
    assert "511600" in {r.code for r in regions.children("51")}
    assert regions.children("511602") == []
    assert regions.children("441900") == []  # a city without counties is not its own child


def test_counties_of_province(regions: RegionDirectory) -> None:
    sichuan = regions.counties_of_province("51")
    codes = {r.code for r in sichuan}
    assert len(sichuan) == len(codes) == 183
    assert {"511602", "510104"} <= codes
    assert all(c.startswith("51") for c in codes)
    # the province's county-level units are exactly those of its cities
    via_cities = {r.code for city in regions.cities_of_province("510000")
                  for r in regions.counties_of_city(city.code)}
    assert via_cities == codes
    guangdong = {r.code for r in regions.counties_of_province("44")}
    assert {"441900", "442000"} <= guangdong


def test_level_specific_lookups_refuse_other_levels(regions: RegionDirectory) -> None:
    with pytest.raises(InvalidArgument, match="is a city, not a province"):
        regions.counties_of_province("5116")
    with pytest.raises(InvalidArgument, match="is a county, not a city"):
        regions.counties_of_city("511602")


@pytest.mark.parametrize(("code", "scope", "inside"), [
    ("511602", "511602", True),
    ("511602", "511600", True),
    ("511602", "51", True),
    ("511600", "511602", False),
    ("510000", "511602", False),
    ("511603", "511602", False),
    ("500101", "51", False),
    ("511699", "51", False),  # unknown
])
def test_within(regions: RegionDirectory, code: str, scope: str, inside: bool) -> None:
    assert regions.within(code, scope) is inside


def test_find_by_name(regions: RegionDirectory) -> None:
    assert [r.code for r in regions.find("广安区")] == ["511602"]
    assert len(regions.find("朝阳区")) == 2  # Beijing and Changchun
    assert len(regions.find("市辖区")) > 1


def test_small_directory_from_rows() -> None:
    small = RegionDirectory([("51", "四川省")], [("5116", "广安市", "51")],
                            [("511602", "广安区", "5116", "51")])
    assert len(small) == 3
    assert small.within("511602", "510000")
    with pytest.raises(ValueError, match="parent 519900 unknown"):
        RegionDirectory([("51", "四川省")], [], [("519901", "某县", "5199", "51")])
    with pytest.raises(ValueError, match="listed twice"):
        RegionDirectory([("51", "四川省"), ("51", "四川")], [], [])


def test_load_from_another_folder(tmp_path: Path) -> None:
    (tmp_path / "provinces.csv").write_text('code,name\n51,"四川省"\n', encoding="utf-8")
    (tmp_path / "cities.csv").write_text('code,name,provinceCode\n5116,"广安市",51\n',
                                         encoding="utf-8-sig")
    (tmp_path / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n511602,"广安区",5116,51\n', encoding="utf-8")
    small = RegionDirectory.load(tmp_path)
    assert len(small) == 3 and small.name("5116") == "广安市"
    with pytest.raises(FileNotFoundError, match="region data missing"):
        RegionDirectory.load(tmp_path / "nowhere")
