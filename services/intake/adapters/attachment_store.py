"""Where the bytes of attachments live: the `AttachmentStore` port's folder adapter.

Each file is written once under a random key (`ab/abcdef…`), through a temporary file renamed into
place, so a reader never sees half a file. An S3-compatible adapter is a later step.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
