"""A year's official holiday schedule (节假日安排) as an administrator enters it from a file.

The State Council publishes each year's schedule in November or December: the days off
(放假, 休) and the weekend days worked instead (调休上班, 班). The platform reads it from
``<var>/calendar/<year>.json`` (:meth:`WorkingCalendar.official`); this module reads the file
an administrator gives, checks it and says every problem in Chinese with a stable code.

Two file formats, declared here once:

- **CSV** (UTF-8, with or without BOM): a header with ``日期`` and ``安排`` (or ``date`` and
  ``kind``), one day a row; ``安排`` is ``休`` (also ``放假``, ``holiday``) or ``班`` (also
  ``上班``, ``workday``). Other columns (e.g. ``说明``: 春节) are ignored::

      日期,安排,说明
      2027-01-01,休,元旦
      2027-02-06,班,春节调休

- **JSON**, the stored form: ``{"year": 2027, "holidays": ["2027-01-01", …],
  "workdays": ["2027-02-06", …]}``; other keys (``document``, ``entered_by``) are kept as
  they are read.

Days off may fall on a weekend (a holiday week lists them all); a day worked instead must be
a Saturday or a Sunday, and no day may be both.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from services.shared.working_days import YearSchedule

FIRST_YEAR, LAST_YEAR = 2004, 2099
KINDS = {"休": "holiday", "放假": "holiday", "holiday": "holiday",
         "班": "workday", "上班": "workday", "workday": "workday"}
DATE_COLUMNS, KIND_COLUMNS = ("日期", "date"), ("安排", "kind")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: a stable code and what to do, in Chinese."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def stored_path(var_dir: Path, year: int) -> Path:
    """Where the node's services read the year's schedule from."""
    return Path(var_dir) / "calendar" / f"{year}.json"


def weekday_word(day: date) -> str:
    return "星期" + WEEKDAYS[day.weekday()]


def read_schedule(year: int, path: Path) -> tuple[YearSchedule | None, list[Problem]]:
    """The schedule of ``year`` in the file, or None and every problem found."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, [Problem("CALENDAR_BAD_YEAR",
                              f"年份 {year} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间")]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        return None, [Problem("CALENDAR_UNSUPPORTED_FILE",
                              f"{path.name}：只接受 .csv 或 .json 文件（格式见 sunlight calendar "
                              "import --help）")]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem("CALENDAR_UNREADABLE", f"{path.name} 不是 UTF-8 文本：请另存为 "
                              "UTF-8 编码")]
    except OSError as exc:
        return None, [Problem("CALENDAR_UNREADABLE", f"无法读取 {path}：{exc.strerror}")]
    rows, problems = (_csv_rows if suffix == ".csv" else _json_rows)(year, path.name, text)
    return _checked(year, rows, problems)


#: (where, day text, "holiday" | "workday")
_Row = tuple[str, str, str]


def _csv_rows(year: int, name: str, text: str) -> tuple[list[_Row], list[Problem]]:
    try:
        table = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        return [], [Problem("CALENDAR_BAD_CSV", f"{name} 不是可读的 CSV：{exc}")]
    header = [h.strip() for h in table[0]] if table else []
    day_at = next((header.index(c) for c in DATE_COLUMNS if c in header), None)
    kind_at = next((header.index(c) for c in KIND_COLUMNS if c in header), None)
    if day_at is None or kind_at is None:
        return [], [Problem("CALENDAR_BAD_HEADER", f"{name} 的第一行须有“日期”和“安排”两列"
                            "（或 date 和 kind），例如：日期,安排,说明")]
    rows: list[_Row] = []
    problems: list[Problem] = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        kind = KINDS.get(cells[kind_at].strip())
        if kind is None:
            problems.append(Problem("CALENDAR_BAD_KIND", f"第 {line} 行：安排“{cells[kind_at]}”"
                                    "应为“休”（放假）或“班”（调休上班）"))
            continue
        rows.append((f"第 {line} 行", cells[day_at].strip(), kind))
    return rows, problems


def _json_rows(year: int, name: str, text: str) -> tuple[list[_Row], list[Problem]]:
    try:
        raw: Any = json.loads(text)
    except ValueError as exc:
        return [], [Problem("CALENDAR_BAD_JSON", f"{name} 不是有效的 JSON：{exc}")]
    if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k, []), list) for k in ("holidays", "workdays")):
        return [], [Problem("CALENDAR_BAD_JSON", f'{name} 应为 {{"year": {year}, "holidays": '
                            '["YYYY-MM-DD", …], "workdays": ["YYYY-MM-DD", …]}')]
    if "year" in raw and str(raw["year"]) != str(year):
        return [], [Problem("CALENDAR_YEAR_MISMATCH", f"{name} 写的是 {raw['year']} 年，命令给的是 "
                            f"{year} 年")]
    return [(f"{key}[{i}]", str(day), key.removesuffix("s"))
            for key in ("holidays", "workdays")
            for i, day in enumerate(raw.get(key, []))], []


def _checked(year: int, rows: list[_Row], found: list[Problem]
             ) -> tuple[YearSchedule | None, list[Problem]]:
    """The schedule of the rows; or None, the problems ``found`` reading them, then those of
    their days."""
    days: dict[date, str] = {}
    problems = list(found)
    for where, text, kind in rows:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            problems.append(Problem("CALENDAR_BAD_DATE", f"{where}：“{text}”不是日期（应为 "
                                    "YYYY-MM-DD，例如 2027-01-01）"))
            continue
        if day.year != year:
            problems.append(Problem("CALENDAR_DAY_OUTSIDE_YEAR",
                                    f"{where}：{day} 不在 {year} 年"))
        elif days.get(day, kind) != kind:
            problems.append(Problem("CALENDAR_DAY_TWICE",
                                    f"{where}：{day} 既列为放假又列为调休上班"))
        elif kind == "workday" and day.weekday() < 5:
            problems.append(Problem("CALENDAR_WORKDAY_NOT_WEEKEND",
                                    f"{where}：{day} 是{weekday_word(day)}，本来就上班；调休上班日"
                                    "只会是星期六或星期日"))
        else:
            days[day] = kind
    if not problems and "holiday" not in days.values():
        problems.append(Problem("CALENDAR_NO_HOLIDAYS", f"文件里没有 {year} 年的任何放假日期："
                                "一年的安排至少有元旦、春节、国庆等假日"))
    if problems:
        return None, problems
    return YearSchedule(year, frozenset(d for d, k in days.items() if k == "holiday"),
                        frozenset(d for d, k in days.items() if k == "workday")), []


def schedule_json(schedule: YearSchedule, **record: str) -> str:
    """The stored form (what :meth:`YearSchedule.from_json` reads), with ``record`` (who
    entered it, when, by which document) beside the days."""
    return json.dumps({"year": schedule.year,
                       "holidays": sorted(d.isoformat() for d in schedule.holidays),
                       "workdays": sorted(d.isoformat() for d in schedule.workdays),
                       **record}, ensure_ascii=False, indent=1) + "\n"
