"""Write a new migration of one service: ``python -m infra.db.revision cases "add x"``.

Autogenerates against a scratch SQLite database brought to head first; review the script.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from services.shared.migrations import revision

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    service, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        revision(ROOT / "services" / service / "migrations",
                 f"sqlite:///{scratch}/{service}.db", service, message)


if __name__ == "__main__":
    main()
