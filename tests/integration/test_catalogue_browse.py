"""Browsing the published catalogue over gRPC (SearchItems with facets and page numbers), the
real Guang'an catalogue on PostgreSQL and on SQLite: counts, order, pages, classified items
left out, and what the guide does not state.

On PostgreSQL the items live in two counties of 阿坝州 nobody else's tests use (汶川 513221,
理县 513222), and every count is taken within them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass

import grpc
import pytest
from sqlalchemy import select
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from services.catalogue import storage as t
from services.catalogue.api import CatalogueServicer
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator, ServiceToken
from services.shared.collation import pinyin_key
from services.shared.db import Database
from services.shared.grpc_client import metadata
from services.shared.token_keys import TokenKey
from services.shared.working_days import WorkingCalendar
from tests.support.catalogue_node import publish
from tests.support.guang_an import publish_guang_an
from tests.support.guides import DEPT, LICENCE_NAME, licence

pytestmark = pytest.mark.integration

SECRET = TokenKey.generate().to_text()
COUNTY, OTHER_COUNTY, CITY = "513221", "513222", "513200"
SECRET_DEPT = "区国家安全局"  # only its classified item
PART = pb.GuidePart


@dataclass
class Browse:
    stub: pb_grpc.CatalogueServiceStub
    db: Database
    ids: dict[str, str]  # name → item id, imported items
    licence_id: str
    kept: list[tuple[str, str, str]]  # (name, department, type) of every imported item

    def search(self, **fields: object) -> pb.SearchItemsResponse:
        token = ServiceToken(SECRET, "hall", ["510000"], roles=("hall",))
        return self.stub.SearchItems(pb.SearchItemsRequest(**fields),
                                     metadata=metadata(token.header()), timeout=10)

    def get(self, item_id: str) -> pb.ItemVersion:
        token = ServiceToken(SECRET, "hall", ["510000"], roles=("hall",))
        return self.stub.GetItemVersion(pb.GetItemVersionRequest(item_id=item_id),
                                        metadata=metadata(token.header()), timeout=10).item


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def browse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Browse]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('browse')}/catalogue.db"
        db = Database(url, "catalogue")
        t.metadata.create_all(db.engine)
    else:
        db = Database(request.getfixturevalue("pg_settings").database_url, "catalogue")
    ids = publish_guang_an(db, COUNTY)
    index = SearchIndex(db)
    service = CatalogueService(db, "510000", WorkingCalendar.official(), listeners=[index])
    index.load()
    licence_id = publish(service, licence(OTHER_COUNTY))
    publish(service, licence(COUNTY, name="涉密场所卫生许可", classified=True,
                             department=SECRET_DEPT, body=None))
    with db.read() as s:
        v = t.item_versions.c
        kept = [tuple(r) for r in s.execute(select(v.name, v.department, v.item_type).where(
            v.region == COUNTY, v.classified.is_(False)))]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CatalogueServiceServicer_to_server(CatalogueServicer(
        service, Authenticator(SECRET), index, Importer(service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Browse(pb_grpc.CatalogueServiceStub(channel), db, ids, licence_id, kept)
    finally:
        channel.close()
        server.stop(0)
        db.dispose()


def counts(facets: object) -> dict[str, int]:
    return {f.value: f.count for f in facets}  # type: ignore[attr-defined]


def test_facets_count_the_county_and_leave_the_classified_item_out(browse: Browse) -> None:
    found = browse.search(region=COUNTY, page_size=20, facets=True)
    assert found.total == len(browse.kept) > 1000
    assert counts(found.facets.departments) == Counter(d for _, d, _ in browse.kept)
    assert counts(found.facets.item_types) == Counter(k for _, _, k in browse.kept)
    assert counts(found.facets.exercise_levels) == {"4": found.total}
    assert counts(found.facets.regions) == {COUNTY: found.total}
    assert SECRET_DEPT not in counts(found.facets.departments)
    # the city counts its counties, one level down
    city = browse.search(region=CITY, page_size=1, facets=True)
    assert counts(city.facets.regions) == {COUNTY: found.total, OTHER_COUNTY: 1}
    assert counts(city.facets.departments)[DEPT] == counts(found.facets.departments)[DEPT] + 1


def test_each_facet_leaves_its_own_filter_out(browse: Browse) -> None:
    everything = browse.search(region=COUNTY, facets=True)
    licences = browse.search(region=COUNTY, item_type="01", facets=True)
    assert licences.total == sum(1 for _, _, k in browse.kept if k == "01")
    # another type is one click away: the type counts are those without the type filter
    assert counts(licences.facets.item_types) == counts(everything.facets.item_types)
    # the departments count licences only
    assert counts(licences.facets.departments) == Counter(
        d for _, d, k in browse.kept if k == "01")
    one = browse.search(region=COUNTY, department="区人社局", item_type="01", facets=True)
    assert counts(one.facets.departments) == counts(licences.facets.departments)
    assert sum(counts(one.facets.item_types).values()) == sum(
        1 for _, d, _ in browse.kept if d == "区人社局")


def test_a_text_search_counts_what_it_found(browse: Browse) -> None:
    found = browse.search(query="备案", region=COUNTY, page_size=100, facets=True)
    assert found.total == sum(1 for n, _, _ in browse.kept if "备案" in n)
    assert sum(counts(found.facets.departments).values()) == found.total
    assert sum(counts(found.facets.item_types).values()) == found.total


def test_pages_by_number_and_names_in_pinyin_order(browse: Browse) -> None:
    walked: list[str] = []
    token = ""
    for _ in range(3):
        page = browse.search(region=COUNTY, page_size=25, page_token=token)
        walked += [h.item.content.name for h in page.hits]
        token = page.next_page_token
    third = browse.search(region=COUNTY, page_size=25, page=3)
    assert [h.item.content.name for h in third.hits] == walked[50:75]
    assert third.total == len(browse.kept)
    everything = [h.item.content.name for h in browse.search(
        region=COUNTY, page_size=100, page=1).hits]
    assert everything == sorted(everything, key=pinyin_key) != sorted(everything)
    assert everything[0].startswith("80")  # 80周岁以上老年人高龄津贴发放, then 阿, 安 …
    last = browse.search(region=COUNTY, page_size=100, page=(len(browse.kept) + 99) // 100)
    assert last.hits and not last.next_page_token
    assert not browse.search(region=COUNTY, page_size=100, page=99).hits
    with pytest.raises(grpc.RpcError) as both:
        browse.search(region=COUNTY, page=2, page_token=page.next_page_token)
    assert both.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_an_imported_guide_states_what_it_does_not_know(browse: Browse) -> None:
    imported = browse.get(browse.ids["企业投资项目备案（技术改造）（市级/县级）"])
    assert not imported.content.materials and not imported.content.fees
    assert list(imported.unconfirmed) == [
        PART.GUIDE_PART_MATERIALS, PART.GUIDE_PART_FEES,
        PART.GUIDE_PART_ACCEPTANCE_CONDITIONS, PART.GUIDE_PART_FLOW, PART.GUIDE_PART_LIMITS]
    assert not imported.flags  # the doubts themselves stay internal
    declared = browse.get(browse.licence_id)
    assert declared.content.name == LICENCE_NAME and not declared.unconfirmed
