"""A region's published catalogue as one JSON document or a CSV file, streamed as it arrives.

The items come from ``CatalogueService/ExportItems`` one by one; the answer is written in
chunks of about ``CHUNK_CHARS`` characters, so a province's catalogue never sits whole in the
gateway's memory. The JSON document is ``{"region": "...", "items": [ItemVersion, ...]}`` (proto3
JSON, original field names, as every answer of the API); the CSV has one row per item with the
columns of ``CSV_COLUMNS``, UTF-8 with a byte-order mark so that spreadsheet programs read the
Chinese. Every cell goes through ``services.shared.spreadsheet.neutralised``: a text that a
spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is written with a leading
quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sunlight.catalogue.v1 import catalogue_pb2

from services.shared.spreadsheet import neutralised

CHUNK_CHARS = 1 << 16
CSV_COLUMNS = ("item_id", "version", "name", "code", "item_type", "list_kind",
               "exercise_level", "region", "department", "statutory_limit_days",
               "promised_limit_days", "steps", "published_at")
#: Joins the names of the internal flow's steps in the ``steps`` column.
STEP_SEPARATOR = "→"
BOM = "\ufeff"


def chunked(parts: Iterable[str], size: int | None = None) -> Iterator[bytes]:
    """UTF-8 chunks of about ``size`` (``CHUNK_CHARS``) characters from many small strings."""
    size = size or CHUNK_CHARS
    buffer: list[str] = []
    held = 0
    for part in parts:
        buffer.append(part)
        held += len(part)
        if held >= size:
            yield "".join(buffer).encode()
            buffer, held = [], 0
    if buffer:
        yield "".join(buffer).encode()


def json_parts(region: str, items: Iterable[catalogue_pb2.ItemVersion],
               to_json: Callable[[catalogue_pb2.ItemVersion], dict[str, Any]]
               ) -> Iterator[str]:
    yield '{"region": ' + json.dumps(region) + ', "items": ['
    for n, item in enumerate(items):
        yield ("," if n else "") + json.dumps(to_json(item), ensure_ascii=False)
    yield "]}\n"


def short_list_kind(kind: int) -> str:
    """``power``, ``duty``, ``public_service``, ``negative``; empty when unspecified."""
    if kind == catalogue_pb2.LIST_KIND_UNSPECIFIED:
        return ""
    try:
        name = catalogue_pb2.ListKind.Name(kind)
    except ValueError:
        return str(kind)
    return name.removeprefix("LIST_KIND_").lower()


def csv_row(item: catalogue_pb2.ItemVersion) -> list[str | int]:
    c = item.content
    return [item.item_id, item.version, c.name, c.code, c.item_type,
            short_list_kind(c.list_kind), c.exercise_level, c.region, c.department,
            c.statutory_limit_days, c.promised_limit_days,
            STEP_SEPARATOR.join(step.name for step in c.steps),
            item.published_at.ToJsonString() if item.HasField("published_at") else ""]


def csv_parts(items: Iterable[catalogue_pb2.ItemVersion]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield BOM + out.getvalue()
    for item in items:
        out.seek(0)
        out.truncate()
        writer.writerow(neutralised(csv_row(item)))
        yield out.getvalue()
