"""The fuzz targets: bytes in, a parser called, only its documented errors let through.

A target decodes the bytes with atheris' ``FuzzedDataProvider`` (or hands them over raw where
the parser takes bytes or a file), calls the parser and checks what it promises beyond not
crashing (a code judged valid is judged valid again in its normalised form; an accepted
envelope carries every field). ``SEEDS`` are valid inputs the fuzzer starts from.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["cli", "services"]):
    from cli.tabular import read_rows
    from services.catalogue.domain.import_rows import SourceRow, parse_rows
    from services.catalogue.importer import ImportOptions
    from services.shared import catalogue_csv
    from services.shared.codes import (
        check_credit_code,
        check_organisation_code,
        check_resident_id,
        parse_implementation_code,
    )
    from services.shared.errors import InvalidArgument
    from services.shared.events import parse_event

#: Today for the resident ID checks, fixed so that a run is the same every day.
TODAY = date(2026, 11, 30)
#: The county the catalogue rows are imported into.
IMPORTING_REGION = "511602"


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def implementation_code(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    region = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 14))
    code = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    parsed = parse_implementation_code(code, expected_region=region or None)
    if not parsed.errors:  # what was read as valid reads as valid again, the same
        again = parse_implementation_code(code.strip().upper())
        assert not again.errors and again.region12 == parsed.region12, (code, again.errors)


def credit_code(data: bytes) -> None:
    text = _text(data)
    for check in (check_credit_code, check_organisation_code):
        verdict = check(text)
        if verdict.ok:
            assert verdict.normalized is not None and check(verdict.normalized).ok, text
        else:
            try:
                verdict.raise_for_errors("code")
            except InvalidArgument as error:
                assert error.code == "INVALID_CODE"
            else:
                raise AssertionError(f"{text!r}: errors but nothing raised")


def resident_id(data: bytes) -> None:
    text = _text(data)
    verdict = check_resident_id(text, today=TODAY)
    if verdict.ok:
        assert verdict.normalized is not None
        assert check_resident_id(verdict.normalized, today=TODAY).ok, text
    elif verdict.position is not None:
        assert 1 <= verdict.position <= 18, (text, verdict.position)


def _import(rows: list[SourceRow], mapping: ImportOptions | None = None) -> None:
    options = mapping or ImportOptions()
    try:
        report = parse_rows(rows, importing_region=IMPORTING_REGION, mapping=options.mapping)
    except InvalidArgument:
        return
    assert len(report.outcomes) == len(rows)


def _catalogue_file(data: bytes, suffix: str) -> None:
    """``data`` as a catalogue file the CLI reads by its suffix, then its rows as the catalogue
    judges them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"items{suffix}"
        path.write_bytes(data)
        try:
            rows = read_rows(path)
        except InvalidArgument:
            return
    _import([SourceRow(row.line, row.values) for row in rows])


def csv_file(data: bytes) -> None:
    """A CSV file as the CLI reads it, then its rows as the catalogue judges them."""
    _catalogue_file(data, ".csv")


def xlsx_file(data: bytes) -> None:
    """An XLSX file as the CLI reads it (any bytes: a broken archive is the usual input)."""
    _catalogue_file(data, ".xlsx")


def import_rows(data: bytes) -> None:
    """Rows of cells under the import's columns, and a column mapping, both fuzzed."""
    fdp = atheris.FuzzedDataProvider(data)
    mapping_json = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
    try:
        options = ImportOptions.from_json(mapping_json)
    except InvalidArgument:
        options = ImportOptions()
    columns = ["department", "group", "name", "item_code", "area_code", "task_type",
               "dept_code"]
    rows = [SourceRow(line, {c: fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
                             for c in columns})
            for line in range(2, 2 + fdp.ConsumeIntInRange(0, 4))]
    _import(rows, options)
    for row in rows:  # the catalogue's own CSV format, read back
        draft, problems = catalogue_csv.draft_of(row.values)
        assert isinstance(draft, dict) and isinstance(problems, list)


def event_envelope(data: bytes) -> None:
    """A message body as the relay publishes it and every consumer parses it."""
    try:
        event = parse_event(data)
    except InvalidArgument as error:
        assert error.code == "EVENT_INVALID"
        return
    assert event.event_id and event.type and event.node and event.region and event.schema
    assert event.occurred_at.tzinfo is not None and isinstance(event.data, dict)


def worker_payload(data: bytes) -> None:
    """A deserialised body as nameko hands it to supervision's worker (``parse_payload``)."""
    from services.monitoring.worker import parse_payload  # noqa: PLC0415 - eventlet-patched

    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        payload = data
    try:
        event = parse_payload(payload)
    except InvalidArgument as error:
        assert error.code == "EVENT_INVALID"
        return
    assert isinstance(event.data, dict) and event.occurred_at.tzinfo is not None


@dataclass(frozen=True)
class Target:
    run: Callable[[bytes], None]
    #: valid inputs to start from
    seeds: Callable[[], list[bytes]]


def _envelope() -> dict[str, object]:
    return {"event_id": "0b9f4c4e-3c1a-4f7e-9d0e-6f1c2b3a4d5e", "type": "case.accepted",
            "occurred_at": "2026-11-30T08:00:00.123456Z", "node": "511602",
            "region": "511602", "schema": "sunlight.cases.v1.CaseAccepted",
            "data": {"case_number": "51160220261130000001", "limit_days": 5}}


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


_HEADER = ["department", "group", "name", "item_code", "area_code", "task_type", "dept_code"]
_ROW = ["区发展改革局", "投资", "企业投资项目备案",
        "11510000MB1536960X-511A-0064-1-00", "511602", "行政许可", "11511602MB1536960X"]


def _xlsx() -> bytes:
    import openpyxl  # noqa: PLC0415 - only to make the seed

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(_HEADER)
    sheet.append(_ROW)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TARGETS: dict[str, Target] = {
    "implementation_code": Target(implementation_code, lambda: [
        b"\x06511602" + b"000000000000000-511A-0064-11510000MB1536960X-1-00",
        b"\x00" + b"000564001002-511602000000-511A-08337220-4-1-00"]),
    "credit_code": Target(credit_code, lambda: [b"91350100M000100Y43", b"08337220-4"]),
    "resident_id": Target(resident_id, lambda: [b"11010519491231002X",
                                                b"511602199001011236"]),
    "csv_file": Target(csv_file, lambda: [_csv([_HEADER, _ROW])]),
    "xlsx_file": Target(xlsx_file, lambda: [_xlsx()]),
    "import_rows": Target(import_rows, lambda: [
        b"\x00\x01" + "".join(_ROW).encode()]),
    "event_envelope": Target(event_envelope, lambda: [json.dumps(_envelope()).encode()]),
    "worker_payload": Target(worker_payload, lambda: [json.dumps(_envelope()).encode()]),
}
