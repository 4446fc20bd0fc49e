"""`sunlight catalogue delegate` and `delegations` against the catalogue's own gRPC service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from click.testing import CliRunner
from sunlight.catalogue.v1 import catalogue_pb2_grpc as pb_grpc

from cli.catalogue import catalogue
from services.catalogue import storage as t
from services.catalogue.api import CatalogueServicer
from services.catalogue.importer import Importer
from services.catalogue.search.index import SearchIndex
from services.catalogue.service import CatalogueService
from services.shared.auth import Authenticator, mint_token
from services.shared.db import Database
from services.shared.territory import Territory
from tests.unit.test_catalogue_delegation import city_item

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py


@pytest.fixture
def city(tmp_path) -> Iterator[tuple[str, CatalogueService]]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}", "catalogue")
    t.metadata.create_all(db.engine)
    service = CatalogueService(db, "510000", territory=Territory("510000"))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_CatalogueServiceServicer_to_server(CatalogueServicer(
        service, Authenticator(SECRET), SearchIndex(db), Importer(service)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", service
    server.stop(0)
    db.dispose()


def run(address: str, *args: str, role: str = "staffing_reviewer"):  # type: ignore[no-untyped-def]
    token = mint_token(SECRET, "city.staffing", [role], ["511600"])
    return CliRunner().invoke(catalogue, [*args, "--address", address, "--token", token],
                              catch_exceptions=False)


def test_delegate_and_see_where_it_stands(city) -> None:
    address, service = city
    item = city_item(service)
    done = run(address, "delegate", item.item_id, "--to", "511602", "--reason", "下放")
    assert done.exit_code == 0, done.output
    assert f"item {item.item_id} version 1  511600 → 511602  pending" in done.output
    # the same command again: the same delegation (its key is made of item, version, region)
    again = run(address, "delegate", item.item_id, "--to", "511602", "--reason", "下放")
    assert again.output.split()[0] == done.output.split()[0]
    listed = run(address, "delegations", item.item_id)
    assert listed.exit_code == 0 and "pending" in listed.output
    wrong = run(address, "delegate", city_item(service).item_id, "--to", "511702",
                "--reason", "下放")
    assert wrong.exit_code == 1 and "NOT_A_LOWER_LEVEL" in wrong.output
    refused = run(address, "delegate", item.item_id, "--to", "511602", "--reason", "下放",
                  role="supervisor")
    assert refused.exit_code == 1
