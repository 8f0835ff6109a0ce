"""The complaint as the citizen knows it: what was reported, and how its handling looks from outside.

Pure Python. `Complaint` is intake's aggregate: it is received, follows the lifecycle routing reports
(as the citizen sees it), and is rated; each change it makes that others must hear of is recorded
as an event. Staff names never appear here; the handling unit is shown as a department, named at
the moment the citizen looks (see `departments.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.intake.domain.attachments import AttachmentInfo, Location
from services.intake.domain.departments import DepartmentDirectory
from services.intake.domain.errors import (
    ComplaintClosedForAttachments,
    NotRatable,
    OccurredInFuture,
    OccurredTooLongAgo,
    ReportedByMismatch,
)
from services.intake.domain.imports import HistoricalRecord
from services.intake.domain.status import RATING_LABELS, Status, type_label
from services.intake.domain.views import CitizenView, TimelineLine
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel, Rating, Resolution
from shared.contracts.events import (
    CallbackCompletedV1,
    CallbackDueV1,
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseForwardedV1,
    CaseMergedV1,
    CaseRejectedV1,
    CaseReopenedV1,
    CaseRepliedV1,
    CaseResumedV1,
    CaseReturnedV1,
    CaseSuspendedV1,
    CaseTriagedV1,
    ComplaintEvent,
    ComplaintImportedV1,
    ComplaintRatedV1,
    ComplaintReceivedV1,
    DisputeDecidedV1,
    ExtensionDecidedV1,
)
from shared.domain import Aggregate

# Channels whose client systems sign their reports with an API key. The website is the citizen's own;
# WeChat messages are verified by their signature instead.
KEYED_CHANNELS = frozenset({Channel.app, Channel.hotline, Channel.open311})

# Crockford's base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # random characters after the day: 8 × 5 = 40 bits
# Today's codes have 8 random characters; codes given before 2026-12 had 6 and are still looked up.
TRACKING_CODE = re.compile(r"^HC\d{6}-(?:[0-9A-HJKMNP-TV-Z]{8}|[0-9A-HJKMNP-TV-Z]{6})$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
CLOCK_SKEW = timedelta(minutes=5)  # an occurred_at this far ahead of our clock is still "now"
# Nothing reported here happened before this; earlier is a typing slip (and year 1 overflows in UTC).
EARLIEST_OCCURRENCE = datetime(2000, 1, 1, tzinfo=SHANGHAI)
DEPARTMENT = "{department}"  # in a timeline text: the department's name, filled in when it is shown
# What a citizen may misread in a code: Crockford's decoding maps them back to the digit meant.
_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_tracking_code(received_at: datetime) -> str:
    """HC261128-7KQ2XM4P: the day it was received (Chongqing), then 8 random Crockford base32 characters.

    The arithmetic: 8 characters × 5 bits = 40 random bits, i.e. 2^40 ≈ 1.1 × 10^12 codes for each
    day. Say 1,000 complaints were received on a day (far more than Hechuan gets): one guess of a
    code of that day hits with probability 1,000 / 2^40 ≈ 9 × 10^-10. The guess throttle
    (`GuessThrottle`) lets one client fail at most ~20 times per 15 minutes (≤ 1,920 tries a day),
    so a guesser expects a hit once in ~570,000 days; a code whose reporter gave a phone also needs
    its last four digits, and those get 5 tries per code per 15 minutes. Even a hit shows only the
    citizen view (no personal data); rating needs the private token (`new_citizen_token`).
    The 6-character codes of earlier releases (30 bits) are still found.
    """
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return f"HC{received_at.astimezone(SHANGHAI):%y%m%d}-{suffix}"


def normalize_code(tracking_code: str) -> str:
    """What citizens type: surrounding blanks and lower case are forgiven, and so are I, L and O
    read for 1 and 0 in the random part (codes never contain them)."""
    code = tracking_code.strip().upper()
    day, dash, suffix = code.partition("-")
    return f"{day}{dash}{suffix.translate(_MISREAD)}" if dash else code


def looks_like_code(tracking_code: str) -> bool:
    """A code of today's form or of the earlier one (after `normalize_code`)."""
    return TRACKING_CODE.match(tracking_code) is not None


# --- the citizen's private token ----------------------------------------------------------------------


def new_citizen_token() -> str:
    """The citizen's private credential (the link /r/<token>): 24 random bytes, 192 bits, URL-safe.

    Only the citizen who reported gets it (in the answer to their report). Intake keeps its sha256 to
    find it and its ciphertext to give it again on a replay; staff and events never see it.
    """
    return secrets.token_urlsafe(24)


def hash_citizen_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: str | None, kept: str | None) -> bool:
    """Compare two secrets (or their hashes) in constant time; nothing matches a missing one."""
    if given is None or kept is None:
        return False
    return hmac.compare_digest(given.encode(), kept.encode())


def normalize_phone(number: str | None) -> str | None:
    """One spelling of a Chinese number, for finding a caller's earlier complaints: digits only, and a
    mobile's country code dropped (+86 138 1234 1234, 0086-13812341234 → 13812341234;
    023-4281 2345 → 02342812345). None when nothing like a Chinese mobile or landline number is left."""
    if not number:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.strip().startswith("+") and not digits.startswith("86"):
        return None  # another country's number
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            digits = digits[len(prefix):]
    return digits if PHONE.match(digits) else None


def phone_last4(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-4:]


def needs_api_key(channel: Channel) -> bool:
    return channel in KEYED_CHANNELS


@dataclass(frozen=True)
class SealedReporter:
    """The reporter as intake keeps them: encrypted at rest, masked for staff, four digits to check,
    and a keyed hash of the number (`phone_hmac`) to find a caller's earlier complaints."""

    name_enc: str | None = None
    phone_enc: str | None = None
    name_masked: str | None = None
    phone_masked: str | None = None
    phone_last4: str | None = None
    anonymous: bool = False
    phone_hmac: str | None = None


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
    resolution: Resolution | None = None  # 解决情况 (ratings before intake_0016 have none)


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's Idempotency-Key: the same request again returns the complaint it created."""

    key: str
    fingerprint: str
    complaint_id: str
    created_at: datetime


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
    reporter_phone_hmac: str | None = field(default=None, repr=False)
    # The citizen's private token: its sha256 (to find it) and its ciphertext (to give it again).
    citizen_token_hash: str | None = field(default=None, repr=False)
    citizen_token_enc: str | None = field(default=None, repr=False)
    # 网格巡查: the grid worker (username) who reported a patrol finding; None for citizens' channels.
    reported_by: str | None = None
    # 历史件导入: "<source>:<number>" of a case loaded from the bureau's older system; None otherwise.
    legacy_id: str | None = None
    # The citizen's view of the handling, kept current from routing's lifecycle events.
    status: Status = Status.received
    department: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    reply_due: datetime | None = None
    reply_round: int = 0
    reply_photos: list[str] = field(default_factory=list)  # 办理照片 sent with the reply (routing serves them)
    rating: Rating | None = None
    # 并单: merged into this master (its id and code); the citizen follows the master's handling and rates it.
    merged_into: str | None = None
    master_tracking_code: str | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    ratings: list[GivenRating] = field(default_factory=list)

    # --- 受理 ---------------------------------------------------------------------------------------

    @classmethod
    def receive(cls, *, channel: Channel, content: str, reporter: SealedReporter, at: datetime,
                seal: Callable[[str], str | None], category: str | None = None, subcategory: str | None = None,
                town: str | None = None, address: str | None = None, lat: float | None = None,
                lon: float | None = None, occurred_at: datetime | None = None, urgent: bool = False,
                reported_by: str | None = None, legacy_id: str | None = None,
                legacy_received_at: datetime | None = None) -> Complaint:
        """A new complaint with its tracking code and the citizen's private token; records
        `ComplaintReceivedV1` (which carries neither the token nor anything personal in clear).

        `seal` encrypts the token (the cipher port); the token itself is not kept in clear anywhere.
        """
        if occurred_at is not None and occurred_at > at + CLOCK_SKEW:
            raise OccurredInFuture()
        if occurred_at is not None and occurred_at < EARLIEST_OCCURRENCE:
            raise OccurredTooLongAgo(EARLIEST_OCCURRENCE.year)
        if (Channel(channel) is Channel.grid) != bool(reported_by):
            raise ReportedByMismatch()  # a patrol finding names its grid worker; nothing else names staff
        token = new_citizen_token()
        complaint = cls(
            complaint_id=str(uuid.uuid4()), tracking_code=new_tracking_code(at), channel=Channel(channel),
            content=content, received_at=at, category=category, subcategory=subcategory, town=town,
            address=address, lat=lat, lon=lon, occurred_at=occurred_at, urgent=urgent,
            reporter_name_enc=reporter.name_enc, reporter_phone_enc=reporter.phone_enc,
            phone_last4=reporter.phone_last4, anonymous=reporter.anonymous,
            reporter_phone_hmac=reporter.phone_hmac, reported_by=reported_by, legacy_id=legacy_id,
            citizen_token_hash=hash_citizen_token(token), citizen_token_enc=seal(token),
        )
        if legacy_id is not None and legacy_received_at is not None:
            complaint._note(legacy_received_at, f"原系统受理（编号 {legacy_id.partition(':')[2]}）")
            complaint._note(at, f"转入本系统办理，查询码 {complaint.tracking_code}")
        else:
            complaint._note(at, f"投诉已受理，查询码 {complaint.tracking_code}")
        complaint.record(ComplaintReceivedV1, reporter_name_masked=reporter.name_masked,
                         reporter_phone_masked=reporter.phone_masked)
        return complaint

    @classmethod
    def import_history(cls, record: HistoricalRecord, *, reporter: SealedReporter, at: datetime) -> Complaint:
        """A case finished in the older system, as history: received, assigned, replied and rated when
        the older system says so, and closed; records `ComplaintImportedV1` (not a received complaint:
        nothing routes it, no target counts it). It has no private token: nobody rates it again."""
        if not record.finished:
            raise ValueError("an open case is received (Complaint.receive), not imported as history")
        complaint = cls(
            complaint_id=str(uuid.uuid4()), tracking_code=new_tracking_code(record.received_at),
            channel=record.channel, content=record.content, received_at=record.received_at,
            category=record.category, subcategory=record.subcategory, town=record.town, address=record.address,
            reporter_name_enc=reporter.name_enc, reporter_phone_enc=reporter.phone_enc,
            phone_last4=reporter.phone_last4, anonymous=reporter.anonymous, reporter_phone_hmac=reporter.phone_hmac,
            legacy_id=record.legacy_id, department=record.department, reply=record.reply,
            replied_at=record.replied_at, reply_round=1 if record.reply else 0, rating=record.rating,
        )
        number = record.legacy_id.partition(":")[2]
        complaint._note(record.received_at, f"原系统受理（编号 {number}），查询码 {complaint.tracking_code}")
        if record.department:
            complaint._note(record.received_at, f"由{DEPARTMENT}办理", Status.assigned, department=record.department)
        if record.reply:
            complaint._note(record.replied_at or record.received_at,
                            f"{DEPARTMENT if record.department else '承办单位'}已回复", Status.replied,
                            department=record.department)
        if record.rating:
            complaint._note(record.replied_at or record.received_at, f"评价：{RATING_LABELS[record.rating]}")
        complaint._note(at, "历史件导入本系统，已办结", Status.closed)
        complaint.record(ComplaintImportedV1, reporter_name_masked=reporter.name_masked,
                         reporter_phone_masked=reporter.phone_masked, rating=record.rating.value if record.rating
                         else None, imported_at=at)
        return complaint

    @property
    def historical(self) -> bool:
        """Loaded as history from the older system (finished there): shown, never handled or rated here."""
        return self.legacy_id is not None and self.citizen_token_hash is None

    # --- what the citizen may see and do ----------------------------------------------------------

    def shown_to(self, phone_last4: str | None) -> bool:
        """Viewing by tracking code: a complaint reported with a phone needs its last four digits too;
        one reported without a phone has nothing to check (the code alone). Compared in constant time.
        An Open311 request's code is public (the feed lists it as service_request_id): alone it opens nothing,
        or anyone could read the unredacted text the feed masks (docs/access.md)."""
        if self.phone_last4 is None:
            return self.channel is not Channel.open311
        return same_secret(phone_last4, self.phone_last4)

    def holds_token(self, token: str | None) -> bool:
        """Is this the citizen's private token? (Complaints received before tokens existed have none.)"""
        return token is not None and same_secret(hash_citizen_token(token), self.citizen_token_hash)

    @property
    def can_rate(self) -> bool:
        """A reply can be rated (and a rating changed: the latest counts for the round), by the private token
        only: a complaint without one (received before tokens existed, history, archived) cannot be."""
        return (self.status in (Status.replied, Status.closed) and self.reply is not None and not self.historical
                and self.citizen_token_hash is not None)

    def rate(self, rating: Rating, *, comment: str | None, via: str, at: datetime,
             resolution: Resolution | None = None) -> None:
        """评价 (and whether the problem was solved, 解决情况): closes the complaint for this reply round;
        records `ComplaintRatedV1`."""
        if not self.can_rate:
            raise NotRatable()
        rating = Rating(rating)
        resolution = Resolution(resolution) if resolution is not None else None
        self.rating = rating
        self.ratings.append(GivenRating(self.reply_round, rating, comment, via, at, resolution=resolution))
        solved = resolution.value if resolution is not None else None
        self._note(at, f"您的评价：{RATING_LABELS[rating]}", Status.closed)
        if self.merged_into is not None and self.master_tracking_code is not None:
            # merged (并单): the reply rated is the master's, and the rating counts for the master's round
            self.record(ComplaintRatedV1, complaint_id=self.merged_into, tracking_code=self.master_tracking_code,
                        comment=comment, via=via, rated_at=at, resolution=solved)
        else:
            self.record(ComplaintRatedV1, comment=comment, via=via, rated_at=at, resolution=solved)

    # --- attachments (photos and videos as evidence) --------------------------------------------------

    @property
    def accepts_attachments(self) -> bool:
        """Files may be added while the complaint is open (not closed by a rating, not refused)."""
        return self.status not in (Status.closed, Status.rejected) and not self.historical

    def check_attachable(self) -> None:
        if not self.accepts_attachments:
            raise ComplaintClosedForAttachments()

    def locate(self, location: Location) -> bool:
        """The place of a photo the citizen said shows it: the complaint's position, if it has none yet."""
        if self.lat is not None or self.lon is not None:
            return False
        self.lat, self.lon = location.lat, location.lon
        return True

    def citizen_view(self, directory: DepartmentDirectory,
                     attachments: Sequence[AttachmentInfo] = ()) -> CitizenView:
        return CitizenView(
            tracking_code=self.tracking_code, status=self.status, received_at=self.received_at.astimezone(SHANGHAI),
            channel=self.channel.value, content=self.content, category=self.category, subcategory=self.subcategory,
            town=self.town, department=self.department, department_name=directory.name_of(self.department),
            reply=self.reply, replied_at=self.replied_at.astimezone(SHANGHAI) if self.replied_at else None,
            reply_round=self.reply_round, rating=self.rating.value if self.rating else None,
            can_rate=self.can_rate,
            timeline=[TimelineLine(e.at.astimezone(SHANGHAI), e.status.value, e.render(directory))
                      for e in self.timeline],
            reply_due=self.reply_due.astimezone(SHANGHAI) if self.reply_due else None,
            attachments=tuple(attachments), can_attach=self.accepts_attachments,
            merged_with=self.master_tracking_code if self.merged_into else None,
            reply_photos=tuple(self.reply_photos),
        )

    # --- the handling, as routing reports it ---------------------------------------------------------

    def follow(self, event: ComplaintEvent) -> None:
        """Apply one of routing's lifecycle events to what the citizen sees (others change nothing)."""
        apply = {CaseTriagedV1: self.on_triaged, CaseAssignedV1: self.on_assigned,
                 CaseAcceptedV1: self.on_accepted, CaseRepliedV1: self.on_replied,
                 CaseReturnedV1: self.on_returned, ExtensionDecidedV1: self.on_extension_decided,
                 CaseReopenedV1: self.on_reopened, CallbackCompletedV1: self.on_callback_completed,
                 CallbackDueV1: self.on_callback_due, CaseRejectedV1: self.on_rejected,
                 CaseForwardedV1: self.on_forwarded, CaseSuspendedV1: self.on_suspended,
                 CaseResumedV1: self.on_resumed, DisputeDecidedV1: self.on_dispute_decided}.get(type(event))
        if apply is not None:
            apply(event)  # type: ignore[operator]

    def on_rejected(self, event: CaseRejectedV1) -> None:
        self.department = self.reply_due = None
        self._note(event.rejected_at, f"不予受理：{event.reason}", Status.rejected)

    def on_forwarded(self, event: CaseForwardedV1) -> None:
        self.department = self.reply_due = None
        note = f"（{event.note}）" if event.note else ""
        self._note(event.forwarded_at, f"您反映的问题不属于生态环境部门职责，已转交{event.body}办理{note}",
                   Status.forwarded)

    def merge_into(self, master: Complaint, event: CaseMergedV1) -> None:
        """并单: from now on this complaint shows the master's handling (status, department, reply, deadline);
        the events about the master reach it too (the handler passes them on)."""
        self.merged_into, self.master_tracking_code = master.complaint_id, master.tracking_code
        self.department, self.reply_due = master.department, master.reply_due
        self.reply, self.replied_at, self.reply_round, self.rating = (master.reply, master.replied_at,
                                                                      master.reply_round, None)
        self.reply_photos = list(master.reply_photos)
        status = master.status if master.status not in (Status.received, Status.closed) else (
            Status.replied if master.status is Status.closed else Status.triage)
        self._note(event.merged_at, f"您反映的问题与查询码 {master.tracking_code} 的投诉为同一问题，已合并办理，"
                   "办理进展和回复在此同步显示", status, department=master.department)

    def on_triaged(self, event: CaseTriagedV1) -> None:
        self._note(event.at, "正在确定承办单位", Status.triage)

    def on_callback_due(self, event: CallbackDueV1) -> None:
        if event.reason != "unsatisfied_online":  # the citizen who rated online is called, not asked again
            self._note(event.created_at, "您的投诉已被抽中回访，欢迎评价办理结果")

    def on_callback_completed(self, event: CallbackCompletedV1) -> None:
        """A phone callback's rating is the round's rating, as if given here (unreachable: nothing changes)."""
        if event.outcome not in RATING_LABELS or event.reply_round != self.reply_round:
            return
        self.rating = Rating(event.outcome)
        self._note(event.completed_at, f"电话回访：{RATING_LABELS[self.rating]}", Status.closed)

    def on_reopened(self, event: CaseReopenedV1) -> None:
        self.reply_due = event.reply_due
        self._note(event.reopened_at, f"您的不满意评价已收到，已交{DEPARTMENT}重新办理（第 {event.reply_round} 轮），"
                   f"期限 {event.reply_due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}", Status.accepted,
                   department=event.department)

    def on_assigned(self, event: CaseAssignedV1) -> None:
        self.department, self.category, self.subcategory = event.department, event.category, event.subcategory
        self.reply_due = event.reply_due
        if event.rule == "reopen":  # the new round of a reopening: told by on_reopened already
            self.status = Status.accepted
            return
        self._note(event.assigned_at, f"已交办至{DEPARTMENT}（{type_label(event.category, event.subcategory)}）",
                   Status.assigned, department=event.department)

    def on_accepted(self, event: CaseAcceptedV1) -> None:
        self._note(event.accepted_at, f"{DEPARTMENT}已签收，正在办理", Status.accepted, department=event.department)

    def on_replied(self, event: CaseRepliedV1) -> None:
        self.reply, self.replied_at, self.reply_round = event.reply, event.replied_at, event.reply_round
        self.reply_photos = list(event.photos)
        self.rating = None  # a new round is rated afresh
        self._note(event.replied_at, f"{DEPARTMENT}已回复，欢迎评价", Status.replied, department=event.department)

    def on_returned(self, event: CaseReturnedV1) -> None:
        self.department = None
        self.reply_due = None  # the next department's deadline comes with its assignment
        self._note(event.returned_at, "正在重新确定承办单位", Status.triage)

    def on_extension_decided(self, event: ExtensionDecidedV1) -> None:
        if event.approved:  # a refusal changes nothing the citizen sees
            self.reply_due = event.reply_due
            self._note(event.decided_at, f"办理期限已延长至 {event.reply_due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}")

    def on_suspended(self, event: CaseSuspendedV1) -> None:
        """挂起: the department waits for the citizen; the status stays 办理中, the timeline says what it waits for."""
        wanted = "补充材料" if event.reason_code == "materials" else "联系"
        self._note(event.suspended_at, f"等待您{wanted}：承办单位暂停办理计时，请留意来电或短信",
                   department=event.department)

    def on_resumed(self, event: CaseResumedV1) -> None:
        self.reply_due = event.reply_due
        due = event.reply_due.astimezone(SHANGHAI)
        self._note(event.resumed_at, f"已恢复办理，答复期限顺延至 {due:%Y-%m-%d %H:%M}", department=event.department)

    def on_dispute_decided(self, event: DisputeDecidedV1) -> None:
        """派单异议 upheld: the department keeps the case and its reply deadline moves by the time in dispute (the
        dispute itself is internal: no line on the timeline). A reassignment comes as a CaseAssignedV1."""
        if event.decision == "upheld" and event.reply_due is not None:
            self.reply_due = event.reply_due

    def _note(self, at: datetime, text: str, status: Status | None = None, *, department: str | None = None) -> None:
        if status is not None:
            self.status = status
        self.timeline.append(TimelineEntry(at, self.status, text, department))
