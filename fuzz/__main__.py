"""Run the fuzzers: ``python -m fuzz [--seconds N | --runs N] [NAME ...]`` (``make fuzz``).

Each target runs in a process of its own (one target imports the eventlet-patched supervision
worker), for ``--seconds`` each (default 60) or ``--runs`` inputs, from its seeds and the
corpus it has grown in ``var/fuzz/corpus/NAME``. A crash stops that target; its input is saved
as ``var/fuzz/crash-NAME-…`` and the run exits 1 once every target has run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fuzz.targets import TARGETS
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[1]


def command(name: str, *, seconds: int | None, runs: int | None, corpus: Path,
            artifacts: Path, seed: int = 1) -> list[str]:
    """The command that fuzzes ``name``: bounded by time or by inputs, deterministic (seed)."""
    limits = [f"-max_total_time={seconds}"] if seconds else []
    limits += [f"-runs={runs}"] if runs is not None else []
    return [sys.executable, "-m", "fuzz.one", name, *limits, f"-seed={seed}",
            "-max_len=4096", "-timeout=20", "-rss_limit_mb=2048", "-print_final_stats=1",
            f"-artifact_prefix={artifacts}/crash-{name}-", str(corpus)]


def run(name: str, *, seconds: int | None = None, runs: int | None = None,
        corpus_root: Path | None = None, artifacts: Path | None = None,
        timeout_s: float | None = None) -> subprocess.CompletedProcess[str]:
    """Fuzz one target in a process of its own; its output in the answer."""
    artifacts = artifacts or ROOT / "var" / "fuzz"
    artifacts.mkdir(parents=True, exist_ok=True)
    # the worker's module reads the node's settings when imported: a throwaway key will do
    env = {**os.environ, "SUNLIGHT_TOKEN_KEY": os.environ.get("SUNLIGHT_TOKEN_KEY")
           or TokenKey.generate().to_text()}
    with tempfile.TemporaryDirectory() as scratch:
        corpus = (corpus_root or Path(scratch)) / name
        return subprocess.run(
            command(name, seconds=seconds, runs=runs, corpus=corpus, artifacts=artifacts),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s,
            check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"targets (default: all): {', '.join(TARGETS)}")
    bound = parser.add_mutually_exclusive_group()
    bound.add_argument("--seconds", type=int, help="time for each target (default 60)")
    bound.add_argument("--runs", type=int, help="inputs for each target")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    seconds = None if args.runs is not None else (args.seconds or 60)
    corpus_root = ROOT / "var" / "fuzz" / "corpus"
    crashed = []
    for name in args.names or list(TARGETS):
        done = run(name, seconds=seconds, runs=args.runs, corpus_root=corpus_root)
        stats = [line for line in done.stderr.splitlines()
                 if line.startswith(("stat::number_of_executed_units", "Done "))]
        print(f"{name}: {'ok' if done.returncode == 0 else 'CRASH'} "
              f"{' '.join(stats)}", flush=True)
        if done.returncode != 0:
            crashed.append(name)
            print(done.stderr[-4000:], file=sys.stderr)
    if crashed:
        print(f"crashed: {', '.join(crashed)} (inputs in var/fuzz/)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
