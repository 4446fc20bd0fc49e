"""Reading tabular files (CSV, XLSX) into rows with their line numbers: the CLI's job.

The catalogue judges rows; it never reads files. ``read_rows`` returns every non-empty data
row with the line (CSV) or sheet row (XLSX) it starts on, so that an import report can
account for each one. Wholly empty rows are skipped; a short row is padded with empty cells.
Problems with the file as a whole raise :class:`~services.shared.errors.InvalidArgument`
with the file's name and what to do.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from services.shared.errors import InvalidArgument

SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class Row:
    """One data row and the line (CSV) or sheet row (XLSX) it started on (1 = header)."""

    line: int
    values: dict[str, str]


def read_rows(path: str | Path, *, encoding: str | None = None) -> list[Row]:
    """Read a CSV (UTF-8, with or without BOM, or ``encoding``) or an XLSX file (first sheet,
    header in the first row) into rows with their line numbers."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidArgument.of_field("file", f"{path.name}: expected a .csv or .xlsx file",
                                       code="UNSUPPORTED_FILE")
    if not path.is_file():
        raise InvalidArgument.of_field("file", f"{path} does not exist or is not a file",
                                       code="FILE_NOT_FOUND")
    if suffix == ".csv":
        return _read_csv(path, encoding or "utf-8-sig")
    return _read_xlsx(path)


def file_digest(path: str | Path) -> str:
    """SHA-256 of the file's bytes (hex)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def _read_csv(path: Path, encoding: str) -> list[Row]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            header: list[str] | None = None
            rows: list[Row] = []
            last_line = 0
            for cells in reader:
                start, last_line = last_line + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = _header(cells, path.name)
                    continue
                rows.append(Row(start, _row_dict(header, cells)))
    except UnicodeDecodeError as exc:
        raise InvalidArgument.of_field(
            "file", f"{path.name} is not {encoding} text (byte {exc.start}); save it as UTF-8 "
            "CSV, or give the encoding (e.g. gb18030 for a CSV saved by Chinese Excel)",
            code="BAD_ENCODING") from exc
    except LookupError as exc:
        raise InvalidArgument.of_field("encoding", f"unknown encoding {encoding!r}",
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


def _read_xlsx(path: Path) -> list[Row]:
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
        rows: list[Row] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [_text(c) for c in cells]
            if header is None:
                header = _header(texts, f"{path.name} sheet {sheet.title!r}")
                continue
            if not any(t.strip() for t in texts):
                continue
            rows.append(Row(number, _row_dict(header, texts)))
    finally:
        workbook.close()
    if header is None:
        raise InvalidArgument.of_field("file", f"{path.name}: the first sheet is empty",
                                       code="MISSING_HEADER")
    return rows
