"""``sunlight calendar``: the official holiday schedule (节假日安排) the node counts working
days on.

Years 2004–2026 come with the platform (``chinesecalendar``); a later year is entered by an
administrator of the province once the State Council publishes it (``import``), and until then
every due date falling in it is provisional (暂定). The file formats are declared in
:mod:`services.shared.holiday_schedule`. The schedule is stored where the node's services read
it, ``<var>/calendar/<year>.json`` — of every node, in a province ``make run`` set up here —,
and they read it when they start: restart them after an import.

Exit codes: 0 done, 1 refused (the token is not a province administrator's, the year is
entered already without ``--replace``), 2 wrong arguments or a file with problems (each said
with its stable code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from cli.output import echo_json, table
from services.shared.holiday_schedule import (
    read_schedule,
    schedule_json,
    stored_path,
    weekday_word,
)
from services.shared.working_days import CHINA, WorkingCalendar, YearSchedule


@dataclass(frozen=True)
class Target:
    """A node whose services read the schedule: its region and its var directory."""

    region: str
    var_dir: Path


def _targets() -> list[Target]:
    """Every node of the province ``make run`` set up here (the calendar is the country's:
    each node counts on it), else the node of the settings."""
    from infra.province import Plan  # noqa: PLC0415 - how make run lays out a province
    from services.shared.config import load_settings  # noqa: PLC0415

    settings = load_settings()
    province = Plan.read(settings.var_dir)
    if province is not None:
        return [Target(node.region, node.var_dir) for node in province.nodes]
    return [Target(settings.node_region, Path(settings.var_dir))]


def _refuse(code: str, message: str) -> None:
    click.echo(f"sunlight calendar import: {code}: {message}", err=True)
    raise SystemExit(1)


def _province(region: str) -> str:
    return region[:2] + "0000"


def _authorise(token: str | None, subject: str | None, targets: list[Target]) -> str:
    """The subject of a province administrator's token (given, or minted with the node's key
    for ``--as``) that covers every node written to; refused otherwise."""
    from services.shared.auth import Authenticator, mint_token  # noqa: PLC0415
    from services.shared.config import load_settings  # noqa: PLC0415
    from services.shared.errors import DomainError  # noqa: PLC0415

    settings = load_settings()
    province = _province(targets[0].region)
    if token is None:
        if not subject:
            raise click.UsageError("who enters the schedule: give --token (or SUNLIGHT_TOKEN), "
                                   "or --as SUBJECT to act as an administrator of the province")
        token = mint_token(settings.token_key, subject, ["admin"], [province],
                           issuer=settings.node_region)
    try:
        principal = Authenticator(settings.token_key, settings.node_region).principal(
            f"Bearer {token}")
    except DomainError as exc:
        _refuse("CALENDAR_BAD_TOKEN", f"令牌无效：{exc.message}")
    provincial = [r for r in principal.regions if r.endswith("0000")]
    if "admin" not in principal.roles or not provincial or not all(
            any(r == _province(t.region) for r in provincial) for t in targets):
        roles, regions = ", ".join(principal.roles), ", ".join(principal.regions)
        _refuse("CALENDAR_NOT_AUTHORISED", f"只有省级管理员可以录入节假日安排：令牌须具有 admin "
                f"角色、区划为 {province}（{principal.subject or '匿名'} 的角色 "
                f"{roles or '无'}，区划 {regions or '无'}）")
    return principal.subject


def _summary(year: int, target: Target) -> dict[str, Any]:
    """What the node counts ``year`` on: the days off and the days worked instead, where they
    come from and the working days of the year."""
    import json  # noqa: PLC0415

    path = stored_path(target.var_dir, year)
    calendar = WorkingCalendar.official(path.parent)
    entered: dict[str, Any] = {}
    if path.is_file():
        entered = json.loads(path.read_text("utf-8"))
        source = "entered"
    elif year in calendar.known_years():
        source = "built_in"
    else:
        source = "none"
    schedule = calendar.schedule_of(year) or YearSchedule(year)
    working, provisional = calendar.working_days_between(date(year - 1, 12, 31),
                                                         date(year, 12, 31))
    return {"year": year, "source": source, "provisional": provisional,
            "holidays": sorted(d.isoformat() for d in schedule.holidays),
            "workdays": sorted(d.isoformat() for d in schedule.workdays),
            "working_days": working, "document": entered.get("document", ""),
            "entered_by": entered.get("entered_by", ""),
            "entered_at": entered.get("entered_at", ""), "file": str(path)}


SOURCE_WORDS = {"entered": "管理员录入", "built_in": "平台内置（chinesecalendar）",
                "none": "尚未录入：按周一至周五计算，期限均为暂定"}


def _print_summary(found: dict[str, Any]) -> None:
    click.echo(f"{found['year']} 年节假日安排：{SOURCE_WORDS[found['source']]}"
               + (f"，{found['document']}" if found["document"] else "")
               + (f"（{found['entered_by']} 录入于 {found['entered_at']}）"
                  if found["entered_by"] else ""))
    days = sorted([(d, "休") for d in found["holidays"]] + [(d, "班") for d in found["workdays"]])
    if days:
        click.echo(table(["日期", "星期", "安排"], [
            [d, weekday_word(date.fromisoformat(d)), kind] for d, kind in days]))
    click.echo(f"全年工作日 {found['working_days']} 天"
               + ("（暂定）" if found["provisional"] else ""))


@click.group("calendar")
def calendar() -> None:
    """The official holiday schedule (节假日安排): enter a year's, show one."""


@calendar.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--document", default="", help="the notice it comes from, e.g. 国办发明电〔2026〕7号")
@click.option("--replace", is_flag=True, help="replace a schedule the node has for the year "
                                              "already (entered, or built in)")
@click.option("--token", envvar="SUNLIGHT_TOKEN", default=None,
              help="bearer token of a province administrator (or SUNLIGHT_TOKEN)")
@click.option("--as", "subject", default=None,
              help="without a token: mint one with the node key for this subject, as an "
                   "administrator of the province")
@click.option("--json", "as_json", is_flag=True, help="print what was stored as JSON")
def import_(year: int, file: Path, document: str, replace: bool, token: str | None,
            subject: str | None, as_json: bool) -> None:
    """Enter YEAR's holiday schedule from FILE (CSV or JSON).

    \b
    CSV, UTF-8, a row per day; 安排 is 休 (day off) or 班 (weekend day worked instead):
        日期,安排,说明
        2027-01-01,休,元旦
        2027-02-06,班,春节调休
    JSON: {"year": 2027, "holidays": ["2027-01-01", …], "workdays": ["2027-02-06", …]}
    """
    schedule, problems = read_schedule(year, file)
    if schedule is None:
        for problem in problems:
            click.echo(f"sunlight calendar import: {problem}", err=True)
        raise SystemExit(2)
    targets = _targets()
    who = _authorise(token, subject, targets)
    if not replace:
        for target in targets:
            source = _summary(year, target)["source"]
            if source != "none":
                _refuse("CALENDAR_YEAR_EXISTS", f"节点 {target.region} 已有 {year} 年的安排"
                        f"（{SOURCE_WORDS[source]}）；确认替换请加 --replace")
    now = datetime.now(UTC).astimezone(CHINA).isoformat(timespec="seconds")
    text = schedule_json(schedule, document=document, entered_by=who, entered_at=now)
    for target in targets:
        path = stored_path(target.var_dir, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)  # a service starting meanwhile reads the old or the new
    found = _summary(year, targets[0])
    if as_json:
        echo_json({**found, "written": [str(stored_path(t.var_dir, year)) for t in targets]})
        return
    _print_summary(found)
    click.echo(f"已写入 {len(targets)} 个节点（{', '.join(t.region for t in targets)}）；"
               "各服务启动时读取节假日安排：请重启节点的服务，此后落在该年的期限不再是暂定。",
               err=True)


@calendar.command("show")
@click.argument("year", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="print the schedule as JSON")
def show(year: int | None, as_json: bool) -> None:
    """YEAR's holiday schedule as the node counts on it (default: this year and the next):
    its days off and weekend days worked, where it comes from, the working days of the year.
    --json: a list, one object a year."""
    target = _targets()[0]
    today = datetime.now(CHINA).date()
    years = [year] if year else [today.year, (today + timedelta(days=366)).year]
    found = [_summary(y, target) for y in years]
    if as_json:
        echo_json(found)
        return
    for i, one in enumerate(found):
        if i:
            click.echo()
        _print_summary(one)
