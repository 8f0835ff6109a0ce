"""What intake is asked to do (commands, imperative names) and asked to tell (queries: no commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.contracts.codes import Channel, Rating


@dataclass(frozen=True)
class Reporter:
    """The reporter as given, in clear: intake encrypts it before it is stored."""

    name: str | None = None
    phone: str | None = None
    anonymous: bool = False

    @property
    def kept_name(self) -> str | None:
        """An anonymous reporter's name is not kept at all."""
        return None if self.anonymous else self.name


# --- complaints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveComplaint:
    channel: Channel
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
    api_key: str | None = None  # the client system's key (X-API-Key), for channels that need one


@dataclass(frozen=True)
class RateComplaint:
    tracking_code: str
    rating: Rating
    comment: str | None = None
    phone_last4: str | None = None
    via: str = "citizen"


@dataclass(frozen=True)
class GetCitizenView:
    """Query: the tracking page of one complaint."""

    tracking_code: str
    phone_last4: str | None = None


# --- accounts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authenticate:
    """Query: the principal of a username and password (a token is issued by the HTTP edge)."""

    username: str
    password: str


@dataclass(frozen=True)
class AddUser:
    username: str
    password: str
    role: str
    department: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class SetPassword:
    username: str
    password: str


@dataclass(frozen=True)
class DeactivateUser:
    username: str


@dataclass(frozen=True)
class ListUsers:
    """Query: every account, by username."""


# --- client systems' API keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class AddApiKey:
    name: str  # which client system, e.g. "call centre"


@dataclass(frozen=True)
class ListApiKeys:
    """Query: every key's id, name, state and creation time (never the key)."""


@dataclass(frozen=True)
class RevokeApiKey:
    key_id: int

