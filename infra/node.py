"""Setting up one node on this machine: the steps of ``make run`` before it starts the node.

``python -m infra.node env``      write var/node.env with the node's own token key if it has
                                  none, and make the node's files private (directories 0700,
                                  files 0600)
``python -m infra.node broker``   make sure the node's RabbitMQ answers and its vhost exists
``python -m infra.node migrate``  bring every service's database to its newest migration

Every step reads the node's settings the same way (the environment, then ``.env`` or the file
SUNLIGHT_ENV_FILE names, then ``var/node.env``) and creates files readable by the node's user
only (umask 077).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from infra.spawn import PRIVATE_UMASK
from services.shared.config import NODE_ENV_FILE, Settings, load_settings
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[1]
NODE_ENV = NODE_ENV_FILE
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def write_env(path: Path = NODE_ENV) -> Path:
    """Create the node's local secrets file once; never overwrite an existing key.

    The node's key pair for tokens (``SUNLIGHT_TOKEN_KEY``) is generated once. A node set up
    by an older checkout has only ``SUNLIGHT_JWT_SECRET`` (a secret shared by every process,
    no longer read): its file keeps its lines and gains a token key; tokens signed with the
    old secret are refused from then on (people sign in again)."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    # Created 0600 from the first byte: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        os.fchmod(fd, PRIVATE_FILE)
        fh.seek(0)
        if not any(line.startswith("SUNLIGHT_TOKEN_KEY=") for line in fh.read().splitlines()):
            fh.write(f"SUNLIGHT_TOKEN_KEY={TokenKey.generate().to_text()}\n")
    return path


def make_private(*roots: Path) -> list[Path]:
    """Directories 0700 and regular files 0600 under each root (created when missing), for
    what the node's user owns; symbolic links are not followed. Returns what was changed.

    The SQLite files hold applicants' names and ID numbers; a node set up by an older checkout
    has them world-readable."""
    changed: list[Path] = []
    me = os.geteuid()
    for root in roots:
        root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        for top, dirs, files in os.walk(root):
            for path in [Path(top), *(Path(top) / name for name in dirs + files)]:
                try:
                    info = path.lstat()
                except FileNotFoundError:  # removed meanwhile (a -shm file, a log rotation)
                    continue
                if info.st_uid != me:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    wanted = PRIVATE_DIR
                elif stat.S_ISREG(info.st_mode):
                    wanted = PRIVATE_FILE
                else:
                    continue  # links, sockets
                if stat.S_IMODE(info.st_mode) != wanted:
                    path.chmod(wanted)
                    changed.append(path)
    return changed


def private_dirs(settings: Settings) -> list[Path]:
    """Where the node keeps its files: var/ of the checkout (node.env) and SUNLIGHT_VAR_DIR."""
    dirs = [NODE_ENV.parent]
    var_dir = Path(settings.var_dir).resolve()
    if var_dir != NODE_ENV.parent.resolve():
        dirs.append(var_dir)
    return dirs


def env() -> None:
    print(f"node secrets in {write_env()}")
    settings = load_settings()
    dirs = private_dirs(settings)
    changed = make_private(*dirs)
    where = ", ".join(str(d) for d in dirs)
    print(f"node files in {where}: readable by this user only"
          + (f" (made {len(changed)} private)" if changed else ""))


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
    from services.hall.server import migrate as hall  # noqa: PLC0415
    from services.monitoring.server import migrate as monitoring  # noqa: PLC0415

    for name, step in (("catalogue", catalogue), ("cases", cases),
                       ("monitoring", monitoring), ("hall", hall)):
        step()
        print(f"migrated {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["env", "broker", "migrate"])
    args = parser.parse_args()
    os.umask(PRIVATE_UMASK)
    {"env": env, "broker": broker, "migrate": migrate}[args.command]()


if __name__ == "__main__":
    main()
