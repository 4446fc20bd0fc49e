"""The storage port of uploaded files (services/hall/storage.py): every store keeps files by
their SHA-256, whole or not at all, and never serves bytes that are not the ones uploaded.

The same tests run against each store: ``LocalStore`` (files under a folder) and ``S3Store``
against a real HTTP S3 endpoint — moto's standalone server, started here as a subprocess on
a free port (no S3 service is reachable from this machine) — through the client the node
builds from its settings (timeouts, path-style addresses)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.ports import free_port
from services.hall.storage import (
    LocalStore,
    S3Store,
    StoreUnavailable,
    file_store,
    local_store,
    s3_client,
)
from services.shared.config import Settings
from services.shared.token_keys import TokenKey
from tests.support.wait import wait_for

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
REGION = "cn-north-1"
KEYS = {"access_key_id": "sunlight-test", "secret_access_key": "sunlight-test-secret"}



@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """moto's S3 server, on a free port of loopback, for this module."""
    pytest.importorskip("moto.server", reason="a dev dependency: make venv")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - the test's own server
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = s3_client(endpoint, REGION, KEYS["access_key_id"],
                           KEYS["secret_access_key"], 2.0)
        wait_for(lambda: client.list_buckets() is not None, timeout_s=60,
                 what="moto's S3 server")
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@dataclass
class World:
    """A store, and a way to damage the stored bytes of a digest behind its back."""

    store: LocalStore | S3Store
    damage: Callable[[str, bytes], None]
    count: Callable[[], int]


@pytest.fixture(params=["local", "s3"])
def world(request, tmp_path) -> World:  # type: ignore[no-untyped-def]
    if request.param == "local":
        store = LocalStore(tmp_path / "files")

        def damage_file(digest: str, data: bytes) -> None:
            store.path(digest).write_bytes(data)

        return World(store, damage_file,
                     lambda: sum(1 for p in (tmp_path / "files").rglob("*") if p.is_file()))
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"sunlight-{uuid.uuid4().hex[:12]}"
    client = s3_client(endpoint, REGION, KEYS["access_key_id"], KEYS["secret_access_key"],
                       5.0)
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
    s3 = S3Store(client, bucket, "uploads/")

    def damage_object(digest: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=s3.key(digest), Body=data)

    return World(s3, damage_object, lambda: client.list_objects_v2(
        Bucket=bucket).get("KeyCount", 0))


def test_a_file_is_kept_by_its_digest_once(world: World) -> None:
    digest = world.store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert world.store.put(PDF) == digest  # the same bytes again: one file
    assert world.store.put(PNG) == hashlib.sha256(PNG).hexdigest()
    assert world.count() == 2  # nothing else left behind (no temporary, no copy)
    assert world.store.get(digest) == PDF
    assert world.store.get(hashlib.sha256(PNG).hexdigest()) == PNG


def test_a_file_never_given_or_a_name_that_is_no_digest_is_none(world: World) -> None:
    assert world.store.get("0" * 64) is None
    assert world.store.get("../../etc") is None
    assert world.store.get("A" * 64) is None  # digests are lower-case hex


def test_damaged_bytes_are_not_served_as_the_file_uploaded(world: World) -> None:
    digest = world.store.put(PDF)
    world.damage(digest, b"%PDF-damaged")
    assert world.store.get(digest) is None


def test_the_local_store_writes_whole_files_into_their_place(tmp_path) -> None:
    store = LocalStore(tmp_path / "files")
    digest = store.put(PDF)
    path = tmp_path / "files" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == PDF
    assert [p.name for p in path.parent.iterdir()] == [digest]


def test_the_s3_store_keys_objects_by_digest_under_its_prefix(s3_endpoint) -> None:
    client = s3_client(s3_endpoint, REGION, KEYS["access_key_id"],
                       KEYS["secret_access_key"], 5.0)
    bucket = f"sunlight-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
    digest = S3Store(client, bucket, "node-511602/").put(PDF)
    [stored] = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert stored["Key"] == f"node-511602/{digest[:2]}/{digest[2:4]}/{digest}"
    assert stored["Size"] == len(PDF)


def test_a_store_out_of_reach_is_unavailable_within_its_timeout() -> None:
    """Nothing listens on the port: the call fails fast, as StoreUnavailable (the page
    says to try again), never hangs and never passes for a missing file."""
    client = s3_client(f"http://127.0.0.1:{free_port()}", REGION, KEYS["access_key_id"],
                       KEYS["secret_access_key"], 1.0)
    store = S3Store(client, "sunlight-files")
    with pytest.raises(StoreUnavailable):
        store.put(PDF)
    with pytest.raises(StoreUnavailable):
        store.get(hashlib.sha256(PDF).hexdigest())


def test_a_bucket_that_does_not_exist_is_unavailable_not_missing(s3_endpoint) -> None:
    client = s3_client(s3_endpoint, REGION, KEYS["access_key_id"],
                       KEYS["secret_access_key"], 5.0)
    store = S3Store(client, f"sunlight-none-{uuid.uuid4().hex[:8]}")
    with pytest.raises(StoreUnavailable):
        store.put(PDF)


def test_the_settings_choose_the_store(tmp_path, s3_endpoint) -> None:
    base = {"token_key": TokenKey.generate().to_text(), "var_dir": tmp_path,
            "node_region": "511602"}
    local = file_store(Settings(**base))
    assert isinstance(local, LocalStore)
    assert local.root == local_store(tmp_path, "511602").root == tmp_path / "511602" / "files"
    bucket = f"sunlight-{uuid.uuid4().hex[:12]}"
    chosen = file_store(Settings(**base, hall_file_store="s3", hall_s3_endpoint=s3_endpoint,
                                 hall_s3_bucket=bucket, hall_s3_region=REGION,
                                 hall_s3_prefix="files/", hall_s3_timeout_s=3,
                                 hall_s3_access_key_id=KEYS["access_key_id"],
                                 hall_s3_secret_access_key=KEYS["secret_access_key"]))
    assert isinstance(chosen, S3Store) and (chosen.bucket, chosen.prefix) == (bucket, "files/")
    chosen.client.create_bucket(Bucket=bucket,
                                CreateBucketConfiguration={"LocationConstraint": REGION})
    assert chosen.get(chosen.put(PDF)) == PDF
    timeouts = chosen.client.meta.config
    assert (timeouts.connect_timeout, timeouts.read_timeout) == (3, 3)
    with pytest.raises(ValueError, match="SUNLIGHT_HALL_S3_BUCKET"):
        Settings(**base, hall_file_store="s3")
    assert "secret-value" not in repr(Settings(**base, hall_s3_secret_access_key="secret-value"))


def test_no_key_of_a_store_is_in_the_repository() -> None:
    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        if line.startswith(("SUNLIGHT_HALL_S3_ACCESS_KEY_ID=",
                            "SUNLIGHT_HALL_S3_SECRET_ACCESS_KEY=")):
            assert line.endswith("="), line  # named, never given
