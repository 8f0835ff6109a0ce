"""Files kept as evidence: what a file is (from its first bytes), and where the bytes live.

Intake keeps citizens' photos and videos, routing the departments' reply photos, each in its own part
of one store (`open_store`), each with its own table describing them.

`FolderStore` (the default, ATTACHMENT_DIR): each file is written once under a random key
(`ab/abcdef…`), through a temporary file renamed into place, so a reader never sees half a file.
`S3Store` (ATTACHMENT_STORE=s3): an S3-compatible object store (MinIO, Ceph RGW, a government cloud's
OSS/COS with its S3 API), one object per key under a prefix; a PUT is atomic, so there too a reader
sees a whole file or none. Both raise `StoredFileMissing` for a key with no bytes.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.settings import CommonSettings

CHUNK = 64 * 1024

JPEG, PNG, WEBP, MP4 = "image/jpeg", "image/png", "image/webp", "video/mp4"
IMAGE_TYPES = (JPEG, PNG, WEBP)
VIDEO_TYPES = (MP4,)
SNIFF_BYTES = 32  # enough of the head of a file to tell its kind

# ISO base media files whose `ftyp` box names one of these brands are MP4 (MPEG-4 part 14) videos;
# QuickTime (`qt  `), HEIF photos (`heic`, `mif1`) and 3GP are not taken.
MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
                        b"M4V ", b"dash", b"mmp4", b"MSNV"})


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes (magic numbers, never its name or the Content-Type
    a browser sent), or None when it is none of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return MP4
    return None


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES
_KEY = re.compile(r"^[0-9a-f]{32}$")


class StoredFileMissing(LookupError):
    """A key the database names has no file (deleted by hand, another ATTACHMENT_DIR)."""


class FolderStore:
    """Attachments as files under `root` (ATTACHMENT_DIR), created when the first one is stored."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    def stream(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        """The file in chunks (opened now: a missing file fails here, not half-way through a response)."""
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

        def chunks() -> Iterator[bytes]:
            with handle:
                while block := handle.read(chunk):
                    yield block

        return chunks()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> list[str]:
        """Every stored key (for tests and housekeeping)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if _KEY.match(p.name))

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not an attachment key: {key!r}")
        return self.root / key[:2] / key


class S3Store:
    """Attachments as objects in an S3-compatible bucket, under `prefix` (keys as the folder's: 32 hex).

    `client` is a boto3 S3 client (`s3_client` builds one from the settings); the bucket must exist
    (created by whoever runs the store: its policy and lifecycle are theirs).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "attachments/") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data,
                               ContentType="application/octet-stream")
        return key

    def get(self, key: str) -> bytes:
        return bytes(self._body(key).read())

    def stream(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        """The object in chunks (requested now: a missing one fails here, not half-way through a response)."""
        body = self._body(key)

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(chunk)
            finally:
                body.close()

        return chunks()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except self.client.exceptions.ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    def keys(self) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [name for item in page.get("Contents", [])
                      if _KEY.match(name := item["Key"].removeprefix(self.prefix))]
        return sorted(found)

    def _object(self, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"not an attachment key: {key!r}")
        return self.prefix + key

    def _body(self, key: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise StoredFileMissing(key) from exc


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def s3_client(*, endpoint_url: str | None, region: str, access_key_id: str | None, secret_access_key: str | None,
              timeout_seconds: float = 10.0) -> Any:
    """A boto3 S3 client with timeouts and a few retries; path-style addressing, which every
    S3-compatible store understands (virtual-host style needs DNS per bucket)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds,
                    retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"})
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
                        aws_secret_access_key=secret_access_key, config=config)


def open_store(settings: CommonSettings, part: str = "") -> FolderStore | S3Store:
    """The folder (ATTACHMENT_DIR) or the S3-compatible bucket (ATTACHMENT_STORE=s3) the settings name;
    `part` keeps one service's files apart (a subfolder, a key prefix): intake's are at the top."""
    if settings.attachment_store == "folder":
        return FolderStore(Path(settings.attachment_dir) / part if part else settings.attachment_dir)
    assert settings.s3_bucket is not None  # the settings refuse s3 without a bucket
    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    client = s3_client(endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                       access_key_id=settings.s3_access_key_id, secret_access_key=secret)
    return S3Store(client, settings.s3_bucket, f"{settings.s3_prefix}{part}/" if part else settings.s3_prefix)
