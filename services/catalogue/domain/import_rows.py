"""Judging catalogue import rows (权力事项导入): every row accepted, flagged or rejected, none lost.

Pure: the rows come in as dicts or :class:`SourceRow` (the caller reads the file: the CLI's
``cli/tabular.py`` reads CSV and XLSX) and go out as one :class:`RowOutcome` per row; nothing
is read or stored here.

The policy is to keep every row that can be an item at all, and to say what is doubtful:

- **rejected** (unusable as an item, with every reason): no name (or one too long to store), no
  department, an unknown item type, no implementation code at all, no usable region (neither
  the area code nor the code's region part is a known region) or a region outside the
  importing region.
- **flagged** (kept as an item, with every reason): anything wrong inside the implementation
  code — a body code of the wrong length, a wrong check character (the reason names the
  position and the expected character), an old 9-character organisation code, too few or
  malformed segments, lower-case letters —, a code whose region part is not the row's area
  code, an unreadable area code when the code's own region is usable, a limit column that is
  not a number of days, and a code already seen earlier in the same rows (the reason names the
  earlier line; :attr:`RowOutcome.duplicate_of` holds it, so the importer keeps the row
  without making a second item), and a name, department, group or legal basis that begins
  with a character a spreadsheet reads as a formula (``=``, ``+``, ``-``, ``@``: CSV
  injection) — written plainly, or behind the leading quote our own exports put before
  such a text (``services.shared.spreadsheet``): the quote is dropped, the text kept as
  it was meant; and a department code (``dept_code``) that cannot name the department (see
  below).
- **accepted**: everything else.

**The department's code** (``department_code`` of the item, its identity: ``services.shared
.departments``): the ``dept_code`` cell when it is a valid unified social credit code (a
different credit code in the implementation code flags the row); a 9-character organisation
code (GB 11714) is replaced, unflagged, by the implementation code's credit code when that
contains it (characters 9–17: the same body), else the row is flagged; any other ``dept_code``
flags the row. Where ``dept_code`` cannot be used, the implementation code's credit code is
taken (the item's stated default), else the code is unknown (empty) — both flagged for the
department to confirm; a row with no ``dept_code`` at all takes the implementation code's.

The default column mapping is the one of the real Sichuan export
``guang_an_511602.csv``: ``department, group, name, item_code, area_code, task_type, dept_code``;
other files name their columns in a :class:`ColumnMapping` (which may also name columns of the
statutory and promised limits).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields

from services.shared import code_tables
from services.shared.codes import (
    BODY_NATURES,
    CREDIT,
    DEFAULT_RULES,
    CodeRules,
    ImplementationCode,
    parse_implementation_code,
)
from services.shared.departments import department_code_problem, upgraded_organisation_code
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.region_data import RegionDirectory, normalise_code
from services.shared.spreadsheet import formula_start, read_cell

ACCEPTED, FLAGGED, REJECTED = "accepted", "flagged", "rejected"

#: GB/T 39046 item types by the 2-digit code (the shared code table); the import files use
#: the numbers 0..10 and 20.
ITEM_TYPES = code_tables.ITEM_TYPES
#: group (主项) values meaning "no parent item"
UNCLASSIFIED = frozenset({"", "未分类", "无"})
MAX_NAME_LENGTH = 200
#: what the catalogue can store (items.code, items.department)
MAX_CODE_LENGTH = 128
MAX_DEPARTMENT_LENGTH = 200
MAX_LIMIT_DAYS = 365
MAX_LEGAL_BASIS_LENGTH = 200
_DAYS = re.compile(r"^(\d{1,4})(?:\.0+)?\s*(?:个?工作日|天|日|days?)?$")


@dataclass(frozen=True)
class ColumnMapping:
    """Which file column holds which field. Optional fields may be mapped to ``None``."""

    department: str = "department"
    group: str | None = "group"
    name: str = "name"
    item_code: str = "item_code"
    area_code: str | None = "area_code"
    task_type: str = "task_type"
    dept_code: str | None = "dept_code"
    #: columns of the limits in working days (法定时限, 承诺时限); absent in the Sichuan export
    statutory_limit_days: str | None = None
    promised_limit_days: str | None = None
    #: column of the legal basis (法律依据), the law or regulation cited; absent in the
    #: Sichuan export, so its items cannot be published until their departments cite one
    legal_basis: str | None = None

    REQUIRED = ("department", "name", "item_code", "task_type")
    OPTIONAL = ("group", "area_code", "dept_code", "statutory_limit_days",
                "promised_limit_days", "legal_basis")

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, object]) -> ColumnMapping:
        """From a JSON object such as ``{"name": "事项名称", "item_code": "实施编码",
        "group": null}``; fields not named keep their default column."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError) as exc:
                raise InvalidArgument.of_field("mapping", f"not valid JSON: {exc}",
                                               code="INVALID_MAPPING") from exc
        if not isinstance(data, Mapping):
            raise InvalidArgument.of_field(
                "mapping", "expected a JSON object of field → column name",
                code="INVALID_MAPPING")
        known = {f.name for f in fields(cls)}
        problems: list[FieldProblem] = []
        values: dict[str, str | None] = {}
        for key, column in data.items():
            if key not in known:
                problems.append(FieldProblem(
                    f"mapping.{key}", f"unknown field; known: {', '.join(sorted(known))}"))
            elif column is None and key in cls.REQUIRED:
                problems.append(FieldProblem(f"mapping.{key}", "required, cannot be null"))
            elif column is not None and (not isinstance(column, str) or not column.strip()):
                problems.append(FieldProblem(f"mapping.{key}",
                                             "expected a column name (text) or null"))
            else:
                values[key] = column.strip() if isinstance(column, str) else None
        if problems:
            raise InvalidArgument("column mapping: " + "; ".join(
                f"{p.field}: {p.description}" for p in problems), code="INVALID_MAPPING",
                violations=problems)
        return cls(**values)  # type: ignore[arg-type]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    def missing_columns(self, headers: Iterable[str]) -> list[str]:
        """Mapped columns that the file does not have, as ``field → column`` words."""
        present = set(headers)
        return [f"{name} → {column!r}" for name, column in asdict(self).items()
                if column is not None and column not in present]


DEFAULT_MAPPING = ColumnMapping()


@dataclass(frozen=True)
class SourceRow:
    """One data row and the line (CSV) or sheet row (XLSX) it started on."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class ParsedItem:
    name: str
    code: str  # as given, stripped and upper-cased
    item_type: str  # GB/T 39046, "01".."10", "20"
    region: str  # 6 digits
    department: str
    group: str | None  # parent item (主项), None for 未分类
    dept_code: str | None
    # Parts of the implementation code; None where the code is too broken to say (flagged).
    body_code: str | None  # implementing body code, normalized (no hyphen)
    body_code_kind: str | None  # 'credit' or 'organisation'
    basic_code: str | None
    region12: str | None  # the region part of the code
    body_nature: str | None = None  # '1' statutory, '2' authorised, '3' entrusted
    # Limits in working days from mapped columns; None = not given (the importer's default).
    statutory_limit_days: int | None = None
    promised_limit_days: int | None = None
    #: the law or regulation the row cites (法律依据); empty when the file has none
    legal_basis: str = ""
    #: the department's unified social credit code (see the module's docstring); empty:
    #: unknown
    department_code: str = ""

    @property
    def item_type_name(self) -> str:
        return ITEM_TYPES[self.item_type]


@dataclass(frozen=True)
class RowOutcome:
    line: int
    name: str
    outcome: str  # accepted / flagged / rejected
    reasons: list[str]
    item: ParsedItem | None
    #: the earlier line with the same implementation code (the row keeps no item of its own)
    duplicate_of: int | None = None


@dataclass
class ImportReport:
    importing_region: str
    outcomes: list[RowOutcome] = field(default_factory=list)

    def _of(self, outcome: str) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    @property
    def accepted(self) -> list[RowOutcome]:
        return self._of(ACCEPTED)

    @property
    def flagged(self) -> list[RowOutcome]:
        return self._of(FLAGGED)

    @property
    def rejected(self) -> list[RowOutcome]:
        return self._of(REJECTED)

    @property
    def items(self) -> list[ParsedItem]:
        """The items to keep: accepted and flagged, in file order."""
        return [o.item for o in self.outcomes if o.item is not None]

    def counts(self) -> dict[str, int]:
        result = {ACCEPTED: 0, FLAGGED: 0, REJECTED: 0}
        for o in self.outcomes:
            result[o.outcome] += 1
        result["total"] = len(self.outcomes)
        return result

    def summary_lines(self) -> list[str]:
        """One line for the counts, then one line per flagged or rejected row."""
        c = self.counts()
        lines = [f"{c['total']} rows: {c[ACCEPTED]} accepted, {c[FLAGGED]} flagged, "
                 f"{c[REJECTED]} rejected"]
        for o in self.outcomes:
            if o.outcome != ACCEPTED:
                lines.append(f"line {o.line} {o.outcome} {o.name or '(no name)'}: "
                             + "; ".join(o.reasons))
        return lines


# --- parsing --------------------------------------------------------------------------------


def item_type_of(value: object) -> str | None:
    """``1`` / ``01`` / ``1.0`` → ``"01"``; ``20`` → ``"20"``; None when not an item type."""
    text = "" if value is None else str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not (text.isascii() and text.isdigit()) or len(text) > 2:
        return None
    code = text.zfill(2)
    return code if code in ITEM_TYPES else None


def _cell(values: Mapping[str, object], column: str | None) -> str:
    if column is None:
        return ""
    value = values.get(column)
    return "" if value is None else str(value).strip()


def _with_lines(rows: Iterable[Mapping[str, object] | SourceRow]) -> Iterator[SourceRow]:
    for index, row in enumerate(rows):
        if isinstance(row, SourceRow):
            yield row
        else:
            # plain dicts: a header line, then one line per row
            yield SourceRow(index + 2, {str(k): ("" if v is None else str(v))
                                        for k, v in row.items() if k is not None})


def parse_rows(rows: Iterable[Mapping[str, object] | SourceRow], *, importing_region: str,
               mapping: ColumnMapping = DEFAULT_MAPPING,
               regions: RegionDirectory | None = None,
               rules: CodeRules = DEFAULT_RULES) -> ImportReport:
    """Judge every row. Raises InvalidArgument only for the file as a whole (unknown importing
    region, mapped columns missing from the header); row problems go into the report."""
    if regions is None:
        regions = RegionDirectory.load()
    scope = normalise_code(importing_region, "importing_region")
    if not regions.exists(scope):
        raise InvalidArgument.of_field("importing_region",
                                       f"{scope} is not a known region", code="INVALID_REGION")
    report = ImportReport(scope)
    known = _Known(regions, scope)
    seen_codes: dict[str, int] = {}
    checked_header = False
    for row in _with_lines(rows):
        if not checked_header:
            missing = mapping.missing_columns(row.values.keys())
            if missing:
                raise InvalidArgument(
                    "the file lacks mapped columns: " + ", ".join(missing)
                    + "; its columns are: " + ", ".join(repr(k) for k in row.values),
                    code="MISSING_COLUMNS",
                    violations=[FieldProblem("mapping", m) for m in missing])
            checked_header = True
        report.outcomes.append(_parse_row(row, scope, mapping, known, rules, seen_codes))
    return report


class _Known:
    """Region lookups of one parse, remembered: the same few regions recur on every row."""

    def __init__(self, regions: RegionDirectory, scope: str) -> None:
        self.regions, self.scope = regions, scope
        self._exists: dict[str, bool] = {}
        self._inside: dict[str, bool] = {}

    def exists(self, code: str) -> bool:
        found = self._exists.get(code)
        if found is None:
            found = self._exists[code] = self.regions.exists(code)
        return found

    def inside(self, code: str) -> bool:
        """True when ``code`` lies within the importing region."""
        found = self._inside.get(code)
        if found is None:
            found = self._inside[code] = self.regions.within(code, self.scope)
        return found

    def full_name(self, code: str) -> str:
        return self.regions.full_name(code)


def _parse_row(row: SourceRow, scope: str, mapping: ColumnMapping, regions: _Known,
               rules: CodeRules, seen_codes: dict[str, int]) -> RowOutcome:
    values = row.values
    errors: list[str] = []  # unusable: the row is rejected
    warnings: list[str] = []  # doubtful: the row is flagged and kept
    name = _text(values, mapping.name, "name", warnings)
    department = _text(values, mapping.department, "department", warnings)
    raw_code = _cell(values, mapping.item_code)
    raw_type = _cell(values, mapping.task_type)
    area = _cell(values, mapping.area_code)
    group = _text(values, mapping.group, "group", warnings)
    dept_code = _cell(values, mapping.dept_code) or None

    if not name:
        errors.append(f"name ({mapping.name}) is empty")
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(f"name has {len(name)} characters; at most {MAX_NAME_LENGTH}")
    if not department:
        errors.append(f"department ({mapping.department}) is empty: every item needs its "
                      "implementing body (实施主体)")
    elif len(department) > MAX_DEPARTMENT_LENGTH:
        errors.append(f"department has {len(department)} characters; at most "
                      f"{MAX_DEPARTMENT_LENGTH}")
    item_type = item_type_of(raw_type)
    if item_type is None:
        errors.append(f"item type ({mapping.task_type}) {raw_type!r} is not a national item "
                      "type; expected one of " + ", ".join(
                          f"{int(k)} {v}" for k, v in ITEM_TYPES.items()))

    # the area code, when it is a readable region code
    area6: str | None = None
    area_problem: str | None = None
    if area:
        if area.isascii() and area.isdigit() and len(area) in (6, rules.region_length):
            area6 = area[:6]
        else:
            area_problem = (f"area code ({mapping.area_code}) {area!r} is not a 6- or "
                            f"{rules.region_length}-digit region code")

    # the implementation code: anything wrong inside it is a doubt, not a reason to lose the row
    parsed = parse_implementation_code(raw_code, rules,
                                       expected_region=area if area6 else None)
    if not raw_code:
        errors.append(f"implementation code ({mapping.item_code}) is empty")
    elif len(raw_code) > MAX_CODE_LENGTH:
        errors.append(f"implementation code has {len(raw_code)} characters; at most "
                      f"{MAX_CODE_LENGTH}")
    else:
        warnings.extend(parsed.errors)
        warnings.extend(parsed.warnings)

    # the item's region: the row's area code, else the region part of the code
    code_region6 = parsed.region6 or _region_segment(raw_code, rules)
    area_region = area6 if area6 is not None and regions.exists(area6) else None
    code_region = code_region6 if code_region6 is not None and regions.exists(
        code_region6) else None
    if area6 is not None and area_region is None:
        area_problem = (f"area code ({mapping.area_code}) {area!r}: region {area6} is not in "
                        "the division codes (2023)")
    region = area_region or code_region
    if region is None:
        why = [area_problem or f"the area code ({mapping.area_code}) is empty"]
        if raw_code:
            why.append(f"the code's region part {code_region6} is not in the division codes "
                       "(2023)" if code_region6 else "the code has no region part")
        errors.append("no usable region: " + "; ".join(why))
    else:
        if area_problem:
            warnings.append(area_problem + "; the code's region part is used")
        if not regions.inside(region):
            errors.append(f"region {region} {regions.full_name(region)} lies outside the "
                          f"importing region {scope} {regions.full_name(scope)}")
        if code_region6 is not None and code_region6 != region and code_region is None:
            warnings.append(f"the code's region part {parsed.region12 or code_region6} is not "
                            "a known region")

    statutory = _days(values, mapping.statutory_limit_days, "statutory limit", warnings)
    promised = _days(values, mapping.promised_limit_days, "promised limit", warnings)
    if statutory is not None and promised is not None and promised > statutory:
        warnings.append(f"the promised limit of {promised} working days exceeds the "
                        f"statutory limit of {statutory}")

    legal_basis = _text(values, mapping.legal_basis, "legal basis", warnings)
    if len(legal_basis) > MAX_LEGAL_BASIS_LENGTH:
        warnings.append(f"legal basis ({mapping.legal_basis}) has {len(legal_basis)} "
                        f"characters; at most {MAX_LEGAL_BASIS_LENGTH}: not taken")
        legal_basis = ""

    duplicate_of: int | None = None
    if raw_code:
        key = parsed.normalized or raw_code.upper()
        duplicate_of = seen_codes.get(key)
        if duplicate_of is not None:
            warnings.append(f"duplicate implementation code: same code as line {duplicate_of}")
        else:
            seen_codes[key] = row.line

    if errors:
        return RowOutcome(row.line, name, REJECTED, errors + warnings, None, duplicate_of)
    department_code = _department_code(dept_code, parsed, mapping.dept_code, warnings)
    assert item_type is not None and region is not None
    item = ParsedItem(
        name=name, code=raw_code.upper(), item_type=item_type, region=region,
        department=department, group=None if group in UNCLASSIFIED else group,
        dept_code=dept_code, body_code=parsed.body_code, body_code_kind=parsed.body_code_kind,
        basic_code=parsed.basic_code, region12=parsed.region12,
        body_nature=parsed.body_nature if parsed.body_nature in BODY_NATURES else None,
        statutory_limit_days=statutory, promised_limit_days=promised, legal_basis=legal_basis,
        department_code=department_code)
    return RowOutcome(row.line, name, FLAGGED if warnings else ACCEPTED, warnings, item,
                      duplicate_of)


def _department_code(given: str | None, parsed: ImplementationCode, column: str | None,
                     warnings: list[str]) -> str:
    """The department's credit code from the ``dept_code`` cell and the implementation code
    (the module's docstring), with a doubt in ``warnings`` where it is not certain."""
    in_code = parsed.body_code if (parsed.ok and parsed.body_code_kind == CREDIT
                                   and parsed.body_code) else ""
    if given is None:
        if not in_code:
            warnings.append("the department's unified social credit code is unknown: the "
                            "implementation code names none; the department must state it")
        return in_code
    text = given.strip().upper()
    problem = department_code_problem(text)
    if problem is None:
        if in_code and in_code != text:
            warnings.append(f"department code ({column}) {text} is not the implementing "
                            f"body's code in the implementation code ({in_code}): "
                            f"{text} is used; confirm it")
        return text
    if in_code and upgraded_organisation_code(text, in_code):
        return in_code  # the old organisation code of the same body: its credit code
    fallback = (f"the implementation code's credit code {in_code} is used; confirm it"
                if in_code else "the department's code is unknown until the department "
                "states it")
    warnings.append(f"department code ({column}) {given.strip()!r}: {problem}; {fallback}")
    return in_code


def _text(values: Mapping[str, object], column: str | None, what: str,
          warnings: list[str]) -> str:
    """A text cell as it was meant: a formula character at its start (CSV injection), plain
    or behind our exports' escape, flags the row; the escape itself is dropped."""
    text, escaped = read_cell(_cell(values, column))
    start = formula_start(text)
    if escaped:
        warnings.append(f"{what} ({column}) begins with {start!r} behind a leading quote, the "
                        "escape exports put before a text a spreadsheet would run as a "
                        "formula: read without the quote; check the text")
    elif start:
        warnings.append(f"{what} ({column}) begins with {start!r}: a spreadsheet would run it "
                        "as a formula (CSV injection); kept as text: check it")
    return text


def _region_segment(code: str, rules: CodeRules) -> str | None:
    """The 6-digit region of the right-most all-digit segment of region length, if any: the
    region of a code too broken to parse."""
    for part in reversed(code.split("-")):
        part = part.strip()
        if len(part) == rules.region_length and part.isascii() and part.isdigit() and (
                part[:2] != "00"):
            return part[:6]
    return None


def _days(values: Mapping[str, object], column: str | None, what: str,
          warnings: list[str]) -> int | None:
    """A limit in working days from a mapped column; None (the default) when empty or wrong."""
    text = _cell(values, column)
    if not text:
        return None
    match = _DAYS.match(text)
    if match is None or int(match.group(1)) > MAX_LIMIT_DAYS:
        warnings.append(f"{what} ({column}) {text!r} is not a number of working days (0 to "
                        f"{MAX_LIMIT_DAYS}); the import default is used")
        return None
    return int(match.group(1))
