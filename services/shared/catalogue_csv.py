"""The catalogue's CSV format: written by both exports, read back by the importer.

One home for it: the gateway (``GET /v1/regions/{region}/catalogue.csv``) and the command line
(``sunlight catalogue export --format csv``) write it through :func:`csv_lines`, and
``sunlight catalogue import`` recognises its header (:func:`recognises`) and reads each row
back through :func:`draft_of` — so an export imports into another node as the same items.

The file: UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese), lines
ending in CRLF, a header row naming the columns of :data:`COLUMNS` in that order, then one row
per published item version (public fields only: the internal flow's roles, risk points and
whether who accepts may decide are not exported; classified items
are never exported at all). Every cell goes through ``spreadsheet.neutralise``: a text that a
spreadsheet would run as a formula is written behind a quote, which the importer drops.

Encodings inside a cell:

- numbers: decimal digits (limits in days: 0–365);
- a code: the lower-case code of ``services.shared.code_tables`` (``power``,
  ``working_days``, ``statutory``);
- a list of codes (``modes``, ``special_procedures``, ``handling_forms``): one code per line;
- a flag (``major``): ``true`` or empty;
- an amount (``collective_review_above``): yuan as a decimal text (``50000``), empty: unset;
- a list of texts or of records (``legal_basis``, ``acceptance_conditions``, ``materials``,
  ``fees``, ``external_flow``, ``steps``, ``discretion_standards``): a JSON array (UTF-8, no
  spaces), records as objects
  whose keys are the contract's field names; enumerated values by their codes; fees as
  ``{"name", "amount", "currency", "basis"}`` with the amount in yuan as a decimal text
  (``"12.50"``); steps as ``{"key", "name", "kind", "limit_days", "limit_unit",
  "returns_to", "department", "department_code", "parallel_branches"}``, each branch
  ``{"key", "department", "department_code", "name", "limit_days", "limit_unit"}``;
  discretion standards as ``{"key", "severity", "fact_pattern", "range", "measures",
  "min_amount", "max_amount"}`` (measures by their codes,
  ``services.shared.code_tables.PENALTY_MEASURES``; amounts in yuan, "" = unset);
- ``published_at``: RFC 3339 in UTC (``2026-10-01T02:00:00Z``).

``item_id``, ``version`` and ``published_at`` say where a row came from; an import makes new
items and ignores them.

Pure: the exports pass each ``ItemVersion`` as its proto3 JSON (``MessageToDict`` with the
original field names); the importer gets back the proto3 JSON of an ``ItemDraft``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.shared.code_tables import (
    BODY_NATURES,
    HANDLING_FORMS,
    HANDLING_MODES,
    LIST_KINDS,
    SPECIAL_PROCEDURES,
    STEP_KINDS,
    TIME_UNITS,
    enum_code,
    enum_value_name,
)
from services.shared.spreadsheet import neutralised, read_cell

BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("item_id", "the item's id where it was exported (not imported)"),
    Column("version", "the version number exported (not imported)"),
    Column("name", "事项名称"),
    Column("code", "national implementation code (实施编码)"),
    Column("item_type", "GB/T 39046 item type, two digits (00–10, 20)"),
    Column("list_kind", "list (清单类型): power, duty, public_service, negative"),
    Column("exercise_level", "GB/T 39046 exercise level (行使层级), 1–7"),
    Column("region", "6-digit region code of the government that exercises it"),
    Column("department", "implementing department (实施主体)"),
    Column("department_code", "its unified social credit code (实施主体编码, GB 32100)"),
    Column("group", "parent item (主项); empty: none"),
    Column("body_name", "implementing body (实施主体) as named in its code"),
    Column("body_code", "its credit code (GB 32100) or organisation code (GB 11714)"),
    Column("body_nature", "statutory, authorised or entrusted"),
    Column("accepting_office", "accepting office (受理机关)"),
    Column("statutory_limit_days", "statutory limit (法定时限)"),
    Column("promised_limit_days", "promised limit (承诺时限)"),
    Column("limit_unit", "unit of both limits: working_days or calendar_days"),
    Column("modes", "handling modes (办件类型), one code a line"),
    Column("special_procedures", "special procedures (特别程序), one code a line"),
    Column("handling_forms", "handling forms (办理形式), one code a line"),
    Column("legal_basis", "legal basis (法律依据): JSON array of {law, article, clause, text}"),
    Column("acceptance_conditions", "acceptance conditions (受理条件): JSON array of texts"),
    Column("materials", "materials (申请材料): JSON array of {key, name, issuer, originals, "
                        "copies, mandatory, note}"),
    Column("fees", "fees (收费标准): JSON array of {name, amount, currency, basis}"),
    Column("supervision_phone", "监督电话"),
    Column("enquiry_phone", "咨询电话"),
    Column("external_flow", "the external flow (公示流程): JSON array of texts"),
    Column("steps", "the flow's steps: JSON array of {key, name, kind, limit_days, "
                    "limit_unit, returns_to, department, department_code, "
                    "parallel_branches}"),
    Column("discretion_standards", "discretion standards (裁量基准) of a penalty: JSON array "
                                   "of {key, severity, fact_pattern, range, measures, "
                                   "min_amount, max_amount}"),
    Column("major", "a major enforcement decision (重大执法决定, decided by a meeting): true"),
    Column("collective_review_above", "a fine above this many yuan is decided by a meeting"),
    Column("published_at", "when the version was published, RFC 3339 UTC (not imported)"),
)
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
#: the columns that make a file one of ours (with the header's other columns optional)
IDENTIFYING = frozenset({"item_id", "name", "code", "item_type", "region", "department",
                         "steps"})
#: columns an import reads as the Sichuan files' (through a column mapping) …
MAPPED = {"department": "department", "dept_code": "department_code", "group": "group",
          "name": "name", "item_code": "code",
          "area_code": "region", "task_type": "item_type",
          "statutory_limit_days": "statutory_limit_days",
          "promised_limit_days": "promised_limit_days"}
#: … and the others, through :func:`draft_of`
INFORMATIONAL = frozenset({"item_id", "version", "published_at"})

_PREFIX = {"list_kind": "LIST_KIND_", "body_nature": "BODY_NATURE_",
           "limit_unit": "TIME_UNIT_", "modes": "HANDLING_MODE_",
           "special_procedures": "SPECIAL_PROCEDURE_", "handling_forms": "HANDLING_FORM_",
           "kind": "STEP_KIND_"}
_CODES = {"list_kind": LIST_KINDS, "body_nature": BODY_NATURES, "limit_unit": TIME_UNITS,
          "modes": HANDLING_MODES, "special_procedures": SPECIAL_PROCEDURES,
          "handling_forms": HANDLING_FORMS, "kind": STEP_KINDS}
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# --- writing -------------------------------------------------------------------------------


def _code(value: object, field: str) -> str:
    """The code of an enum value as proto3 JSON names it; unset: empty."""
    if not isinstance(value, str) or not value or value.endswith("_UNSPECIFIED"):
        return ""
    return enum_code(value, _PREFIX[field])


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | str) and str(value).lstrip("-").isdigit() \
        else 0


def _yuan(money: Mapping[str, Any]) -> str:
    value = Decimal(_int(money.get("units", 0))) + Decimal(_int(money.get("nanos", 0))) / (
        Decimal(10) ** 9)
    return format(value.normalize(), "f") if value else "0"


def _optional_yuan(money: object) -> str:
    return _yuan(money) if isinstance(money, Mapping) else ""


def row(version: Mapping[str, Any]) -> list[str]:
    """The cells of one ``ItemVersion`` given as its proto3 JSON (original field names),
    before neutralisation."""
    c: Mapping[str, Any] = version.get("content") or {}
    body: Mapping[str, Any] = c.get("body") or {}
    steps = [{
        "key": s.get("key", ""), "name": s.get("name", ""),
        "kind": _code(s.get("kind"), "kind"), "limit_days": _int(s.get("limit_days", 0)),
        "limit_unit": _code(s.get("limit_unit"), "limit_unit"),
        "returns_to": list(s.get("returns_to", ())), "department": s.get("department", ""),
        "department_code": s.get("department_code", ""),
        "parallel_branches": [{
            "key": b.get("key", ""), "department": b.get("department", ""),
            "department_code": b.get("department_code", ""), "name": b.get("name", ""),
            "limit_days": _int(b.get("limit_days", 0)),
            "limit_unit": _code(b.get("limit_unit"), "limit_unit")}
            for b in s.get("parallel_branches", ())]}
        for s in c.get("steps", ())]
    cells = {
        "item_id": version.get("item_id", ""), "version": str(_int(version.get("version"))),
        "name": c.get("name", ""), "code": c.get("code", ""),
        "item_type": c.get("item_type", ""), "list_kind": _code(c.get("list_kind"),
                                                                "list_kind"),
        "exercise_level": c.get("exercise_level", ""), "region": c.get("region", ""),
        "department": c.get("department", ""),
        "department_code": c.get("department_code", ""), "group": c.get("group", ""),
        "body_name": body.get("name", ""), "body_code": body.get("code", ""),
        "body_nature": _code(body.get("nature"), "body_nature"),
        "accepting_office": c.get("accepting_office", ""),
        "statutory_limit_days": str(_int(c.get("statutory_limit_days", 0))),
        "promised_limit_days": str(_int(c.get("promised_limit_days", 0))),
        "limit_unit": _code(c.get("limit_unit"), "limit_unit"),
        "modes": "\n".join(_code(m, "modes") for m in c.get("modes", ())),
        "special_procedures": "\n".join(_code(p, "special_procedures")
                                        for p in c.get("special_procedures", ())),
        "handling_forms": "\n".join(_code(f, "handling_forms")
                                    for f in c.get("handling_forms", ())),
        "legal_basis": _compact([{k: x.get(k, "") for k in ("law", "article", "clause",
                                                            "text")}
                                 for x in c.get("legal_basis", ())]),
        "acceptance_conditions": _compact(list(c.get("acceptance_conditions", ()))),
        "materials": _compact([{
            "key": m.get("key", ""), "name": m.get("name", ""), "issuer": m.get("issuer", ""),
            "originals": _int(m.get("originals", 0)), "copies": _int(m.get("copies", 0)),
            "mandatory": bool(m.get("mandatory", False)), "note": m.get("note", "")}
            for m in c.get("materials", ())]),
        "fees": _compact([{"name": f.get("name", ""), "amount": _yuan(f.get("amount") or {}),
                           "currency": (f.get("amount") or {}).get("currency_code") or "CNY",
                           "basis": f.get("basis", "")} for f in c.get("fees", ())]),
        "supervision_phone": c.get("supervision_phone", ""),
        "enquiry_phone": c.get("enquiry_phone", ""),
        "external_flow": _compact(list(c.get("external_flow", ()))),
        "steps": _compact(steps),
        "discretion_standards": _compact([{
            "key": d.get("key", ""), "severity": d.get("severity", ""),
            "fact_pattern": d.get("fact_pattern", ""), "range": d.get("range", ""),
            "measures": list(d.get("measures", ())),
            "min_amount": _optional_yuan(d.get("min_amount")),
            "max_amount": _optional_yuan(d.get("max_amount"))}
            for d in c.get("discretion_standards", ())]),
        "major": "true" if c.get("major") else "",
        "collective_review_above": _optional_yuan(c.get("collective_review_above")),
        "published_at": version.get("published_at", ""),
    }
    return [cells[name] for name in HEADER]


def csv_lines(versions: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The file, piece by piece: the byte-order mark and the header, then a line per item
    (every cell neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + out.getvalue()
    for version in versions:
        out.seek(0)
        out.truncate()
        writer.writerow(neutralised(row(version)))
        yield out.getvalue()


# --- reading -------------------------------------------------------------------------------


def recognises(columns: Iterable[str]) -> bool:
    """True when a file with this header is one of ours (an export of the catalogue)."""
    return IDENTIFYING <= set(columns)


def _cell(values: Mapping[str, str], name: str) -> str:
    return read_cell((values.get(name) or "").strip())[0]


def _enum(code: str, field: str, where: str, problems: list[str]) -> str | None:
    """The proto3 JSON name of a code; None (and a problem) when it is not one."""
    if code in _CODES[field]:
        return enum_value_name(code, _PREFIX[field])
    problems.append(f"{where}: {code!r} is not one of " + ", ".join(_CODES[field]))
    return None


def _json_list(values: Mapping[str, str], name: str, problems: list[str]) -> list[Any]:
    text = _cell(values, name)
    if not text:
        return []
    try:
        found = json.loads(text)
    except ValueError as exc:
        problems.append(f"{name}: not a JSON array ({exc.msg} at {exc.pos}); left out")
        return []
    if not isinstance(found, list):
        problems.append(f"{name}: not a JSON array; left out")
        return []
    return found


def _records(values: Mapping[str, str], name: str, fields: Mapping[str, type],
             problems: list[str]) -> list[dict[str, Any]]:
    """A JSON array of objects with the given fields and types (others left out)."""
    out = []
    for i, record in enumerate(_json_list(values, name, problems)):
        if not isinstance(record, dict):
            problems.append(f"{name}[{i}]: not an object; left out")
            continue
        kept = {}
        for key, kind in fields.items():
            value = record.get(key)
            if value is None:
                continue
            if kind is int and isinstance(value, bool) or not isinstance(value, kind):
                problems.append(f"{name}[{i}].{key}: expected {kind.__name__}; left out")
                continue
            kept[key] = value
        out.append(kept)
    return out


def _texts(values: Mapping[str, str], name: str, problems: list[str]) -> list[str]:
    items = _json_list(values, name, problems)
    if not all(isinstance(x, str) for x in items):
        problems.append(f"{name}: expected a JSON array of texts; left out")
        return []
    return items


def _money(text: str) -> dict[str, Any] | None:
    """The proto3 JSON of a ``Money`` of ``text`` yuan; None when it is not an amount."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    units = int(amount)
    return {"currency_code": "CNY", "units": str(units),
            "nanos": int((amount - units) * 10**9)}


def _unit(code: str, where: str, problems: list[str]) -> dict[str, str]:
    if not code:
        return {}
    name = _enum(code, "limit_unit", where, problems)
    return {"limit_unit": name} if name else {}


def draft_of(values: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The proto3 JSON of the ``ItemDraft`` a row of this format describes, and what could
    not be read (each problem names its column; the value is left out). Identity and limits
    (name, code, type, region, department and its code, group, limits) are judged by the
    importer like any import's; this gives everything else."""
    problems: list[str] = []
    draft: dict[str, Any] = {}
    for name in ("exercise_level", "accepting_office", "supervision_phone", "enquiry_phone"):
        if text := _cell(values, name):
            draft[name] = text
    for name in ("list_kind", "limit_unit"):
        if code := _cell(values, name):
            if found := _enum(code, name, name, problems):
                draft[name] = found
    for name in ("modes", "special_procedures", "handling_forms"):
        codes = [c.strip() for c in _cell(values, name).splitlines() if c.strip()]
        found = [_enum(c, name, name, problems) for c in codes]
        if named := [f for f in found if f]:
            draft[name] = named
    body = {k: v for k, v in (("name", _cell(values, "body_name")),
                              ("code", _cell(values, "body_code"))) if v}
    if nature := _cell(values, "body_nature"):
        if found := _enum(nature, "body_nature", "body_nature", problems):
            body["nature"] = found
    if body:
        draft["body"] = body
    if basis := _records(values, "legal_basis", {"law": str, "article": str, "clause": str,
                                                 "text": str}, problems):
        draft["legal_basis"] = basis
    for name in ("acceptance_conditions", "external_flow"):
        if texts := _texts(values, name, problems):
            draft[name] = texts
    if materials := _records(values, "materials", {
            "key": str, "name": str, "issuer": str, "originals": int, "copies": int,
            "mandatory": bool, "note": str}, problems):
        draft["materials"] = materials
    fees = []
    for i, fee in enumerate(_records(values, "fees", {"name": str, "amount": str,
                                                      "currency": str, "basis": str},
                                     problems)):
        try:
            amount = Decimal(fee.get("amount", "0"))
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"fees[{i}].amount: not an amount in yuan; left out")
            amount = Decimal(0)
        units = int(amount)
        fees.append({"name": fee.get("name", ""), "basis": fee.get("basis", ""),
                     "amount": {"currency_code": fee.get("currency") or "CNY",
                                "units": str(units),
                                "nanos": int((amount - units) * 10**9)}})
    if fees:
        draft["fees"] = fees
    standards = []
    for i, standard in enumerate(_records(values, "discretion_standards", {
            "key": str, "severity": str, "fact_pattern": str, "range": str, "measures": list,
            "min_amount": str, "max_amount": str}, problems)):
        out: dict[str, Any] = {k: standard[k] for k in ("key", "severity", "fact_pattern",
                                                        "range") if standard.get(k)}
        if measures := [m for m in standard.get("measures", ()) if isinstance(m, str)]:
            out["measures"] = measures
        for name in ("min_amount", "max_amount"):
            if text := standard.get(name):
                if (money := _money(text)) is None:
                    problems.append(f"discretion_standards[{i}].{name}: not an amount in "
                                    "yuan; left out")
                else:
                    out[name] = money
        standards.append(out)
    if standards:
        draft["discretion_standards"] = standards
    if (flag := _cell(values, "major").lower()) in ("true", "1"):
        draft["major"] = True
    elif flag not in ("", "false", "0"):
        problems.append(f"major: {flag!r} is not true or false; left out")
    if text := _cell(values, "collective_review_above"):
        if (money := _money(text)) is None:
            problems.append("collective_review_above: not an amount in yuan; left out")
        else:
            draft["collective_review_above"] = money
    steps = []
    for i, step in enumerate(_records(values, "steps", {
            "key": str, "name": str, "kind": str, "limit_days": int, "limit_unit": str,
            "returns_to": list, "department": str, "department_code": str,
            "parallel_branches": list}, problems)):
        where = f"steps[{i}]"
        out: dict[str, Any] = {k: step[k] for k in ("key", "name", "limit_days", "department",
                                                    "department_code") if k in step}
        if step.get("kind"):
            if kind := _enum(step["kind"], "kind", f"{where}.kind", problems):
                out["kind"] = kind
        out.update(_unit(step.get("limit_unit", ""), f"{where}.limit_unit", problems))
        if returns := [r for r in step.get("returns_to", ()) if isinstance(r, str)]:
            out["returns_to"] = returns
        branches = []
        for j, branch in enumerate(step.get("parallel_branches", ())):
            if not isinstance(branch, dict):
                problems.append(f"{where}.parallel_branches[{j}]: not an object; left out")
                continue
            kept = {k: branch[k] for k in ("key", "department", "department_code", "name")
                    if isinstance(branch.get(k), str)}
            if isinstance(branch.get("limit_days"), int):
                kept["limit_days"] = branch["limit_days"]
            kept.update(_unit(branch.get("limit_unit", ""),
                              f"{where}.parallel_branches[{j}].limit_unit", problems))
            branches.append(kept)
        if branches:
            out["parallel_branches"] = branches
        steps.append(out)
    if steps:
        draft["steps"] = steps
    return draft, problems
