"""A region's published catalogue as one JSON document or a CSV file, streamed as it arrives.

The items come from ``CatalogueService/ExportItems`` one by one; the answer is written in
chunks of about ``CHUNK_CHARS`` characters, so a province's catalogue never sits whole in the
gateway's memory. The JSON document is ``{"region": "...", "items": [ItemVersion, ...]}`` (proto3
JSON, original field names, as every answer of the API); the CSV is the catalogue's CSV format
(``services.shared.catalogue_csv``, the same as ``sunlight catalogue export`` writes and
``sunlight catalogue import`` reads back): one row per item, UTF-8 with a byte-order mark,
every cell neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from google.protobuf import json_format
from sunlight.catalogue.v1 import catalogue_pb2

from services.shared import catalogue_csv

CHUNK_CHARS = 1 << 16
CSV_COLUMNS = catalogue_csv.HEADER


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


def csv_parts(items: Iterable[catalogue_pb2.ItemVersion]) -> Iterator[str]:
    """The catalogue CSV of the items, piece by piece."""
    return catalogue_csv.csv_lines(json_format.MessageToDict(
        item, preserving_proto_field_name=True) for item in items)
