"""Data files the tests read: they ship with the project; a missing one fails the run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the real Guang'an district catalogue (see data/README.md)
GUANG_AN = ROOT / "data" / "catalogues" / "guang_an_511602.csv"

if not GUANG_AN.is_file():  # collection fails: never a silent skip
    raise FileNotFoundError(f"{GUANG_AN} is missing: it ships with the repository")
