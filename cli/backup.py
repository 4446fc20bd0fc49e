"""``sunlight node backup|restore``: a node's copy, taken while it runs, and the node brought
back from one (docs/runbook.md, "Back up and restore").

A node is its var directory (SUNLIGHT_VAR_DIR: the SQLite databases under ``<region>/``, the
applications' files, ``pki/``, ``calendar/``, ``province.json``), its secrets file
(``var/node.env`` of the checkout, the node's token key) and, with DATABASE_URL, its
PostgreSQL database (a schema per service). Its RabbitMQ vhost is not copied: what was not
delivered yet is still in the services' outbox tables, and a restored node publishes it.

    sunlight node backup DIR      a consistent copy into DIR (new or empty), the node running
                                  or not: SQLite through the online backup API, PostgreSQL
                                  through pg_dump -Fc; DIR/manifest.json lists every file with
                                  its size and sha256, and each service's schema revision
    sunlight node restore DIR     the node from DIR: refused while the node runs, and over a
                                  node that has data unless --force; every sha256 checked first

Exit codes: 0 done, 1 refused or failed (the message says why), 2 wrong arguments.
Files are written readable by the node's user only (directories 0700, files 0600).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from services.shared.config import NODE_ENV_FILE, Settings, load_settings

#: the services that keep a database (a SQLite file ``<region>/<service>.db`` each, or a
#: PostgreSQL schema of that name)
SERVICES = ("catalogue", "cases", "monitoring", "hall")
#: under the var directory, what is the running node's and not its data
TRANSIENT_DIRS = {"run", "log"}
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
SQLITE_HEADER = b"SQLite format 3\x00"
MANIFEST = "manifest.json"
FORMAT = 1
PG_DUMP = "postgres.dump"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
#: seconds pg_dump / pg_restore may take before they are stopped
PG_TIMEOUT_S = 600.0
CHUNK = 1 << 20


class Refused(Exception):
    """The command will not go on; the message says why and what to do."""


@click.group("node")
def node() -> None:
    """Back up and restore this node (its databases, keys, certificates, calendar)."""


@node.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 86400), default=PG_TIMEOUT_S,
              show_default=True, help="seconds pg_dump may take (PostgreSQL only)")
def backup_command(directory: Path, timeout_s: float) -> None:
    """A consistent copy of the node into DIRECTORY (new or empty), while it runs or not."""
    settings = load_settings()
    try:
        manifest = backup(settings, directory, timeout_s=timeout_s)
    except Refused as exc:
        _refused("backup", str(exc))
    total = sum(f["size"] for f in manifest["files"])
    click.echo(f"backed up node {manifest['node_region']} ({manifest['storage']}): "
               f"{len(manifest['files'])} files, {total} bytes, into {directory}")
    for service, revision in manifest["schema_revisions"].items():
        click.echo(f"  {service:<11} schema revision {revision or '-'}")
    click.echo(f"restore with: sunlight node restore {directory}")


@node.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="replace the node's data that is there (its var directory, its database)")
@click.option("--timeout", "timeout_s", type=click.FloatRange(1, 86400), default=PG_TIMEOUT_S,
              show_default=True, help="seconds pg_restore may take (PostgreSQL only)")
def restore_command(directory: Path, force: bool, timeout_s: float) -> None:
    """The node from the backup in DIRECTORY (stopped node; its sha256s checked first)."""
    settings = load_settings()
    try:
        manifest = restore(settings, directory, force=force, timeout_s=timeout_s)
    except Refused as exc:
        _refused("restore", str(exc))
    click.echo(f"restored node {manifest['node_region']} from the backup of "
               f"{manifest['created_at']} ({len(manifest['files'])} files, every sha256 "
               f"checked) into {Path(settings.var_dir).resolve()}")
    click.echo("next: make start   (then: sunlight status --wait 120; what was not delivered "
               "before the backup is published again by the relays)")


def _refused(command: str, message: str) -> None:
    click.echo(f"sunlight node {command}: refused: {message}", err=True)
    raise SystemExit(1)


# --- backup --------------------------------------------------------------------------------


def backup(settings: Settings, directory: Path, *, timeout_s: float = PG_TIMEOUT_S
           ) -> dict[str, Any]:
    """Copy the node into ``directory``; returns the manifest written there."""
    var_dir = Path(settings.var_dir).resolve()
    directory = directory.resolve()
    if directory == var_dir or var_dir in directory.parents:
        raise Refused(f"{directory} is inside the node's var directory {var_dir}: back up "
                      "to another place (another disk, best)")
    if directory.exists() and any(directory.iterdir()):
        raise Refused(f"{directory} is not empty: name a new directory")
    if not var_dir.is_dir():
        raise Refused(f"the node has no var directory {var_dir} (SUNLIGHT_VAR_DIR)")
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    directory.chmod(PRIVATE_DIR)
    files: list[dict[str, Any]] = []
    postgres = bool(settings.database_url)
    for source in _node_files(var_dir):
        relative = source.relative_to(var_dir)
        target = directory / "var" / relative
        _private_parents(target, directory)
        if not postgres and _is_sqlite(source):
            _sqlite_copy(source, target)
            kind, digest = "sqlite", None
        else:
            kind, digest = "file", _copy_private(source, target)
        files.append(_entry(directory, target, kind, restore_to=f"var/{relative.as_posix()}",
                            sha256=digest))
    env_file = NODE_ENV_FILE.resolve()
    if env_file.is_file() and var_dir not in env_file.parents:
        target = directory / "node.env"
        files.append(_entry(directory, target, "node.env", restore_to="node.env",
                            sha256=_copy_private(env_file, target)))
    if postgres:
        target = directory / PG_DUMP
        _pg_dump(settings, target, timeout_s)
        files.append(_entry(directory, target, "postgresql", restore_to=""))
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "node_region": settings.node_region,
        "node_name": settings.node_name,
        "storage": "postgresql" if postgres else "sqlite",
        "var_dir": str(var_dir),
        "node_env": str(env_file),
        "schema_revisions": (_pg_revisions(settings) if postgres
                             else _sqlite_revisions(directory / "var", settings.node_region)),
        "files": files,
    }
    _write_private(directory / MANIFEST,
                   json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n")
    return manifest


def _node_files(var_dir: Path) -> list[Path]:
    """The node's regular files under its var directory, in order: not its run state, logs,
    or SQLite's side files (the backup API copies what they hold)."""
    found = []
    for top, dirs, names in os.walk(var_dir):
        here = Path(top)
        if here == var_dir:
            dirs[:] = [d for d in dirs if d not in TRANSIENT_DIRS]
        dirs.sort()
        for name in sorted(names):
            path = here / name
            if name.endswith(SQLITE_SIDE_FILES) or not path.is_file() or path.is_symlink():
                continue
            found.append(path)
    return found


def _is_sqlite(path: Path) -> bool:
    if not path.name.endswith(".db"):
        return False
    with path.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its WAL included), one transaction."""
    _write_private(target, b"")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            # one self-contained file: no WAL to carry beside it
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    target.chmod(PRIVATE_FILE)


def _sqlite_revisions(var_copy: Path, region: str) -> dict[str, str | None]:
    revisions: dict[str, str | None] = {}
    for service in SERVICES:
        path = var_copy / region / f"{service}.db"
        revisions[service] = None
        if path.is_file() and path.stat().st_size:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                try:
                    row = db.execute("SELECT version_num FROM alembic_version").fetchone()
                except sqlite3.OperationalError:  # never migrated
                    row = None
            revisions[service] = row[0] if row else None
    return revisions


def _libpq_url(settings: Settings) -> str:
    """DATABASE_URL as pg_dump and psycopg take it (no SQLAlchemy driver name)."""
    url = make_url(str(settings.database_url))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_dump(settings: Settings, target: Path, timeout_s: float) -> None:
    _write_private(target, b"")
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target),
               *(f"--schema={s}" for s in SERVICES), "--dbname", _libpq_url(settings)]
    _run_pg(command, "pg_dump", timeout_s)
    target.chmod(PRIVATE_FILE)


def _run_pg(command: list[str], name: str, timeout_s: float) -> None:
    if shutil.which(command[0]) is None:
        raise Refused(f"{name} is not installed (the PostgreSQL client tools, the server's "
                      "major version or newer)")
    try:
        result = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                                timeout=timeout_s, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Refused(f"{name} did not finish in {timeout_s:.0f}s (--timeout)") from None
    if result.returncode != 0:
        raise Refused(f"{name} failed: {result.stderr.strip()[-2000:]}")


def _pg_revisions(settings: Settings) -> dict[str, str | None]:
    import psycopg  # noqa: PLC0415 - PostgreSQL nodes only

    revisions: dict[str, str | None] = {}
    with psycopg.connect(_libpq_url(settings), connect_timeout=10) as conn:
        for service in SERVICES:
            if _pg_table_exists(conn, service, "alembic_version"):
                row = conn.execute(
                    f'SELECT version_num FROM "{service}".alembic_version').fetchone()  # noqa: S608
                revisions[service] = row[0] if row else None
            else:
                revisions[service] = None
    return revisions


def _pg_table_exists(conn: Any, schema: str, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                        (f'"{schema}".{table}',)).fetchone()[0]


# --- restore -------------------------------------------------------------------------------


def restore(settings: Settings, directory: Path, *, force: bool = False,
            timeout_s: float = PG_TIMEOUT_S) -> dict[str, Any]:
    """Bring the node back from the backup in ``directory``; returns its manifest."""
    directory = directory.resolve()
    manifest = _read_manifest(directory)
    _check_same_node(settings, manifest)
    _check_intact(directory, manifest)
    if _running(settings):
        raise Refused(f"node {settings.node_region} is running: stop it first (Ctrl-C in "
                      "the terminal of make run / make start)")
    var_dir = Path(settings.var_dir).resolve()
    entries = manifest["files"]
    has_data = _var_has_data(var_dir)
    if has_data and not force:
        raise Refused(f"{var_dir} holds a node's data: restore into an empty var directory, "
                      "or pass --force to replace it")
    postgres = manifest["storage"] == "postgresql"
    if postgres and _pg_has_data(settings) and not force:
        raise Refused("the node's database (DATABASE_URL) holds the services' schemas: drop "
                      "them, or pass --force to replace them")
    env_entry = next((e for e in entries if e["kind"] == "node.env"), None)
    env_file = NODE_ENV_FILE.resolve()
    if env_entry is not None and env_file.is_file() and not force and (
            _sha256(env_file) != env_entry["sha256"]):
        raise Refused(f"{env_file} holds another token key than the backup's: pass --force "
                      "to replace it (tokens signed with the key there stop working)")
    if has_data:
        _clear_var(var_dir)
    var_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    var_dir.chmod(PRIVATE_DIR)
    for entry in entries:
        source = directory / entry["path"]
        if entry["kind"] in ("file", "sqlite"):
            target = var_dir / Path(entry["restore_to"]).relative_to("var")
            _private_parents(target, var_dir)
            for side in SQLITE_SIDE_FILES:
                target.with_name(target.name + side).unlink(missing_ok=True)
            _copy_private(source, target)
        elif entry["kind"] == "node.env" and not (
                env_file.is_file() and _sha256(env_file) == entry["sha256"]):
            env_file.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            _copy_private(source, env_file)
    if postgres:
        dump = next(e for e in entries if e["kind"] == "postgresql")
        _run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                 "--single-transaction", "--dbname", _libpq_url(settings),
                 str(directory / dump["path"])], "pg_restore", timeout_s)
    return manifest


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise Refused(f"{directory} holds no {MANIFEST}: not a backup of `sunlight node backup`")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (ValueError, OSError) as exc:
        raise Refused(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise Refused(f"{path}: backup format {found!r}, this version reads {FORMAT}")
    problems = _manifest_problems(manifest)
    if problems:
        raise Refused(f"{path} is not a manifest this version can restore, nothing was "
                      f"restored: {'; '.join(problems[:5])}")
    return dict(manifest)


#: what an entry of the manifest may be
ENTRY_KINDS = ("file", "sqlite", "node.env", "postgresql")


def _manifest_problems(manifest: dict[str, Any]) -> list[str]:
    """What makes ``manifest`` unsafe or impossible to restore: missing fields, or a path
    that leaves the backup directory or the node's var directory (``..``, absolute)."""
    problems = [f"{name} missing" for name in ("node_region", "storage")
                if not isinstance(manifest.get(name), str)]
    files = manifest.get("files")
    if not isinstance(files, list):
        return [*problems, "files is not a list"]
    for n, entry in enumerate(files):
        if not isinstance(entry, dict) or entry.get("kind") not in ENTRY_KINDS or not all(
                isinstance(entry.get(k), t) for k, t in (("path", str), ("restore_to", str),
                                                          ("size", int), ("sha256", str))):
            problems.append(f"files[{n}] is not an entry of kind, path, restore_to, size, "
                            "sha256")
            continue
        inside = [("path", Path(entry["path"]))]
        if entry["kind"] in ("file", "sqlite"):
            restore_to = Path(entry["restore_to"])
            if restore_to.parts[:1] != ("var",):
                problems.append(f"files[{n}]: restore_to {entry['restore_to']!r} is not under "
                                "var/")
            inside.append(("restore_to", restore_to))
        problems += [f"files[{n}]: {name} {str(value)!r} leaves its directory"
                     for name, value in inside if value.is_absolute() or ".." in value.parts]
    return problems


def _check_same_node(settings: Settings, manifest: dict[str, Any]) -> None:
    if manifest["node_region"] != settings.node_region:
        raise Refused(f"the backup is of node {manifest['node_region']}, this is node "
                      f"{settings.node_region} (SUNLIGHT_NODE_REGION)")
    storage = "postgresql" if settings.database_url else "sqlite"
    if manifest["storage"] != storage:
        raise Refused(f"the backup's databases are {manifest['storage']}, this node's "
                      f"{storage} (DATABASE_URL): set DATABASE_URL as the node had it")


def _check_intact(directory: Path, manifest: dict[str, Any]) -> None:
    bad = []
    for entry in manifest["files"]:
        path = directory / entry["path"]
        if not path.is_file():
            bad.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            bad.append(f"{entry['path']}: size or sha256 differs from the manifest")
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise Refused(f"the backup in {directory} is damaged, nothing was restored: {shown}")


def _running(settings: Settings) -> bool:
    """Whether any process of the node answers, or its supervisor does."""
    from cli.processes import node_processes, supervisor_states  # noqa: PLC0415

    if supervisor_states(settings):
        return True
    return any(process.check(1.0)[0] for process in node_processes(settings))


def _var_has_data(var_dir: Path) -> bool:
    return var_dir.is_dir() and bool(_node_files(var_dir))


def _clear_var(var_dir: Path) -> None:
    for child in var_dir.iterdir():
        if child.name in TRANSIENT_DIRS:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _pg_has_data(settings: Settings) -> bool:
    import psycopg  # noqa: PLC0415 - PostgreSQL nodes only

    with psycopg.connect(_libpq_url(settings), connect_timeout=10) as conn:
        return any(_pg_table_exists(conn, s, "alembic_version") for s in SERVICES)


# --- files ---------------------------------------------------------------------------------


def _entry(directory: Path, path: Path, kind: str, restore_to: str,
           sha256: str | None = None) -> dict[str, Any]:
    """The manifest's line for a copied file: its digest as the copy computed it, or read
    from the copy (a SQLite backup, a dump)."""
    return {"path": path.relative_to(directory).as_posix(), "kind": kind,
            "restore_to": restore_to, "size": path.stat().st_size,
            "sha256": sha256 or _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_parents(target: Path, root: Path) -> None:
    """``target``'s directories below ``root``, each 0700."""
    missing = [p for p in target.parents if p == root or root in p.parents]
    for parent in reversed(missing):
        if not parent.exists():
            parent.mkdir(mode=PRIVATE_DIR)
            parent.chmod(PRIVATE_DIR)


def _write_private(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fd, PRIVATE_FILE)
        fh.write(data)


def _copy_private(source: Path, target: Path) -> str:
    """Copy a file, 0600 from its first byte, replacing ``target`` in one step; returns the
    SHA-256 of what it wrote (the file is read once)."""
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as fh:
            os.fchmod(fd, PRIVATE_FILE)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()
