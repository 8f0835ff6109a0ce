"""Encryption of personal information at rest (reporters' names and phones, the citizen's token), and a
keyed hash of phone numbers to find a caller's earlier complaints without decrypting anything."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

# The purpose of the key derived from ENCRYPTION_KEY for the phone index (never the Fernet key itself).
_INDEX_PURPOSE = b"hechuan-complaints/intake/phone-index/v1"


class FieldCipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as exc:
            raise ValueError("ENCRYPTION_KEY must be a Fernet key (urlsafe base64 of 32 bytes)") from exc
        self._index_key = hmac.new(base64.urlsafe_b64decode(key.encode()), _INDEX_PURPOSE, hashlib.sha256).digest()

    def index(self, value: str) -> str:
        """HMAC-SHA256 of a (normalised) value under a key derived from ENCRYPTION_KEY: equal values give
        equal indexes, and without the key a table of all phone numbers cannot be hashed to reverse it."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str | None) -> str | None:
        return self._fernet.encrypt(value.encode()).decode() if value else None

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong ENCRYPTION_KEY?") from exc
