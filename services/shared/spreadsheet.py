"""Cells that a spreadsheet would run as formulas (CSV injection), and their escape.

A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some programs skip before such a character) is taken by Excel, LibreOffice and others for a
formula: ``=HYPERLINK(…)`` in an item's name would run on the machine of whoever opens an
export. Every CSV the platform writes (the gateway's ``/v1/regions/{region}/catalogue.csv``
and ``sunlight catalogue export``) passes each cell through :func:`neutralise`, which puts a
single quote before such a text — the escape spreadsheet programs show as the text itself,
and the one OWASP recommends.

The importer reads it back: :func:`read_cell` recognises a cell this escape produced (a quote
before a formula character), gives back the original text, and says so; a row with such a
cell, or with a formula character at the start of a text unescaped, is flagged for a person
to look at, its text kept as it was meant (never with the quote added).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What :func:`neutralise` puts before such a cell.
ESCAPE = "'"

T = TypeVar("T")


def formula_start(text: str) -> str | None:
    """The formula character ``text`` begins with, if it does."""
    return text[0] if text and text[0] in FORMULA_STARTS else None


def neutralise(value: T) -> T | str:
    """``value`` as a spreadsheet may safely show it: a text beginning with a formula
    character gets the escape before it; numbers and other texts are left alone."""
    if isinstance(value, str) and formula_start(value):
        return ESCAPE + value
    return value


def neutralised(row: Iterable[T]) -> list[T | str]:
    """Every cell of a row through :func:`neutralise`."""
    return [neutralise(value) for value in row]


def read_cell(text: str) -> tuple[str, bool]:
    """A cell as it was meant, and whether it was written with the escape: ``"'=1+1"`` →
    ``("=1+1", True)``; anything else is returned unchanged with False."""
    if text.startswith(ESCAPE) and formula_start(text[len(ESCAPE):]):
        return text[len(ESCAPE):], True
    return text, False
