"""The hall's own work for a page, in one process: ``python -m bench.hall_calls --database NAME``
(a database kept by ``python -m bench.hall --keep``).

A node of every process is started on the kept database as ``bench.hall`` starts it, but the
hall that is timed is built in this process (``services.hall.server.build``, the node's own
settings) and called through Starlette's test client: no uvicorn, no socket, the rest of the
node real (its case service answers the pages' calls). The handler and the citizen sign in,
then each page of ``--pages`` is asked ``--requests`` times after 50 untimed, one after
another; each untimed answer is checked (200 and a word of the page), each timed one for
its 200. The figure is the CPU this
process spent a page (``time.process_time``): the hall's code, FastAPI and Starlette, Jinja,
the gRPC client — and the test client's, the same for every version of the code.

Run under callgrind, the same pages are counted in instructions, which do not move with the
machine's speed as its seconds do (on a busy 2-core machine by ±40 % from one minute to the
next): ``--callgrind`` turns callgrind's counting on just around the timed requests of one page
(``callgrind_control``), so that the total it writes, over ``--requests``, is that page's
instructions::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/hall.%p.out \\
        .venv/bin/python -m bench.hall_calls --database NAME --pages inbox --requests 100 \\
        --callgrind

The last line printed is one JSON object: per page, CPU milliseconds per request (and the
collections of the youngest generation made meanwhile).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import time
from collections.abc import Callable

from starlette.testclient import TestClient

from bench.cases import APPLICANT, bench_node
from bench.hall import CSRF, HANDLER, NODE_ENV, PASSWORD, kept_content
from services.hall.identity import Kind
from services.shared.config import load_settings
from services.shared.heap import freeze_start_up_objects

WARM_UP = 50


def sign_in(client: TestClient, kind: Kind, login: str) -> None:
    page = client.get("/signin").text
    found = CSRF.search(page)
    if not found:
        raise SystemExit("/signin: no form")
    reply = client.post("/signin", data={"csrf_token": found.group(1), "kind": kind.value,
                                         "login": login, "password": PASSWORD},
                        follow_redirects=False)
    if reply.status_code != 303:
        raise SystemExit(f"sign-in of {login} refused: {reply.status_code}")


def counting(on: bool) -> None:
    """callgrind's counting on or off for this process (it runs under callgrind)."""
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, capture_output=True, timeout=60)


def page_cost(client: TestClient, path: Callable[[int], str], marker: str, requests: int,
              callgrind: bool) -> dict:
    for n in range(WARM_UP):
        reply = client.get(path(n))
        if reply.status_code != 200 or marker not in reply.text:
            raise SystemExit(f"{path(n)}: {reply.status_code} {reply.text[:200]!r}")
    collections = [0]

    def count(phase: str, info: dict) -> None:
        collections[0] += phase == "start" and info["generation"] == 0

    gc.callbacks.append(count)
    if callgrind:
        counting(True)
    began = time.process_time()
    statuses = [client.get(path(n)).status_code for n in range(requests)]
    spent = time.process_time() - began
    if callgrind:
        counting(False)
    gc.callbacks.remove(count)
    if set(statuses) != {200}:  # a refusal or an error timed as a page would mislead
        raise SystemExit(f"{path(0)}: answers {sorted(set(statuses))}, not all 200")
    return {"requests": requests, "cpu_ms_per_request": round(spent * 1000 / requests, 3),
            "young_collections": collections[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="kept by bench.hall --keep")
    parser.add_argument("--pages", default="inbox,track",
                        help="comma-separated: inbox, track (default: both)")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests a page")
    parser.add_argument("--callgrind", action="store_true",
                        help="this process runs under callgrind --instr-atstart=no: count "
                             "the timed requests only")
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]
    if not pages or set(pages) - {"inbox", "track"}:
        parser.error("--pages: inbox, track or both")
    if args.requests < 1:
        parser.error("--requests: at least 1")
    if args.callgrind and len(pages) != 1:
        parser.error("--callgrind counts one page: give --pages inbox or --pages track")
    with bench_node(args.database, **NODE_ENV) as (node, _, _, name):
        mine = json.loads(kept_content(name).read_text())["mine"]
        os.environ.update(node.full_env())
        from services.hall.server import build  # noqa: PLC0415 - the node's settings first

        app, backend = build(load_settings())
        freeze_start_up_objects()  # as the hall's server does before it serves
        results = {}
        try:
            for page in pages:
                with TestClient(app, base_url="http://127.0.0.1") as client:
                    if page == "inbox":
                        sign_in(client, Kind.STAFF, HANDLER)
                        results[page] = page_cost(client, lambda n: "/workbench",
                                                  "/workbench/cases/", args.requests,
                                                  args.callgrind)
                    else:
                        sign_in(client, Kind.PERSON, APPLICANT["id_number"])
                        results[page] = page_cost(
                            client, lambda n: f"/my/cases/{mine[n % len(mine)]}", "受理",
                            args.requests, args.callgrind)
        finally:
            backend.close()
    print(json.dumps({"benchmark": "hall calls", "database": args.database, **results},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
