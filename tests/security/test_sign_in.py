"""2. Sign-in: throttled per username and per client, the same work for unknown names, bounded hashing."""

from __future__ import annotations

import threading

import pytest
from argon2.exceptions import VerifyMismatchError
from pydantic import ValidationError

from services.intake.adapters.throttle import SlidingWindowThrottle
from services.intake.domain import commands as c
from services.intake.settings import IntakeSettings
from shared.auth import BoundedHasher, HashingBusy
from shared.http import status_of
from tests.system import EmbeddedSystem

TOKEN = "/api/v1/auth/token"


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sign_in(system: EmbeddedSystem, username: str, password: str):  # type: ignore[no-untyped-def]
    return system.client.post(TOKEN, data={"username": username, "password": password})


def test_five_wrong_passwords_lock_the_username_even_against_the_right_one_until_the_window_passes(engine, clock):
    time = Monotonic()
    system = EmbeddedSystem(engine, clock, intake={"sign_in_throttle": SlidingWindowThrottle(
        per_target=5, per_client=20, now=time)})
    for _ in range(5):
        assert sign_in(system, "supervisor", "wrong-guess").status_code == 401
    locked = sign_in(system, "supervisor", "demo")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_requests"
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert sign_in(system, "operator", "demo").status_code == 200  # another account is not locked
    time.now += 15 * 60 + 1
    assert sign_in(system, "supervisor", "demo").status_code == 200


def test_twenty_wrong_passwords_from_one_client_lock_that_client_for_every_username(engine, clock):
    system = EmbeddedSystem(engine, clock)
    for n in range(20):
        assert sign_in(system, f"guess-{n}", "wrong-guess").status_code == 401
    locked = sign_in(system, "operator", "demo")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


class CountingHasher:
    """argon2's PasswordHasher in shape: `hash` and `verify`, counted."""

    def __init__(self) -> None:
        self.hashed = self.verified = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return f"fake:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        if password_hash != f"fake:{password}":
            raise VerifyMismatchError()
        return True


def test_an_unknown_username_costs_the_same_hashing_as_a_known_one(engine, clock):
    hasher = CountingHasher()
    system = EmbeddedSystem(engine, clock, intake={"passwords": BoundedHasher(hasher=hasher)})  # type: ignore[arg-type]
    assert sign_in(system, "supervisor", "wrong-guess").status_code == 401
    assert hasher.verified == 1
    assert sign_in(system, "no-such-user", "wrong-guess").status_code == 401
    assert hasher.verified == 2  # a dummy hash was verified for the name that does not exist
    assert sign_in(system, "nobody-either", "wrong-guess").status_code == 401
    assert (hasher.verified, hasher.hashed) == (3, 1)  # the dummy is made once


class BlockingHasher(CountingHasher):
    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.release = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        self.inside.set()
        self.release.wait(10)
        return super().verify(password_hash, password)


def test_hashing_beyond_the_bound_is_refused_at_once_instead_of_queued():
    hasher = BlockingHasher()
    passwords = BoundedHasher(concurrency=1, wait=0, hasher=hasher)  # type: ignore[arg-type]
    first = threading.Thread(target=passwords.verify, args=("fake:pw", "pw"))
    first.start()
    assert hasher.inside.wait(10)
    with pytest.raises(HashingBusy) as busy:
        passwords.verify("fake:pw", "pw")
    assert status_of(busy.value) == 429 and busy.value.retry_after == 1
    hasher.release.set()
    first.join(10)
    assert passwords.verify("fake:pw", "pw") and hasher.verified == 2  # the slot is free again


def test_production_refuses_an_argon2_cost_below_owasps_floor(monkeypatch, production):
    assert IntakeSettings().password_hasher().memory_cost == 19456  # the floor itself is taken
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "19455")
    with pytest.raises(ValidationError, match="PASSWORD_HASH_MEMORY_KIB must be at least 19456"):
        IntakeSettings()
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "65536")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    with pytest.raises(ValidationError, match="PASSWORD_HASH_TIME_COST at least 2"):
        IntakeSettings()


def test_passwords_are_hashed_at_the_configured_cost_and_by_default_at_argon2s(engine, clock, monkeypatch):
    def stored_hash(system: EmbeddedSystem, username: str) -> str:
        with system.runtimes["intake"].bus.uow_factory() as uow:
            user = uow.users.get(username)
            assert user is not None
            return user.password_hash

    system = EmbeddedSystem(engine, clock)  # seeded with the suite's cost (tests/conftest.py)
    assert stored_hash(system, "supervisor").startswith("$argon2id$v=19$m=1024,t=1,")
    monkeypatch.delenv("PASSWORD_HASH_MEMORY_KIB")
    monkeypatch.delenv("PASSWORD_HASH_TIME_COST")
    restarted = EmbeddedSystem(engine, clock)
    restarted.runtimes["intake"].bus.handle(c.SetPassword("admin", "a-real-long-password"))
    assert stored_hash(restarted, "admin").startswith("$argon2id$v=19$m=65536,t=3,")  # argon2-cffi's defaults
    assert sign_in(restarted, "admin", "a-real-long-password").status_code == 200
    assert sign_in(restarted, "supervisor", "demo").status_code == 200  # a hash keeps the cost it was made with
