"""Staff accounts and client systems' API keys (intake is the front door; every service trusts its tokens).

Pure Python. Password hashing is slow on purpose and lives outside the domain: the rules here get a
`hash_password` function and decide when it is called.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.intake.domain.departments import DepartmentDirectory
from services.intake.domain.errors import (
    DepartmentMismatch,
    InvalidName,
    TownMismatch,
    UnknownRole,
    UnknownTown,
    WeakPassword,
)
from shared.contracts.codes import TOWNS, Role
from shared.contracts.events import SessionsEndedV1
from shared.domain import Aggregate

MIN_PASSWORD_LENGTH = 10
MAX_KEY_NAME_LENGTH = 100
MAX_USERNAME_LENGTH = 80
# The demo accounts' password and the demo client key (DEMO_MODE only): public, in the README. The
# password is shorter than MIN_PASSWORD_LENGTH, so no account can be given it except by the demo seed.
DEMO_PASSWORD = "demo"
DEMO_API_KEY = "demo-key"

PasswordHasher = Callable[[str], str]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(MIN_PASSWORD_LENGTH)


@dataclass(eq=False)
class User(Aggregate):
    username: str
    password_hash: str
    role: Role
    created_at: datetime
    department: str | None = None  # a dispatcher's department: the only one they may see
    display_name: str | None = None
    active: bool = True
    town: str | None = None  # a grid worker's town (one of the 30 codes): where they patrol and report
    token_version: int = 0  # goes up when the user's sessions end; tokens carry the version they got

    @classmethod
    def register(cls, *, username: str, password: str, role: str, department: str | None,
                 display_name: str | None, at: datetime, directory: DepartmentDirectory,
                 hash_password: PasswordHasher, town: str | None = None) -> User:
        if role not in Role.__members__:
            raise UnknownRole(role, list(Role.__members__))
        if (role == Role.dispatcher) != (department is not None):
            raise DepartmentMismatch()
        if (role == Role.grid_worker) != (town is not None):
            raise TownMismatch()
        if town is not None and town not in TOWNS:
            raise UnknownTown(town)
        if department is not None:
            directory.check_assignable(department)
        check_password(password)
        return cls(username=username, password_hash=hash_password(password), role=Role(role), created_at=at,
                   department=department, display_name=display_name, town=town)

    def set_password(self, password: str, hash_password: PasswordHasher, *, at: datetime) -> None:
        check_password(password)
        self.password_hash = hash_password(password)
        self.end_sessions("password_changed", at=at)

    def deactivate(self, *, at: datetime) -> None:
        self.active = False
        self.end_sessions("deactivated", at=at)

    def end_sessions(self, reason: str, *, at: datetime) -> None:
        """Every token issued so far stops working (退出登录, a new password, deactivation): tokens carry the
        version they were issued with, and every service refuses a version below this one."""
        self.token_version += 1
        self.record(SessionsEndedV1, reason=reason, ended_at=at)

    def may_sign_in_with(self, version: int) -> bool:
        """A token of this version may be renewed: the account is active and its sessions have not ended."""
        return self.active and version == self.token_version


def hash_api_key(key: str) -> str:
    """Keys are stored only as this hash: a stolen table does not let anyone in."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(eq=False)
class ApiKey(Aggregate):
    """The key of one client system (the app, the call centre, an Open311 client)."""

    name: str
    key_hash: str
    created_at: datetime
    active: bool = True
    id: int | None = None  # None until stored

    @classmethod
    def issue(cls, name: str, *, at: datetime) -> tuple[ApiKey, str]:
        """A new random key and its record; the key itself is shown once and never stored."""
        if not name.strip() or len(name.strip()) > MAX_KEY_NAME_LENGTH:
            raise InvalidName(MAX_KEY_NAME_LENGTH)
        key = secrets.token_urlsafe(32)
        return cls(name=name.strip(), key_hash=hash_api_key(key), created_at=at), key

    def revoke(self) -> None:
        self.active = False
