"""PDF rendering off the serving process: a worker process at a lower CPU priority.

Rendering a document costs about a seventh of a second of CPU (the Chinese font subset for
every PDF; parsed once a worker, ``render._add_font``). In the case process it would hold the
interpreter that serves every call for as long: a status read waiting behind the background
renderer, or behind another caller's first download. ``RenderPool`` sends each rendering to
a process of its own, started on first use (``spawn``: never a fork of a process running
gRPC's threads) and ``nice``d by ``NICENESS``, so that the serving process keeps its
interpreter and the machine's cores go first to the calls; rendering is deterministic, so a
PDF is the same bytes wherever it is made.

A worker that dies (killed, out of memory) is replaced on the next rendering, which is tried
once more there; a worker slower than ``deadline_s`` is killed (that download is
``UNAVAILABLE``, ``DOCUMENT_RENDERING``: a later one renders it again), so no PDF waits behind a
stuck one. A worker whose
case process is gone — killed outright, with no chance to stop its pool — leaves by itself
within ``PARENT_CHECK_S``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from services.cases.documents import render as pdf_render
from services.shared.errors import Unavailable

log = logging.getLogger(__name__)

#: how much lower the worker's CPU priority is than the serving process's (``nice``)
NICENESS = 10
#: seconds one PDF may take in the worker (a first one includes its start, ~2 s; a PDF
#: takes ~0.15 s): a worker slower than this is killed, and the PDF made on the next asking
DEADLINE_S = 20.0
#: seconds between the worker's looks at whether the process that started it is still there
PARENT_CHECK_S = 1.0


def _start_worker(niceness: int, parent: int) -> None:
    """In the worker, at its start: step back for the serving processes, and leave with the
    process that started it."""
    try:
        os.nice(niceness)
    except OSError as exc:  # not allowed here: render at the same priority
        log.warning("render worker keeps its priority: %s", exc)
    threading.Thread(target=_follow, args=(parent,), name="render-parent-watch",
                     daemon=True).start()


def _follow(parent: int, every_s: float = PARENT_CHECK_S) -> None:
    """Exit once the serving process is gone. A case process killed outright (SIGKILL, the
    OOM killer) cannot shut its pool down, and the worker, which holds both ends of its task
    queue, would wait on it for ever: it is orphaned — given another parent — and leaves."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


class RenderPool:
    """``render(content) → PDF`` in a worker process (see the module)."""

    def __init__(self, workers: int = 1, niceness: int = NICENESS,
                 deadline_s: float = DEADLINE_S) -> None:
        self._workers, self._niceness, self._deadline_s = workers, niceness, deadline_s
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise self._stopping()
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker, initargs=(self._niceness, os.getpid()))
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def render(self, content: Mapping[str, Any]) -> bytes:
        """The PDF of ``content``, made in the worker (a new worker if the last one died).
        Unavailable once the pool is closed (the case process stopping) or when the worker
        took longer than ``deadline_s`` — that worker is then killed, so that no rendering
        waits behind it."""
        plain = dict(content)
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return pool.submit(pdf_render.render, plain).result(timeout=self._deadline_s)
            except BrokenProcessPool:
                log.warning("render worker died; starting another (attempt %d)", attempt)
                self._replace(pool)
            except TimeoutError:
                log.error("render worker took more than %.0f s for document %s of case %s: "
                          "killed", self._deadline_s, plain.get("document_id"),
                          plain.get("case_number"))
                self._kill(pool)
                raise Unavailable("文书的 PDF 暂时未能生成，请稍后再下载 (the PDF took too "
                                  "long to render; try again shortly)",
                                  code="DOCUMENT_RENDERING") from None
            except CancelledError:
                raise self._stopping() from None
        raise RuntimeError("the render worker died twice rendering the same document")

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        for process in list((pool._processes or {}).values()):  # noqa: SLF001 - stuck ones
            process.kill()
        self._replace(pool)

    @staticmethod
    def _stopping() -> Unavailable:
        return Unavailable("the case service is stopping: the PDF was not rendered",
                           code="SERVICE_STOPPING")

    def close(self) -> None:
        """Stop the worker; a rendering asked afterwards is Unavailable."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
