"""``sunlight demo seed``: demo data (演示数据) on a node's first start, so that the hall, the
workbench and the supervision dashboard show something to a newcomer.

`make run` runs it once at each start (the Procfile's one-shot ``demo``). It is a client like
any other: it declares, reviews and publishes the demo items (``cli/demo_data.py``) and runs
the demo cases over the services' gRPC contracts, with tokens minted on the node's key as the
hall mints them for the demo accounts; the accounts it makes the way `sunlight accounts` does.

- **Once.** Every call carries an idempotency key of its own (``demo-v1:…``): a run killed
  half-way is resumed by the next start, which replays what was done (the services answer
  the first answer) and does the rest; nothing is made twice. At the end it writes the marker
  ``<var>/demo-data.json``; a start that finds it, and finds the demo item it names still in
  the catalogue, does nothing.
- **Off** with ``SUNLIGHT_DEMO_DATA=0`` (then the hall also refuses the demo accounts, whose
  passwords are published); a node that does not hold 广安区 (511602) gets none either.

Exit codes: 0 seeded, already there, or off; 1 a service refused or could not be reached (the
message says which call and why; the next start resumes).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import grpc
from google.protobuf import json_format
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cgrpc
from sunlight.common.v1 import common_pb2 as common
from sunlight.monitoring.v1 import monitoring_pb2 as mpb
from sunlight.monitoring.v1 import monitoring_pb2_grpc as mgrpc

from cli import demo_data as d
from services.shared.config import Settings, load_settings

KEY = "demo-v1"  # the demo data's idempotency keys begin with it; a new version, a new prefix
MARKER = "demo-data.json"
#: a service restarting (UNAVAILABLE) or slow (DEADLINE_EXCEEDED) is tried again, with the
#: same idempotency key, for this long: a busy machine may take a minute to bring a service back
RETRY_S = 180.0
SERVICES = ("catalogue", "cases", "monitoring", "hall")


class SeedingFailed(Exception):
    """A call that failed for good: what it was, and the gRPC status code it ended with."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


def marker_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / MARKER


def accounts_text() -> str:
    """The demo accounts, for people: sign in at the hall with these."""
    lines = ["demo accounts (演示账号; sign in at the hall, password for all: "
             f"{d.PASSWORD}):"]
    for who in (d.CITIZEN, d.ENTERPRISE):
        kind = "自然人" if who.kind == "person" else "法人"
        lines.append(f"  {kind:<4} {who.login:<20} {who.name}  {who.what}")
    for staff in d.STAFF.values():
        lines.append(f"  工作人员 {staff.login:<20} {staff.name}  {staff.what}")
    return "\n".join(lines)


class Seeder:
    """One run of the demo data against a node's services."""

    def __init__(self, settings: Settings, timeout_s: float,
                 say: Callable[[str], None] = click.echo) -> None:
        from services.hall.identity import Identity, Kind  # noqa: PLC0415
        from services.hall.tokens import TokenMinter  # noqa: PLC0415
        from services.shared.grpc_client import channel  # noqa: PLC0415

        self.settings, self.timeout_s, self.say = settings, timeout_s, say
        self.channels = [channel(settings.peer_address(process)) for process in (
            "catalogue", "cases", "monitoring")]
        self.catalogue = cgrpc.CatalogueServiceStub(self.channels[0])
        self.cases = kgrpc.CaseServiceStub(self.channels[1])
        self.monitoring = mgrpc.MonitoringServiceStub(self.channels[2])
        minter = TokenMinter(settings.token_key, settings.node_region, ttl_s=3600)
        self.identities: dict[str, Any] = {
            name: Identity(Kind.STAFF, s.login, s.name, s.roles, (d.REGION,),
                           s.department.code if s.department else "",
                           s.department.name if s.department else "", s.positions)
            for name, s in (*d.STAFF.items(), *d.REVIEWERS.items())}
        self.identities["citizen"] = Identity(Kind.PERSON, d.CITIZEN.login, d.CITIZEN.name,
                                              (), (settings.node_region,))
        self.identities["enterprise"] = Identity(
            Kind.ENTERPRISE, d.ENTERPRISE.login, d.ENTERPRISE.name, (),
            (settings.node_region,))
        self.headers = {name: minter.header(i) for name, i in self.identities.items()}
        self.items: dict[str, str] = {}
        self.case_numbers: dict[str, str] = {}

    def close(self) -> None:
        for opened in self.channels:
            opened.close()

    # --- calls -------------------------------------------------------------------------------

    @staticmethod
    def key(*parts: str) -> str:
        return ":".join((KEY, *parts))

    def call(self, method: Any, request: Any, who: str, what: str, *,
             dated: bool = False) -> Any:
        """One call as ``who``. ``dated``: the request carries today's date (a supplement's
        last day), so a run on a later day meets its key used already for yesterday's
        request — done then: None. Any other reused key is a changed demo under the same
        ``KEY``: it stops the seeding with that said."""
        from services.shared.grpc_errors import error_detail_of  # noqa: PLC0415

        deadline = time.monotonic() + RETRY_S
        attempt = 0
        while True:
            attempt += 1
            try:
                return method(request, timeout=self.timeout_s,
                              metadata=[("authorization", self.headers[who])])
            except grpc.RpcError as error:
                code = error.code() if hasattr(error, "code") else None
                detail = error_detail_of(error)
                if detail is not None and detail.code == "IDEMPOTENCY_KEY_REUSED" and dated:
                    return None
                if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) \
                        and time.monotonic() < deadline:
                    time.sleep(min(attempt, 5))  # the same key: a retry never acts twice
                    continue
                message = (f"{detail.code}: {detail.message}" if detail is not None
                           and detail.code else error.details() if hasattr(error, "details")
                           else str(error))
                raise SeedingFailed(f"{what}: {message}", code) from None

    def act(self, scenario: str, step: str, who: str, number: str, *, dated: bool = False,
            **action: Any) -> kpb.Case | None:
        request = kpb.ActOnCaseRequest(idempotency_key=self.key("case", scenario, step),
                                       case_number=number, **action)
        reply = self.call(self.cases.ActOnCase, request, who, f"case {number} {step}",
                          dated=dated)
        return reply.case if reply is not None else None

    # --- accounts --------------------------------------------------------------------------

    def make_accounts(self) -> int:
        """The demo accounts in the hall's database (as `sunlight accounts` makes them);
        those already there are left as they are. Returns how many were made."""
        from services.hall.identity import ACCOUNT_EXISTS, Kind, SignInRefused  # noqa: PLC0415
        from services.hall.identity.local import DEMO_CREATOR  # noqa: PLC0415
        from services.hall.server import identity_provider  # noqa: PLC0415

        provider = identity_provider(self.settings)
        made = 0
        wanted: list[tuple[Any, str, str, dict[str, Any]]] = [
            (Kind.PERSON, d.CITIZEN.login, d.CITIZEN.name, {}),
            (Kind.ENTERPRISE, d.ENTERPRISE.login, d.ENTERPRISE.name, {})]
        for s in d.STAFF.values():
            wanted.append((Kind.STAFF, s.login, s.name, {
                "roles": s.roles, "regions": (d.REGION,), "positions": s.positions,
                "department_code": s.department.code if s.department else "",
                "department_name": s.department.name if s.department else ""}))
        try:
            for kind, login, name, claims in wanted:
                try:
                    provider.add(kind, login, name, d.PASSWORD, created_by=DEMO_CREATOR,
                                 **claims)
                    made += 1
                except SignInRefused as refused:
                    if refused.code != ACCOUNT_EXISTS:
                        raise SeedingFailed(f"account {login}: {refused.message}") from None
        finally:
            provider.store.db.dispose()
        return made

    # --- items -----------------------------------------------------------------------------

    def publish(self, item: d.DemoItem) -> str:
        """Declare, submit and have reviewed (legal, then staffing: publication) one item."""
        draft = json_format.ParseDict(item.draft, cpb.ItemDraft())
        made = self.call(self.catalogue.CreateItem, cpb.CreateItemRequest(
            idempotency_key=self.key("item", item.key, "create"), draft=draft),
            item.creator, f"item {item.key}: declare")
        item_id, version = made.item.item_id, made.item.version
        self.call(self.catalogue.SubmitItem, cpb.SubmitItemRequest(
            idempotency_key=self.key("item", item.key, "submit"), item_id=item_id,
            version=version), item.creator, f"item {item.key}: submit")
        for who, kind in (("legal", cpb.REVIEW_KIND_LEGAL),
                          ("staffing", cpb.REVIEW_KIND_STAFFING)):
            self.call(self.catalogue.ReviewItem, cpb.ReviewItemRequest(
                idempotency_key=self.key("item", item.key, f"review-{who}"), item_id=item_id,
                version=version, kind=kind, decision=cpb.REVIEW_DECISION_APPROVE),
                who, f"item {item.key}: {who} review")
        return item_id

    def published(self, item_id: str) -> bool:
        """Whether the catalogue has this item in force (the marker's check); a catalogue
        restarting or slow is asked again, as every call is."""
        try:
            reply = self.call(self.catalogue.GetItemVersion,
                              cpb.GetItemVersionRequest(item_id=item_id), "clerk",
                              f"item {item_id}: look up")
        except SeedingFailed as failed:
            if failed.code is grpc.StatusCode.NOT_FOUND:
                return False
            raise
        return bool(reply.item.content.name.endswith(d.MARK))

    # --- cases -----------------------------------------------------------------------------

    def submit(self, scenario: str, item: str, who: str, *, online: bool,
               mode: int = common.HANDLING_MODE_PROMISED,
               materials: tuple[str, ...] = d.ALL_MATERIALS,
               applicant: tuple[str, str, str] | None = None) -> str:
        if applicant is None:
            person = d.CITIZEN if who == "citizen" else d.ENTERPRISE
            applicant = (person.name, person.id_type, person.login)
        spec = {m["key"]: m for m in next(i for i in d.ITEMS if i.key == item).draft[
            "materials"]}
        given = [kpb.MaterialGiven(key=k, originals=spec[k].get("originals", 0),
                                   copies=spec[k].get("copies", 0)) for k in materials]
        name, id_type, id_number = applicant
        reply = self.call(self.cases.SubmitApplication, kpb.SubmitApplicationRequest(
            idempotency_key=self.key("case", scenario, "submit"), item_id=self.items[item],
            region=d.REGION, applicant=kpb.Applicant(name=name, id_type=id_type,
                                                     id_number=id_number),
            mode=mode, channel=kpb.CHANNEL_ONLINE if online else kpb.CHANNEL_COUNTER,
            materials=given), who, f"case {scenario}: apply")
        number = reply.case.case_number
        self.case_numbers[scenario] = number
        return number

    def rate(self, scenario: str, who: str, number: str, level: int) -> None:
        indicators = dict.fromkeys(
            ("overall", "efficiency", "guide_accuracy", "convenience", "usability"), level)
        self.call(self.monitoring.RateCase, mpb.RateCaseRequest(
            idempotency_key=self.key("case", scenario, "rate"), case_number=number,
            channel=mpb.RATING_CHANNEL_ONLINE, level=level, indicators=indicators),
            who, f"case {number}: rate")

    @staticmethod
    def instance(case: kpb.Case, key: str) -> str:
        """The instance of a step: the demo never returns a step, so each runs once (a
        replayed action answers with the case as it is now, the step perhaps done)."""
        return next(s.instance_id for s in case.steps if s.key == key)

    def finish(self, scenario: str, number: str) -> None:
        self.act(scenario, "publish", "clerk", number, publish_result=kpb.PublishResult())
        self.act(scenario, "complete", "clerk", number, complete=kpb.CompleteCase())

    def instant(self) -> str:
        """即办件: the enterprise looks up its registration archive online; accepted, the
        copying fee charged, provided, completed the same day; rated 满意."""
        s = "instant"
        number = self.submit(s, "archive", "enterprise", online=True,
                             mode=common.HANDLING_MODE_IMMEDIATE,
                             materials=("request", "identity"))
        self.act(s, "accept", "clerk", number, accept=kpb.Accept(opinion="材料齐全，当场受理"))
        self.act(s, "fee", "clerk", number, charge_fee=kpb.ChargeFee(
            name=d.ARCHIVE_FEE, amount=common.Money(currency_code="CNY", units=1),
            quantity=2, receipt_number=f"YS-{number}"))
        self.act(s, "decide", "chief", number, decide=kpb.Decide(
            outcome=kpb.DECISION_OUTCOME_APPROVE, reasons="已当场出具企业登记档案资料（2页）"))
        self.finish(s, number)
        self.rate(s, "enterprise", number, mpb.RATING_LEVEL_SATISFIED)
        return number

    def accepted(self, scenario: str, number: str) -> kpb.Case:
        return self.act(scenario, "accept", "clerk", number,
                        accept=kpb.Accept(opinion="材料齐全，予以受理"))

    def finished(self) -> str:
        """承诺件 to its result: the citizen's licence, the fire brigade's opinion beside the
        review (并联), decided, the result published, completed; rated 非常满意."""
        s = "finished"
        number = self.submit(s, "fireworks", "citizen", online=True)
        case = self.accepted(s, number)
        branch, review = self.instance(case, "review/fire"), self.instance(case, "review")
        self.act(s, "fire", "fire", number, complete_step=kpb.CompleteStep(
            instance_id=branch, opinion="经现场检查，零售场所消防安全条件符合要求"))
        self.act(s, "review", "handler", number, complete_step=kpb.CompleteStep(
            instance_id=review, opinion="经现场核查，符合零售经营条件，建议准予许可",
            countermeasures=list(d.FIREWORKS_MEASURES)))
        self.act(s, "decide", "chief", number, decide=kpb.Decide(
            outcome=kpb.DECISION_OUTCOME_APPROVE, reasons="申请人符合烟花爆竹零售经营条件",
            certificate="烟花爆竹经营（零售）许可证", countermeasures=list(d.DECIDE_MEASURES)))
        self.finish(s, number)
        self.rate(s, "citizen", number, mpb.RATING_LEVEL_VERY_SATISFIED)
        return number

    def parallel(self) -> str:
        """承诺件 in progress: the enterprise's licence at its review, the fire brigade's
        opinion running beside it (并联审批) — in both departments' inboxes."""
        s = "parallel"
        number = self.submit(s, "fireworks", "enterprise", online=True)
        self.accepted(s, number)
        return number

    def supplement(self) -> str:
        """Waiting for a supplement (补正): the citizen left out the training certificate;
        the clock stands still until they supply it (from 我的办件)."""
        from services.shared.working_days import WorkingCalendar, local_day  # noqa: PLC0415

        s = "supplement"
        number = self.submit(s, "fireworks", "citizen", online=True,
                             materials=("application", "licence", "premises"))
        due = WorkingCalendar.official().add_working_days(local_day(), 5).day
        self.act(s, "request-supplement", "clerk", number, dated=True,
                 request_supplement=kpb.RequestSupplement(missing=["training"],
                                                          due_date=due.isoformat()))
        return number

    def rejected(self) -> str:
        """Refused at the counter with reasons (不予受理) — a complete application, so
        supervision warns of it (材料齐全不予受理) on the dashboard."""
        s = "rejected"
        number = self.submit(s, "fireworks", "clerk", online=False,
                             applicant=d.COUNTER_APPLICANT)
        self.act(s, "reject", "clerk", number, reject=kpb.Reject(
            reason_code="NOT_QUALIFIED",
            reasons="（演示数据）拟设零售点位于学校周边五十米范围内，不符合本区烟花爆竹零售网点布局规划，"
                    "依据《烟花爆竹安全管理条例》第十九条不予受理。"))
        return number

    def waiting(self) -> str:
        """Applied online, waiting for the clerk's acceptance check (in the clerk's inbox)."""
        return self.submit("waiting", "fireworks", "enterprise", online=True)

    def opened(self) -> str:
        """A penalty case the market regulator opened (立案) on the enterprise: approved by
        the head, evidence being gathered (调查取证)."""
        s = "penalty"
        reply = self.call(self.cases.OpenCase, kpb.OpenCaseRequest(
            idempotency_key=self.key("case", s, "open"), item_id=self.items["penalty"],
            region=d.REGION, parties=[kpb.Applicant(
                name=d.ENTERPRISE.name, id_type=d.ENTERPRISE.id_type,
                id_number=d.ENTERPRISE.login)],
            facts="日常检查发现当事人未取得食品经营许可，在店内销售预包装食品。",
            source="inspection", legal_basis=[d.PENALTY_LAW],
            evidence=[kpb.EvidenceGiven(kind="inspection_record",
                                        description="现场检查笔录：货架陈列预包装食品32种，"
                                                    "当事人未能出示食品经营许可证")]),
            "inspector", "case penalty: open")
        number = reply.case.case_number
        self.case_numbers[s] = number
        self.act(s, "approve", "head", number, accept=kpb.Accept(opinion="同意立案调查"))
        self.act(s, "evidence", "inspector", number, record_evidence=kpb.RecordEvidence(
            evidence=kpb.EvidenceGiven(kind="documentary",
                                       description="进货凭证复印件5张，经当事人签字确认")))
        return number

    SCENARIOS = (("instant", "即办件：当场办结，已收费，已评价（满意）"),
                 ("finished", "承诺件：并联审批后准予许可，结果已公开，已办结，已评价（非常满意）"),
                 ("parallel", "承诺件：审查中，区消防大队并联出具消防意见"),
                 ("supplement", "补正中：缺少安全培训合格证明，计时暂停"),
                 ("rejected", "不予受理（材料齐全，说明理由）：监察预警"),
                 ("waiting", "网上申请，待窗口受理"),
                 ("opened", "立案调查：行政处罚案件，调查取证中"))

    def run(self) -> dict[str, Any]:
        made = self.make_accounts()
        self.say(f"demo accounts: {made} made, {len(d.STAFF) + 2 - made} there already")
        for item in d.ITEMS:
            self.items[item.key] = self.publish(item)
            self.say(f"demo item published: {item.draft['name']} ({self.items[item.key]})")
        for name, what in self.SCENARIOS:
            number = getattr(self, name)()
            self.say(f"demo case {number}: {what}")
        return {"version": KEY, "seeded_at": datetime.now(UTC).isoformat(),
                "items": self.items, "cases": self.case_numbers}


def wait_for_services(settings: Settings, wait_s: float,
                      say: Callable[[str], None]) -> bool:
    from cli.processes import wait_serving  # noqa: PLC0415

    if down := wait_serving(settings, SERVICES, wait_s):
        say(f"demo data: the node does not serve ({', '.join(down)}) after {wait_s:.0f}s")
        return False
    return True


def write_marker(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(content, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(path)


def seed(settings: Settings, wait_s: float, timeout_s: float,
         say: Callable[[str], None] = click.echo) -> int:
    """Seed the node's demo data unless it is off or there; the exit code."""
    from services.shared.territory import Territory  # noqa: PLC0415

    if not settings.demo_data:
        say("demo data: off (SUNLIGHT_DEMO_DATA=0)")
        return 0
    # the node's territory less the nodes below it by the registry (as its services judge
    # it): in a province the district's node seeds the district's demo, never the city's or
    # the province's as well (their regions cover it; the case numbers would collide)
    territory = Territory.of_node(settings.node_region, settings.territory_regions,
                                  settings.var_dir)
    if held_by := territory.holder(d.REGION):
        say(f"demo data: none here — 广安区 ({d.REGION}) is held by node {held_by} of the "
            f"province, which seeds it")
        return 0
    if not territory.holds(d.REGION):
        say(f"demo data: none — it is of 广安区 ({d.REGION}), which node "
            f"{settings.node_region} does not hold")
        return 0
    if not wait_for_services(settings, wait_s, say):
        return 1
    marker = marker_path(settings)
    seeder = Seeder(settings, timeout_s, say)
    try:
        if marker.exists():
            try:
                first = json.loads(marker.read_text("utf-8"))["items"]["fireworks"]
            except (ValueError, KeyError, TypeError):
                first = ""
            try:
                there = bool(first) and seeder.published(first)
            except SeedingFailed as failed:
                say(f"demo data: stopped at {failed}; the next start tries again")
                return 1
            if there:
                say(f"demo data: there already (since {marker}); nothing to do")
                say(accounts_text())
                return 0
            say("demo data: the marker names items the catalogue does not have (a new "
                "database?): seeding again")
        say("demo data: seeding (演示数据) — resumed without duplicates if interrupted")
        try:
            content = seeder.run()
        except SeedingFailed as failed:
            say(f"demo data: stopped at {failed}; the next start resumes")
            return 1
        write_marker(marker, content)
        say(f"demo data: done ({len(content['items'])} items, {len(content['cases'])} "
            f"cases); marker {marker}")
        say(accounts_text())
        return 0
    finally:
        seeder.close()


@click.group("demo")
def demo() -> None:
    """Demo data (演示数据) for a newcomer: demo items, accounts and cases."""


@demo.command("seed")
@click.option("--wait", "wait_s", type=float, default=300.0, show_default=True,
              help="seconds to wait for the node's services to serve")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=30.0,
              show_default=True, help="seconds to wait for each call")
def seed_command(wait_s: float, timeout_s: float) -> None:
    """Seed the demo data once (see README, "Demo data"); off with SUNLIGHT_DEMO_DATA=0."""
    sys.exit(seed(load_settings(), wait_s, timeout_s))


@demo.command("accounts")
def accounts_command() -> None:
    """Print the demo accounts and their password."""
    click.echo(accounts_text())
