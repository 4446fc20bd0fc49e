"""The public month's statistics: the total row adds up the rows above it, a row of cases
without a department code (未知部门) among them."""

from __future__ import annotations

from types import SimpleNamespace

from services.monitoring.api import open_statistics
from services.monitoring.domain.evaluation import Tally, figures

DEVELOPMENT, EDUCATION = "115113016823646795", "11511602MB1234567X"


def test_the_total_adds_up_the_rows_and_an_unknown_department_has_no_ratings() -> None:
    rows = [figures(DEVELOPMENT, Tally(name="区发展改革局", department_code=DEVELOPMENT,
                                       handled=3), backlog=None, ratings=None),
            figures(EDUCATION, Tally(name="区教育局", department_code=EDUCATION, handled=1),
                    backlog=None, ratings=None),
            # cases whose department has no code: the key is empty as well
            figures("", Tally(name="未知部门（无统一社会信用代码）", handled=2), backlog=None,
                    ratings=None)]
    report = SimpleNamespace(rows=rows, total=figures("合计", Tally(name="合计", handled=6),
                                                      backlog=None, ratings=None))
    answer = open_statistics("2026-12", "510000", report, {DEVELOPMENT: 2, EDUCATION: 1})
    by_name = {r.department: r for r in answer.rows}
    assert by_name["区发展改革局"].ratings == 2 and by_name["区教育局"].ratings == 1
    assert by_name["未知部门（无统一社会信用代码）"].ratings == 0
    assert answer.total.ratings == sum(r.ratings for r in answer.rows) == 3
    assert answer.total.handled == 6 and answer.month == "2026-12"
