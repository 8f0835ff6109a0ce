"""Where the bytes of attachments live: the `AttachmentStore` port's two adapters.

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

CHUNK = 64 * 1024
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
