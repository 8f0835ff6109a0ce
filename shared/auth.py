"""Authentication shared by the services: OAuth2 password flow with JWTs, roles, departments.

Accounts live in intake (the front door); every service verifies tokens with the shared key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from shared.http import Forbidden, Unauthorized

_hasher = PasswordHasher()
ALGORITHM = "HS256"
TOKEN_URL = "/api/v1/auth/token"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    department: str | None = None  # set for dispatchers: the only department they may see


def issue_token(principal: Principal, *, key: str, now: datetime, ttl: timedelta) -> str:
    claims = {
        "sub": principal.username,
        "role": principal.role,
        "dept": principal.department,
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
    return Principal(username=claims["sub"], role=claims["role"], department=claims.get("dept"))


_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@dataclass(frozen=True)
class AuthDeps:
    """FastAPI dependencies bound to one key: `principal` (any signed-in user) and `role(...)`."""

    principal: Callable[..., Principal]
    optional: Callable[..., Principal | None]

    def role(self, *roles: str) -> Callable[..., Principal]:
        def _check(principal: Principal = Depends(self.principal)) -> Principal:
            if principal.role not in roles and principal.role != "admin":
                raise Forbidden("无权执行此操作 / your role may not do this")
            return principal

        return _check


def auth_deps(key: str) -> AuthDeps:
    def optional(token: str | None = Depends(_bearer)) -> Principal | None:
        return read_token(token, key=key) if token else None

    def principal(token: str | None = Depends(_bearer)) -> Principal:
        if not token:
            raise Unauthorized("请先登录 / sign in first")
        return read_token(token, key=key)

    return AuthDeps(principal=principal, optional=optional)


def may_act_for(principal: Principal, department: str) -> bool:
    """Dispatchers act only for their own department; supervisors and admins for any."""
    if principal.role in ("supervisor", "admin"):
        return True
    return principal.role == "dispatcher" and principal.department == department


def mask_phone(phone: str | None) -> str | None:
    """138****1234: what staff who do not need the number see."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)
