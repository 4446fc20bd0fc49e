"""Setting up one node on this machine: the steps of ``make run`` before it starts the node.

``python -m infra.node env``      write var/node.env with a fresh signing key if it has none
``python -m infra.node broker``   make sure the node's RabbitMQ answers and its vhost exists
``python -m infra.node migrate``  bring every service's database to its newest migration

Every step reads the node's settings the same way (the environment, then ``.env`` or the file
SUNLIGHT_ENV_FILE names, then ``var/node.env``).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from services.shared.config import NODE_ENV_FILE, load_settings

ROOT = Path(__file__).resolve().parents[1]
NODE_ENV = NODE_ENV_FILE


def write_env(path: Path = NODE_ENV) -> Path:
    """Create the node's local secrets file once; never overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text("utf-8") if path.exists() else ""
    if "SUNLIGHT_JWT_SECRET=" not in existing:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"SUNLIGHT_JWT_SECRET={secrets.token_urlsafe(48)}\n")
        path.chmod(0o600)
    return path


def broker() -> None:
    from infra.broker import BrokerError, ensure  # noqa: PLC0415 - pika only for this step

    try:
        ensure(load_settings())
    except BrokerError as exc:
        print(f"broker: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


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
    parser.add_argument("command", choices=["env", "broker", "migrate"])
    args = parser.parse_args()
    if args.command == "env":
        print(f"node secrets in {write_env()}")
    elif args.command == "broker":
        broker()
    else:
        migrate()


if __name__ == "__main__":
    main()
