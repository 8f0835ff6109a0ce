"""Commands intake accepts (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reporter:
    name: str | None = None
    phone: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class ReceiveComplaint:
    channel: str
    content: str
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None  # a town code, already resolved
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    occurred_at: datetime | None = None
    urgent: bool = False
    reporter: Reporter = Reporter()
    idempotency_key: str | None = None
    request_fingerprint: str | None = None  # a hash of the request, to refuse a key reused for another


@dataclass(frozen=True)
class RateComplaint:
    tracking_code: str
    rating: str
    comment: str | None = None
    phone_last4: str | None = None
    via: str = "citizen"


@dataclass(frozen=True)
class Authenticate:
    username: str
    password: str
