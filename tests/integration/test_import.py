"""The catalogue importer on PostgreSQL: the real Guang'an file (replayed into counties of
Liangshan, so that the session's other tests keep their own items), idempotent, published on
request, and safe when two imports of the same rows run at once."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf import json_format
from sqlalchemy import func, select
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from cli.tabular import read_rows
from services.catalogue import storage as t
from services.catalogue.contract import VersionView, content_to_pb, version_to_pb
from services.catalogue.domain.import_rows import SourceRow
from services.catalogue.domain.items import (
    Branch,
    HandlingMode,
    ItemContent,
    LegalCitation,
    Material,
    SpecialProcedure,
    Step,
    TimeUnit,
)
from services.catalogue.domain.lifecycle import OfflineReview, VersionStatus
from services.catalogue.importer import Importer, RowResult
from services.catalogue.service import CatalogueService
from services.shared import catalogue_csv
from services.shared.auth import Principal, permissions_of
from services.shared.code_tables import import_reason
from services.shared.db import Database
from services.shared.events import parse_event
from services.shared.migrations import upgrade
from services.shared.region_data import RegionDirectory
from tests.support.codes import implementation_code
from tests.support.data import GUANG_AN

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = GUANG_AN
ADMIN = Principal("importer-admin", ("admin",), ("510000",),
                  permissions=permissions_of(["admin"]))


class Changes:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def items_changed(self, item_ids: list[str]) -> None:
        self.ids.extend(item_ids)


@pytest.fixture(scope="module")
def db(pg_database) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    upgrade(ROOT / "services" / "catalogue" / "migrations", pg_database.url, "catalogue")
    database = Database(pg_database.url, "catalogue")
    yield database
    database.dispose()


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def importer(db: Database, changes: Changes) -> Importer:
    return Importer(CatalogueService(db, "510000", listeners=[changes]))


def rows_for(county: str) -> list[SourceRow]:
    """The real rows with their area code and the code's region part moved to ``county``."""
    assert RegionDirectory.load().exists(county)
    region12 = f"{county}000000"
    return [SourceRow(r.line, {**r.values, "area_code": region12,
                               "item_code": r.values["item_code"].replace("511602000000",
                                                                          region12)})
            for r in read_rows(CATALOGUE)]


#: a list reviewed outside the platform; the file has no legal basis, so one is added
OFFLINE = OfflineReview("li.na", "wang.fang", "川府发〔2024〕12号")
BASIS_MAPPING = json.dumps({"legal_basis": "legal_basis"})


def run(importer: Importer, rows: list[SourceRow], *, publish: bool = False,
        batch: int = 400) -> tuple[str, list[RowResult]]:
    key, import_id, results = uuid.uuid4().hex, "", []
    if publish:
        rows = [SourceRow(r.line, {**r.values, "legal_basis": "《中华人民共和国行政许可法》"})
                for r in rows]
    for index, start in enumerate(range(0, len(rows), batch)):
        import_id, got = importer.import_rows(ADMIN, "510000",
                                              BASIS_MAPPING if publish else "", publish,
                                              "guang_an.csv", import_id,
                                              rows[start:start + batch], f"{key}-{index}",
                                              OFFLINE if publish else None)
        results.extend(got)
    return import_id, results


def count(db: Database, table, *where) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_real_file_every_row_accounted_for_and_idempotent(importer: Importer, db: Database,
                                                          changes: Changes) -> None:
    county = "513432"
    import_id, results = run(importer, rows_for(county))
    assert [r.line for r in results] == list(range(2, 1137))
    assert Counter(r.outcome for r in results) == Counter(accepted=627, flagged=508)
    assert count(db, t.items, t.items.c.region == county) == 1135
    assert count(db, t.import_rows, t.import_rows.c.import_id == import_id) == 1135
    v = t.item_versions.c
    assert count(db, t.item_versions, v.region == county, v.status == "draft") == 1135
    events = count(db, t.outbox, t.outbox.c.body.like(f'%"region":"{county}"%'))
    assert events == 1135
    assert sorted(changes.ids) == sorted(r.item_id for r in results)

    again_id, again = run(importer, rows_for(county), batch=700)
    assert again_id != import_id
    assert [r.item_id for r in again] == [r.item_id for r in results]
    assert all(r.reasons[-1] == f"already in the catalogue: item {r.item_id} (unchanged)"
               for r in again)
    # PostgreSQL keeps each reason with its stable code; the report reads it in Chinese
    with db.transaction() as s:
        stored = [json.loads(x) for x in s.execute(select(t.import_rows.c.reasons).where(
            t.import_rows.c.import_id == again_id)).scalars()]
    assert all(reasons[-1]["code"] == "IMPORT_ALREADY_IN_CATALOGUE" for reasons in stored)
    said = import_reason(stored[0][-1])
    assert said.message == (f"清单中已有同一地区、同一实施编码的事项（{again[0].item_id}），"
                            "本行未作改动。")
    assert count(db, t.items, t.items.c.region == county) == 1135
    assert count(db, t.outbox, t.outbox.c.body.like(f'%"region":"{county}"%')) == events


def test_publish_reviewed_on_postgresql(importer: Importer, db: Database) -> None:
    county = "513433"
    _, results = run(importer, rows_for(county), publish=True)
    accepted = [r for r in results if r.outcome == "accepted"]
    assert len(accepted) == 627
    v = t.item_versions.c
    assert count(db, t.item_versions, v.region == county, v.status == "published") == 627
    assert count(db, t.item_versions, v.region == county, v.status == "draft") == 508
    r = t.item_reviews.c
    assert count(db, t.item_reviews, r.item_id.in_([a.item_id for a in accepted]),
                 r.reviewer.in_(["li.na", "wang.fang"]), r.document == OFFLINE.document
                 ) == 2 * 627
    assert sum(1 for _ in importer.service.export(county)) == 627
    view = importer.service.get_version(ADMIN, accepted[0].item_id, 0)
    assert view.published_by == "importer-admin" and view.current_version == 1


def test_two_imports_of_the_same_rows_at_once_make_each_item_once(importer: Importer,
                                                                   db: Database) -> None:
    county = "513434"
    rows = rows_for(county)
    outcomes: dict[str, list[RowResult]] = {}
    errors: list[BaseException] = []

    def one(name: str) -> None:
        try:
            outcomes[name] = run(importer, rows, batch=250)[1]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert count(db, t.items, t.items.c.region == county) == 1135
    assert [r.item_id for r in outcomes["a"]] == [r.item_id for r in outcomes["b"]]
    assert all(r.item_id for r in outcomes["a"])


def test_a_catalogue_csv_export_imports_on_postgresql(importer: Importer, db: Database
                                                      ) -> None:
    """Rows of the catalogue CSV carry whole contents (JSON in cells, texts with line breaks
    and quotes): through COPY and back, the same public content, published."""
    county = "513435"
    content = ItemContent(
        name="食品经营许可", code=implementation_code(county), item_type="01", region=county,
        department="县市场监督管理局", statutory_limit_days=20, promised_limit_days=10,
        limit_unit=TimeUnit.WORKING_DAYS, modes=(HandlingMode.IMMEDIATE, HandlingMode.PROMISED),
        special_procedures=(SpecialProcedure.ON_SITE_CHECK,),
        legal_basis=(LegalCitation("《中华人民共和国食品安全法》", "第三十五条", "",
                                   "国家对食品生产经营实行许可制度。\n\t\"引号\"、逗号,"),),
        acceptance_conditions=("两行\n的条件",), materials=(Material("申请书", key="form"),),
        steps=(Step("accept", "受理", 1, "clerk"),
               Step("check", "现场核查", 5, "inspector", parallel_branches=(
                   Branch("县卫生健康局", "卫生审查", 3, limit_unit=TimeUnit.CALENDAR_DAYS,
                          department_code="11513435008778490M"),)),
               Step("decide", "决定", 2, "chief", returns_to=("check",))))
    original = VersionView("it-x", 1, VersionStatus.PUBLISHED, content,
                           datetime.now(UTC), "someone", datetime.now(UTC), "someone")
    cells = catalogue_csv.row(json_format.MessageToDict(version_to_pb(original,
                                                                      internal=False),
                                                        preserving_proto_field_name=True))
    row = SourceRow(2, dict(zip(catalogue_csv.HEADER, cells, strict=True)))
    _, [result] = importer.import_rows(ADMIN, "510000", "", True, "export.csv", "", [row],
                                       uuid.uuid4().hex, OFFLINE)
    assert result.outcome == "accepted" and result.reasons == ()
    imported = importer.service.get_version(ADMIN, result.item_id, 0)
    assert imported.status is VersionStatus.PUBLISHED
    assert content_to_pb(imported.content, internal=False) == content_to_pb(
        content, internal=False)
    with db.transaction() as s:
        body = s.execute(select(t.outbox.c.body).where(
            t.outbox.c.body.like(f'%{result.item_id}%'))).scalar_one()
    event = parse_event(body).data_as(pb.ItemEvent)
    assert event.item.content == content_to_pb(imported.content)
