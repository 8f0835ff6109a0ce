"""Authentication shared by the services: password hashes, JWTs, roles, departments, masking.

Pure of any web framework (handlers use it); the FastAPI sign-in dependencies are in `shared.http`.
Accounts live in intake (the front door); every service verifies tokens with the shared key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import Unauthorized

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
    town: str | None = None  # set for grid workers: the town they patrol


def issue_token(principal: Principal, *, key: str, now: datetime, ttl: timedelta) -> str:
    claims = {
        "sub": principal.username,
        "role": principal.role,
        "dept": principal.department,
        **({"town": principal.town} if principal.town else {}),
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
    return Principal(username=claims["sub"], role=claims["role"], department=claims.get("dept"),
                     town=claims.get("town"))  # tokens issued before towns existed have none


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
