"""Intake's handlers for staff accounts and client systems' API keys (registered in handlers.py's tables).

Accounts live in intake, the front door: it signs people in and checks the keys of the systems that
report for citizens (the app, the call centre, Open311 clients).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.domain import commands as c
from services.intake.domain.accounts import ApiKey, User, hash_api_key
from services.intake.domain.errors import (
    ApiKeyMissing,
    ApiKeyNotFound,
    ApiKeyRefused,
    UserExists,
    UserNotFound,
    WrongCredentials,
)
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import Principal, hash_password, verify_password

# --- accounts ----------------------------------------------------------------------------------------


def authenticate(query: c.Authenticate, uow: IntakeUnitOfWork) -> Principal:
    user = uow.users.get(query.username)
    if user is None or not user.active or not verify_password(user.password_hash, query.password):
        raise WrongCredentials()
    return Principal(username=user.username, role=user.role.value, department=user.department, town=user.town)


def add_user(cmd: c.AddUser, uow: IntakeUnitOfWork) -> User:
    if uow.users.get(cmd.username) is not None:
        raise UserExists(cmd.username)
    user = User.register(username=cmd.username, password=cmd.password, role=cmd.role, department=cmd.department,
                         display_name=cmd.display_name, town=cmd.town, at=uow.clock.now(),
                         directory=uow.department_names.directory(), hash_password=hash_password)
    uow.users.add(user)
    uow.commit()
    return user


def set_password(cmd: c.SetPassword, uow: IntakeUnitOfWork) -> None:
    _user(uow, cmd.username).set_password(cmd.password, hash_password)
    uow.commit()


def deactivate_user(cmd: c.DeactivateUser, uow: IntakeUnitOfWork) -> None:
    _user(uow, cmd.username).deactivate()
    uow.commit()


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


def active_key(uow: IntakeUnitOfWork, key: str | None, *, channel: str | None = None) -> ApiKey:
    """The active key `key` is, or ApiKeyMissing / ApiKeyRefused (a revoked key is refused)."""
    if not key:
        raise ApiKeyMissing(channel)
    record = uow.api_keys.by_hash(hash_api_key(key))
    if record is None or not record.active:
        raise ApiKeyRefused()
    return record
