"""Encryption of personal information at rest (reporters' names and phones)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class FieldCipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as exc:
            raise ValueError("ENCRYPTION_KEY must be a Fernet key (urlsafe base64 of 32 bytes)") from exc

    def encrypt(self, value: str | None) -> str | None:
        return self._fernet.encrypt(value.encode()).decode() if value else None

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong ENCRYPTION_KEY?") from exc
