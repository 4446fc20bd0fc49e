"""How `make test` hands the tests to its pytest-xdist workers (``infra/test.sh``).

- Each module goes whole to one worker, and so does each package whose modules share a set-up
  of package scope (``SHARED_SET_UP``): a node or a province started for a module would
  otherwise start again on the other worker. (xdist's own ``--dist loadgroup`` would do this
  with marks, but with pytest 9 its group never reaches the scheduler: it renames
  ``item._nodeid``, which pytest 9 no longer reads.)
- The kinds of test that start processes are handed out first (``SLOW_FIRST``), so that no
  worker ends the run alone on a long module.
- Each worker, and every node it starts, picks ports from a share of its own
  (``SUNLIGHT_PORTS_SHARE``, ``infra/ports.py``): a port chosen by one worker's province set-up
  is bound only seconds later, and the other worker must not choose it meanwhile. A run given
  a share (``SUNLIGHT_PORTS_SHARE=1/2 make test`` beside another given ``2/2``) divides that
  share among its workers.

Without xdist (``SUNLIGHT_TEST_WORKERS=0``, or pytest run directly) only the order applies.
"""

from __future__ import annotations

import os

import pytest

#: packages whose modules share one set-up of package scope (a node; a city and a district)
SHARED_SET_UP = ("tests/e2e/one_node/", "tests/e2e/city_district/")
#: the kinds of test that start processes, the slowest first; everything else after them
SLOW_FIRST = ("tests/e2e/", "tests/browser/", "tests/conformance/", "tests/integration/")

if "PYTEST_XDIST_WORKER" in os.environ:  # gw0, gw1, …
    _own = (f"{int(os.environ['PYTEST_XDIST_WORKER'].removeprefix('gw')) + 1}"
            f"/{os.environ['PYTEST_XDIST_WORKER_COUNT']}")
    # a run given a share of its own (two runs side by side) divides that share
    _given = os.environ.get("SUNLIGHT_PORTS_SHARE", "").strip()
    os.environ["SUNLIGHT_PORTS_SHARE"] = f"{_given},{_own}" if _given else _own


def run_together(nodeid: str) -> str:
    """What runs whole on one worker: the test's module, or its package of ``SHARED_SET_UP``."""
    path = nodeid.split("::", 1)[0]
    return next((package for package in SHARED_SET_UP if path.startswith(package)), path)


def slowness(nodeid: str) -> int:
    return next((rank for rank, kind in enumerate(SLOW_FIRST) if nodeid.startswith(kind)),
                len(SLOW_FIRST))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: slowness(item.nodeid))  # stable: each module stays in order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 - only under xdist

    class Together(LoadScopeScheduling):
        """xdist's scheduler by module, with the packages of ``SHARED_SET_UP`` as one unit,
        handed out in collection order (``--no-loadscope-reorder``)."""

        def _split_scope(self, nodeid: str) -> str:
            return run_together(nodeid)

    return Together(config, log)
