"""Check characters (GB 32100, GB 11714, GB 11643) and the implementation code (实施编码)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from services.shared.codes import (
    CREDIT_ALPHABET,
    DEFAULT_RULES,
    CodeRules,
    check_credit_code,
    check_organisation_code,
    check_resident_id,
    credit_check_char,
    organisation_check_char,
    organisation_code_of,
    parse_implementation_code,
    resident_id_check_char,
)
from services.shared.errors import InvalidArgument
from tests.support.data import GUANG_AN

CATALOGUE = GUANG_AN

# real credit codes of Guang'an district bodies (from the catalogue) and a textbook example
VALID_CREDIT = [
    "115113016823646795",
    "11511301MB1549994W",
    "1151130100877801XA",
    "12511300452258950C",
    "91350100M000100Y43",
]


# --- GB 32100 --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_CREDIT)
def test_valid_credit_codes_pass_and_are_normalized(code: str) -> None:
    result = check_credit_code(f"  {code} ")
    assert result.ok and bool(result)
    assert result.normalized == code
    assert result.errors == () and result.warnings == ()
    assert result.raise_for_errors() == code


def test_credit_check_worked_by_hand() -> None:
    # 115113016823646795: 1*1+1*3+5*9+1*27+1*19+3*26+0*16+1*17+6*20+8*29+2*25+3*13+6*8
    # +4*24+6*10+7*30+9*28 = 1297; 1297 mod 31 = 26; 31 - 26 = 5 → '5'
    digits = [CREDIT_ALPHABET.index(c) for c in "11511301682364679"]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(d * w for d, w in zip(digits, weights, strict=True))
    assert total == 1297
    assert CREDIT_ALPHABET[(31 - total % 31) % 31] == "5"
    assert credit_check_char("11511301682364679") == "5"


def test_wrong_credit_check_character_names_position_and_expected() -> None:
    result = check_credit_code("11511301452259996X")
    assert not result.ok
    assert result.normalized is None
    assert (result.position, result.expected) == (18, "U")
    assert "position 18" in result.errors[0] and "expected 'U'" in result.errors[0]
    with pytest.raises(InvalidArgument) as caught:
        result.raise_for_errors("body_code")
    assert caught.value.code == "INVALID_CODE"
    assert caught.value.field_violations[0].field == "body_code"
    assert "expected 'U'" in str(caught.value)


@pytest.mark.parametrize("position", range(1, 18))
def test_every_single_substitution_in_a_credit_code_is_caught(position: int) -> None:
    # 31 is prime and no weight is a multiple of it: any one changed character is detected
    code = "11511301MB1549994W"
    for replacement in CREDIT_ALPHABET:
        if replacement == code[position - 1]:
            continue
        changed = code[: position - 1] + replacement + code[position:]
        result = check_credit_code(changed)
        assert not result.ok, changed
        assert result.position == 18 and result.expected != "W"


@pytest.mark.parametrize(("code", "bad", "position"), [
    ("1151130168236467I5", "I", 17),
    ("O15113016823646795", "O", 1),
    ("11511301682364S795", "S", 15),
    ("115113016823646V95", "V", 16),
    ("1151130168Z3646795", "Z", 11),
    ("11511301-823646795", "-", 9),
])
def test_invalid_credit_character_is_named_with_its_position(code: str, bad: str,
                                                            position: int) -> None:
    result = check_credit_code(code)
    assert not result.ok
    assert result.position == position
    assert f"character {bad!r} at position {position}" in result.errors[0]


@pytest.mark.parametrize(("code", "words"), [
    ("", "empty"),
    ("1151130108778239R", "17 characters; expected 18"),
    ("115113010087782390RR", "20 characters"),
    ("083372204", "old 9-character organisation code"),
    ("08337220-4", "old 9-character organisation code"),
])
def test_credit_code_of_wrong_length(code: str, words: str) -> None:
    result = check_credit_code(code)
    assert not result.ok
    assert words in result.errors[0]


def test_lower_case_credit_code_is_usable_with_a_warning() -> None:
    result = check_credit_code("11511301452259996u")
    assert result.ok
    assert result.normalized == "11511301452259996U"
    assert result.warnings and "lower-case" in result.warnings[0]


def test_credit_code_embeds_the_organisation_code() -> None:
    assert organisation_code_of("115113010833722043") == "083372204"
    assert check_organisation_code(organisation_code_of("115113010833722043")).ok


# --- GB 11714 --------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "normalized"), [
    ("08337220-4", "083372204"),
    ("083372204", "083372204"),
    ("00877836X", "00877836X"),  # check value 10 → X
    ("76726532-x", "76726532X"),
    ("100000040", "100000040"),  # check value 11 → 0
    ("MB1549994", "MB1549994"),  # letters in the body
])
def test_valid_organisation_codes(code: str, normalized: str) -> None:
    result = check_organisation_code(code)
    assert result.ok, result.errors
    assert result.normalized == normalized


def test_organisation_check_worked_by_hand() -> None:
    # 0*3 + 8*7 + 3*9 + 3*10 + 7*5 + 2*8 + 2*4 + 0*2 = 172; 172 mod 11 = 7; 11 - 7 = 4
    assert organisation_check_char("08337220") == "4"
    assert organisation_check_char("00877836") == "X"
    assert organisation_check_char("10000004") == "0"


@pytest.mark.parametrize(("code", "expected"), [
    ("08337220-5", "4"),
    ("083372200", "4"),
    ("008778360", "X"),
])
def test_wrong_organisation_check_character(code: str, expected: str) -> None:
    result = check_organisation_code(code)
    assert not result.ok
    assert (result.position, result.expected) == (9, expected)
    assert f"expected {expected!r}" in result.errors[0]


@pytest.mark.parametrize("position", range(1, 9))
def test_single_digit_substitution_in_organisation_code_is_caught(position: int) -> None:
    code = "083372204"
    for digit in "0123456789":
        if digit == code[position - 1]:
            continue
        assert not check_organisation_code(code[: position - 1] + digit + code[position:]).ok


@pytest.mark.parametrize(("code", "words"), [
    ("0833722-04", "has 10 characters"),
    ("08337220--4", "has 11 characters"),
    ("0833722", "has 7 characters"),
    ("08337*204", "character '*' at position 6"),
    ("115113010833722043", "looks like an 18-character credit code"),
])
def test_malformed_organisation_codes(code: str, words: str) -> None:
    result = check_organisation_code(code)
    assert not result.ok
    assert words in result.errors[0]


# --- GB 11643 --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["11010519491231002X", "440524188001010014",
                                  "110101199003074477", "11010519491231002x"])
def test_valid_resident_ids(code: str) -> None:
    result = check_resident_id(code)
    assert result.ok, result.errors
    assert result.normalized == code.upper()
    assert bool(result.warnings) == (code != code.upper())


def test_resident_id_check_table() -> None:
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize(("code", "words", "position"), [
    ("110105194912310021", "expected 'X'", 18),
    ("11010519491231002Y", "character 'Y' at position 18", 18),
    ("1101051949123100AX", "character 'A' at position 17", 17),
    ("110105194913310021", "birth date '19491331'", 7),  # check character right
    ("110105194913310026", "birth date '19491331'", 7),  # and wrong: both reported
    ("110105491231002", "15-digit first-generation", None),
])
def test_invalid_resident_ids(code: str, words: str, position: int | None) -> None:
    result = check_resident_id(code)
    assert not result.ok
    assert any(words in e for e in result.errors), result.errors
    assert result.position == position
    if code == "110105194913310026":
        assert len(result.errors) == 2 and "expected '1'" in result.errors[1]


@pytest.mark.parametrize("position", range(1, 18))
def test_single_digit_substitution_in_resident_id_is_caught(position: int) -> None:
    code = "440524188001010014"
    for digit in "0123456789":
        if digit != code[position - 1]:
            changed = code[: position - 1] + digit + code[position:]
            assert not check_resident_id(changed).ok, changed


# --- implementation code ---------------------------------------------------------------------


def test_parse_plain_implementation_code() -> None:
    parsed = parse_implementation_code(
        "511A0064100152-511602000000-000-115113016823646795-1-00")
    assert parsed.ok and parsed.warnings == ()
    assert parsed.basic_code == "511A0064100152"
    assert (parsed.region12, parsed.region6) == ("511602000000", "511602")
    assert parsed.middle == "000"
    assert (parsed.body_code, parsed.body_code_kind) == ("115113016823646795", "credit")
    assert parsed.trailing == ("1", "00")
    assert parsed.normalized == "511A0064100152-511602000000-000-115113016823646795-1-00"


def test_basic_code_may_contain_hyphens() -> None:
    parsed = parse_implementation_code("G-000007-001-511602000000-000-115113010833722043-1-00")
    assert parsed.ok
    assert parsed.basic_code == "G-000007-001"
    assert parsed.region6 == "511602"
    assert parsed.body_code == "115113010833722043"


@pytest.mark.parametrize("code", [
    "512C0107400001-511602000000-000-00877868-5-1-00",
    "512C0107400001-511602000000-000-008778685-1-00",
])
def test_organisation_body_code_with_or_without_hyphen_is_a_warning(code: str) -> None:
    parsed = parse_implementation_code(code)
    assert parsed.ok
    assert parsed.basic_code == "512C0107400001"
    assert (parsed.body_code, parsed.body_code_kind) == ("008778685", "organisation")
    assert parsed.trailing == ("1", "00")
    assert len(parsed.warnings) == 1 and "organisation code" in parsed.warnings[0]


def test_organisation_code_can_be_made_an_error() -> None:
    strict = CodeRules(organisation_code_is_warning=False)
    parsed = parse_implementation_code("512C0107400001-511602000000-000-00877868-5-1-00", strict)
    assert not parsed.ok
    assert "organisation code" in parsed.errors[0]
    only_credit = CodeRules(body_lengths=frozenset({18}))
    parsed = parse_implementation_code("512C0107400001-511602000000-000-008778685-1-00",
                                       only_credit)
    assert not parsed.ok and "expected 18" in parsed.errors[0]


def test_body_nature_two_is_accepted() -> None:
    parsed = parse_implementation_code(
        "511A0154800000-511602000000-000-12511300452259013M-2-00")
    assert parsed.ok and parsed.trailing == ("2", "00")


def test_region_mismatch_with_area_code_is_a_warning() -> None:
    code = "511A0077700002-510000000000-000-115113016823646795-1-00"
    parsed = parse_implementation_code(code, expected_region="511602000000")
    assert parsed.ok
    assert parsed.region6 == "510000"
    assert parsed.warnings == ("region part 510000000000 of the code is not the area code "
                               "511602000000",)
    assert parse_implementation_code(code, expected_region="510000").warnings == ()


@pytest.mark.parametrize(("code", "words"), [
    ("", "empty"),
    ("E-000004-001-11511301008778386B", "4 segments, at least 6 expected"),
    ("511A0014100002-511602000000-000-2222222222222-1-00", "has 13 characters"),
    ("511A0081000002-511602000000-000-1151130108778239R-1-00",
     "one character short of a credit code"),
    ("511A0081000002-511602000000-000-TE5116020105116050-1-00",
     "position 18 is '0', expected '7'"),
    ("511A0081000002-5116020000-000-115113016823646795-1-00", "region part '5116020000'"),
    ("511A0081000002-511602000000-001-115113016823646795-1-00", "expected '000'"),
    ("511A0081000002-511602000000-000-115113016823646795-4-00", "body nature"),
    ("511A0081000002-511602000000-000-115113016823646795-1-0", "handling item"),
    ("511A0081000002--511602000000-000-115113016823646795-1-00", "empty segment"),
    ("511A 0081-511602000000-000-115113016823646795-1-00", "blanks"),
    ("511A_01-511602000000-000-115113016823646795-1-00", "basic code '511A_01'"),
    ("000000000000-000-115113016823646795-1-00", "at least 6 expected"),
    ("X-000000000000-000-115113016823646795-1-00", "does not name a province"),
])
def test_unusable_implementation_codes_say_which_segment(code: str, words: str) -> None:
    parsed = parse_implementation_code(code)
    assert not parsed.ok
    assert parsed.normalized is None
    assert any(words in e for e in parsed.errors), parsed.errors
    with pytest.raises(InvalidArgument):
        parsed.raise_for_errors("item_code")


def test_several_problems_are_all_reported() -> None:
    parsed = parse_implementation_code("511A-5116020000-001-1151130108778239R-9-000")
    assert len(parsed.errors) == 5
    joined = " | ".join(parsed.errors)
    for words in ("handling item", "body nature", "expected '000'", "region part",
                  "17 characters"):
        assert words in joined


def test_lower_case_code_is_read_upper_case_with_a_warning() -> None:
    parsed = parse_implementation_code(
        "511f0045400001-511602000000-000-11511301452259996u-1-00")
    assert parsed.ok
    assert parsed.basic_code == "511F0045400001"
    assert parsed.body_code == "11511301452259996U"
    assert any("lower-case" in w for w in parsed.warnings)


def test_configurable_region_length() -> None:
    rules = CodeRules(region_length=6)
    parsed = parse_implementation_code("511A0064100152-511602-000-115113016823646795-1-00",
                                       rules)
    assert parsed.ok and parsed.region12 == "511602" and parsed.region6 == "511602"
    assert not parse_implementation_code(
        "511A0064100152-511602-000-115113016823646795-1-00").ok
    assert "6-digit region" in rules.layout
    with pytest.raises(ValueError, match="no check rule"):
        CodeRules(body_lengths=frozenset({18, 20}))


def test_default_rules_layout_is_readable() -> None:
    assert DEFAULT_RULES.layout == ("<basic code>-<12-digit region>-000-<body code: 18 "
                                    "characters or 9 characters>-<body nature 1/2/3>-"
                                    "<2-digit handling item>")


# --- the real Guang'an catalogue ------------------------------------------------------------


@pytest.fixture(scope="module")
def real_rows() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_code_of_the_real_catalogue_is_classified(real_rows: list[dict[str, str]]
                                                        ) -> None:
    kinds: Counter[str] = Counter()
    for row in real_rows:
        parsed = parse_implementation_code(row["item_code"], expected_region=row["area_code"])
        kinds["invalid" if not parsed.ok else parsed.body_code_kind or "?"] += 1
        if parsed.ok:
            assert parsed.region6 is not None and parsed.body_code is not None
            assert parsed.basic_code and parsed.trailing in {("1", "00"), ("2", "00")}
            if parsed.body_code_kind == "credit":
                # every credit code that passes has a correct check character
                assert credit_check_char(parsed.body_code[:17]) == parsed.body_code[17]
                assert len(parsed.body_code) == 18
            else:
                assert organisation_check_char(parsed.body_code[:8]) == parsed.body_code[8]
                assert any("organisation code" in w for w in parsed.warnings)
        else:
            assert parsed.errors and all(isinstance(e, str) and e for e in parsed.errors)
    assert sum(kinds.values()) == len(real_rows) == 1135
    # README: "about 150" codes without a proper credit code: 31 organisation codes plus
    # 91 credit codes one character short, 21 bodies of other lengths, 7 bad check characters
    # and 3 codes without a region (122 invalid; 31 + 122 = 153)
    assert kinds == Counter({"credit": 982, "organisation": 31, "invalid": 122})


def test_reasons_in_the_real_catalogue(real_rows: list[dict[str, str]]) -> None:
    reasons: Counter[str] = Counter()
    for row in real_rows:
        parsed = parse_implementation_code(row["item_code"], expected_region=row["area_code"])
        for e in parsed.errors:
            if "17 characters" in e:
                reasons["17 characters"] += 1
            elif "characters; expected 18" in e:
                reasons["other length"] += 1
            elif "check character" in e:
                reasons["check character"] += 1
            elif "segments" in e:
                reasons["segments"] += 1
            else:
                reasons["other"] += 1
        if any("not the area code" in w for w in parsed.warnings):
            reasons["region mismatch"] += 1
    assert reasons == Counter({"17 characters": 91, "other length": 21, "check character": 7,
                               "segments": 3, "region mismatch": 1})


def test_resident_id_address_code_and_birth_date_in_the_future() -> None:
    from datetime import date

    wrong_province = "99" + "0105194912310021"
    wrong_province = wrong_province[:17] + resident_id_check_char(wrong_province[:17])
    result = check_resident_id(wrong_province)
    assert not result.ok and result.position == 1
    assert "is not in a province of GB/T 2260" in result.errors[0]
    future = "11010520990101002"
    future += resident_id_check_char(future)
    assert "in the future" in check_resident_id(future).errors[0]
    assert check_resident_id(future, today=date(2100, 1, 1)).ok
