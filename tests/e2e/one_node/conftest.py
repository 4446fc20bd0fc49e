"""One node every module of this package shares: each of them opens its own items and cases
on it, and starting a node's processes is most of what an end-to-end module costs."""

from __future__ import annotations

import pytest

from tests.support.nodes import run_node


@pytest.fixture(scope="package")
def node(database_url, amqp_uri, tmp_path_factory):
    yield from run_node(database_url, amqp_uri, tmp_path_factory.mktemp("one-node"))


@pytest.fixture(autouse=True, scope="module")
def _node_serving(node) -> None:
    """A module starts on a node that serves, whatever the module before it did to it."""
    node.wait_healthy(timeout_s=120)
