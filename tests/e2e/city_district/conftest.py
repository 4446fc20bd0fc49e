"""Two real nodes, the city 511600 and the district 511602, started as `make run` starts a
province (no demo data), shared by this package's modules: each opens its own items and cases,
and a module that stops or kills a process of a node leaves it serving again."""

from __future__ import annotations

import pytest

from infra.localnode import LocalProvince
from tests.support.clients import node_api
from tests.support.wait import wait_for

CITY, DISTRICT = "511600", "511602"


@pytest.fixture(scope="package")
def province(amqp_uri, tmp_path_factory):
    root = tmp_path_factory.mktemp("city-district")
    local = LocalProvince({"SUNLIGHT_VAR_DIR": str(root / "var"), "AMQP_URI": amqp_uri,
                           "SUNLIGHT_DEMO_DATA": "0"}, [CITY, DISTRICT], root / "logs")
    try:
        local.start()
        local.wait_healthy(timeout_s=400)
        yield local
    finally:
        local.stop()


@pytest.fixture(autouse=True, scope="module")
def _province_serving(province) -> None:
    """A module starts on nodes that serve, whatever the module before it did to them — and,
    after a module restarted a gateway, once the city's gateway reaches the district's again
    (its channel to the peer reconnects with a backoff of up to 2 s): a routed question is
    answered by the district, whatever its answer, not 503 by the city."""
    province.wait_healthy(timeout_s=180)
    with node_api(province.node(CITY), CITY) as city:
        wait_for(lambda: city.get(f"/v1/cases/{DISTRICT}20990101999999/status").status_code
                 != 503, timeout_s=60, what="the city's gateway reaching the district's")
