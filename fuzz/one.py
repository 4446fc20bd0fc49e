"""One fuzz target under libFuzzer: ``python -m fuzz.one NAME [libFuzzer options] [CORPUS]``.

The target's seeds are written into the corpus folder first (when one is given). An input
that raises anything but the parser's documented errors, or breaks what the target checks,
is a crash: libFuzzer stops, exits non-zero and saves the input (``-artifact_prefix``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

#: targets that import supervision's worker, which patches the process with eventlet: it is
#: imported before anything else, as ``python -m services.monitoring.worker`` does
PATCHED = {"worker_payload"}
if len(sys.argv) > 1 and sys.argv[1] in PATCHED:
    import services.monitoring.worker  # noqa: F401

import atheris  # noqa: E402

from fuzz.targets import TARGETS  # noqa: E402


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.one NAME [libFuzzer options] [CORPUS]; NAME one of "
                 f"{', '.join(TARGETS)}")
    target = TARGETS[argv[1]]
    options = argv[2:]
    for folder in (Path(a) for a in options if not a.startswith("-")):
        folder.mkdir(parents=True, exist_ok=True)
        for seed in target.seeds():
            (folder / f"seed-{hashlib.sha256(seed).hexdigest()[:12]}").write_bytes(seed)
    atheris.Setup([argv[0], *options], target.run)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
