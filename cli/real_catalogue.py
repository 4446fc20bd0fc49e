"""The real catalogue on first start: ``sunlight catalogue first-import`` (make run's one-shot
program ``real-catalogue``) imports the Guang'an district catalogue the project carries
(``data/catalogues/guang_an_511602.csv``, 1135 items of 广安区) into the node that holds
511602, once.

It acts as ``sunlight catalogue import`` does — over the catalogue's gRPC contract, batch by
batch, each batch with an idempotency key derived from the file — with a token minted on the
node's key for an administrator of 511602. The file cites no legal basis (职权法定), so its
items are drafts, flagged where the row is doubtful, for their departments to complete; none
is published. A run killed half-way is resumed by the next start without making anything
twice (the keys; and the catalogue makes no second item of a (region, code) it has). At the
end the marker ``<var>/real-catalogue.json`` names the import; a start that finds it, and
finds its item still in the catalogue, does nothing.

The demo data (``cli/demo.py``) completes two rows of the same file as demo items under their
real codes: with demo data on, the import leaves those two rows to it (both programs run at
the same start, in either order, and a code makes one item only).

Off with ``SUNLIGHT_REAL_CATALOGUE=0``; the nodes of tests and benchmarks (``infra/localnode``)
have it off unless they ask.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from cli.connection import Connection
from cli.tabular import Row, file_digest, read_rows
from services.shared.auth import mint_token
from services.shared.config import ROOT, Settings, load_settings

#: the real catalogue the project carries, and the region it is of
CATALOGUE = ROOT / "data" / "catalogues" / "guang_an_511602.csv"
REGION = "511602"
#: who the import acts as (an administrator of 511602, on the node's own key)
SUBJECT = "sunlight.first-import"
MARKER = "real-catalogue.json"
SAY = "real catalogue"


def marker_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / MARKER


@dataclass(frozen=True)
class Decision:
    """What a start does: ``import`` or nothing (``skip``), and why."""

    action: str  # "import" | "skip"
    why: str


def decide(*, enabled: bool, held_by: str, holds: bool, node: str,
           marker: dict[str, Any] | None, item_exists: Callable[[str], bool]) -> Decision:
    """Whether this start imports: off, not this node's region, done before (the marker's
    item still in the catalogue), or to do (first start, a killed run, a new database)."""
    if not enabled:
        return Decision("skip", f"{SAY}: off (SUNLIGHT_REAL_CATALOGUE=0)")
    if held_by:
        return Decision("skip", f"{SAY}: none here — 广安区 ({REGION}) is held by node "
                                f"{held_by} of the province, which imports it")
    if not holds:
        return Decision("skip", f"{SAY}: none — it is of 广安区 ({REGION}), which node {node} "
                                "does not hold")
    item = (marker or {}).get("item_id", "")
    if item and item_exists(item):
        return Decision("skip", f"{SAY}: there already (import {marker.get('import_id', '')}"  # type: ignore[union-attr]
                                f", {marker.get('items', '?')} items); nothing to do")
    if marker is not None:
        return Decision("import", f"{SAY}: the marker names an item the catalogue does not "
                                  "have (a new database?): importing again")
    return Decision("import", f"{SAY}: importing {CATALOGUE.name} into {REGION} "
                              "(first start; resumed without duplicates if interrupted)")


def rows_to_import(rows: list[Row], left_to_demo: set[str]) -> tuple[list[Row], list[Row]]:
    """(rows to import, rows the demo data makes under their codes)."""
    kept = [r for r in rows if r.values.get("item_code", "") not in left_to_demo]
    return kept, [r for r in rows if r.values.get("item_code", "") in left_to_demo]


def read_marker(path: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: import again (idempotent), then write it anew
    return loaded if isinstance(loaded, dict) else {}


def _wait_for_catalogue(settings: Settings, wait_s: float, say: Callable[[str], None]) -> bool:
    from cli.processes import wait_serving  # noqa: PLC0415

    if wait_serving(settings, ("catalogue",), wait_s):
        say(f"{SAY}: the catalogue does not serve after {wait_s:.0f}s; the next start imports")
        return False
    return True


def first_import(settings: Settings, wait_s: float, timeout_s: float,
                 say: Callable[[str], None] = click.echo) -> int:
    """Import the real catalogue unless it is off, not this node's or there; the exit code."""
    from cli import catalogue as cat  # noqa: PLC0415
    from cli import demo_data as d  # noqa: PLC0415
    from services.shared.territory import Territory  # noqa: PLC0415

    territory = Territory.of_node(settings.node_region, settings.territory_regions,
                                  settings.var_dir)
    held_by, holds = territory.holder(REGION), territory.holds(REGION)
    if not settings.real_catalogue or held_by or not holds:
        say(decide(enabled=settings.real_catalogue, held_by=held_by, holds=holds,
                   node=settings.node_region, marker=None, item_exists=bool).why)
        return 0
    if not _wait_for_catalogue(settings, wait_s, say):
        return 1
    token = mint_token(settings.token_key, SUBJECT, ["admin"], [REGION],
                       issuer=settings.node_region, name="首次启动导入")
    conn = Connection(settings.peer_address("catalogue"), token, timeout_s)
    marker = read_marker(marker_path(settings))
    try:
        decision = decide(enabled=True, held_by="", holds=True, node=settings.node_region,
                          marker=marker, item_exists=lambda item: _exists(conn, item))
    except grpc.RpcError as error:
        say(f"{SAY}: the catalogue did not answer ({cat._short(error)}); the next start "
            "imports")
        return 1
    say(decision.why)
    if decision.action == "skip":
        return 0
    started = time.monotonic()
    rows, left = rows_to_import(read_rows(CATALOGUE),
                                {d.FIREWORKS_CODE, d.ARCHIVE_CODE} if settings.demo_data
                                else set())
    run = cat._ImportRun(CATALOGUE, REGION, "", False, cat.DEFAULT_BATCH, conn)
    try:
        run.send(rows)
    except grpc.RpcError as error:
        say(f"{SAY}: stopped after {len(run.results)} of {len(rows)} rows: "
            f"{cat._short(error)}; the next start resumes")
        return 1
    report = run.report(len(rows))
    report_path = Path(settings.var_dir) / "real-catalogue-report.json"
    cat._write_report(report_path, report)
    for line in cat._printed(report, f"（导入批次 {run.import_id}）", report_path):
        say(line)
    if left:
        say(f"{SAY}: {len(left)} rows left to the demo data, which completes them as demo "
            f"items under their codes (lines {', '.join(str(r.line) for r in left)})")
    items = sorted({r.item_id for r in run.results if r.item_id})
    if not items:
        say(f"{SAY}: no row became an item; nothing recorded")
        return 1
    _write(marker_path(settings), {
        "file": CATALOGUE.name, "digest": file_digest(CATALOGUE), "region": REGION,
        "import_id": run.import_id, "item_id": items[0], "items": len(items),
        "accepted": report["accepted"], "flagged": report["flagged"],
        "rejected": report["rejected"], "seconds": round(time.monotonic() - started, 1)})
    say(f"{SAY}: done in {time.monotonic() - started:.1f}s — {len(items)} items of 广安区 as "
        f"drafts for their departments to complete (the file cites no legal basis); marker "
        f"{marker_path(settings)}")
    return 0


def _exists(conn: Connection, item_id: str) -> bool:
    from cli.catalogue import connect  # noqa: PLC0415

    stub, opened = connect(conn.address)
    try:
        stub.GetItemVersion(pb.GetItemVersionRequest(item_id=item_id, version=1),
                            timeout=conn.timeout_s, metadata=conn.metadata())
    except grpc.RpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return False
        raise
    finally:
        opened.close()
    return True


def _write(path: Path, content: dict[str, Any]) -> None:
    from cli.demo import write_marker  # noqa: PLC0415

    write_marker(path, content)


@click.command("first-import")
@click.option("--wait", "wait_s", type=float, default=300.0, show_default=True,
              help="seconds to wait for the node's catalogue to serve")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=120.0,
              show_default=True, help="seconds to wait for each call")
def first_import_command(wait_s: float, timeout_s: float) -> None:
    """Import the real Guang'an district catalogue once (make run's first start; see README,
    "A province on this machine"); off with SUNLIGHT_REAL_CATALOGUE=0."""
    import sys  # noqa: PLC0415

    sys.exit(first_import(load_settings(), wait_s, timeout_s))
