"""What intake is asked to do (commands, imperative names) and asked to tell (queries: no commit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.intake.domain.imports import ImportMapping
from shared.contracts.codes import Channel, Rating, Resolution


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
    api_key: str | None = field(default=None, repr=False)  # the client system's key (X-API-Key), if needed
    # The channel's own id for this report (a hotline call_id, a WeChat MsgId): the same (channel,
    # channel_ref) again returns the complaint it created instead of making a second one.
    channel_ref: str | None = None
    # 网格巡查 (channel grid): the username of the grid worker who found it; there is no citizen reporter.
    reported_by: str | None = None
    # The WeChat user who reported it through the official account: kept encrypted, to send them the
    # complaint's template messages (WECHAT_TEMPLATE_IDS). Never in an event or a log.
    wechat_openid: str | None = field(default=None, repr=False)


# Queries and commands a citizen sends carry `client` (the request's address): wrong guesses are
# counted per client as well as per tracking code, and too many get "try later" (TooManyGuesses).


@dataclass(frozen=True)
class RateComplaint:
    """评价. By tracking code with the private token, or (tracking_code None) by the token alone."""

    tracking_code: str | None
    rating: Rating
    comment: str | None = None
    token: str | None = field(default=None, repr=False)
    resolution: Resolution | None = None  # 解决情况: the API requires it; None only for callers without one
    via: str = "citizen"
    client: str | None = None


@dataclass(frozen=True)
class GetCitizenView:
    """Query: the tracking page of one complaint (the last four phone digits if it has a phone)."""

    tracking_code: str
    phone_last4: str | None = field(default=None, repr=False)
    client: str | None = None


@dataclass(frozen=True)
class GetCitizenViewByToken:
    """Query: the tracking page found by the citizen's private link /r/<token>."""

    token: str = field(repr=False)
    client: str | None = None


@dataclass(frozen=True)
class AddAttachment:
    """A photo or short video the citizen adds to their open complaint, by their private token.

    `data` is the file as uploaded; what it is comes from its bytes. With `use_location` the photo is
    said to show the place: its EXIF GPS becomes the complaint's position if it has none yet.
    """

    token: str = field(repr=False)
    data: bytes = field(repr=False)
    use_location: bool = False
    client: str | None = None


@dataclass(frozen=True)
class GetAttachment:
    """Query: one attachment's bytes, for the citizen (their `token`) or staff (role and department)."""

    attachment_id: str
    token: str | None = field(default=None, repr=False)
    role: str | None = None
    department: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class ListAttachments:
    """Query (staff): what the citizen attached to a complaint, for the desk (role and department decide)."""

    complaint_id: str
    role: str
    department: str | None = None


@dataclass(frozen=True)
class GetHotlineHistory:
    """Query (operators): a caller's earlier complaints (by number) and those at an address."""

    caller: str | None = field(default=None, repr=False)
    address: str | None = None


@dataclass(frozen=True)
class GetCallbackContact:
    """The reporter's name and number in clear, to call them (回访, 核实...): every read is kept with who
    read it, when and why (`purpose`, `reason`; never the number)."""

    complaint_id: str
    read_by: str
    purpose: str = "callback"
    reason: str | None = None


@dataclass(frozen=True)
class ListContactViews:
    """Query (supervisors): who read a complaint's contact in clear, when and why, the latest first."""

    complaint_id: str
    limit: int = 100


@dataclass(frozen=True)
class ListPatrolReports:
    """Query (a grid worker): the patrol findings they reported themselves, newest first."""

    reported_by: str
    limit: int = 20


@dataclass(frozen=True)
class ImportHistory:
    """历史件导入: one batch of rows of the older system's export (`line` numbers as in the file).

    Finished cases become history, open ones are received as complaints handled from now on; a
    number imported before is left alone. `dry_run` checks everything and stores nothing.
    """

    mapping: ImportMapping
    rows: tuple[tuple[int, Mapping[str, Any]], ...] = field(repr=False)
    dry_run: bool = False


@dataclass(frozen=True)
class GetReference:
    """Query: towns and complaint types for forms."""


# --- accounts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authenticate:
    """Query: the principal of a username and password (a token is issued by the HTTP edge). Failures
    are counted per username and per client (the request's address)."""

    username: str
    password: str = field(repr=False)
    client: str | None = None


@dataclass(frozen=True)
class RenewToken:
    """Query: the principal to issue a fresh token to, for a token of `version` (refused if it ended)."""

    username: str
    version: int


@dataclass(frozen=True)
class EndSessions:
    """退出登录: every token of the user issued with `version` (or before) stops working."""

    username: str
    version: int


@dataclass(frozen=True)
class AddUser:
    username: str
    password: str
    role: str
    department: str | None = None
    display_name: str | None = None
    town: str | None = None  # a grid worker's town code (and only theirs)


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

