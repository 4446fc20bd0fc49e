"""Trend warnings: what the trend rules (``trends.py``) find, as warnings (预警) people read
and answer like the others (``warnings.py``: acknowledge, correct, contest, uphold, dismiss),
kept in the same table.

A trend concerns a department or a handler, not a case. Its warning is filed under a pseudo
case number, ``TREND-<the department's unified social credit code>`` (never a real case
number: those begin with a region's digits), and its id follows the warnings' scheme,
``TREND-<department code>:<rule>:<subject>:<n>`` — the subject being ``department``, a
handler, or ``<handler>@<item>`` — so that a department's trends are listed with
``case_number=TREND-<code>`` and its staff, its handler and the region's supervisors read
them as they read any warning of that department.

Lifecycle, evaluated once a day on the sweep:

- a trend found for the first time raises a yellow warning; while it is still found, its
  explanation follows the numbers of the day (no new history entry);
- once it is no longer found (the window moved on, the rate came back, too few facts remain
  to tell) its warning closes by itself;
- found again after it closed by itself, it is raised anew (``n`` + 1); after a person
  answered it (corrected, dismissed) it is raised anew only once a whole window has passed
  since — the facts of the window that was answered are not warned about twice;
- a trend warning is not turned red for want of an answer: a trend is a sign to look into,
  and a red card (and accountability) follows a supervisor's judgement, not the calendar.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from services.monitoring.domain.trends import TRENDS, TrendFinding, TrendThresholds
from services.monitoring.domain.warnings import SYSTEM, Entry, Status, Warning

PREFIX = "TREND-"


def case_key(department_code: str) -> str:
    """The pseudo case number a department's trend warnings are filed under."""
    return PREFIX + department_code


def is_trend(case_number: str) -> bool:
    return case_number.startswith(PREFIX)


def key_of(finding: TrendFinding) -> str:
    return f"{case_key(finding.department_code)}:{finding.rule}:{finding.subject}"


def _raise(finding: TrendFinding, n: int, now: datetime) -> Warning:
    explanation = TRENDS[finding.rule].explain(finding)
    return Warning(
        warning_id=f"{key_of(finding)}:{n}", case_number=case_key(finding.department_code),
        region=finding.region, department=finding.department,
        department_code=finding.department_code, item_id=finding.item_id, rule=finding.rule,
        subject=finding.subject, severity=finding.severity, status=Status.OPEN,
        explanation=explanation, facts=dict(finding.facts), handler=finding.handler,
        raised_at=now, updated_at=now,
        history=(Entry(now, SYSTEM, "raised", finding.severity.value, explanation),))


def follow_trends(findings: Iterable[TrendFinding], warnings: Iterable[Warning],
                  now: datetime, th: TrendThresholds) -> list[Warning]:
    """The trend warnings that change with the day's findings: raised, brought up to date,
    closed. ``warnings``: every trend warning so far, closed ones included."""
    latest: dict[str, Warning] = {}
    for warning in sorted(warnings, key=lambda w: (w.key, w.raised_at)):
        latest[warning.key] = warning
    changed: dict[str, Warning] = {}
    seen: set[str] = set()
    rearm = timedelta(days=max(th.window_days, th.rate_window_days, th.bunching_window_days))
    for finding in findings:
        key = key_of(finding)
        if key in seen:
            continue
        seen.add(key)
        current = latest.get(key)
        if current is None:
            changed[key] = _raise(finding, 1, now)
        elif current.active:
            explanation = TRENDS[finding.rule].explain(finding)
            if explanation != current.explanation:
                changed[key] = replace(current, explanation=explanation,
                                       facts=dict(finding.facts), updated_at=now)
        elif current.status is Status.CLOSED or (
                current.closed_at is not None and now - current.closed_at >= rearm):
            n = int(current.warning_id.rsplit(":", 1)[1]) + 1
            changed[key] = _raise(finding, n, now)
    for key, warning in latest.items():
        if key in seen or not warning.active:
            continue
        note = "最新统计窗口不再显示此趋势"
        changed[key] = replace(warning, status=Status.CLOSED, closed_at=now, updated_at=now,
                               history=(*warning.history, Entry(
                                   now, SYSTEM, "closed", warning.severity.value, note)))
    return list(changed.values())
