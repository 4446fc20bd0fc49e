"""The one guard against spreadsheet formulas in exported cells, and its reading back."""

from __future__ import annotations

import pytest

from services.shared.spreadsheet import neutralise, neutralised, read_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_formula_texts_get_the_escape_and_read_back(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert read_cell(neutralise(text)) == (text, True)


@pytest.mark.parametrize("value", ["普通事项", "'quoted", "", 12, -3, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralise(value) == value
    if isinstance(value, str):
        assert read_cell(value) == (value, False)


def test_a_row() -> None:
    assert neutralised(["a", "=b", 3]) == ["a", "'=b", 3]
