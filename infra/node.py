"""Setting up one node on this machine (used by ``make run`` and the tests).

``python -m infra.node env``      write var/node.env with a fresh signing key if it has none
``python -m infra.node migrate``  bring every service's database to its newest migration
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_ENV = ROOT / "var" / "node.env"


def write_env(path: Path = NODE_ENV) -> Path:
    """Create the node's local secrets file once; never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text("utf-8") if path.exists() else ""
    if "SUNLIGHT_JWT_SECRET=" not in existing:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"SUNLIGHT_JWT_SECRET={secrets.token_urlsafe(48)}\n")
        path.chmod(0o600)
    return path


def migrate() -> None:
    # infra is the one place that knows every service: it deploys them.
    from services.cases.server import migrate as cases  # noqa: PLC0415
    from services.catalogue.server import migrate as catalogue  # noqa: PLC0415
    from services.monitoring.server import migrate as monitoring  # noqa: PLC0415

    for name, step in (("catalogue", catalogue), ("cases", cases),
                       ("monitoring", monitoring)):
        step()
        print(f"migrated {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["env", "migrate"])
    args = parser.parse_args()
    if args.command == "env":
        print(f"node secrets in {write_env()}")
    else:
        migrate()


if __name__ == "__main__":
    main()
