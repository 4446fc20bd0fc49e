"""National codes with check characters, and the national implementation code (实施编码).

Pure functions, no I/O. Every check returns a :class:`CodeCheck` that says, in words a person can
act on, what is wrong: which position (1-based), which character, what was expected. Callers that
want an exception call :meth:`CodeCheck.raise_for_errors`, which raises
:class:`~services.shared.errors.InvalidArgument` with the same words.

- GB 32100 unified social credit code (统一社会信用代码): 18 characters.
- GB 11714 organisation code (组织机构代码): 8 characters + check, ``08337220-4`` or ``083372204``;
  replaced by the credit code (its characters 9-17 are the old organisation code) but still
  found in real data.
- GB 11643 resident ID number (公民身份号码): 17 digits + check.
- The national implementation code of a catalogue item, read from the right because the basic
  code may itself contain hyphens::

      <basic code>-<12-digit region>-000-<implementing body code>-<body nature>-<handling item>
      511A0064100152-511602000000-000-115113016823646795-1-00
      G-000007-001-511602000000-000-115113010833722043-1-00

  The body nature digit is 1 in most rows and 2 in some (GB/T 39046 body nature: 1 statutory
  法定, 2 authorised 授权, 3 entrusted 受委托); the handling item (业务办理项) is ``00`` when the
  item has none. Lengths are configurable through :class:`CodeRules`, because national and
  provincial rules differ in practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.shared.errors import FieldProblem, InvalidArgument

# --- GB 32100 unified social credit code -----------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_LENGTH = 18

# --- GB 11714 organisation code ------------------------------------------------------------

ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORGANISATION_LENGTH = 9  # 8 body characters + check, without the hyphen

# --- GB 11643 resident ID number ------------------------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECKS = "10X98765432"
RESIDENT_ID_LENGTH = 18
#: GB/T 2260 provinces (and Taiwan, Hong Kong, Macao): the first two digits of the address
#: code that opens a resident ID number. County codes change over the years and a number
#: keeps the code of its day, so only the province is held against the list.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82"})

CREDIT, ORGANISATION, RESIDENT_ID = "credit", "organisation", "resident_id"

_KIND_WORDS = {
    CREDIT: "unified social credit code (统一社会信用代码, GB 32100)",
    ORGANISATION: "organisation code (组织机构代码, GB 11714)",
    RESIDENT_ID: "resident ID number (公民身份号码, GB 11643)",
}


@dataclass(frozen=True)
class CodeCheck:
    """The verdict on one code.

    ``normalized`` is the code as it should be stored (upper case, no hyphen, no surrounding
    blanks) when it has no errors, else ``None``. ``errors`` make the code unusable; ``warnings``
    are doubts about a usable code (lower-case letters, a hyphen in an organisation code).
    ``position`` (1-based) and ``expected`` describe the first wrong character when there is one.
    """

    kind: str
    given: str
    normalized: str | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    position: int | None = None
    expected: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def __bool__(self) -> bool:
        return self.ok

    def raise_for_errors(self, field_name: str = "code") -> str:
        """Return the normalized code, or raise InvalidArgument naming every problem."""
        if self.errors:
            raise InvalidArgument(
                f"{field_name}: " + "; ".join(self.errors),
                code="INVALID_CODE",
                violations=[FieldProblem(field_name, e) for e in self.errors],
                metadata={"kind": self.kind, "given": self.given},
            )
        assert self.normalized is not None
        return self.normalized


def _prepare(code: object, kind: str) -> tuple[str, str, list[str]]:
    """(given, upper-cased code, warnings) — surrounding blanks are dropped silently."""
    given = "" if code is None else str(code)
    text = given.strip()
    warnings: list[str] = []
    upper = text.upper()
    if upper != text:
        warnings.append(f"{_KIND_WORDS[kind]} {text!r} has lower-case letters; "
                        f"read as {upper!r}")
    return given, upper, warnings


def _bad_char(kind: str, code: str, ch: str, position: int, allowed: str) -> str:
    return (f"{_KIND_WORDS[kind]} {code!r}: character {ch!r} at position {position} "
            f"is not allowed; allowed: {allowed}")


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character for 17 characters of the credit alphabet."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def organisation_check_char(first8: str) -> str:
    """The GB 11714 check character for 8 characters of 0-9A-Z."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORGANISATION_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECKS[total % 11]


def check_credit_code(code: object) -> CodeCheck:
    """Check a GB 32100 unified social credit code (18 characters, check character last)."""
    given, text, warnings = _prepare(code, CREDIT)
    what = _KIND_WORDS[CREDIT]
    if not text:
        return CodeCheck(CREDIT, given, None, (f"{what} is empty",), tuple(warnings))
    if len(text) != CREDIT_LENGTH:
        hint = ""
        if len(text) == ORGANISATION_LENGTH or (len(text) == 10 and text[8] == "-"):
            hint = " (this looks like an old 9-character organisation code)"
        return CodeCheck(CREDIT, given, None,
                         (f"{what} {text!r} has {len(text)} characters; expected "
                          f"{CREDIT_LENGTH}{hint}",), tuple(warnings))
    for i, ch in enumerate(text, start=1):
        if ch not in CREDIT_ALPHABET:
            return CodeCheck(CREDIT, given, None,
                             (_bad_char(CREDIT, text, ch, i,
                                        "0-9 and ABCDEFGHJKLMNPQRTUWXY (never I, O, S, V, Z)"),),
                             tuple(warnings), position=i)
    expected = credit_check_char(text[:17])
    if text[17] != expected:
        return CodeCheck(CREDIT, given, None,
                         (f"{what} {text!r}: check character at position 18 is {text[17]!r}, "
                          f"expected {expected!r}",),
                         tuple(warnings), position=18, expected=expected)
    return CodeCheck(CREDIT, given, text, (), tuple(warnings))


def check_organisation_code(code: object) -> CodeCheck:
    """Check a GB 11714 organisation code, ``08337220-4`` or ``083372204``.

    The normalized form has no hyphen. Positions are counted in the code without the hyphen.
    """
    given, text, warnings = _prepare(code, ORGANISATION)
    what = _KIND_WORDS[ORGANISATION]
    if not text:
        return CodeCheck(ORGANISATION, given, None, (f"{what} is empty",), tuple(warnings))
    bare = text
    if len(text) == ORGANISATION_LENGTH + 1 and text[8] == "-":
        bare = text[:8] + text[9]
    if len(bare) != ORGANISATION_LENGTH or "-" in bare:
        hint = " (this looks like an 18-character credit code)" if len(bare) == 18 else ""
        return CodeCheck(ORGANISATION, given, None,
                         (f"{what} {text!r} has {len(text)} characters; expected 9 "
                          f"(8 characters + check), optionally written as XXXXXXXX-C{hint}",),
                         tuple(warnings))
    for i, ch in enumerate(bare[:8], start=1):
        if not ("0" <= ch <= "9" or "A" <= ch <= "Z"):
            return CodeCheck(ORGANISATION, given, None,
                             (_bad_char(ORGANISATION, text, ch, i, "0-9 and A-Z"),),
                             tuple(warnings), position=i)
    expected = organisation_check_char(bare[:8])
    if bare[8] != expected:
        return CodeCheck(ORGANISATION, given, None,
                         (f"{what} {text!r}: check character (position 9) is {bare[8]!r}, "
                          f"expected {expected!r}",),
                         tuple(warnings), position=9, expected=expected)
    return CodeCheck(ORGANISATION, given, bare, (), tuple(warnings))


def check_resident_id(code: object, today: date | None = None) -> CodeCheck:
    """Check a GB 11643 resident ID number: 17 digits — an address code in a real province, a
    real birth date no later than ``today`` — and the check character."""
    given, text, warnings = _prepare(code, RESIDENT_ID)
    what = _KIND_WORDS[RESIDENT_ID]
    if not text:
        return CodeCheck(RESIDENT_ID, given, None, (f"{what} is empty",), tuple(warnings))
    if len(text) != RESIDENT_ID_LENGTH:
        hint = (" (a 15-digit first-generation number has no check character; convert it to "
                "18 digits)") if len(text) == 15 else ""
        return CodeCheck(RESIDENT_ID, given, None,
                         (f"{what} {text!r} has {len(text)} characters; expected 18{hint}",),
                         tuple(warnings))
    for i, ch in enumerate(text[:17], start=1):
        if not ch.isascii() or not ch.isdigit():
            return CodeCheck(RESIDENT_ID, given, None,
                             (_bad_char(RESIDENT_ID, text, ch, i, "digits 0-9"),),
                             tuple(warnings), position=i)
    if text[17] not in RESIDENT_ID_CHECKS:
        return CodeCheck(RESIDENT_ID, given, None,
                         (_bad_char(RESIDENT_ID, text, text[17], 18, "digits 0-9 and X"),),
                         tuple(warnings), position=18)
    errors: list[str] = []
    if text[:2] not in PROVINCE_CODES:
        errors.append(f"{what} {text!r}: address code {text[:6]!r} at positions 1-6 is not in "
                      f"a province of GB/T 2260 (it starts with {text[:2]!r})")
    birth = text[6:14]
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        errors.append(f"{what} {text!r}: birth date {birth!r} at positions 7-14 is not a date")
    else:
        if born > (today or date.today()):
            errors.append(f"{what} {text!r}: birth date {born.isoformat()} at positions 7-14 "
                          "is in the future")
    expected = resident_id_check_char(text[:17])
    if text[17] != expected:
        errors.append(f"{what} {text!r}: check character at position 18 is {text[17]!r}, "
                      f"expected {expected!r}")
        if len(errors) == 1:
            return CodeCheck(RESIDENT_ID, given, None, tuple(errors), tuple(warnings),
                             position=18, expected=expected)
    if errors:  # the address code or the birth date is the first wrong part
        return CodeCheck(RESIDENT_ID, given, None, tuple(errors), tuple(warnings),
                         position=1 if text[:2] not in PROVINCE_CODES else 7)
    return CodeCheck(RESIDENT_ID, given, text, (), tuple(warnings))


def organisation_code_of(credit_code: str) -> str:
    """The organisation code embedded in a credit code (characters 9-17)."""
    return credit_code[8:17]


# --- national implementation code (实施编码) ---------------------------------------------------

BODY_NATURES = {"1": "statutory (法定)", "2": "authorised (授权)", "3": "entrusted (受委托)"}


@dataclass(frozen=True)
class CodeRules:
    """Segment rules of the implementation code; national and provincial practice differ."""

    region_length: int = 12
    #: accepted lengths of the implementing body code: 18 = credit code, 9 = organisation code
    body_lengths: frozenset[int] = frozenset({CREDIT_LENGTH, ORGANISATION_LENGTH})
    middle: str = "000"
    body_natures: frozenset[str] = frozenset(BODY_NATURES)
    handling_length: int = 2
    #: a 9-character organisation code is usable but doubtful (a warning); False makes it an error
    organisation_code_is_warning: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.body_lengths) - {CREDIT_LENGTH, ORGANISATION_LENGTH}
        if unknown:
            raise ValueError(f"body lengths {sorted(unknown)} have no check rule; "
                             f"use {CREDIT_LENGTH} and/or {ORGANISATION_LENGTH}")
        if self.region_length < 6:
            raise ValueError("region_length must be at least 6")

    @property
    def layout(self) -> str:
        return (f"<basic code>-<{self.region_length}-digit region>-{self.middle}-<body code: "
                + " or ".join(f"{n} characters" for n in sorted(self.body_lengths, reverse=True))
                + ">-<body nature " + "/".join(sorted(self.body_natures))
                + f">-<{self.handling_length}-digit handling item>")


DEFAULT_RULES = CodeRules()


@dataclass(frozen=True)
class ImplementationCode:
    """A parsed implementation code. Fields are ``None`` where the code is too broken to say.

    ``errors`` make the code unusable; ``warnings`` are doubts about a usable code.
    """

    given: str
    basic_code: str | None = None
    region12: str | None = None
    region6: str | None = None
    middle: str | None = None
    body_code: str | None = None  # normalized: upper case, no hyphen
    body_code_kind: str | None = None  # 'credit' or 'organisation'
    body_nature: str | None = None
    handling_item: str | None = None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def trailing(self) -> tuple[str, str] | None:
        """The two parts after the body code, e.g. ``("1", "00")``."""
        if self.body_nature is None or self.handling_item is None:
            return None
        return (self.body_nature, self.handling_item)

    @property
    def normalized(self) -> str | None:
        """The code rebuilt from its parts (upper case, body code without hyphen)."""
        if not self.ok:
            return None
        return "-".join([self.basic_code or "", self.region12 or "", self.middle or "",
                         self.body_code or "", self.body_nature or "", self.handling_item or ""])

    def raise_for_errors(self, field_name: str = "code") -> ImplementationCode:
        if self.errors:
            raise InvalidArgument(
                f"{field_name}: " + "; ".join(self.errors), code="INVALID_CODE",
                violations=[FieldProblem(field_name, e) for e in self.errors],
                metadata={"given": self.given})
        return self


_BODY_WORDS = {CREDIT_LENGTH: "unified social credit code",
               ORGANISATION_LENGTH: "organisation code"}
_BASIC = re.compile(r"^[0-9A-Z]+(?:-[0-9A-Z]+)*$")


def _region_of(value: str, length: int) -> str | None:
    """A region code given as 6 or ``length`` digits, padded to ``length``; None if not digits."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) in (6, length):
        return value.ljust(length, "0")
    return None


def parse_implementation_code(code: object, rules: CodeRules = DEFAULT_RULES, *,
                              expected_region: str | None = None) -> ImplementationCode:
    """Parse an implementation code from the right.

    ``expected_region`` (6 or 12 digits, e.g. the row's area code) adds a warning when the
    code's region part differs from it.
    """
    given = "" if code is None else str(code)
    text = given.strip()
    if not text:
        return ImplementationCode(given, errors=("implementation code (实施编码) is empty",))
    errors: list[str] = []
    warnings: list[str] = []
    if text != text.upper():
        warnings.append(f"implementation code has lower-case letters; read as {text.upper()!r}")
        text = text.upper()
    if any(c.isspace() for c in text):
        return ImplementationCode(given, errors=(
            f"implementation code {text!r} contains blanks; expected {rules.layout}",))
    parts = text.split("-")
    if any(p == "" for p in parts):
        return ImplementationCode(given, errors=(
            f"implementation code {text!r} has an empty segment (two hyphens in a row or a "
            f"hyphen at an end); expected {rules.layout}",))

    # From the right: handling item, body nature, body code (one part, or 'XXXXXXXX-C' for an
    # organisation code written with its hyphen), middle, region, and the rest is the basic code.
    if len(parts) < 6:
        where = _locate_region(parts, rules)
        hint = (f"; the region part {parts[where]!r} is followed by only "
                f"{len(parts) - where - 1} segment(s)") if where is not None else (
            f"; no {rules.region_length}-digit region segment followed by {rules.middle!r}")
        return ImplementationCode(given, errors=(
            f"implementation code {text!r} has {len(parts)} segments, at least 6 expected: "
            f"{rules.layout}{hint}",))

    handling, nature = parts[-1], parts[-2]
    rest = parts[:-2]
    if (len(rest) >= 5 and len(rest[-1]) == 1 and len(rest[-2]) == 8
            and ORGANISATION_LENGTH in rules.body_lengths and rest[-3] == rules.middle):
        body_raw, rest = rest[-2] + "-" + rest[-1], rest[:-2]
    else:
        body_raw, rest = rest[-1], rest[:-1]
    middle, region_raw, basic_parts = rest[-1], rest[-2], rest[:-2]
    basic = "-".join(basic_parts)

    if not (handling.isascii() and handling.isdigit() and len(handling) == rules.handling_length):
        errors.append(f"handling item (last segment) is {handling!r}; expected "
                      f"{rules.handling_length} digits such as {'0' * rules.handling_length!r}")
    if nature not in rules.body_natures:
        errors.append(f"body nature (second segment from the right) is {nature!r}; expected one "
                      "of " + ", ".join(f"{k} {BODY_NATURES.get(k, '')}".strip()
                                        for k in sorted(rules.body_natures)))
    if middle != rules.middle:
        errors.append(f"segment before the body code is {middle!r}; expected {rules.middle!r}")
    region12 = region6 = None
    if region_raw.isascii() and region_raw.isdigit() and len(region_raw) == rules.region_length:
        region12, region6 = region_raw, region_raw[:6]
        if region6[:2] == "00":
            errors.append(f"region part {region_raw!r} does not name a province (starts with 00)")
            region12 = region6 = None
    else:
        errors.append(f"region part {region_raw!r} should be {rules.region_length} digits "
                      f"(e.g. {'511602'.ljust(rules.region_length, '0')!r})")
    if not basic:
        errors.append("basic code (基本编码, the segments before the region) is missing")
    elif not _BASIC.match(basic):
        errors.append(f"basic code {basic!r} may only contain 0-9, A-Z and hyphens")

    body_code = body_kind = None
    body_check = _check_body(body_raw, rules)
    if body_check is not None:
        errors.extend(body_check.errors)
        if body_check.ok:
            body_code, body_kind = body_check.normalized, body_check.kind
            warnings.extend(body_check.warnings)
            if body_kind == ORGANISATION:
                msg = (f"implementing body code {body_raw!r} is an old 9-character organisation "
                       "code (GB 11714), not the 18-character unified social credit code")
                (warnings if rules.organisation_code_is_warning else errors).append(msg)
    else:
        errors.append(
            f"implementing body code {body_raw!r} has {len(body_raw)} characters; expected "
            + " or ".join(f"{n} ({_BODY_WORDS[n]})"
                          for n in sorted(rules.body_lengths, reverse=True))
            + (" (one character short of a credit code)" if len(body_raw) == 17 else ""))

    if expected_region is not None and region12 is not None:
        want = _region_of(expected_region, rules.region_length)
        if want is None:
            warnings.append(f"area code {expected_region!r} is not a 6- or "
                            f"{rules.region_length}-digit region code")
        elif want != region12:
            warnings.append(f"region part {region12} of the code is not the area code {want}")

    if errors:
        return ImplementationCode(given, basic or None, region12, region6, middle, body_code,
                                  body_kind, nature, handling, tuple(errors), tuple(warnings))
    return ImplementationCode(given, basic, region12, region6, middle, body_code, body_kind,
                              nature, handling, (), tuple(warnings))


def _check_body(body: str, rules: CodeRules) -> CodeCheck | None:
    """The check of the body code by its length, or None when no accepted length fits."""
    bare_len = len(body.replace("-", "")) if len(body) == 10 and body[8] == "-" else len(body)
    if bare_len == CREDIT_LENGTH and CREDIT_LENGTH in rules.body_lengths:
        return check_credit_code(body)
    if bare_len == ORGANISATION_LENGTH and ORGANISATION_LENGTH in rules.body_lengths:
        return check_organisation_code(body)
    return None


def _locate_region(parts: list[str], rules: CodeRules) -> int | None:
    for i in range(len(parts) - 2, -1, -1):
        p = parts[i]
        if (len(p) == rules.region_length and p.isdigit() and parts[i + 1] == rules.middle):
            return i
    return None
