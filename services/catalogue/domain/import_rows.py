"""Reading catalogue import rows (权力事项导入): every row accepted, flagged or rejected, none lost.

Pure: the rows come in as dicts (from :func:`load_rows`, a CSV ``DictReader`` or XLSX rows
mapped to dicts) and go out as one :class:`RowOutcome` per row; nothing is stored here.

- **rejected** (unusable, with every reason): no name, no department, an implementation code
  that cannot be parsed or whose implementing body code fails its check character, an unknown
  item type, a region that does not exist or lies outside the importing region.
- **flagged** (kept, with reasons): an old 9-character organisation code instead of the credit
  code, a code whose region part is not the row's area code, lower-case letters in the code, an
  unreadable area code when the code's own region is usable, a code already seen earlier in the
  same file (the reason names the earlier line).
- **accepted**: everything else.

The default column mapping is the one of the real Sichuan export
``guang_an_511602.csv``: ``department, group, name, item_code, area_code, task_type, dept_code``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path

from services.shared.codes import DEFAULT_RULES, CodeRules, parse_implementation_code
from services.shared.errors import FieldProblem, InvalidArgument
from services.shared.region_data import RegionDirectory, normalise_code

ACCEPTED, FLAGGED, REJECTED = "accepted", "flagged", "rejected"

#: GB/T 39046 item types by the 2-digit code; the import files use the numbers 1..10 and 20.
ITEM_TYPES: dict[str, str] = {
    "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收", "05": "行政给付",
    "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决", "10": "其他行政权力",
    "20": "公共服务",
}
#: group (主项) values meaning "no parent item"
UNCLASSIFIED = frozenset({"", "未分类", "无"})
MAX_NAME_LENGTH = 200


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

    REQUIRED = ("department", "name", "item_code", "task_type")
    OPTIONAL = ("group", "area_code", "dept_code")

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, object]) -> ColumnMapping:
        """From a JSON object such as ``{"name": "事项名称", "item_code": "实施编码",
        "group": null}``; fields not named keep their default column."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError as exc:
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
    body_code: str  # implementing body code, normalized (no hyphen)
    body_code_kind: str  # 'credit' or 'organisation'
    basic_code: str
    region12: str  # the region part of the code

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
        report.outcomes.append(_parse_row(row, scope, mapping, regions, rules, seen_codes))
    return report


def _parse_row(row: SourceRow, scope: str, mapping: ColumnMapping, regions: RegionDirectory,
               rules: CodeRules, seen_codes: dict[str, int]) -> RowOutcome:
    values = row.values
    name = _cell(values, mapping.name)
    department = _cell(values, mapping.department)
    raw_code = _cell(values, mapping.item_code)
    raw_type = _cell(values, mapping.task_type)
    area = _cell(values, mapping.area_code)
    group = _cell(values, mapping.group)
    dept_code = _cell(values, mapping.dept_code) or None
    errors: list[str] = []
    warnings: list[str] = []

    if not name:
        errors.append(f"name ({mapping.name}) is empty")
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(f"name has {len(name)} characters; at most {MAX_NAME_LENGTH}")
    if not department:
        errors.append(f"department ({mapping.department}) is empty: every item needs its "
                      "implementing body (实施主体)")
    item_type = item_type_of(raw_type)
    if item_type is None:
        errors.append(f"item type ({mapping.task_type}) {raw_type!r} is not a national item "
                      "type; expected one of " + ", ".join(
                          f"{int(k)} {v}" for k, v in ITEM_TYPES.items()))

    area6: str | None = None
    area_problem: str | None = None
    if area:
        if area.isascii() and area.isdigit() and len(area) in (6, rules.region_length):
            area6 = area[:6]
        else:
            area_problem = (f"area code ({mapping.area_code}) {area!r} is not a 6- or "
                            f"{rules.region_length}-digit region code")

    parsed = parse_implementation_code(raw_code, rules,
                                       expected_region=area if area6 else None)
    if not raw_code:
        errors.append(f"implementation code ({mapping.item_code}) is empty")
    else:
        errors.extend(parsed.errors)
        warnings.extend(parsed.warnings)

    # the item's region: the row's area code, else the region part of the code
    region = area6 or parsed.region6
    if area_problem:
        (warnings if parsed.region6 else errors).append(
            area_problem + ("; the code's region part is used" if parsed.region6 else ""))
    if region is None:
        if raw_code and parsed.region6 is None and not area:
            errors.append("no region: the area code is empty and the code has no usable "
                          "region part")
    elif not regions.exists(region):
        errors.append(f"region {region} is not in the division codes (2023)")
    elif not regions.within(region, scope):
        errors.append(f"region {region} {regions.full_name(region)} lies outside the importing "
                      f"region {scope} {regions.full_name(scope)}")
    if (parsed.region6 is not None and parsed.region6 != region
            and not regions.exists(parsed.region6)):
        warnings.append(f"the code's region part {parsed.region12} is not a known region")

    if raw_code:
        key = parsed.normalized or raw_code.upper()
        earlier = seen_codes.get(key)
        if earlier is not None:
            warnings.append(f"duplicate implementation code: same code as line {earlier}")
        else:
            seen_codes[key] = row.line

    if errors:
        return RowOutcome(row.line, name, REJECTED, errors + warnings, None)
    assert item_type is not None and region is not None
    assert parsed.body_code and parsed.body_code_kind and parsed.basic_code and parsed.region12
    item = ParsedItem(
        name=name, code=raw_code.upper(), item_type=item_type, region=region,
        department=department, group=None if group in UNCLASSIFIED else group,
        dept_code=dept_code, body_code=parsed.body_code, body_code_kind=parsed.body_code_kind,
        basic_code=parsed.basic_code, region12=parsed.region12)
    return RowOutcome(row.line, name, FLAGGED if warnings else ACCEPTED, warnings, item)


# --- reading files --------------------------------------------------------------------------


def load_rows(path: str | Path, *, encoding: str | None = None) -> list[SourceRow]:
    """Read a CSV (UTF-8, with or without BOM, or ``encoding``) or an XLSX file (first sheet,
    header in the first row) into rows with their line numbers. Wholly empty rows are skipped;
    every other row is returned, so a caller can account for each one."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise InvalidArgument.of_field("file", f"{path.name}: expected a .csv or .xlsx file",
                                       code="UNSUPPORTED_FILE")
    if not path.is_file():
        raise InvalidArgument.of_field("file", f"{path} does not exist or is not a file",
                                       code="FILE_NOT_FOUND")
    if suffix == ".csv":
        return _load_csv(path, encoding or "utf-8-sig")
    return _load_xlsx(path)


def _header(cells: list[str], where: str) -> list[str]:
    header = [c.strip().lstrip("\ufeff") for c in cells]
    named = [h for h in header if h]
    if not named:
        raise InvalidArgument.of_field("file", f"{where}: the first row (header) is empty",
                                       code="MISSING_HEADER")
    dupes = sorted({h for h in named if named.count(h) > 1})
    if dupes:
        raise InvalidArgument.of_field("file", f"{where}: header repeats column(s) "
                                       + ", ".join(dupes), code="DUPLICATE_COLUMNS")
    return header


def _row_dict(header: list[str], cells: list[str]) -> dict[str, str]:
    values = {h: "" for h in header if h}
    for h, v in zip(header, cells, strict=False):
        if h:
            values[h] = v
    return values


def _load_csv(path: Path, encoding: str) -> list[SourceRow]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            header: list[str] | None = None
            rows: list[SourceRow] = []
            last_line = 0
            for cells in reader:
                start, last_line = last_line + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = _header(cells, path.name)
                    continue
                rows.append(SourceRow(start, _row_dict(header, cells)))
    except UnicodeDecodeError as exc:
        raise InvalidArgument.of_field(
            "file", f"{path.name} is not {encoding} text (byte {exc.start}); save it as UTF-8 "
            "CSV, or give the encoding (e.g. gb18030 for a CSV saved by Chinese Excel)",
            code="BAD_ENCODING") from exc
    except csv.Error as exc:
        raise InvalidArgument.of_field("file", f"{path.name}: unreadable CSV: {exc}",
                                       code="BAD_CSV") from exc
    if header is None:
        raise InvalidArgument.of_field("file", f"{path.name} is empty", code="MISSING_HEADER")
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _load_xlsx(path: Path) -> list[SourceRow]:
    import zipfile

    import openpyxl  # only needed for spreadsheets
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidArgument.of_field("file", f"{path.name}: not a readable XLSX file ({exc})",
                                       code="BAD_XLSX") from exc
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[SourceRow] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [_text(c) for c in cells]
            if header is None:
                header = _header(texts, f"{path.name} sheet {sheet.title!r}")
                continue
            if not any(t.strip() for t in texts):
                continue
            rows.append(SourceRow(number, _row_dict(header, texts)))
    finally:
        workbook.close()
    if header is None:
        raise InvalidArgument.of_field("file", f"{path.name}: the first sheet is empty",
                                       code="MISSING_HEADER")
    return rows
