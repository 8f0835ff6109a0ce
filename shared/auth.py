"""Authentication shared by the services: password hashes, JWTs, roles, departments, masking.

Pure of any web framework (handlers use it); the FastAPI sign-in dependencies are in `shared.http`.
Accounts live in intake (the front door); every service verifies tokens with the shared key.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import TooManyRequests, Unauthorized

_hasher = PasswordHasher()
ALGORITHM = "HS256"
TOKEN_URL = "/api/v1/auth/token"


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class HashingBusy(TooManyRequests):
    def __init__(self, retry_after: int) -> None:
        super().__init__("登录繁忙，请稍后再试 / too many sign-ins at once, try again shortly",
                         retry_after=retry_after)


class BoundedHasher:
    """Password hashing with at most `concurrency` argon2 computations at a time (64 MiB each): a flood
    of sign-ins gets "busy, retry" (429) after `wait` seconds instead of queueing threads and memory.

    `verify_unknown` spends the same work on a username that does not exist, so the answer's time does
    not tell which names exist. `hasher` is argon2's; a test passes a fake.
    """

    def __init__(self, *, concurrency: int = 4, wait: float = 1.0, hasher: PasswordHasher | None = None,
                 retry_after: int = 1) -> None:
        self._hasher = hasher or _hasher
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait = wait
        self._retry_after = retry_after
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        with self._slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._slot():
            try:
                return bool(self._hasher.verify(password_hash, password))
            except (VerificationError, InvalidHashError):
                return False

    def verify_unknown(self, password: str) -> bool:
        """As long as `verify` on a real account; always False."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy, password)
        return False

    @contextmanager
    def _slot(self) -> Iterator[None]:
        acquired = self._slots.acquire(timeout=self._wait) if self._wait > 0 else self._slots.acquire(blocking=False)
        if not acquired:
            raise HashingBusy(self._retry_after)
        try:
            yield
        finally:
            self._slots.release()


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    department: str | None = None  # set for dispatchers: the only department they may see
    town: str | None = None  # set for grid workers: the town they patrol
    version: int = 0  # the account's token version when signed in: sessions end when it goes up


def issue_token(principal: Principal, *, key: str, now: datetime, ttl: timedelta) -> str:
    claims = {
        "sub": principal.username,
        "role": principal.role,
        "dept": principal.department,
        **({"town": principal.town} if principal.town else {}),
        "ver": principal.version,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, *, key: str) -> Principal:
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "role"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("登录已过期，请重新登录 / the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("登录凭证无效 / the token is not valid") from exc
    # Tokens issued before towns (or versions) existed have none.
    return Principal(username=claims["sub"], role=claims["role"], department=claims.get("dept"),
                     town=claims.get("town"), version=int(claims.get("ver") or 0))


def may_act_for(principal: Principal, department: str) -> bool:
    """Dispatchers act only for their own department; supervisors and admins for any."""
    if principal.role in ("supervisor", "admin"):
        return True
    return principal.role == "dispatcher" and principal.department == department


ANONYMOUS = "匿名"  # what staff see of an anonymous reporter's number: not one digit of it


def mask_phone(phone: str | None, *, anonymous: bool = False) -> str | None:
    """138****1234: what staff who do not need the number see; ANONYMOUS for an anonymous reporter."""
    if not phone:
        return None
    if anonymous:
        return ANONYMOUS
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)
