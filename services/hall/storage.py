"""Uploaded materials (电子材料): the storage port, and what the hall accepts.

A file is named by its content: the SHA-256 of its bytes. ``FileStore`` is the port —
``put`` keeps bytes and answers their digest, ``get`` gives them back — with two stores
behind it, chosen by the node's settings (``file_store``):

* ``LocalStore`` (the default): files under ``var/<region>/files/ab/cd/<digest>``, written to
  a temporary file, synced and renamed into place, so a file is either whole or not there;
* ``S3Store``: objects of an S3-compatible bucket (AWS S3, MinIO, Ceph, the cloud stores of
  Chinese providers), keyed ``<prefix>ab/cd/<digest>``; each upload carries its MD5 and SHA-256
  (``Content-MD5``, ``x-amz-checksum-sha256``) for the store to check, each download is
  checked against its digest here; every call has the settings' timeout, and a store that
  cannot be reached is ``StoreUnavailable`` (a page that says to try again, never a lost
  file).

Nothing is ever deleted: a draft names its files by digest, the case records the same
digests, and a file uploaded once is there at submission and after — never lost between
upload and submission. Two uploads of one file are one file.

What is accepted (``check_upload``): at most ``Limits.file_bytes`` a file and
``Limits.application_bytes`` an application, of the types recognised *by their content*
(their first bytes, never their name or the browser's word): PDF, JPEG, PNG and OFD (the
national format for electronic documents, GB/T 33190: a ZIP with ``OFD.xml`` at its root).
A refusal is ``FileRefused`` with a stable code and a sentence in Chinese.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from services.shared.config import Settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: recognised media types and their names for people
MEDIA_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG 图片", "image/png": "PNG 图片",
               "application/ofd": "OFD 版式文件"}
DIGEST = re.compile(r"^[0-9a-f]{64}\Z")
MAX_NAME = 200


class StoreUnavailable(Exception):  # noqa: N818 - a state of the store, not a bug
    """The store could not be reached or refused the call (its reason, for the log)."""


class FileRefused(Exception):  # noqa: N818 - said to the person
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 10 * MB
    application_bytes: int = 50 * MB

    def words(self) -> str:
        return (f"PDF、JPEG、PNG 或 OFD 文件，每个不超过 {self.file_bytes // MB} MB，"
                f"全部材料合计不超过 {self.application_bytes // MB} MB")


@dataclass(frozen=True)
class Upload:
    """A file accepted: its digest, size, type by content and name as uploaded."""

    sha256: str
    size: int
    media_type: str
    name: str


def sniff(data: bytes) -> str | None:
    """The media type ``data`` is, by its first bytes (magic numbers); None: not one the
    hall accepts."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04") and _is_ofd(data):
        return "application/ofd"
    return None


def _is_ofd(data: bytes) -> bool:
    """An OFD file is a ZIP package whose root holds ``OFD.xml`` (GB/T 33190 §7.1)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def clean_name(name: str) -> str:
    """The file's own name (no folders, no control characters), at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if ord(c) >= 32 and c != "\x7f").strip()
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 \
            else base[:MAX_NAME]
    return base or "未命名文件"


def check_upload(data: bytes, name: str, limits: Limits, already: int = 0) -> Upload:
    """The upload if the hall accepts it; FileRefused saying why not. ``already``: bytes the
    application's other files take."""
    if not data:
        raise FileRefused("FILE_EMPTY", "所选文件是空的（0 字节），请重新选择。")
    if len(data) > limits.file_bytes:
        raise FileRefused("FILE_TOO_LARGE", f"文件太大（{len(data) / MB:.1f} MB）：每个文件"
                          f"不能超过 {limits.file_bytes // MB} MB。请压缩或分页扫描后再上传。")
    if already + len(data) > limits.application_bytes:
        raise FileRefused("APPLICATION_TOO_LARGE", "全部材料合计不能超过 "
                          f"{limits.application_bytes // MB} MB，本文件放不下了。请压缩后再上传，"
                          "或替换已上传的较大文件。")
    media_type = sniff(data)
    if media_type is None:
        raise FileRefused("FILE_TYPE_NOT_ALLOWED", "无法识别这个文件的格式：只接受 PDF、"
                          "JPEG、PNG 或 OFD 文件（按文件内容判断，而不是文件扩展名）。")
    return Upload(hashlib.sha256(data).hexdigest(), len(data), media_type, clean_name(name))


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Keep ``data``; its hex SHA-256 (the same bytes twice: one file)."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The bytes whose digest is ``sha256``, None when there are none."""
        ...


class LocalStore:
    """Content-addressed files under ``root`` (``var/<region>/files`` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not DIGEST.match(sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes | None:
        try:
            data = self.path(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            return None
        # a file damaged on disk is not served as if it were the one uploaded
        return data if hashlib.sha256(data).hexdigest() == sha256 else None


def local_store(var_dir: Path, region: str) -> LocalStore:
    """The node's files, beside its SQLite files (``var/<region>/``)."""
    return LocalStore(Path(var_dir) / region / "files")


#: answers of an S3-compatible store that mean "no such object"
MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Store:
    """Content-addressed objects in a bucket of an S3-compatible store. ``client`` is a boto3
    S3 client (its timeouts set: ``s3_client``)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key(self, sha256: str) -> str:
        if not DIGEST.match(sha256):
            raise ValueError("not a SHA-256 digest")
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data)
        sha256 = digest.hexdigest()
        key = self.key(sha256)
        errors = _s3_errors()
        try:
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
                if int(head.get("ContentLength", -1)) == len(data):
                    return sha256  # the same bytes are there already
            except errors.ClientError as error:
                if _code(error) not in MISSING:
                    raise
            answer = self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data,
                ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),  # noqa: S324 - the store's check, as S3 defines it
                ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                ContentType="application/octet-stream")
        except (errors.ClientError, errors.BotoCoreError) as error:
            raise StoreUnavailable(f"put {key}: {error}") from error
        echoed = answer.get("ChecksumSHA256")
        if echoed and echoed != base64.b64encode(digest.digest()).decode():
            raise StoreUnavailable(f"put {key}: the store kept other bytes ({echoed})")
        return sha256

    def get(self, sha256: str) -> bytes | None:
        try:
            key = self.key(sha256)
        except ValueError:
            return None
        errors = _s3_errors()
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
            data: bytes = answer["Body"].read()
        except errors.ClientError as error:
            if _code(error) in MISSING:
                return None
            raise StoreUnavailable(f"get {key}: {error}") from error
        except errors.BotoCoreError as error:
            raise StoreUnavailable(f"get {key}: {error}") from error
        if hashlib.sha256(data).hexdigest() != sha256:
            # a damaged object is not served as the one uploaded
            log.error("object %s in bucket %s does not match its digest", key, self.bucket)
            return None
        return data


def _s3_errors() -> Any:
    import botocore.exceptions  # noqa: PLC0415 - only a node configured for S3 loads boto

    return botocore.exceptions


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def s3_client(endpoint: str, region: str, access_key_id: str, secret_access_key: str,
              timeout_s: float) -> Any:
    """A boto3 S3 client for an S3-compatible store: path-style addresses (what every such
    store serves), checksums only where the call needs them (the stores that predate
    S3's newer defaults refuse them), each call bounded by ``timeout_s`` (to connect, and
    between bytes read), retried twice at most."""
    import boto3  # noqa: PLC0415 - only a node configured for S3 loads boto
    from botocore.config import Config  # noqa: PLC0415

    config = Config(connect_timeout=timeout_s, read_timeout=timeout_s,
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required")
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint or None, region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None, config=config)


def file_store(settings: Settings) -> FileStore:
    """The store the settings choose: files under ``var/`` or an S3-compatible bucket."""
    if settings.hall_file_store == "s3":
        return S3Store(s3_client(settings.hall_s3_endpoint, settings.hall_s3_region,
                                 settings.hall_s3_access_key_id,
                                 settings.hall_s3_secret_access_key.get_secret_value(),
                                 settings.hall_s3_timeout_s),
                       settings.hall_s3_bucket, settings.hall_s3_prefix)
    return local_store(settings.var_dir, settings.node_region)
