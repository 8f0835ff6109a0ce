"""Encryption of personal information at rest (reporters' names and phones, the citizen's token, WeChat
OpenIDs, citizens' messages), and a keyed hash of phone numbers and OpenIDs to find them without
decrypting anything.

Several keys, for rotation without downtime (docs/personal-data.md): the current key (ENCRYPTION_KEY)
encrypts; it and the keys in ENCRYPTION_KEYS_OLD decrypt (cryptography's MultiFernet, the current key
tried first). `complaints rotate-key` re-encrypts what an old key wrote, after which the old key can go.

The index (HMAC) key never rotates with them: a caller's earlier complaints are found by the hash of the
number, so the index key must stay the one the stored hashes were made with. It is derived from
ENCRYPTION_INDEX_KEY when that is set (a Fernet-format key: before a first rotation, the key used so far),
else from ENCRYPTION_KEY — which is what every release before rotation did, so nothing changes for a
deployment that never rotates. The settings refuse old keys without ENCRYPTION_INDEX_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# The purpose of the key derived for the phone and OpenID index (never a Fernet key itself).
_INDEX_PURPOSE = b"hechuan-complaints/intake/phone-index/v1"


def _fernet(key: str, name: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a Fernet key (urlsafe base64 of 32 bytes)") from exc


def index_key_of(key: str) -> bytes:
    """The HMAC key derived from a Fernet-format key (the same derivation since the first release)."""
    _fernet(key, "ENCRYPTION_INDEX_KEY")  # says what is wrong with it
    return hmac.new(base64.urlsafe_b64decode(key.encode()), _INDEX_PURPOSE, hashlib.sha256).digest()


class FieldCipher:
    def __init__(self, key: str, *, old_keys: Sequence[str] = (), index_key: str | None = None) -> None:
        self._current = _fernet(key, "ENCRYPTION_KEY")
        olds = [_fernet(old, "ENCRYPTION_KEYS_OLD") for old in dict.fromkeys(old_keys) if old != key]
        self._all = MultiFernet([self._current, *olds])
        self.old_key_count = len(olds)
        self._index_key = index_key_of(index_key or key)

    def index(self, value: str) -> str:
        """HMAC-SHA256 of a (normalised) value under the index key: equal values give equal indexes, and
        without the key a table of all phone numbers cannot be hashed to reverse it."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str | None) -> str | None:
        """Always under the current key."""
        return self._current.encrypt(value.encode()).decode() if value else None

    def decrypt(self, token: str | None) -> str | None:
        """Under the current key or any old one still configured."""
        if not token:
            return None
        try:
            return self._all.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong ENCRYPTION_KEY (or its old key no longer in "
                             "ENCRYPTION_KEYS_OLD)?") from exc

    def is_current(self, token: str) -> bool:
        """Was this ciphertext made with the current key? (Its signature checked, nothing decrypted.)"""
        try:
            self._current.extract_timestamp(token.encode())
        except InvalidToken:
            return False
        return True

    def readable(self, token: str) -> bool:
        """Can any configured key decrypt it?"""
        try:
            self._all.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def reencrypt(self, token: str) -> str:
        """The same clear text under the current key (ValueError when no configured key reads it). Keeps
        Fernet's timestamp of the original (nothing here reads it, but it says when the value was written)."""
        try:
            return self._all.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot re-encrypt: no configured key decrypts this value") from exc
