"""Client systems' API keys, checked where a channel or a partner feed needs one (app, hotline, Open311)."""

from __future__ import annotations

from services.intake.domain.accounts import ApiKey, hash_api_key
from services.intake.domain.errors import ApiKeyMissing, ApiKeyRefused
from services.intake.service_layer.uow import IntakeUnitOfWork


def active_key(uow: IntakeUnitOfWork, key: str | None, *, channel: str | None = None) -> ApiKey:
    """The active key `key` is, or ApiKeyMissing / ApiKeyRefused (a revoked key is refused)."""
    if not key:
        raise ApiKeyMissing(channel)
    record = uow.api_keys.by_hash(hash_api_key(key))
    if record is None or not record.active:
        raise ApiKeyRefused()
    return record
