"""What the probe of the running system found (issue 11), each behaviour with its test.

`production` is the environment of a deployment: DEMO_MODE off, real secrets.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

PRODUCTION_ENV = {
    "DEMO_MODE": "false",
    "JWT_SECRET": "kq3J8v2LxR9pT7wZ1mN4bY6cH0dF5gS8aE2uQ",
    "ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "PASSWORD_HASH_MEMORY_KIB": "19456",  # the lowest argon2 cost production takes (the suite runs on less)
    "PASSWORD_HASH_TIME_COST": "2",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    return PRODUCTION_ENV
