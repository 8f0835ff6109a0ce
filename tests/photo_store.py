"""Routing's `photos` port (reply and investigation photos) in memory: bytes by key, for tests that need no
folder or S3 store behind it."""

from __future__ import annotations


class MemoryStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        key = f"replies/{len(self.files)}"
        self.files[key] = data
        return key

    def get(self, key: str) -> bytes:
        return self.files[key]
