"""Departments by their unified social credit code, on both databases: what was stored before
codes existed reaches its department after the upgrade (the migrations fill the columns the
checks and queues read; the JSON is read with the codes stated), and the service centre's
actions — urging a parallel branch, guiding or assisting an applicant — go through the case
service's one unit of work with their trace entries and events."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from services.cases import storage as kt
from services.cases.domain.engine import Accept, Assist, CompleteStep, UrgeBranch
from services.cases.domain.flow import ItemSnapshot
from services.cases.service import CaseService
from services.catalogue import storage as ct
from services.catalogue.domain.items import ItemContent, LegalCitation, Step
from services.catalogue.service import CatalogueService
from services.shared.db import Database
from services.shared.errors import PermissionDenied
from services.shared.migrations import downgrade, upgrade
from services.shared.working_days import WorkingCalendar
from tests.support.cases import (
    CLERK,
    DEPT_CODE,
    FIRE_CODE,
    FIRE_REVIEWER,
    REVIEWER,
    SUPERVISOR,
    active,
    application,
    item,
    key,
    staff,
)
from tests.support.catalogue_node import person
from tests.support.codes import implementation_code
from tests.support.departments import SERVICE_CENTRE

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "services" / "cases" / "migrations"
CATALOGUE = ROOT / "services" / "catalogue" / "migrations"
#: the revisions before department codes
CASES_BEFORE, CATALOGUE_BEFORE = "b3e1c2d4a5f6", "7c1e5a9d2f40"
WINDOW = staff("window-1", "window_clerk", SERVICE_CENTRE)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    return request.getfixturevalue("pg_database").url


def _drop(url: str, schema: str) -> None:
    """Leave nothing behind on the session's PostgreSQL (a SQLite file goes with its
    directory)."""
    if url.startswith("postgresql"):
        db = Database(url, schema, pool_size=1)
        with db.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        db.dispose()


def _without_codes(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {k: _without_codes(v) for k, v in value.items() if k != "department_code"}
    if isinstance(value, list):
        return [_without_codes(v) for v in value]
    return value


class Items:
    def __init__(self, snapshot: ItemSnapshot) -> None:
        self.snapshot = snapshot

    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        return self.snapshot


def test_cases_stored_before_codes_reach_their_department_after_the_upgrade(url) -> None:
    schema = f"legacy_cases_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=1)
    snapshot = ItemSnapshot(**{**item().__dict__, "code": implementation_code(),
                               "department_code": ""})  # stated from the code: DEPT_CODE
    service = CaseService(db, Items(snapshot), WorkingCalendar.official(), "510000")
    case = service.act(CLERK, service.submit(CLERK, application(snapshot), key()).number,
                       Accept(), key())
    db.dispose()
    # back to before codes, with the state and snapshot as they were written then
    downgrade(CASES, url, schema, CASES_BEFORE)
    db = Database(url, schema, pool_size=1)
    with db.begin() as c:
        for table, column, where in (("cases", "state", "case_number"),
                                     ("item_snapshots", "content", "item_id")):
            value = case.number if table == "cases" else snapshot.item_id
            stored = c.execute(text(f"SELECT {column} FROM {table} WHERE {where} = :v"),
                               {"v": value}).scalar_one()
            c.execute(text(f"UPDATE {table} SET {column} = :s WHERE {where} = :v"),
                      {"s": json.dumps(_without_codes(json.loads(stored)),
                                       ensure_ascii=False), "v": value})
    db.dispose()
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=1)
    try:
        with db.begin() as c:
            codes = dict(c.execute(select(kt.step_instances.c.key,
                                          kt.step_instances.c.department_code).where(
                kt.step_instances.c.case_number == case.number)).all())
        # the item's own steps take its code; a branch named then without one: unknown
        assert codes == {"accept": DEPT_CODE, "review": DEPT_CODE, "review/fire": ""}
        service = CaseService(db, Items(snapshot), WorkingCalendar.official(), "510000")
        decoded = service.get(CLERK, case.number)
        assert {i.key: i.department_code for i in decoded.instances} == codes
        entries, _ = service.queue(REVIEWER, "", "", "", False, False, 0, 50)
        assert [e[1].number for e in entries] == [case.number]
        with pytest.raises(PermissionDenied):  # its code was never known: not theirs
            service.act(FIRE_REVIEWER, case.number,
                        CompleteStep(active(decoded, "review/fire")), key())
        service.act(REVIEWER, case.number, CompleteStep(active(decoded, "review"), "同意"),
                    key())
    finally:
        db.dispose()
        _drop(url, schema)


def test_items_stored_before_codes_stay_their_departments_after_the_upgrade(url) -> None:
    schema = f"legacy_catalogue_{uuid.uuid4().hex[:6]}"
    upgrade(CATALOGUE, url, schema)
    db = Database(url, schema, pool_size=1)
    clerk = person("clerk-1", "clerk", department=DEPT_CODE)
    content = ItemContent(
        name="企业投资项目备案", code=implementation_code(), item_type="01", region="511602",
        department="区发展改革局", statutory_limit_days=20, promised_limit_days=5,
        steps=(Step("accept", "受理", 1, "clerk"), Step("decide", "决定", 3, "chief")),
        legal_basis=(LegalCitation("《企业投资项目核准和备案管理条例》", "第十三条"),))
    view = CatalogueService(db, "510000", WorkingCalendar.official()).create_item(
        clerk, content, key())
    db.dispose()
    downgrade(CATALOGUE, url, schema, CATALOGUE_BEFORE)
    db = Database(url, schema, pool_size=1)
    with db.begin() as c:  # as written before: no code in the content
        stored = c.execute(text("SELECT content FROM item_versions")).scalar_one()
        c.execute(text("UPDATE item_versions SET content = :c"),
                  {"c": json.dumps(_without_codes(json.loads(stored)), ensure_ascii=False)})
    db.dispose()
    upgrade(CATALOGUE, url, schema)
    db = Database(url, schema, pool_size=1)
    try:
        with db.begin() as c:
            assert c.execute(select(ct.items.c.department_code)).scalar_one() == DEPT_CODE
            assert c.execute(select(ct.item_versions.c.department_code)).scalar_one() == (
                DEPT_CODE)
        service = CatalogueService(db, "510000", WorkingCalendar.official())
        again = service.get_version(clerk, view.item_id, 1)
        assert again.content.department_code == DEPT_CODE
        service.submit(clerk, view.item_id, 1, key())  # its department acts on it, by code
        with pytest.raises(PermissionDenied):
            service.submit(person("x", "clerk", department=FIRE_CODE), view.item_id, 1,
                           key())
    finally:
        db.dispose()
        _drop(url, schema)


# --- the service centre, through the unit of work ------------------------------------------


@pytest.fixture()
def service(url):  # type: ignore[no-untyped-def]
    schema = f"centre_{uuid.uuid4().hex[:6]}"
    upgrade(CASES, url, schema)
    db = Database(url, schema, pool_size=2)
    yield CaseService(db, Items(item()), WorkingCalendar.official(), "510000")
    db.dispose()
    _drop(url, schema)


def _outbox(service: CaseService, number: str) -> list[dict]:
    with service.db.begin() as c:
        rows = c.execute(select(kt.outbox.c.body).where(kt.outbox.c.body.contains(number))
                         .order_by(kt.outbox.c.seq)).scalars().all()
    return [json.loads(r) for r in rows]


def test_the_service_centre_leads_a_parallel_approval(service) -> None:
    case = service.submit(CLERK, application(item()), key())
    case = service.act(CLERK, case.number, Accept(), key())
    fire = active(case, "review/fire")
    # window staff and supervisors see every running branch, whatever its department
    for who in (WINDOW, SUPERVISOR):
        entries, total = service.parallel_branches(who, "", False, 0, 50)
        assert [(i.instance_id, c.number) for i, c, _ in entries] == [(fire, case.number)]
        assert total == 1 and entries[0][0].department_code == FIRE_CODE
    assert service.parallel_branches(WINDOW, "", True, 0, 50) == ([], 0)  # none late yet
    with pytest.raises(PermissionDenied):
        service.parallel_branches(CLERK, "", False, 0, 50)
    urge_key = key()
    urged = service.act(WINDOW, case.number, UrgeBranch(fire, "请于周五前出具消防意见"), urge_key)
    assert service.act(WINDOW, case.number, UrgeBranch(fire, "请于周五前出具消防意见"),
                       urge_key) == urged  # the same key acts once
    assert [(u.instance_id, u.department_code, u.by) for u in urged.urges] == [
        (fire, FIRE_CODE, "window-1")]
    with pytest.raises(PermissionDenied):
        service.act(CLERK, urged.number, UrgeBranch(fire, "催办"), key())
    event = _outbox(service, case.number)[-1]
    assert event["type"] == "case.branch_urged"
    data = event["data"]
    assert (data["step"]["instance_id"], data["step"]["department_code"],
            data["step"]["urges"]) == (fire, FIRE_CODE, 1)
    assert (data["urge"]["department"], data["urge"]["note"], data["urge"]["by"]) == (
        "区消防救援大队", "请于周五前出具消防意见", "window-1")
    assert data["urge"]["due_date"] == data["step"]["due_date"] != ""
    assert (data["department_code"], data["handler_department_code"]) == (DEPT_CODE,
                                                                         SERVICE_CENTRE)
    trace = service.trace(CLERK, case.number)
    assert (trace[-1].action, trace[-1].actor, trace[-1].opinion, trace[-1].department) == (
        "case.branch_urged", "window-1", "请于周五前出具消防意见", SERVICE_CENTRE)
    # the stage joins: its outcome is recorded and published
    service.act(FIRE_REVIEWER, case.number, CompleteStep(fire, "同意"), key())
    joined = service.act(REVIEWER, case.number,
                         CompleteStep(active(urged, "review"), "同意"), key())
    [outcome] = joined.parallel_outcomes
    assert [(b.instance_id, b.days_late, b.urges) for b in outcome.branches] == [(fire, 0, 1)]
    published = next(e for e in _outbox(service, case.number)
                     if e["type"] == "case.branches_joined")
    branch = published["data"]["parallel_outcome"]["branches"][0]
    assert (branch["instance_id"], branch["department_code"], branch["urges"]) == (
        fire, FIRE_CODE, 1)
    assert service.parallel_branches(WINDOW, "", False, 0, 50) == ([], 0)
    assert service.verify(CLERK, case.number)[1] is None  # the trace holds


def test_window_staff_record_guiding_and_assisting(service) -> None:
    case = service.submit(WINDOW, application(item()), key())
    assisted = service.act(WINDOW, case.number, Assist("guide", "引导申请人在线填报"), key())
    assert [(a.kind.value, a.note, a.by) for a in assisted.assistance] == [
        ("guide", "引导申请人在线填报", "window-1")]
    for who in (CLERK, SUPERVISOR):
        with pytest.raises(PermissionDenied):
            service.act(who, case.number, Assist("assist", "帮办"), key())
    event = _outbox(service, case.number)[-1]
    assert event["type"] == "case.applicant_assisted"
    assert (event["data"]["assistance"]["kind"], event["data"]["assistance"]["note"]) == (
        "ASSISTANCE_KIND_GUIDE", "引导申请人在线填报")
    with service.db.begin() as c:
        assert c.execute(select(func.count()).select_from(kt.case_trace).where(
            kt.case_trace.c.case_number == case.number,
            kt.case_trace.c.action == "case.applicant_assisted")).scalar_one() == 1
