"""Schemathesis hooks of ``test_api_schema``: the PDF body of ``POST /v1/documents/verify``
is sent as the bytes generated (schemathesis has no serializer of its own for PDF)."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.transport.requests import binary_serializer


@schemathesis.serializer("application/pdf")
def pdf(ctx: Any, value: Any) -> dict[str, Any]:
    return binary_serializer(ctx, value)  # type: ignore[no-any-return]
