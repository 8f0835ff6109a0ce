"""The complaint as the citizen knows it: what was reported, and how its handling looks from outside.

Pure Python. `Complaint` is intake's aggregate: it is received, follows the lifecycle routing reports
(as the citizen sees it), and is rated; each change it makes that others must hear of is recorded
as an event. Staff names never appear here; the handling unit is shown as a department, named at
the moment the citizen looks (see `departments.py`).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from services.intake.domain.departments import DepartmentDirectory
from services.intake.domain.errors import NotRatable, OccurredInFuture
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, TOWNS, Channel, Rating
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ComplaintEvent,
    ComplaintRatedV1,
    ComplaintReceivedV1,
    ExtensionDecidedV1,
)
from shared.domain import Aggregate


class Status(StrEnum):
    received = "received"  # 已受理
    triage = "triage"  # 分拨中
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 办理中 (签收)
    replied = "replied"  # 已回复
    closed = "closed"  # 已办结 (rated)
    rejected = "rejected"  # 不予受理


STATUS_LABELS = {
    Status.received: "已受理", Status.triage: "分拨中", Status.assigned: "已交办", Status.accepted: "办理中",
    Status.replied: "已回复", Status.closed: "已办结", Status.rejected: "不予受理",
}

RATING_LABELS = {Rating.satisfied: "满意", Rating.basically_satisfied: "基本满意", Rating.unsatisfied: "不满意"}

# Channels whose client systems sign their reports with an API key. The website is the citizen's own;
# WeChat messages are verified by their signature instead.
KEYED_CHANNELS = frozenset({Channel.app, Channel.hotline, Channel.open311})

# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_CODE = re.compile(r"^HC\d{6}-[0-9A-Z]{6}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
CLOCK_SKEW = timedelta(minutes=5)  # an occurred_at this far ahead of our clock is still "now"
DEPARTMENT = "{department}"  # in a timeline text: the department's name, filled in when it is shown


def new_tracking_code(received_at: datetime) -> str:
    """HC261128-7KQ2XM: the day it was received, then 30 random bits (not guessable)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"HC{received_at.astimezone(SHANGHAI):%y%m%d}-{suffix}"


def normalize_code(tracking_code: str) -> str:
    """What citizens type: surrounding blanks and lower case are forgiven."""
    return tracking_code.strip().upper()


def phone_last4(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:]


def type_label(category: str | None, subcategory: str | None) -> str | None:
    if not category:
        return None
    name = CATEGORY_NAMES.get(category, category)
    if subcategory:
        return f"{name} / {SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)}"
    return name


def needs_api_key(channel: Channel) -> bool:
    return channel in KEYED_CHANNELS


@dataclass(frozen=True)
class SealedReporter:
    """The reporter as intake keeps them: encrypted at rest, masked for staff, four digits to check."""

    name_enc: str | None = None
    phone_enc: str | None = None
    name_masked: str | None = None
    phone_masked: str | None = None
    phone_last4: str | None = None
    anonymous: bool = False


@dataclass
class TimelineEntry:
    """One line of the citizen's timeline; `text` may name the department as DEPARTMENT."""

    at: datetime
    status: Status
    text: str
    department: str | None = None
    id: int | None = None  # None until stored

    def render(self, directory: DepartmentDirectory) -> str:
        if self.department is None:
            return self.text
        return self.text.replace(DEPARTMENT, directory.name_of(self.department) or "")


@dataclass
class GivenRating:
    """A rating as given; the latest of a reply round is the one that counts."""

    reply_round: int
    rating: Rating
    comment: str | None
    via: str
    rated_at: datetime
    id: int | None = None  # None until stored


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's Idempotency-Key: the same request again returns the complaint it created."""

    key: str
    fingerprint: str
    complaint_id: str
    created_at: datetime


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    status: str
    text: str


@dataclass(frozen=True)
class CitizenView:
    """What the tracking page shows (no other citizen's data, no staff names, no personal data)."""

    tracking_code: str
    status: Status
    received_at: datetime
    channel: str
    content: str
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    department_name: str | None
    reply: str | None
    replied_at: datetime | None
    reply_round: int
    rating: str | None
    can_rate: bool
    timeline: list[TimelineLine]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def type_label(self) -> str | None:
        return type_label(self.category, self.subcategory)

    @property
    def town_name(self) -> str | None:
        town = TOWNS.get(self.town) if self.town else None
        return town.name if town else None


@dataclass(eq=False)
class Complaint(Aggregate):
    complaint_id: str
    tracking_code: str
    channel: Channel
    content: str
    received_at: datetime
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    occurred_at: datetime | None = None
    urgent: bool = False
    # Personal information (PIPL): only ciphertext, and the last four phone digits to check a citizen.
    reporter_name_enc: str | None = None
    reporter_phone_enc: str | None = None
    phone_last4: str | None = None
    anonymous: bool = False
    # The citizen's view of the handling, kept current from routing's lifecycle events.
    status: Status = Status.received
    department: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    reply_round: int = 0
    rating: Rating | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    ratings: list[GivenRating] = field(default_factory=list)

    # --- 受理 ---------------------------------------------------------------------------------------

    @classmethod
    def receive(cls, *, channel: Channel, content: str, reporter: SealedReporter, at: datetime,
                category: str | None = None, subcategory: str | None = None, town: str | None = None,
                address: str | None = None, lat: float | None = None, lon: float | None = None,
                occurred_at: datetime | None = None, urgent: bool = False) -> Complaint:
        """A new complaint with its tracking code; records `ComplaintReceivedV1`."""
        if occurred_at is not None and occurred_at > at + CLOCK_SKEW:
            raise OccurredInFuture()
        complaint = cls(
            complaint_id=str(uuid.uuid4()), tracking_code=new_tracking_code(at), channel=Channel(channel),
            content=content, received_at=at, category=category, subcategory=subcategory, town=town,
            address=address, lat=lat, lon=lon, occurred_at=occurred_at, urgent=urgent,
            reporter_name_enc=reporter.name_enc, reporter_phone_enc=reporter.phone_enc,
            phone_last4=reporter.phone_last4, anonymous=reporter.anonymous,
        )
        complaint._note(at, f"投诉已受理，查询码 {complaint.tracking_code}")
        complaint.record(ComplaintReceivedV1, reporter_name_masked=reporter.name_masked,
                         reporter_phone_masked=reporter.phone_masked)
        return complaint

    # --- what the citizen may see and do ----------------------------------------------------------

    def shown_to(self, phone_last4: str | None, *, phone_required: bool = False) -> bool:
        """Viewing needs only the code (no personal data is shown); rating needs the phone check too.

        A given phone must match; a complaint reported without a phone has nothing to check.
        """
        if self.phone_last4 is None:
            return True
        if phone_last4 is None:
            return not phone_required
        return phone_last4 == self.phone_last4

    @property
    def can_rate(self) -> bool:
        """A reply can be rated (and a rating changed: the latest counts for the round)."""
        return self.status in (Status.replied, Status.closed) and self.reply is not None

    def rate(self, rating: Rating, *, comment: str | None, via: str, at: datetime) -> None:
        """评价: closes the complaint for this reply round; records `ComplaintRatedV1`."""
        if not self.can_rate:
            raise NotRatable()
        rating = Rating(rating)
        self.rating = rating
        self.ratings.append(GivenRating(self.reply_round, rating, comment, via, at))
        self._note(at, f"您的评价：{RATING_LABELS[rating]}", Status.closed)
        self.record(ComplaintRatedV1, comment=comment, via=via, rated_at=at)

    def citizen_view(self, directory: DepartmentDirectory) -> CitizenView:
        return CitizenView(
            tracking_code=self.tracking_code, status=self.status, received_at=self.received_at.astimezone(SHANGHAI),
            channel=self.channel.value, content=self.content, category=self.category, subcategory=self.subcategory,
            town=self.town, department=self.department, department_name=directory.name_of(self.department),
            reply=self.reply, replied_at=self.replied_at.astimezone(SHANGHAI) if self.replied_at else None,
            reply_round=self.reply_round, rating=self.rating.value if self.rating else None,
            can_rate=self.can_rate,
            timeline=[TimelineLine(e.at.astimezone(SHANGHAI), e.status.value, e.render(directory))
                      for e in self.timeline],
        )

    # --- the handling, as routing reports it ---------------------------------------------------------

    def follow(self, event: ComplaintEvent) -> None:
        """Apply one of routing's lifecycle events to what the citizen sees (others change nothing)."""
        apply = {CaseTriagedV1: self.on_triaged, CaseAssignedV1: self.on_assigned,
                 CaseAcceptedV1: self.on_accepted, CaseRepliedV1: self.on_replied,
                 CaseReturnedV1: self.on_returned, ExtensionDecidedV1: self.on_extension_decided}.get(type(event))
        if apply is not None:
            apply(event)  # type: ignore[operator]

    def on_triaged(self, event: CaseTriagedV1) -> None:
        self._note(event.at, "正在确定承办单位", Status.triage)

    def on_assigned(self, event: CaseAssignedV1) -> None:
        self.department, self.category, self.subcategory = event.department, event.category, event.subcategory
        self._note(event.assigned_at, f"已交办至{DEPARTMENT}（{type_label(event.category, event.subcategory)}）",
                   Status.assigned, department=event.department)

    def on_accepted(self, event: CaseAcceptedV1) -> None:
        self._note(event.accepted_at, f"{DEPARTMENT}已签收，正在办理", Status.accepted, department=event.department)

    def on_replied(self, event: CaseRepliedV1) -> None:
        self.reply, self.replied_at, self.reply_round = event.reply, event.replied_at, event.reply_round
        self.rating = None  # a new round is rated afresh
        self._note(event.replied_at, f"{DEPARTMENT}已回复，欢迎评价", Status.replied, department=event.department)

    def on_returned(self, event: CaseReturnedV1) -> None:
        self.department = None
        self._note(event.returned_at, "正在重新确定承办单位", Status.triage)

    def on_extension_decided(self, event: ExtensionDecidedV1) -> None:
        if event.approved:  # a refusal changes nothing the citizen sees
            self._note(event.decided_at, f"办理期限已延长至 {event.reply_due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}")

    def _note(self, at: datetime, text: str, status: Status | None = None, *, department: str | None = None) -> None:
        if status is not None:
            self.status = status
        self.timeline.append(TimelineEntry(at, self.status, text, department))
