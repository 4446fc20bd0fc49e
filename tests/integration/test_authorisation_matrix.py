"""Who may do what, for which region and which department — through every gateway operation.

Principals of every role, in the item's region, another county, the city above, the province
and another province, with their own department and another, call every HTTP operation of the
gateway, which forwards to the real catalogue, case and supervision services (PostgreSQL).
Each cell acts on a resource of its own (an item of 区发展改革局 in 511602, drafted by that
department's clerk), so an allowed call answers 2xx and a refused one 401 or 403 — or 404 where
refusing would say that something exists. The test asserts the set of principals allowed for
each operation exactly, and then what each reader sees of internal fields.

Departments are told apart by their unified social credit code: a clerk whose token gives the
same department *name* with another code (``clerk_namesake``) is another department's clerk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from gateway.access import ACCESS
from gateway.backends import Backends
from gateway.http_api import create_app
from services.cases.server import build as build_cases
from services.catalogue.server import build as build_catalogue
from services.monitoring.projection import Projection
from services.monitoring.server import build as build_monitoring
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.outbox import outbox_table
from tests.support import departments
from tests.support.clients import OFFLINE_REVIEW
from tests.support.codes import implementation_code

pytestmark = pytest.mark.integration

DEPT, OTHER_DEPT = departments.DEVELOPMENT, departments.EDUCATION  # by their credit codes
DEPT_NAME = "区发展改革局"
REGION = "511602"

#: name → (roles, region, department code[, positions[, department name]]); None: no token
PRINCIPALS: dict[str, tuple | None] = {
    "anonymous": None,
    "clerk": (("clerk",), REGION, DEPT, (), DEPT_NAME),
    "chief": (("clerk",), REGION, DEPT, ("chief",)),
    "department_system": (("department_system",), REGION, DEPT),
    "clerk_other_dept": (("clerk",), REGION, OTHER_DEPT),
    "clerk_namesake": (("clerk",), REGION, departments.ENVIRONMENT, ("chief",), DEPT_NAME),
    "clerk_other_county": (("clerk",), "511603", DEPT),
    "city_clerk": (("clerk",), "511600", departments.CITY_DEVELOPMENT),
    "window": (("window_clerk",), REGION, departments.SERVICE_CENTRE),
    "window_other_county": (("window_clerk",), "511603", departments.SERVICE_CENTRE),
    "legal": (("legal_reviewer",), REGION, None),
    "legal_other_county": (("legal_reviewer",), "511603", None),
    "staffing": (("staffing_reviewer",), REGION, None),
    "supervisor": (("supervisor",), REGION, None),
    "supervisor_other_county": (("supervisor",), "511603", None),
    "province_admin": (("admin",), "510000", None),
    "guangdong_admin": (("admin",), "440000", None),
    "hall": (("hall",), "510000", None),
    "service": (("service",), "510000", None),
    # the applicant of every case here, signed in at the hall's portal (网上申请)
    "citizen": (("public",), REGION, None),
}
EVERYONE = frozenset(PRINCIPALS)
#: the fire brigade's clerk, who completes its branch on the way to a decision (no cell)
FIRE_STAFF = (("clerk",), REGION, departments.FIRE)
INTERNAL_READERS = frozenset({"clerk", "chief", "legal", "staffing", "supervisor",
                              "province_admin", "service"})
REGION_INTERNAL = frozenset({"clerk", "chief", "clerk_other_dept", "clerk_namesake",
                             "city_clerk", "legal", "staffing", "supervisor", "province_admin",
                             "service"})
#: who declares and edits the department's items (its staff, whatever their position)
DEPARTMENT_WRITERS = frozenset({"clerk", "chief", "province_admin"})
#: who reads a case's internal fields (applicant's identity, handlers, the trace)
CASE_INSIDERS = frozenset({"clerk", "chief", "department_system", "window", "supervisor",
                           "legal", "province_admin"})
#: who leads a parallel approval (服务中心协调并联审批): sees every branch and urges it
COORDINATORS = frozenset({"window", "supervisor", "province_admin"})


def key() -> str:
    return uuid.uuid4().hex


def running(case: dict[str, Any], step_key: str) -> str:
    return next(s["instance_id"] for s in case["steps"]
                if s["key"] == step_key and s["status"] == "STEP_STATUS_ACTIVE")


def draft_body() -> dict[str, Any]:
    """An item of 区发展改革局, named by its code; its review runs a branch of the fire
    brigade (区消防救援大队) in parallel."""
    return {"name": "企业投资项目备案", "code": implementation_code(REGION), "item_type": "01",
            "region": REGION, "department": DEPT_NAME, "department_code": DEPT,
            "statutory_limit_days": 20, "promised_limit_days": 10,
            "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}],
            "steps": [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
                      {"key": "review", "name": "审查", "limit_days": 3, "role": "clerk",
                       "parallel_branches": [{"key": "fire", "name": "消防意见",
                                              "department": "区消防救援大队",
                                              "department_code": departments.FIRE,
                                              "limit_days": 2, "role": "clerk"}]},
                      {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}]}


APPLICANT = {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}
#: principals whose token names another subject than ``matrix-<name>``
SUBJECTS = {"citizen": "id_card:" + APPLICANT["id_number"]}


@dataclass
class Node:
    """The gateway in front of the real services, and the tokens of the principals."""

    client: TestClient
    tokens: dict[str, dict[str, str]]
    projection: Projection
    cases_db: Database
    seen: set[int] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)  # item id → implementation code

    def as_(self, name: str) -> dict[str, str]:
        return self.tokens[name]

    def ok(self, response: Any, what: str) -> dict[str, Any]:
        assert response.status_code < 300, f"{what}: {response.status_code} {response.text}"
        return response.json()

    # --- resources, made by the department's clerk and the reviewers -----------------------
    def draft(self) -> str:
        body = draft_body()
        reply = self.client.post("/v1/items", headers=self.as_("clerk"), json={
            "idempotency_key": key(), "draft": body})
        item = self.ok(reply, "create")["item"]["item_id"]
        self.codes[item] = body["code"]
        return item

    def submitted(self) -> str:
        item = self.draft()
        self.ok(self.client.post(f"/v1/items/{item}/versions/1/submit",
                                 headers=self.as_("clerk"), json={"idempotency_key": key()}),
                "submit")
        return item

    def published(self) -> str:
        item = self.submitted()
        for reviewer, kind in (("legal", "legal"), ("staffing", "staffing")):
            self.ok(self.client.post(f"/v1/items/{item}/versions/1/review",
                                     headers=self.as_(reviewer),
                                     json={"idempotency_key": key(), "kind": kind,
                                           "decision": "approve"}), "review")
        return item

    def published_penalty(self) -> str:
        """A published penalty item: its cases are opened by the department (立案)."""
        body = {**draft_body(), "item_type": "02", "steps": [
            {"key": k, "name": n, "limit_days": 3, "role": r, "kind": f"STEP_KIND_{kind}"}
            for k, n, r, kind in (("open", "立案", "head", "OPENING"),
                                  ("notify", "告知", "clerk", "NOTIFICATION"),
                                  ("decide", "决定", "chief", "DECISION"))]}
        item = self.ok(self.client.post("/v1/items", headers=self.as_("province_admin"), json={
            "idempotency_key": key(), "draft": body}), "create")["item"]["item_id"]
        self.ok(self.client.post(f"/v1/items/{item}/versions/1/publish",
                                 headers=self.as_("province_admin"),
                                 json={"idempotency_key": key(), **OFFLINE_REVIEW}), "publish")
        return item

    def case(self, item: str) -> str:
        """A submitted application, awaiting acceptance."""
        reply = self.client.post("/v1/cases", headers=self.as_("clerk"), json={
            "idempotency_key": key(), "item_id": item, "region": REGION,
            "applicant": APPLICANT})
        return self.ok(reply, "submit")["case"]["case_number"]

    def act(self, who: str, number: str, **action: Any) -> dict[str, Any]:
        reply = self.client.post(f"/v1/cases/{number}/actions", headers=self.as_(who),
                                 json={"idempotency_key": key(), **action})
        return self.ok(reply, f"{next(iter(action))} by {who}")["case"]

    def accepted(self) -> tuple[str, str]:
        """A case accepted by the clerk, and its running review step."""
        number = self.case(self.published())
        case = self.act("clerk", number, accept={})
        return number, running(case, "review")

    def at_decision(self) -> str:
        number, review = self.accepted()
        self.act("fire", number, complete_step={"instance_id": self.branch(number)})
        self.act("clerk", number, complete_step={"instance_id": review})
        return number

    def branch(self, number: str) -> str:
        """The running fire branch of an accepted case."""
        case = self.ok(self.client.get(f"/v1/cases/{number}", headers=self.as_("clerk")),
                       "read")["case"]
        return running(case, "review/fire")

    def urgeable(self) -> tuple[str, str]:
        """An accepted case and its running parallel branch."""
        number, _ = self.accepted()
        return number, self.branch(number)

    def supervised_case(self, item: str) -> str:
        """A case whose events supervision has applied (as its worker would)."""
        number = self.case(item)
        table = outbox_table(MetaData())
        with self.cases_db.transaction() as s:
            rows = s.execute(select(table.c.seq, table.c.body).where(
                table.c.body.contains(number))).all()
        for seq, body in rows:
            if seq not in self.seen:
                self.projection.apply(parse_event(body))
                self.seen.add(seq)
        return number


@pytest.fixture(scope="module")
def node(pg_settings) -> Iterator[Node]:
    catalogue = build_catalogue(pg_settings, "127.0.0.1:0")
    catalogue_port = catalogue.start()
    settings = pg_settings.model_copy(update={"catalogue_port": catalogue_port})
    cases = build_cases(settings, "127.0.0.1:0")
    cases_port = cases.start()
    monitoring = build_monitoring(settings, "127.0.0.1:0")
    monitoring_port = monitoring.start()
    backends = Backends({"catalogue": f"127.0.0.1:{catalogue_port}",
                         "cases": f"127.0.0.1:{cases_port}",
                         "monitoring": f"127.0.0.1:{monitoring_port}"}, 10.0)
    tokens = {name: {} if spec is None else {"Authorization": "Bearer " + mint_token(
        settings.token_key, SUBJECTS.get(name, f"matrix-{name}"), spec[0], [spec[1]],
        department=spec[2],
        positions=spec[3] if len(spec) > 3 else (),
        department_name=spec[4] if len(spec) > 4 else "")}
        for name, spec in {**PRINCIPALS, "fire": FIRE_STAFF}.items()}
    url = settings.database_url.replace("postgresql://", "postgresql+psycopg://")
    monitoring_db, cases_db = Database(url, "monitoring"), Database(url, "cases")
    app = create_app(backends, "510000", "四川省", authenticator=Authenticator(settings.token_key))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Node(client, tokens, Projection(monitoring_db), cases_db)
    backends.close()
    monitoring_db.dispose()
    cases_db.dispose()
    for server in (monitoring, cases):
        server.stop(0)
    catalogue.stop(0)


@dataclass(frozen=True)
class Operation:
    """An operation of the gateway: ``prepare`` makes the resource it acts on (anew after a
    cell that changed it), ``call`` is what the principal sends."""

    name: str
    allowed: frozenset[str]
    call: Callable[[Node, dict[str, str], Any], Any]
    prepare: Callable[[Node], Any] = lambda node: None
    #: statuses that mean "refused" (404 where a refusal must not reveal existence)
    refusals: tuple[int, ...] = (401, 403)


def _review(kind: str) -> Callable[[Node, dict[str, str], Any], Any]:
    return lambda n, h, item: n.client.post(
        f"/v1/items/{item}/versions/1/review", headers=h,
        json={"idempotency_key": key(), "kind": kind, "decision": "approve"})


#: a region's readers of warnings and evaluations: its supervisors, legal office, services,
#: administrators, and the handlers of its departments (and of the city above)
REGION_READERS = frozenset({"clerk", "chief", "clerk_other_dept", "clerk_namesake",
                            "city_clerk", "department_system", "supervisor", "legal",
                            "province_admin", "service"})
CLERKS = frozenset({"clerk", "chief", "clerk_other_dept", "clerk_namesake",
                    "clerk_other_county", "city_clerk"})
SUPERVISORS = frozenset({"supervisor", "supervisor_other_county"})
ADMINS = frozenset({"province_admin", "guangdong_admin"})
#: who reads the lists of ratings, consultations and rectifications (their own part of them)
FEEDBACK_STAFF = frozenset({*CLERKS, "department_system", *SUPERVISORS, *ADMINS})


def _get(path: str, **params: str) -> Callable[[Node, dict[str, str], Any], Any]:
    return lambda n, h, _: n.client.get(path, headers=h, params=params)


OPERATIONS = [
    Operation("list published items", EVERYONE,
              lambda n, h, _: n.client.get("/v1/items", headers=h, params={"region": REGION})),
    Operation("search published items", EVERYONE,
              lambda n, h, _: n.client.get("/v1/items/search", headers=h,
                                           params={"q": "企业投资", "region": REGION})),
    Operation("search drafts", REGION_INTERNAL,
              lambda n, h, _: n.client.get("/v1/items/search", headers=h,
                                           params={"region": REGION, "status": "draft"})),
    Operation("read a published version", EVERYONE,
              lambda n, h, item: n.client.get(f"/v1/items/{item}/versions/0", headers=h),
              lambda n: n.published(), (401, 403, 404)),
    Operation("read a draft", INTERNAL_READERS,
              lambda n, h, item: n.client.get(f"/v1/items/{item}/versions/1", headers=h),
              lambda n: n.draft(), (401, 403, 404)),
    Operation("read an item's history", EVERYONE,
              lambda n, h, item: n.client.get(f"/v1/items/{item}/history", headers=h),
              lambda n: n.published(), (401, 403, 404)),
    Operation("export a region's catalogue (JSON)", EVERYONE,
              lambda n, h, _: n.client.get(f"/v1/regions/{REGION}/catalogue.json", headers=h)),
    Operation("export a region's catalogue (CSV)", EVERYONE,
              lambda n, h, _: n.client.get(f"/v1/regions/{REGION}/catalogue.csv", headers=h)),
    Operation("declare an item", DEPARTMENT_WRITERS,
              lambda n, h, _: n.client.post("/v1/items", headers=h, json={
                  "idempotency_key": key(), "draft": draft_body()})),
    Operation("edit a draft", DEPARTMENT_WRITERS,
              lambda n, h, item: n.client.put(f"/v1/items/{item}/versions/1", headers=h, json={
                  "idempotency_key": key(),
                  "draft": {**draft_body(), "code": n.codes[item], "name": "改名"}}),
              lambda n: n.draft(), (401, 403, 404)),
    Operation("submit a draft", DEPARTMENT_WRITERS,
              lambda n, h, item: n.client.post(f"/v1/items/{item}/versions/1/submit",
                                               headers=h, json={"idempotency_key": key()}),
              lambda n: n.draft()),
    Operation("legal review", frozenset({"legal", "province_admin"}), _review("legal"),
              lambda n: n.submitted()),
    Operation("staffing review", frozenset({"staffing", "province_admin"}),
              _review("staffing"), lambda n: n.submitted()),
    Operation("publish a list reviewed outside the platform", frozenset({"province_admin"}),
              lambda n, h, item: n.client.post(f"/v1/items/{item}/versions/1/publish",
                                               headers=h, json={"idempotency_key": key(),
                                                                **OFFLINE_REVIEW}),
              lambda n: n.draft()),
    Operation("draft the next version", DEPARTMENT_WRITERS,
              lambda n, h, item: n.client.post(f"/v1/items/{item}/versions", headers=h,
                                               json={"idempotency_key": key()}),
              lambda n: n.published()),
    Operation("suspend an item", frozenset({"staffing", "province_admin"}),
              lambda n, h, item: n.client.post(f"/v1/items/{item}/adjust", headers=h, json={
                  "idempotency_key": key(), "action": "suspend", "reason": "法律修订中"}),
              lambda n: n.published()),
    Operation("record a legal basis change", frozenset({"legal", "province_admin"}),
              lambda n, h, item: n.client.post("/v1/changes", headers=h, json={
                  "idempotency_key": key(), "kind": "legal_basis", "item_id": item,
                  "basis": "《行政许可法》", "description": "第十二条修订",
                  "effective_on": "2026-11-02"}),
              lambda n: n.published()),
    Operation("record a change of a department's functions",
              frozenset({"staffing", "province_admin"}),
              lambda n, h, _: n.client.post("/v1/changes", headers=h, json={
                  "idempotency_key": key(), "kind": "functions", "region": REGION,
                  "department_code": DEPT, "basis": "机构改革方案", "description": "职能划转",
                  "effective_on": "2026-11-02"}),
              lambda n: n.published()),
    Operation("list change obligations", REGION_INTERNAL,
              lambda n, h, _: n.client.get("/v1/obligations", headers=h,
                                           params={"region": REGION})),
    Operation("submit an application",  # the citizen applies online for themselves
              frozenset({"clerk", "chief", "department_system", "window", "province_admin",
                         "citizen"}),
              lambda n, h, item: n.client.post("/v1/cases", headers=h, json={
                  "idempotency_key": key(), "item_id": item, "region": REGION,
                  "applicant": APPLICANT}),
              lambda n: n.published()),
    Operation("open a case (立案)",  # the department's own staff and system
              frozenset({"clerk", "chief", "department_system", "province_admin"}),
              lambda n, h, item: n.client.post("/v1/case-openings", headers=h, json={
                  "idempotency_key": key(), "item_id": item, "region": REGION,
                  "parties": [APPLICANT], "facts": "现场检查发现", "source": "inspection",
                  "legal_basis": ["《企业投资项目核准和备案管理条例》第十三条"]}),
              lambda n: n.published_penalty()),
    Operation("accept an application (受理)",  # the acceptance step is the clerk's post
              frozenset({"clerk", "department_system", "window", "province_admin"}),
              lambda n, h, number: n.client.post(f"/v1/cases/{number}/actions", headers=h,
                                                 json={"idempotency_key": key(),
                                                       "accept": {}}),
              lambda n: n.case(n.published())),
    Operation("complete a step", frozenset({"clerk", "department_system", "province_admin"}),
              lambda n, h, case: n.client.post(f"/v1/cases/{case[0]}/actions", headers=h,
                                               json={"idempotency_key": key(),
                                                     "complete_step": {
                                                         "instance_id": case[1]}}),
              lambda n: n.accepted()),
    Operation("decide (决定)", frozenset({"chief", "department_system", "province_admin"}),
              lambda n, h, number: n.client.post(f"/v1/cases/{number}/actions", headers=h,
                                                 json={"idempotency_key": key(), "decide": {
                                                     "outcome": "approve"}}),
              lambda n: n.at_decision()),
    Operation("reassign a step", frozenset({"supervisor", "province_admin"}),
              lambda n, h, case: n.client.post(f"/v1/cases/{case[0]}/actions", headers=h,
                                               json={"idempotency_key": key(), "reassign": {
                                                   "instance_id": case[1],
                                                   "to": "matrix-chief"}}),
              lambda n: n.accepted()),
    Operation("read a case", frozenset({*CASE_INSIDERS, "hall", "service", "citizen"}),
              lambda n, h, number: n.client.get(f"/v1/cases/{number}", headers=h),
              lambda n: n.case(n.published())),
    Operation("read a case's trace", CASE_INSIDERS,
              lambda n, h, number: n.client.get(f"/v1/cases/{number}/trace", headers=h),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("verify a case's trace", frozenset({*CASE_INSIDERS, "service"}),
              lambda n, h, number: n.client.get(f"/v1/cases/{number}/trace/verify",
                                                headers=h),
              lambda n: n.case(n.published()), (401, 403, 404)),
    # supervisors read the queues of their regions (case.reassign) to reassign their steps
    Operation("a handler's queue",
              frozenset({"clerk", "chief", "clerk_other_dept", "clerk_namesake",
                         "clerk_other_county", "city_clerk", "department_system",
                         "province_admin", "supervisor", "supervisor_other_county"}),
              lambda n, h, _: n.client.get("/v1/queue", headers=h)),
    Operation("the queue of 区发展改革局, by its code",  # its staff, wherever they act
              frozenset({"clerk", "chief", "department_system", "clerk_other_county",
                         "province_admin", "supervisor", "supervisor_other_county"}),
              lambda n, h, _: n.client.get("/v1/queue", headers=h,
                                           params={"department_code": DEPT})),
    Operation("running parallel branches of every department", COORDINATORS,
              lambda n, h, _: n.client.get("/v1/parallel-branches", headers=h,
                                           params={"region": REGION})),
    Operation("urge a parallel branch (催办)", COORDINATORS,
              lambda n, h, case: n.client.post(f"/v1/cases/{case[0]}/actions", headers=h,
                                               json={"idempotency_key": key(), "urge": {
                                                   "instance_id": case[1],
                                                   "note": "请尽快出具意见"}}),
              lambda n: n.urgeable()),
    Operation("guide or assist the applicant (领办 / 帮办)",
              frozenset({"window", "province_admin"}),
              lambda n, h, number: n.client.post(f"/v1/cases/{number}/actions", headers=h,
                                                 json={"idempotency_key": key(), "assist": {
                                                     "kind": "guide",
                                                     "note": "引导填写申请表"}}),
              lambda n: n.case(n.published())),
    Operation("read supervision's record", frozenset({"supervisor", "legal",
                                                      "province_admin", "service"}),
              lambda n, h, number: n.client.get(f"/v1/supervision/cases/{number}", headers=h),
              lambda n: n.supervised_case(n.published()), (401, 403, 404)),
    Operation("the node and its health", EVERYONE,
              lambda n, h, _: n.client.get("/v1/node", headers=h)),
    # --- the operations added since the first matrix -------------------------------------
    *(Operation(f"public read {path}", EVERYONE, _get(path))
      for path in ("/", "/v1/", "/v1/methods", "/healthz", "/v1/feedback/indicators")),
    Operation("search the province's published items", EVERYONE,
              _get("/v1/province/items/search", q="企业投资")),
    Operation("what my token may call", EVERYONE - {"anonymous"},
              _get("/v1/methods/allowed")),
    Operation("an item's delegations (下放)", INTERNAL_READERS,
              lambda n, h, item: n.client.get(f"/v1/items/{item}/delegations", headers=h),
              lambda n: n.published(), (401, 403, 404)),
    Operation("a case's status", frozenset({*CASE_INSIDERS, "hall", "service", "citizen"}),
              lambda n, h, number: n.client.get(f"/v1/cases/{number}/status", headers=h),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("look a case up by number and name", frozenset({*CASE_INSIDERS, "hall",
                                                               "service"}),
              lambda n, h, number: n.client.post("/v1/cases/lookup", headers=h, json={
                  "case_number": number, "applicant_name": APPLICANT["name"]}),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("a case's documents", frozenset({*CASE_INSIDERS, "citizen"}),
              lambda n, h, number: n.client.get(f"/v1/cases/{number}/documents", headers=h),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("who read a case (查阅记录)", frozenset({"supervisor", "legal", "province_admin",
                                                   "service", "citizen"}),
              lambda n, h, number: n.client.get(f"/v1/cases/{number}/accesses", headers=h),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("my cases", frozenset({"citizen"}), _get("/v1/my/cases")),
    # the audit (审计记录): supervisors and administrators of the region, no one else
    Operation("the audit of case-file reads", frozenset({"supervisor", "province_admin"}),
              lambda n, h, number: n.client.get("/v1/audit/case-reads", headers=h, params={
                  "case_number": number}),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("the audit of a region's case-file reads",
              frozenset({"supervisor", "province_admin"}),
              _get("/v1/audit/case-reads", region=REGION)),
    # hand-overs between nodes (上报件): administrators and supervisors of the region
    Operation("hand-overs of a case", frozenset({"supervisor", "province_admin"}),
              lambda n, h, number: n.client.get("/v1/handovers", headers=h, params={
                  "case_number": number}),
              lambda n: n.case(n.published()), (401, 403, 404)),
    Operation("a region's failing hand-overs", frozenset({"supervisor", "province_admin"}),
              _get("/v1/handovers", region=REGION, state="failing")),
    # lists answer every holder of a role that reads them, for regions their token covers,
    # filtered to what each may read (a clerk their department's rows)
    Operation("warnings", REGION_READERS,
              _get("/v1/supervision/warnings", region=REGION)),
    Operation("notifications", EVERYONE - {"anonymous"},
              _get("/v1/supervision/notifications")),
    *(Operation(f"efficiency evaluation{suffix}", REGION_READERS,
                _get(f"/v1/supervision/evaluation{suffix}", region=REGION, period="2026-11"))
      for suffix in ("", ".csv", ".svg")),
    # feedback's lists take no region: anyone who reads them gets their own (or none)
    Operation("complaints", frozenset({*CLERKS, "legal", "legal_other_county", *SUPERVISORS,
                                       *ADMINS, "citizen"}),
              _get("/v1/complaints")),
    Operation("ratings", frozenset({*FEEDBACK_STAFF, "citizen"}), _get("/v1/ratings")),
    Operation("consultations", frozenset({*FEEDBACK_STAFF, "citizen"}),
              _get("/v1/consultations")),
    Operation("rectifications", FEEDBACK_STAFF, _get("/v1/rectifications")),
]

#: operation name → the (METHOD, path) of the OpenAPI document it exercises
ROUTES: dict[str, tuple[str, str]] = {
    "list published items": ("GET", "/v1/items"),
    "search published items": ("GET", "/v1/items/search"),
    "search drafts": ("GET", "/v1/items/search"),
    "read a published version": ("GET", "/v1/items/{item_id}/versions/{version}"),
    "read a draft": ("GET", "/v1/items/{item_id}/versions/{version}"),
    "read an item's history": ("GET", "/v1/items/{item_id}/history"),
    "export a region's catalogue (JSON)": ("GET", "/v1/regions/{region}/catalogue.json"),
    "export a region's catalogue (CSV)": ("GET", "/v1/regions/{region}/catalogue.csv"),
    "declare an item": ("POST", "/v1/items"),
    "edit a draft": ("PUT", "/v1/items/{item_id}/versions/{version}"),
    "submit a draft": ("POST", "/v1/items/{item_id}/versions/{version}/submit"),
    "legal review": ("POST", "/v1/items/{item_id}/versions/{version}/review"),
    "staffing review": ("POST", "/v1/items/{item_id}/versions/{version}/review"),
    "publish a list reviewed outside the platform":
        ("POST", "/v1/items/{item_id}/versions/{version}/publish"),
    "draft the next version": ("POST", "/v1/items/{item_id}/versions"),
    "suspend an item": ("POST", "/v1/items/{item_id}/adjust"),
    "record a legal basis change": ("POST", "/v1/changes"),
    "record a change of a department's functions": ("POST", "/v1/changes"),
    "list change obligations": ("GET", "/v1/obligations"),
    "submit an application": ("POST", "/v1/cases"),
    "open a case (立案)": ("POST", "/v1/case-openings"),
    **{name: ("POST", "/v1/cases/{case_number}/actions") for name in (
        "accept an application (受理)", "complete a step", "decide (决定)", "reassign a step",
        "urge a parallel branch (催办)", "guide or assist the applicant (领办 / 帮办)")},
    "read a case": ("GET", "/v1/cases/{case_number}"),
    "read a case's trace": ("GET", "/v1/cases/{case_number}/trace"),
    "verify a case's trace": ("GET", "/v1/cases/{case_number}/trace/verify"),
    "a handler's queue": ("GET", "/v1/queue"),
    "the queue of 区发展改革局, by its code": ("GET", "/v1/queue"),
    "running parallel branches of every department": ("GET", "/v1/parallel-branches"),
    "read supervision's record": ("GET", "/v1/supervision/cases/{case_number}"),
    "the node and its health": ("GET", "/v1/node"),
    **{f"public read {path}": ("GET", path)
       for path in ("/", "/v1/", "/v1/methods", "/healthz", "/v1/feedback/indicators")},
    "search the province's published items": ("GET", "/v1/province/items/search"),
    "what my token may call": ("GET", "/v1/methods/allowed"),
    "an item's delegations (下放)": ("GET", "/v1/items/{item_id}/delegations"),
    "a case's status": ("GET", "/v1/cases/{case_number}/status"),
    "look a case up by number and name": ("POST", "/v1/cases/lookup"),
    "a case's documents": ("GET", "/v1/cases/{case_number}/documents"),
    "who read a case (查阅记录)": ("GET", "/v1/cases/{case_number}/accesses"),
    "my cases": ("GET", "/v1/my/cases"),
    "the audit of case-file reads": ("GET", "/v1/audit/case-reads"),
    "the audit of a region's case-file reads": ("GET", "/v1/audit/case-reads"),
    "hand-overs of a case": ("GET", "/v1/handovers"),
    "a region's failing hand-overs": ("GET", "/v1/handovers"),
    "warnings": ("GET", "/v1/supervision/warnings"),
    "notifications": ("GET", "/v1/supervision/notifications"),
    **{f"efficiency evaluation{suffix}": ("GET", f"/v1/supervision/evaluation{suffix}")
       for suffix in ("", ".csv", ".svg")},
    "complaints": ("GET", "/v1/complaints"),
    "ratings": ("GET", "/v1/ratings"),
    "consultations": ("GET", "/v1/consultations"),
    "rectifications": ("GET", "/v1/rectifications"),
}

#: operations of the OpenAPI document the matrix does not call, each with the reason; an
#: operation neither called nor named here fails ``test_the_matrix_covers_every_operation``
NOT_IN_MATRIX: dict[tuple[str, str], str] = {
    ("POST", "/v1/items/{item_id}/delegations"):
        "an item of the city above and the node below it: tests/e2e/city_district/"
        "test_delegation.py",
    ("GET", "/v1/cases/{case_number}/documents/{document_id}"):
        "a decided case and its document: tests/integration/test_case_documents.py",
    ("GET", "/v1/cases/{case_number}/documents/{document_id}/verify"):
        "a decided case and its document: tests/integration/test_case_documents.py",
    ("POST", "/v1/documents/verify"): "a signed document: tests/integration/test_case_documents.py",
    **{route: "feedback writes need a complaint, rating or consultation of their own: "
              "tests/integration/test_feedback_grpc.py, test_consultations_grpc.py"
       for route in (("POST", "/v1/complaints"), ("GET", "/v1/complaints/{complaint_id}"),
                     ("POST", "/v1/complaints/{complaint_id}/actions"),
                     ("POST", "/v1/ratings"), ("POST", "/v1/ratings/{rating_id}/appeal"),
                     ("POST", "/v1/ratings/{rating_id}/appeal/decision"),
                     ("POST", "/v1/rectifications/{task_id}/complete"),
                     ("POST", "/v1/consultations"),
                     ("POST", "/v1/consultations/{consultation_id}/read"),
                     ("POST", "/v1/consultations/{consultation_id}/actions"))},
    **{route: "a warning raised by supervision's clock: "
                    "tests/integration/test_supervision_warnings.py"
       for route in (("GET", "/v1/supervision/warnings/{warning_id}"),
                     ("POST", "/v1/supervision/warnings/{warning_id}/actions"))},
}


def _openapi_operations() -> set[tuple[str, str]]:
    backends = Backends({"catalogue": "127.0.0.1:1", "cases": "127.0.0.1:1",
                         "monitoring": "127.0.0.1:1"}, 1.0)
    try:
        document = create_app(backends, "510000", "四川省").openapi()
    finally:
        backends.close()
    return {(method.upper(), path) for path, operations in document["paths"].items()
            for method in operations}


def test_the_matrix_covers_every_operation_of_the_openapi_document() -> None:
    operations = _openapi_operations()
    names = {operation.name for operation in OPERATIONS}
    assert names == set(ROUTES), ("operations without a route, routes without an operation",
                                  sorted(names ^ set(ROUTES)))
    called = set(ROUTES.values())
    uncovered = sorted(operations - called - set(NOT_IN_MATRIX))
    assert not uncovered, f"operations the matrix neither calls nor exempts: {uncovered}"
    stale = sorted((called | set(NOT_IN_MATRIX)) - operations)
    assert not stale, f"the matrix names operations the gateway does not have: {stale}"
    assert not called & set(NOT_IN_MATRIX), "exempted and called"


#: roles ``gateway.access`` lists for an operation that no principal of the matrix holding
#: them is allowed, and why (a region, a department or a relation the matrix's cells lack)
LISTED_NEVER_ALLOWED: dict[tuple[tuple[str, str], str], str] = {
    **{(("POST", "/v1/items/{item_id}/versions/{version}/publish"), role):
       "publishing needs both reviews: a reviewer holds one of them only"
       for role in ("legal_reviewer", "staffing_reviewer")},
    (("POST", "/v1/case-openings"), "window_clerk"):
        "立案 is the item's department's own act; the window accepts applications",
    (("POST", "/v1/cases/{case_number}/actions"), "public"):
        "the applicant's actions (supplement, withdraw) are not among the matrix's cells",
}


def test_the_matrix_agrees_with_the_access_table() -> None:
    """``gateway.access`` (x-sunlight-roles, /v1/methods/allowed) was written by reading the
    services; the matrix calls them. A principal allowed a call must hold a role the table
    lists (or the table must say anyone may), and a role the table lists must be allowed to
    some principal holding it, or say here why not."""
    wrong: list[str] = []
    allowed_roles: dict[tuple[str, str], set[str]] = {}
    for operation in OPERATIONS:
        route = ROUTES[operation.name]
        access = ACCESS[route]
        for name in operation.allowed:
            spec = PRINCIPALS[name]
            if spec is None:
                if not access.anonymous:
                    wrong.append(f"{route}: allowed without a token, the table says not")
                continue
            allowed_roles.setdefault(route, set()).update(spec[0])
            if not access.allows(spec[0]):
                wrong.append(f"{route} ({operation.name}): {name} is allowed, but the table "
                             f"lists {access.roles()}")
    held = {role for spec in PRINCIPALS.values() if spec for role in spec[0]}
    for route, roles in allowed_roles.items():
        for role in sorted(set(ACCESS[route].roles()) & held - roles):
            if (route, role) not in LISTED_NEVER_ALLOWED:
                wrong.append(f"{route}: the table lists {role}, but no {role} of the matrix "
                             "is allowed it")
    assert not wrong, "\n".join(wrong)


def test_every_operation_is_allowed_to_exactly_its_principals(node: Node) -> None:
    """Walk every cell; collect every difference, so that one run shows them all. A cell
    gets a fresh resource when the one before it changed it (a write that was done); a
    refused call or a read leaves it as it was, and the next principal acts on the same."""
    wrong: list[str] = []
    for operation in OPERATIONS:
        allowed: set[str] = set()
        reads = ROUTES[operation.name][0] == "GET"
        resource, fresh = None, False
        for name in PRINCIPALS:
            if not fresh:
                resource, fresh = operation.prepare(node), True
            response = operation.call(node, node.as_(name), resource)
            if response.status_code < 300:
                allowed.add(name)
                fresh = reads
            elif response.status_code not in operation.refusals:
                wrong.append(f"{operation.name} by {name}: neither done nor refused: "
                             f"{response.status_code} {response.text[:200]}")
        if allowed != operation.allowed:
            wrong.append(f"{operation.name}: allowed {sorted(allowed)}, expected "
                         f"{sorted(operation.allowed)} (extra: "
                         f"{sorted(allowed - operation.allowed)}, missing: "
                         f"{sorted(operation.allowed - allowed)})")
    assert not wrong, "\n".join(wrong)


def test_internal_fields_only_for_those_who_may_read_them(node: Node) -> None:
    item = node.published()
    number = node.case(item)
    for name in PRINCIPALS:
        headers = node.as_(name)
        version = node.ok(node.client.get(f"/v1/items/{item}/versions/0", headers=headers),
                          "read")["item"]
        internal = name in INTERNAL_READERS
        assert bool(version["created_by"]) is internal, name
        assert bool(version["content"]["steps"][0]["role"]) is internal, name
        assert all(bool(r["reviewer"]) is internal for r in version["reviews"]), name
        history = node.ok(node.client.get(f"/v1/items/{item}/history", headers=headers),
                          "history")["entries"]
        assert all(bool(e["actor"]) is internal and e["office"] for e in history), name
        reply = node.client.get(f"/v1/cases/{number}", headers=headers)
        if reply.status_code == 200:
            case = reply.json()["case"]
            sees_identity = name in CASE_INSIDERS or name == "citizen"  # their own
            assert bool(case.get("applicant", {}).get("id_number")) is sees_identity, name
            assert bool(case["steps"][0]["role"]) is sees_identity, name
            assert "trace" not in case and "allowed_actions" in case
    # the fire brigade handles the item's parallel branch (并联): its staff read the published
    # version's internal fields (the risk points whose countermeasures they state)
    branch = node.ok(node.client.get(f"/v1/items/{item}/versions/0", headers=node.as_("fire")),
                     "read")["item"]
    assert branch["created_by"] and branch["content"]["steps"][0]["role"]


def test_a_refused_caller_gets_no_replay_of_another_request(node: Node) -> None:
    """Idempotency keys belong to their subject; a refused caller learns nothing from one."""
    item = node.published()
    body = {"idempotency_key": key(), "item_id": item, "region": REGION,
            "applicant": APPLICANT}
    node.ok(node.client.post("/v1/cases", headers=node.as_("clerk"), json=body), "open")
    for name in ("clerk_other_dept", "legal", "guangdong_admin", "anonymous"):
        reply = node.client.post("/v1/cases", headers=node.as_(name), json=body)
        assert reply.status_code in (401, 403), (name, reply.status_code, reply.text)
        assert "case" not in reply.json(), name
