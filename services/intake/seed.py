"""Demo accounts and the demo API key (DEMO_MODE only). Idempotent: existing rows are left alone."""

from __future__ import annotations

import logging
from collections.abc import Callable

from argon2 import PasswordHasher

from services.intake.domain.accounts import DEMO_API_KEY, DEMO_PASSWORD, ApiKey, User, hash_api_key
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import verify_password
from shared.contracts.codes import DEPARTMENTS, TOWNS, Role

log = logging.getLogger(__name__)

__all__ = ["DEMO_API_KEY", "DEMO_PASSWORD", "demo_accounts", "retire_demo", "seed_demo"]


GRID_TOWN = "taihe"  # the demo grid worker patrols 太和镇


def demo_accounts() -> list[tuple[str, Role, str | None, str]]:
    """(username, role, department, display name): as DESIGN.md names them."""
    accounts: list[tuple[str, Role, str | None, str]] = [
        ("supervisor", Role.supervisor, None, "区生态环境局督办员"),
        ("operator", Role.operator, None, "热线话务员"),
        ("admin", Role.admin, None, "系统管理员"),
    ]
    accounts += [(f"dispatcher-{code}", Role.dispatcher, code, f"{name}派单员") for code, name in DEPARTMENTS.items()]
    accounts.append((f"grid-{GRID_TOWN}", Role.grid_worker, None, f"{TOWNS[GRID_TOWN].name}网格员"))
    return accounts


def seed_demo(uow_factory: Callable[[], IntakeUnitOfWork], hasher: PasswordHasher) -> int:
    """Create the demo accounts and API key that are missing; returns how many were added.

    The demo password is short and the departments are the built-in list, so the accounts are written
    directly rather than through `AddUser`, which would (rightly) refuse both.
    """
    added = 0
    with uow_factory() as uow:
        now = uow.clock.now()
        existing = uow.users.usernames()
        password_hash = None  # one hash for the shared demo password: hashing is deliberately slow
        for username, role, department, display in demo_accounts():
            if username in existing:
                continue
            password_hash = password_hash or hasher.hash(DEMO_PASSWORD)
            uow.users.add(User(username=username, password_hash=password_hash, role=role, created_at=now,
                               department=department, display_name=display,
                               town=GRID_TOWN if role is Role.grid_worker else None))
            added += 1
        if uow.api_keys.by_hash(hash_api_key(DEMO_API_KEY)) is None:
            uow.api_keys.add(ApiKey(name="demo (app, call centre, Open311)", key_hash=hash_api_key(DEMO_API_KEY),
                                    created_at=now))
            added += 1
        uow.commit()
    if added:
        log.info("seeded %d demo accounts/keys", added)
    return added


def retire_demo(uow_factory: Callable[[], IntakeUnitOfWork]) -> int:
    """Without DEMO_MODE: every demo account still opened by the demo password is deactivated (its tokens
    refused everywhere) and the demo key revoked; returns how many. An account of a demo name that was
    given a real password (`complaints users passwd`) is left alone. Idempotent."""
    retired = 0
    with uow_factory() as uow:
        now = uow.clock.now()
        opened_by_demo: dict[str, bool] = {}  # by hash: the seeded accounts share one, verified once
        for username, *_ in demo_accounts():
            user = uow.users.get(username)
            if user is None or not user.active:
                continue
            if user.password_hash not in opened_by_demo:
                opened_by_demo[user.password_hash] = verify_password(user.password_hash, DEMO_PASSWORD)
            if opened_by_demo[user.password_hash]:
                user.deactivate(at=now)
                uow.ended_sessions.end(user.username, user.token_version)
                retired += 1
        key = uow.api_keys.by_hash(hash_api_key(DEMO_API_KEY))
        if key is not None and key.active:
            key.revoke()
            retired += 1
        uow.commit()
    if retired:
        log.warning("DEMO_MODE is off: deactivated %d demo accounts/keys left from a demo database", retired)
    return retired
