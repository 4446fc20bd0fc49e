"""The items the README's examples declare at 广安区 (511602) do not collide with what `make run`
puts there first: the real catalogue its ``real-catalogue`` program imports. A region holds one
item a code (``ITEM_CODE_TAKEN``), so an example declaring a code of that file fails on a fresh
`make run` while passing on the test nodes, which import nothing."""

from __future__ import annotations

import re
from pathlib import Path

from cli.real_catalogue import CATALOGUE, REGION
from cli.tabular import read_rows

ROOT = Path(__file__).resolve().parents[2]
#: an implementation code (实施编码) of the region, as the examples write them
CODE = re.compile(rf"\b\d{{3}}[A-Z]\d{{10}}-{REGION}\d{{6}}-\d{{3}}-[0-9A-Z]{{18}}-\d-\d{{2}}\b")


def example_codes() -> dict[str, str]:
    """Every such code in the README's and the docs' shell blocks, with where it is."""
    found: dict[str, str] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for block in re.findall(r"```(?:sh|bash)\n(.*?)```", path.read_text("utf-8"), re.S):
            for code in CODE.findall(block):
                found.setdefault(code, path.relative_to(ROOT).as_posix())
    return found


def test_the_examples_declare_items_the_real_catalogue_does_not_hold() -> None:
    examples = example_codes()
    assert examples, "no example declares an item at 511602: the pattern is stale"
    imported = {row.values.get("item_code", "").strip() for row in read_rows(CATALOGUE)}
    assert len(imported) > 1000
    taken = {code: where for code, where in examples.items() if code in imported}
    assert not taken, f"codes of {CATALOGUE.name}, ITEM_CODE_TAKEN on make run: {taken}"
