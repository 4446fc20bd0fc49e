"""PDFs made in the render worker: the same bytes as in the serving process (rendering is
deterministic), at a lower CPU priority, and a worker that dies is replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from services.cases.documents.pool import RenderPool
from services.cases.documents.render import render
from services.shared.errors import Unavailable
from tests.support.wait import wait_for
from tests.unit.test_document_render import content_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pool():
    made = RenderPool(niceness=5)
    yield made
    made.close()


def _worker_pids(pool: RenderPool) -> list[int]:
    return list(pool._pool._processes)  # noqa: SLF001 - the worker to inspect or kill


def test_the_worker_makes_the_same_pdf_as_the_serving_process(pool) -> None:
    content = content_of("acceptance_notice")
    assert pool.render(content) == render(content)
    other = content_of("acceptance_notice", number="广安受〔2026〕13号")
    assert pool.render(other) == render(other) != render(content)


def test_the_worker_runs_at_a_lower_priority(pool) -> None:
    pool.render(content_of("acceptance_notice"))
    (pid,) = _worker_pids(pool)
    assert pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + 5


def test_a_killed_worker_is_replaced_and_the_pdf_still_made(pool) -> None:
    content = content_of("acceptance_notice")
    pool.render(content)
    (pid,) = _worker_pids(pool)
    os.kill(pid, signal.SIGKILL)
    assert pool.render(content) == render(content)
    (replacement,) = _worker_pids(pool)
    assert replacement != pid


def test_a_worker_too_slow_is_killed_and_the_next_rendering_made_by_another(pool) -> None:
    content = content_of("acceptance_notice")
    pool.render(content)
    (slow,) = _worker_pids(pool)
    pool._deadline_s = 0.0001  # noqa: SLF001 - no PDF is made that fast
    with pytest.raises(Unavailable) as refused:
        pool.render(content)
    assert refused.value.code == "DOCUMENT_RENDERING"
    wait_for(lambda: not _alive(slow), timeout_s=10, what="the slow worker killed")
    pool._deadline_s = 20.0  # noqa: SLF001
    assert pool.render(content) == render(content)


def test_a_closed_pool_renders_nothing_and_starts_no_worker(pool) -> None:
    pool.render(content_of("acceptance_notice"))
    pool.close()
    with pytest.raises(Unavailable) as refused:
        pool.render(content_of("acceptance_notice"))
    assert refused.value.code == "SERVICE_STOPPING" and pool._pool is None  # noqa: SLF001


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(") ")[1][0] != "Z"


def test_the_worker_leaves_when_its_case_process_is_killed_outright() -> None:
    """A case process SIGKILLed cannot shut its pool down: the worker must not stay behind."""
    serving = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", (
            "import os, sys, time\n"
            "from services.cases.documents.pool import RenderPool\n"
            "from tests.unit.test_document_render import content_of\n"
            "pool = RenderPool()\n"
            "pool.render(content_of('acceptance_notice'))\n"
            "print(*pool._pool._processes, flush=True)\n"
            "time.sleep(600)\n")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        worker = int(serving.stdout.readline())  # type: ignore[union-attr]
        assert _alive(worker)
        serving.kill()
        serving.wait(10)
        wait_for(lambda: not _alive(worker), timeout_s=15, what="the orphaned worker's exit")
    finally:
        serving.kill()
