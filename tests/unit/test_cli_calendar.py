"""`sunlight calendar import|show`: a year's holiday schedule entered by a province
administrator, checked, stored where the services read it, and counted on."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.holidays import calendar
from services.shared.auth import mint_token
from services.shared.holiday_schedule import read_schedule
from services.shared.working_days import WorkingCalendar

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py
SCHEDULE = """日期,安排,说明
2027-01-01,休,元旦
2027-02-05,休,春节
2027-02-08,休,春节
2027-02-12,休,春节
2027-02-13,班,春节调休
2027-02-20,班,春节调休
"""


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path / "var"


def run(var: Path, *args: str, region: str = "510000") -> Result:
    env = {"SUNLIGHT_VAR_DIR": str(var), "SUNLIGHT_NODE_REGION": region,
           "SUNLIGHT_TOKEN": None}
    return CliRunner().invoke(calendar, list(args), env=env, catch_exceptions=False)


def schedule_file(tmp_path: Path, text: str = SCHEDULE, name: str = "2027.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_year_entered_is_stored_where_the_services_read_it(var: Path, tmp_path: Path) -> None:
    before = WorkingCalendar.official(var / "calendar")
    assert before.is_working_day(date(2027, 2, 8)) == (True, True)  # a guess: provisional
    done = run(var, "import", "2027", str(schedule_file(tmp_path)), "--as", "ops",
               "--document", "国办发明电〔2026〕7号", "--json")
    assert done.exit_code == 0, done.output
    stored = json.loads(done.stdout)
    assert stored["source"] == "entered" and stored["provisional"] is False
    assert stored["written"] == [str(var / "calendar" / "2027.json")]
    assert stored["entered_by"] == "ops" and stored["document"] == "国办发明电〔2026〕7号"
    # what a service starting now counts on
    after = WorkingCalendar.official(var / "calendar")
    assert after.is_working_day(date(2027, 2, 8)) == (False, False)
    assert after.is_working_day(date(2027, 2, 13)) == (True, False)  # a Saturday worked
    assert after.add_working_days(date(2027, 2, 4), 1).day == date(2027, 2, 9)
    # 261 weekdays, 4 of them off, 2 weekend days worked
    assert stored["working_days"] == 261 - 4 + 2

    shown = run(var, "show", "2027")
    assert shown.exit_code == 0, shown.output
    assert "2027 年节假日安排：管理员录入，国办发明电〔2026〕7号（ops 录入于" in shown.stdout
    assert "2027-02-13  星期六  班" in shown.stdout and "全年工作日 259 天" in shown.stdout
    # entered already: replaced only when asked
    again = run(var, "import", "2027", str(schedule_file(tmp_path)), "--as", "ops")
    assert again.exit_code == 1 and "CALENDAR_YEAR_EXISTS" in again.stderr
    replaced = run(var, "import", "2027", str(schedule_file(tmp_path)), "--as", "ops",
                   "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "请重启节点的服务" in replaced.stderr


def test_show_a_year_without_a_schedule_and_one_built_in(var: Path) -> None:
    (later,) = json.loads(run(var, "show", "2031", "--json").stdout)
    assert later["source"] == "none" and later["provisional"] is True
    assert later["holidays"] == [] and later["working_days"] == 261
    built_in = run(var, "show", "2026")
    assert "平台内置" in built_in.stdout and "2026-10-01  星期四  休" in built_in.stdout
    refused = run(var, "import", "2026", str(schedule_file(var.parent, "日期,安排\n2026-01-01,休\n",
                                                        "2026.csv")), "--as", "ops")
    assert refused.exit_code == 1 and "CALENDAR_YEAR_EXISTS" in refused.stderr


def test_every_problem_of_the_file_is_said_with_its_code(var: Path, tmp_path: Path) -> None:
    bad = schedule_file(tmp_path, "日期,安排\n2027-01-01,休\n2027-13-01,休\n2027-02-08,班\n"
                                  "2026-12-31,休\n2027-01-01,班\n2027-02-06,放班\n")
    done = run(var, "import", "2027", str(bad), "--as", "ops")
    assert done.exit_code == 2
    for code, words in [("CALENDAR_BAD_DATE", "第 3 行：“2027-13-01”不是日期"),
                        ("CALENDAR_WORKDAY_NOT_WEEKEND", "第 4 行：2027-02-08 是星期一"),
                        ("CALENDAR_DAY_OUTSIDE_YEAR", "第 5 行：2026-12-31 不在 2027 年"),
                        ("CALENDAR_DAY_TWICE", "第 6 行：2027-01-01 既列为放假又列为调休上班"),
                        ("CALENDAR_BAD_KIND", "第 7 行：安排“放班”")]:
        assert f"{code}: {words}" in done.stderr
    assert not (var / "calendar").exists()


@pytest.mark.parametrize(("text", "name", "code"), [
    ('{"year": 2026, "holidays": ["2026-01-01"]}', "x.json", "CALENDAR_YEAR_MISMATCH"),
    ('{"year": 2027, "holidays": "2027-01-01"}', "x.json", "CALENDAR_BAD_JSON"),
    ("{", "x.json", "CALENDAR_BAD_JSON"),
    ('{"year": 2027, "workdays": ["2027-02-13"]}', "x.json", "CALENDAR_NO_HOLIDAYS"),
    ("day,what\n2027-01-01,休\n", "x.csv", "CALENDAR_BAD_HEADER"),
    ("日期,安排\n", "x.txt", "CALENDAR_UNSUPPORTED_FILE"),
])
def test_file_problems(tmp_path: Path, text: str, name: str, code: str) -> None:
    schedule, problems = read_schedule(2027, schedule_file(tmp_path, text, name))
    assert schedule is None and [p.code for p in problems] == [code]


def test_the_stored_json_form_is_read_back(tmp_path: Path) -> None:
    path = schedule_file(tmp_path, '{"year": 2027, "holidays": ["2027-10-01", "2027-10-02"], '
                                   '"workdays": ["2027-10-09"], "document": "x"}', "2027.json")
    schedule, problems = read_schedule(2027, path)
    assert problems == [] and schedule is not None
    assert schedule.workdays == {date(2027, 10, 9)} and len(schedule.holidays) == 2


def test_only_an_administrator_of_the_province_enters_it(var: Path, tmp_path: Path) -> None:
    file = str(schedule_file(tmp_path))
    county_admin = mint_token(SECRET, "county.ops", ["admin"], ["511602"], issuer="510000")
    refused = run(var, "import", "2027", file, "--token", county_admin)
    assert refused.exit_code == 1
    assert "CALENDAR_NOT_AUTHORISED: 只有省级管理员可以录入节假日安排" in refused.stderr
    supervisor = mint_token(SECRET, "zhou.min", ["supervisor"], ["510000"], issuer="510000")
    assert "CALENDAR_NOT_AUTHORISED" in run(var, "import", "2027", file,
                                            "--token", supervisor).stderr
    other_province = mint_token(SECRET, "ops", ["admin"], ["500000"], issuer="510000")
    assert run(var, "import", "2027", file, "--token", other_province).exit_code == 1
    forged = run(var, "import", "2027", file, "--token", "not-a-token")
    assert forged.exit_code == 1 and "CALENDAR_BAD_TOKEN" in forged.stderr
    nobody = run(var, "import", "2027", file)
    assert nobody.exit_code == 2 and "--as SUBJECT" in nobody.output
    assert not (var / "calendar").exists()
    # a district node: its province's administrator
    admin = mint_token(SECRET, "ops", ["admin"], ["510000"], issuer="511602")
    done = run(var, "import", "2027", file, "--token", admin, region="511602")
    assert done.exit_code == 0, done.output
