"""How `make test` hands tests to its workers (tests/support/workers.py), on a small suite
run by pytest-xdist on two workers: a package whose modules share a set-up goes whole to one
worker and starts that set-up once; a module goes whole to one worker; slow kinds go first;
each worker picks its ports from a share of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.workers import SHARED_SET_UP

ROOT = Path(__file__).resolve().parents[2]

SHARED = '''
import json, os, pytest

@pytest.fixture(scope="package")
def node():
    with open(os.environ["LOG"], "a") as log:
        worker = os.environ["PYTEST_XDIST_WORKER"]
        log.write(json.dumps({"set_up": "node", "worker": worker}) + "\\n")
'''

MODULE = '''
import json, os, pytest

@pytest.fixture(scope="module")
def started():
    return os.environ["PYTEST_XDIST_WORKER"]

@pytest.mark.parametrize("n", range({count}))
def test_it({fixture}n, started):
    with open(os.environ["LOG"], "a") as log:
        log.write(json.dumps({{"test": __name__, "n": n, "worker": started,
                              "ports": os.environ.get("SUNLIGHT_PORTS_SHARE")}}) + "\\n")
'''


def run_suite(tmp_path: Path, **env: str) -> list[dict]:
    tests = tmp_path / "tests"
    package = tests / "e2e" / "one_node"
    package.mkdir(parents=True)
    (tests / "adapter").mkdir()
    for folder in (tests, tests / "e2e", package, tests / "adapter"):
        (folder / "__init__.py").write_text("")
    (package / "conftest.py").write_text(SHARED)
    for name in ("test_a", "test_b", "test_c"):
        (package / f"{name}.py").write_text(MODULE.format(count=3, fixture="node, "))
    for name in ("test_d", "test_e", "test_f", "test_g"):
        (tests / "adapter" / f"{name}.py").write_text(MODULE.format(count=6, fixture=""))
    (tests / "e2e" / "test_slow.py").write_text(MODULE.format(count=1, fixture=""))
    log = tmp_path / "log.jsonl"  # the plugin by its file's name: this suite has a tests too
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "workers", "-p", "no:cacheprovider",
         "-n", "2", "--no-loadscope-reorder", "-q", "tests"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "tests" / "support"),
             "LOG": str(log), **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_shared_set_ups_start_once_modules_stay_whole_and_slow_kinds_go_first(tmp_path) -> None:
    lines = run_suite(tmp_path)
    set_ups = [line for line in lines if "set_up" in line]
    ran = [line for line in lines if "test" in line]
    assert len(ran) == 3 * 3 + 4 * 6 + 1
    assert len(set_ups) == 1  # the package's node, once, for its three modules
    package = {line["worker"] for line in ran if ".one_node." in line["test"]}
    assert package == {set_ups[0]["worker"]}
    for module in {line["test"] for line in ran}:
        assert len({line["worker"] for line in ran if line["test"] == module}) == 1, module
    assert {line["worker"] for line in ran} == {"gw0", "gw1"}  # both worked
    # the e2e modules were handed out first, one to each worker, though collected after
    # tests/adapter (not a slow kind)
    for worker in ("gw0", "gw1"):
        assert ".e2e." in next(line for line in ran if line["worker"] == worker)["test"]
    shares = {line["worker"]: line["ports"] for line in ran}
    assert shares == {"gw0": "1/2", "gw1": "2/2"}


def test_a_run_given_a_share_of_the_ports_divides_it_among_its_workers(tmp_path) -> None:
    """Two `make test` runs side by side, given 1/2 and 2/2: each worker takes its part of
    its run's share, never the whole span's part another run's worker takes too."""
    ran = [line for line in run_suite(tmp_path, SUNLIGHT_PORTS_SHARE="2/2") if "test" in line]
    assert {line["worker"]: line["ports"] for line in ran} == {"gw0": "2/2,1/2",
                                                               "gw1": "2/2,2/2"}


def test_every_package_scoped_fixture_of_the_suite_is_in_a_package_kept_whole() -> None:
    """A new package sharing a set-up, not named in SHARED_SET_UP, would have its modules
    split across the workers and its set-up started on each."""
    sharing = {f"{path.parent.relative_to(ROOT)}/" for path in (ROOT / "tests").rglob("*.py")
               if "vendor" not in path.parts and path.name != "test_workers.py"
               and 'scope="package"' in path.read_text("utf-8")}
    assert sharing == set(SHARED_SET_UP)
