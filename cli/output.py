"""What a command prints: JSON for scripts (``--json``), an aligned table for people.

The JSON of a gRPC answer is the message in proto3 JSON with the contract's field names and
every field printed (a script reads ``status`` even when it is the zero value): the shape the
gateway's JSON API answers with, too.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

import click
from google.protobuf import json_format
from google.protobuf.message import Message


def message_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def echo_json(value: Message | dict[str, Any] | list[Any]) -> None:
    """One JSON document on standard output."""
    if isinstance(value, Message):
        value = message_dict(value)
    click.echo(json.dumps(value, ensure_ascii=False, indent=1))


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows under a header, each column as wide as its widest cell (Chinese counted double);
    the last column is not padded."""
    cells = [[str(c) for c in header], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        padded = [c + " " * (widths[i] - _width(c)) if i < len(row) - 1 else c
                  for i, c in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)
