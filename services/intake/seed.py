"""Demo accounts and the demo API key (DEMO_MODE only). Idempotent: existing rows are left alone."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.intake.adapters.tables import ApiKeyRow, UserRow
from shared.auth import hash_password
from shared.clock import Clock
from shared.contracts.codes import DEPARTMENTS

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo"
DEMO_API_KEY = "demo-key"


def demo_accounts() -> list[tuple[str, str, str | None, str]]:
    """(username, role, department, display name): as DESIGN.md names them."""
    accounts: list[tuple[str, str, str | None, str]] = [
        ("supervisor", "supervisor", None, "区生态环境局督办员"),
        ("operator", "operator", None, "热线话务员"),
        ("admin", "admin", None, "系统管理员"),
    ]
    accounts += [(f"dispatcher-{code}", "dispatcher", code, f"{name}派单员") for code, name in DEPARTMENTS.items()]
    return accounts


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def seed_demo(engine: Engine, clock: Clock) -> int:
    """Create the demo accounts and API key that are missing; returns how many rows were added."""
    added = 0
    with Session(engine) as session:
        existing = set(session.scalars(select(col(UserRow.username))).all())
        password_hash = None  # one hash for the shared demo password: hashing is deliberately slow
        for username, role, department, display in demo_accounts():
            if username in existing:
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            session.add(UserRow(username=username, password_hash=password_hash, role=role, department=department,
                                display_name=display, created_at=clock.now()))
            added += 1
        key_hash = api_key_hash(DEMO_API_KEY)
        if session.scalars(select(ApiKeyRow).where(col(ApiKeyRow.key_hash) == key_hash)).first() is None:
            session.add(ApiKeyRow(name="demo (app, call centre, Open311)", key_hash=key_hash, created_at=clock.now()))
            added += 1
        session.commit()
    if added:
        log.info("seeded %d demo accounts/keys", added)
    return added
