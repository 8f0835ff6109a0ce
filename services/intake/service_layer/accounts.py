"""Intake's handlers for staff accounts and client systems' API keys (registered in handlers.py's tables).

Accounts live in intake, the front door: it signs people in and checks the keys of the systems that
report for citizens (the app, the call centre, Open311 clients).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.intake.domain import commands as c
from services.intake.domain.accounts import (
    DEMO_API_KEY,
    DEMO_PASSWORD,
    MAX_USERNAME_LENGTH,
    ApiKey,
    User,
    hash_api_key,
)
from services.intake.domain.errors import (
    ApiKeyMissing,
    ApiKeyNotFound,
    ApiKeyRefused,
    SessionEnded,
    TooManySignIns,
    UserExists,
    UserNotFound,
    WrongCredentials,
)
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import Principal

# --- accounts ----------------------------------------------------------------------------------------


class SignInThrottle(Protocol):
    """Wrong passwords per username and per client in a sliding window (adapters/throttle.py)."""

    def wait(self, target: str | None, client: str | None) -> int: ...

    def failed(self, target: str | None, client: str | None) -> None: ...


class Passwords(Protocol):
    """Password hashing at a bounded concurrency (shared.auth.BoundedHasher)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_unknown(self, password: str) -> bool: ...


def authenticate(query: c.Authenticate, uow: IntakeUnitOfWork, sign_in_throttle: SignInThrottle,
                 passwords: Passwords, demo_mode: bool) -> Principal:
    """登录. Locked (429) after too many wrong passwords for the username or from the client, the right
    password included; an unknown username costs the same hashing as a known one, so the time of the
    answer does not tell which exist. Without DEMO_MODE the demo password opens no account."""
    username = query.username[:MAX_USERNAME_LENGTH]
    if (wait := sign_in_throttle.wait(username, query.client)) > 0:
        raise TooManySignIns(wait)
    user = uow.users.get(username) if username == query.username else None
    if user is None:
        right = passwords.verify_unknown(query.password)
    else:
        right = passwords.verify(user.password_hash, query.password)
    demo_refused = not demo_mode and query.password == DEMO_PASSWORD
    if user is None or not right or not user.active or demo_refused:
        sign_in_throttle.failed(username, query.client)
        raise WrongCredentials()
    return _principal(user)


def renew_token(query: c.RenewToken, uow: IntakeUnitOfWork) -> Principal:
    """A fresh token for a token whose session goes on (the account active, no sign-out or new password)."""
    user = uow.users.get(query.username)
    if user is None or not user.may_sign_in_with(query.version):
        raise SessionEnded()
    return _principal(user)


def end_sessions(cmd: c.EndSessions, uow: IntakeUnitOfWork) -> None:
    """退出登录: the user's tokens stop working in every service (all of the user's sessions: tokens carry
    the account's version, not a session of their own)."""
    user = uow.users.get(cmd.username)
    if user is None or user.token_version != cmd.version:
        return  # ended already
    user.end_sessions("signed_out", at=uow.clock.now())
    _sessions_ended(uow, user)


def add_user(cmd: c.AddUser, uow: IntakeUnitOfWork, passwords: Passwords) -> User:
    if uow.users.get(cmd.username) is not None:
        raise UserExists(cmd.username)
    user = User.register(username=cmd.username, password=cmd.password, role=cmd.role, department=cmd.department,
                         display_name=cmd.display_name, town=cmd.town, at=uow.clock.now(),
                         directory=uow.department_names.directory(), hash_password=passwords.hash)
    uow.users.add(user)
    uow.commit()
    return user


def set_password(cmd: c.SetPassword, uow: IntakeUnitOfWork, passwords: Passwords) -> None:
    user = _user(uow, cmd.username)
    user.set_password(cmd.password, passwords.hash, at=uow.clock.now())
    _sessions_ended(uow, user)


def deactivate_user(cmd: c.DeactivateUser, uow: IntakeUnitOfWork) -> None:
    user = _user(uow, cmd.username)
    user.deactivate(at=uow.clock.now())
    _sessions_ended(uow, user)


def _sessions_ended(uow: IntakeUnitOfWork, user: User) -> None:
    """Intake refuses the user's old tokens from this commit on; the event tells routing and notify."""
    uow.ended_sessions.end(user.username, user.token_version)
    uow.commit()


def _principal(user: User) -> Principal:
    return Principal(username=user.username, role=user.role.value, department=user.department, town=user.town,
                     version=user.token_version)


def list_users(_query: c.ListUsers, uow: IntakeUnitOfWork) -> list[User]:
    return uow.users.list()


def _user(uow: IntakeUnitOfWork, username: str) -> User:
    user = uow.users.get(username)
    if user is None:
        raise UserNotFound(username)
    return user


# --- client systems' API keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    id: int
    name: str
    key: str  # shown this once; only its hash is stored


def add_api_key(cmd: c.AddApiKey, uow: IntakeUnitOfWork) -> IssuedKey:
    record, key = ApiKey.issue(cmd.name, at=uow.clock.now())
    uow.api_keys.add(record)
    uow.commit()
    assert record.id is not None
    return IssuedKey(record.id, record.name, key)


def list_api_keys(_query: c.ListApiKeys, uow: IntakeUnitOfWork) -> list[ApiKey]:
    return uow.api_keys.list()


def revoke_api_key(cmd: c.RevokeApiKey, uow: IntakeUnitOfWork) -> None:
    record = uow.api_keys.get(cmd.key_id)
    if record is None:
        raise ApiKeyNotFound(cmd.key_id)
    record.revoke()
    uow.commit()


def active_key(uow: IntakeUnitOfWork, key: str | None, *, channel: str | None = None,
               demo_mode: bool = False) -> ApiKey:
    """The active key `key` is, or ApiKeyMissing / ApiKeyRefused (a revoked key is refused, and the demo
    key without DEMO_MODE, even on a database seeded in demo mode)."""
    if not key:
        raise ApiKeyMissing(channel)
    if key == DEMO_API_KEY and not demo_mode:
        raise ApiKeyRefused()
    record = uow.api_keys.by_hash(hash_api_key(key))
    if record is None or not record.active:
        raise ApiKeyRefused()
    return record
