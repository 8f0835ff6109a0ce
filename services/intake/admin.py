"""Administration of accounts and client API keys (the `complaints users` / `complaints apikeys` commands)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.intake.adapters.tables import ApiKeyRow, UserRow
from services.intake.seed import api_key_hash
from shared.auth import hash_password
from shared.clock import Clock
from shared.contracts.codes import DEPARTMENTS, Role


class AdminError(ValueError):
    pass


def add_user(engine: Engine, clock: Clock, *, username: str, password: str, role: str,
             department: str | None = None, display_name: str | None = None) -> None:
    if role not in Role.__members__:
        raise AdminError(f"unknown role {role!r}; one of {', '.join(Role.__members__)}")
    if (role == "dispatcher") != (department is not None):
        raise AdminError("a dispatcher needs --department, and only a dispatcher has one")
    if department is not None and department not in DEPARTMENTS:
        raise AdminError(f"unknown department {department!r}")
    if len(password) < 10:
        raise AdminError("the password must have at least 10 characters")
    with Session(engine) as session:
        if session.get(UserRow, username) is not None:
            raise AdminError(f"user {username!r} exists already")
        session.add(UserRow(username=username, password_hash=hash_password(password), role=role,
                            department=department, display_name=display_name, created_at=clock.now()))
        session.commit()


def set_password(engine: Engine, *, username: str, password: str) -> None:
    if len(password) < 10:
        raise AdminError("the password must have at least 10 characters")
    with Session(engine) as session:
        user = session.get(UserRow, username)
        if user is None:
            raise AdminError(f"no user {username!r}")
        user.password_hash = hash_password(password)
        session.commit()


def deactivate_user(engine: Engine, *, username: str) -> None:
    with Session(engine) as session:
        user = session.get(UserRow, username)
        if user is None:
            raise AdminError(f"no user {username!r}")
        user.active = False
        session.commit()


def list_users(engine: Engine) -> list[dict[str, object]]:
    with Session(engine) as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        return [{"username": u.username, "role": u.role, "department": u.department, "active": u.active}
                for u in rows]


def add_api_key(engine: Engine, clock: Clock, *, name: str) -> str:
    """A new client key; only its hash is stored, so it is shown this once."""
    key = secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(ApiKeyRow(name=name, key_hash=api_key_hash(key), created_at=clock.now()))
        session.commit()
    return key
