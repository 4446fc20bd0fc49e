"""Every fuzzer of ``fuzz/`` run for a bounded number of inputs (the same each run: libFuzzer
with a fixed seed, from the target's seeds): no input may crash a parser — only its documented
errors (``InvalidArgument``) are let through. ``make fuzz`` runs them for longer."""

from __future__ import annotations

import pytest

import fuzz.__main__ as runner
from fuzz.targets import TARGETS

#: inputs per target: a few seconds each on this machine
RUNS = 3000


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_no_input_crashes_the_parser(name, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = runner.run(name, runs=RUNS, corpus_root=tmp_path / "corpus",
                      artifacts=tmp_path / "crashes", timeout_s=240)
    saved = sorted(p.name for p in (tmp_path / "crashes").iterdir())
    assert done.returncode == 0 and not saved, (
        f"{name} crashed; the input is {saved}:\n{done.stderr[-3000:]}")
    assert f"Done {RUNS} runs" in done.stderr, done.stderr[-2000:]
