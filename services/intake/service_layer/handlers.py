"""Intake's handlers: plain functions `(message, uow, **ports)`; the tables at the bottom are the bus's.

A command handler loads (or creates) an aggregate, calls one domain method and commits; a query
handler reads and returns without committing. Events are recorded by the aggregates, never here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.intake.domain import commands as c
from services.intake.domain import messages
from services.intake.domain import open311 as o311
from services.intake.domain import wechat as wx
from services.intake.domain.attachments import (
    Attachment,
    AttachmentInfo,
    AttachmentLimits,
    PreparedMedia,
    staff_may_see,
)
from services.intake.domain.complaint import (
    Complaint,
    IdempotencyKey,
    SealedReporter,
    hash_citizen_token,
    looks_like_code,
    needs_api_key,
    normalize_code,
    normalize_phone,
    phone_last4,
)
from services.intake.domain.contact import ContactPurpose, ContactView, checked_reason
from services.intake.domain.departments import Department, supersedes
from services.intake.domain.errors import (
    AttachmentNeedsCredentials,
    AttachmentNotFound,
    CaseNotVisible,
    ComplaintNotFound,
    HistoryNeedsAQuestion,
    IdempotencyKeyReused,
    NoContact,
    PrivateLinkNotFound,
    RatingRefused,
    TooManyGuesses,
    UnknownComplaint,
)
from services.intake.domain.messages import CitizenSms
from services.intake.domain.reference import Reference, reference
from services.intake.domain.views import HISTORY_LIMIT, MIN_ADDRESS_QUERY, CallerHistory, CitizenView, PastComplaint
from services.intake.service_layer import accounts, imports, knowledge, open311, upstream, wechat
from services.intake.service_layer.accounts import active_key
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import mask_name, mask_phone
from shared.clock import SHANGHAI
from shared.contracts import events as ev
from shared.contracts.codes import Channel
from shared.outbound import ListOutbound, OutboundMessage, ReplayOutbound, list_outbound, replay_outbound


class Cipher(Protocol):
    """The port that protects personal data at rest (adapters/crypto.py: Fernet, and an HMAC index)."""

    def encrypt(self, value: str | None) -> str | None: ...

    def decrypt(self, token: str | None) -> str | None: ...

    def index(self, value: str) -> str:
        """A keyed hash of a value: equal values, equal indexes (finds a caller's earlier complaints)."""
        ...


class GuessThrottle(Protocol):
    """The port that counts wrong guesses (adapters/throttle.py: a sliding window in this process).

    `target` is what was guessed at (a tracking code) or None; `client` is the request's address.
    """

    def wait(self, target: str | None, client: str | None) -> int:
        """Seconds until another try is allowed (0: now)."""
        ...

    def failed(self, target: str | None, client: str | None) -> None: ...


class AttachmentStore(Protocol):
    """The port where attachments' bytes live (shared/filestore.py: a folder or an S3 bucket)."""

    def put(self, data: bytes) -> str:
        """Store the bytes; returns the key to find them again."""
        ...

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...


class MediaPreparer(Protocol):
    """The port that checks an image decodes as its kind and removes its metadata (adapters/media.py)."""

    def prepare(self, data: bytes, content_type: str, *, read_location: bool = False) -> PreparedMedia: ...


audit = logging.getLogger("complaints.audit")  # who read which citizen's contact (never the contact itself)

# --- complaints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    id: str
    tracking_code: str
    status: str
    received_at: datetime
    replayed: bool  # True when an Idempotency-Key or channel reference returned an earlier complaint
    # The citizen's private token: only the citizen's own channel shows it (web/app answer, WeChat
    # reply), never staff (the hotline answer), events or logs.
    citizen_token: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, complaint: Complaint, *, replayed: bool, cipher: Cipher,
           sealed: Mapping[str, str] | None = None) -> Received:
        return cls(complaint.complaint_id, complaint.tracking_code, complaint.status.value,
                   complaint.received_at.astimezone(SHANGHAI), replayed,
                   _opened(complaint.citizen_token_enc, cipher, sealed))


def _opened(value: str | None, cipher: Cipher, sealed: Mapping[str, str] | None) -> str | None:
    """A sealed value in clear: from what this request sealed itself (`sealed`: ciphertext → clear text),
    else decrypted (a Fernet decryption is a good part of a receipt's time)."""
    if value and sealed and value in sealed:
        return sealed[value]
    return cipher.decrypt(value)


def receive_complaint(cmd: c.ReceiveComplaint, uow: IntakeUnitOfWork, cipher: Cipher, sms: CitizenSms,
                      demo_mode: bool = False, linked: Callable[[Complaint], None] | None = None) -> Received:
    """受理: the complaint, its timeline and its `complaint.received` event in one transaction.

    The same Idempotency-Key (with the same request) or the same channel reference returns the complaint
    it created (`replayed`), also when two such requests race: the loser's unique-key violation at commit
    becomes the winner's answer. `linked` (a channel's own handler calling this one) adds rows that belong
    to the new complaint to the same transaction (an upstream platform's case link).
    """
    if needs_api_key(cmd.channel):
        active_key(uow, cmd.api_key, channel=cmd.channel, demo_mode=demo_mode)
    if (earlier := _earlier(cmd, uow)) is not None:
        return Received.of(earlier, replayed=True, cipher=cipher)
    now = uow.clock.now()
    sealed: dict[str, str] = {}  # the private token as sealed here → in clear, for the answer and the receipt

    def seal(value: str) -> str | None:
        if (ciphertext := cipher.encrypt(value)) is not None:
            sealed[ciphertext] = value
        return ciphertext

    complaint = Complaint.receive(
        channel=cmd.channel, content=cmd.content, category=cmd.category, subcategory=cmd.subcategory,
        town=cmd.town, address=cmd.address, lat=cmd.lat, lon=cmd.lon, occurred_at=cmd.occurred_at,
        urgent=cmd.urgent, reporter=seal_reporter(cmd.reporter, cipher), at=now, seal=seal,
        reported_by=cmd.reported_by,
    )
    uow.complaints.add(complaint)
    if linked is not None:
        linked(complaint)
    # Before the keys: a racing twin's key must fail at commit (commit_first), not in this query's autoflush.
    for note in messages.receipt(sms, citizen(complaint, cipher, openid=cmd.wechat_openid, sealed=sealed), at=now):
        uow.enqueue(note)
    if cmd.idempotency_key:
        uow.idempotency_keys.add(IdempotencyKey(cmd.idempotency_key, cmd.request_fingerprint or "",
                                                complaint.complaint_id, now))
    if cmd.channel_ref:
        uow.channel_refs.add(cmd.channel.value, cmd.channel_ref, complaint.complaint_id, now)
    if cmd.wechat_openid:  # sealed like the phone: its template messages need it, nothing else may read it
        uow.wechat_sessions.add_recipient(complaint.complaint_id, cipher.encrypt(cmd.wechat_openid) or "",
                                          cipher.index(cmd.wechat_openid), now)
    if (winner := uow.commit_first(lambda: _earlier(cmd, uow))) is not None:
        return Received.of(winner, replayed=True, cipher=cipher)
    return Received.of(complaint, replayed=False, cipher=cipher, sealed=sealed)


def _earlier(cmd: c.ReceiveComplaint, uow: IntakeUnitOfWork) -> Complaint | None:
    """The complaint this request's Idempotency-Key or channel reference made before, if any."""
    complaint_id: str | None = None
    if cmd.idempotency_key:
        key = uow.idempotency_keys.get(cmd.idempotency_key)
        if key is not None:
            if key.fingerprint != (cmd.request_fingerprint or ""):
                raise IdempotencyKeyReused()
            complaint_id = key.complaint_id
    if complaint_id is None and cmd.channel_ref:
        complaint_id = uow.channel_refs.get(cmd.channel.value, cmd.channel_ref)
    if complaint_id is None:
        return None
    earlier = uow.complaints.get(complaint_id)
    assert earlier is not None  # the key's and the reference's foreign keys keep their complaint
    return earlier


def citizen(complaint: Complaint, cipher: Cipher, *, openid: str | None = None,
            sealed: Mapping[str, str] | None = None) -> messages.Citizen:
    """The complaint's reporter as a message needs them: number, private token (and OpenID) decrypted."""
    return messages.Citizen(complaint.complaint_id, complaint.tracking_code, complaint.channel, complaint.anonymous,
                            cipher.decrypt(complaint.reporter_phone_enc),
                            _opened(complaint.citizen_token_enc, cipher, sealed), openid)


def _reporter(complaint: Complaint, uow: IntakeUnitOfWork, cipher: Cipher) -> messages.Citizen:
    """`citizen()`, with the WeChat user who reported it (looked up for WeChat's complaints only)."""
    openid = (cipher.decrypt(uow.wechat_sessions.recipient(complaint.complaint_id))
              if complaint.channel is Channel.wechat else None)
    return citizen(complaint, cipher, openid=openid)


def seal_reporter(reporter: c.Reporter, cipher: Cipher) -> SealedReporter:
    """Encrypted for storage, masked for staff: the reporter never leaves intake in clear."""
    name = reporter.kept_name
    number = normalize_phone(reporter.phone)
    return SealedReporter(name_enc=cipher.encrypt(name), phone_enc=cipher.encrypt(reporter.phone),
                          name_masked=mask_name(name),
                          phone_masked=mask_phone(reporter.phone, anonymous=reporter.anonymous),
                          phone_last4=phone_last4(reporter.phone), anonymous=reporter.anonymous,
                          phone_hmac=cipher.index(number) if number else None)


def _not_throttled(throttle: GuessThrottle, target: str | None, client: str | None) -> None:
    """Refuse before looking anything up: a blocked guesser learns nothing, not even a right guess."""
    if (wait := throttle.wait(target, client)) > 0:
        raise TooManyGuesses(wait)


def _code_or_none(tracking_code: str) -> str | None:
    """The code as stored, or None for text that is no tracking code at all (not looked up)."""
    code = normalize_code(tracking_code)
    return code if looks_like_code(code) else None


def _view(complaint: Complaint, uow: IntakeUnitOfWork) -> CitizenView:
    return complaint.citizen_view(uow.department_names.directory(), uow.attachments.listed(complaint.complaint_id))


def citizen_view(query: c.GetCitizenView, uow: IntakeUnitOfWork, throttle: GuessThrottle) -> CitizenView:
    """The tracking page by code (and the last four phone digits when the reporter gave a phone).

    An unknown code and wrong digits look alike; each counts as a failure for the code and the client.
    """
    code = _code_or_none(query.tracking_code)
    _not_throttled(throttle, code, query.client)
    complaint = uow.complaints.by_tracking_code(code) if code else None
    if complaint is None or not complaint.shown_to(query.phone_last4):
        throttle.failed(code, query.client)
        raise ComplaintNotFound()
    return _view(complaint, uow)


def citizen_view_by_token(query: c.GetCitizenViewByToken, uow: IntakeUnitOfWork,
                          throttle: GuessThrottle) -> CitizenView:
    """The tracking page by the citizen's private link; a miss counts against the client."""
    complaint = _by_token(uow, query.token, query.client, throttle)
    return _view(complaint, uow)


def _by_token(uow: IntakeUnitOfWork, token: str, client: str | None, throttle: GuessThrottle, *,
              for_update: bool = False) -> Complaint:
    _not_throttled(throttle, None, client)
    complaint = uow.complaints.by_token_hash(hash_citizen_token(token), for_update=for_update)
    if complaint is None or not complaint.holds_token(token):
        throttle.failed(None, client)
        raise PrivateLinkNotFound()
    return complaint


def rate_complaint(cmd: c.RateComplaint, uow: IntakeUnitOfWork, throttle: GuessThrottle) -> Complaint:
    """评价, with the citizen's private token: the latest rating of a reply round is the one that counts."""
    if cmd.tracking_code is None:
        complaint = _by_token(uow, cmd.token or "", cmd.client, throttle, for_update=True)
    else:
        code = _code_or_none(cmd.tracking_code)
        _not_throttled(throttle, code, cmd.client)
        found = uow.complaints.by_tracking_code(code, for_update=True) if code else None
        if found is None or not found.holds_token(cmd.token):
            throttle.failed(code, cmd.client)
            raise RatingRefused()
        complaint = found
    complaint.rate(cmd.rating, comment=cmd.comment, via=cmd.via, at=uow.clock.now(), resolution=cmd.resolution)
    uow.commit()
    return complaint


# --- attachments: photos and videos as evidence ---------------------------------------------------------


def add_attachment(cmd: c.AddAttachment, uow: IntakeUnitOfWork, throttle: GuessThrottle, attachments: AttachmentStore,
                   media: MediaPreparer, attachment_limits: AttachmentLimits) -> Attachment:
    """A citizen's photo or video for their open complaint, by their private token.

    Everything is checked before anything is stored (the token, the complaint still open, room for one
    more, the kind from the bytes, its size, an image that decodes); images are stored re-encoded
    without EXIF. The bytes go to the store first; if the row then fails to commit they are deleted.
    """
    complaint = _by_token(uow, cmd.token, cmd.client, throttle, for_update=True)
    complaint.check_attachable()
    attachment_limits.check_room(uow.attachments.count_for(complaint.complaint_id))
    content_type = attachment_limits.kind_of(cmd.data)
    prepared = media.prepare(cmd.data, content_type, read_location=cmd.use_location)
    if cmd.use_location and prepared.location is not None:
        complaint.locate(prepared.location)
    key = attachments.put(prepared.data)
    try:
        attachment = Attachment.new(complaint_id=complaint.complaint_id, content_type=prepared.content_type,
                                    size=len(prepared.data), sha256=hashlib.sha256(prepared.data).hexdigest(),
                                    storage_key=key, gps_removed=prepared.gps_removed, at=uow.clock.now())
        uow.attachments.add(attachment)
        uow.commit()
    except BaseException:
        attachments.delete(key)
        raise
    return attachment


@dataclass(frozen=True)
class AttachmentContent:
    content_type: str
    size: int
    chunks: Iterator[bytes]


def get_attachment(query: c.GetAttachment, uow: IntakeUnitOfWork, throttle: GuessThrottle,
                   attachments: AttachmentStore) -> AttachmentContent:
    """One attachment's bytes for its citizen (the private token of its complaint) or for staff who may see
    the complaint (supervisor, admin, operator; a dispatcher of the department it is with). Anyone else
    gets the same 404 as for an attachment that does not exist."""
    if query.token is None and query.role is None:
        raise AttachmentNeedsCredentials()
    if query.token is not None:
        _not_throttled(throttle, None, query.client)
    attachment = uow.attachments.get(query.attachment_id)
    complaint = uow.complaints.get(attachment.complaint_id) if attachment is not None else None
    if attachment is None or complaint is None:
        if query.token is not None:
            throttle.failed(None, query.client)
        raise AttachmentNotFound()
    if query.token is not None:
        allowed = complaint.holds_token(query.token)
        if not allowed:
            throttle.failed(None, query.client)
    else:
        assert query.role is not None
        allowed = staff_may_see(query.role, query.department, complaint.department)
    if not allowed:
        raise AttachmentNotFound()
    return AttachmentContent(attachment.content_type, attachment.size, attachments.stream(attachment.storage_key))


def list_attachments(query: c.ListAttachments, uow: IntakeUnitOfWork) -> list[AttachmentInfo]:
    """The photos and videos a citizen attached to a complaint, oldest first, for staff who may see the
    complaint (as `get_attachment`): anyone else gets the 404 of a complaint that does not exist."""
    complaint = uow.complaints.get(query.complaint_id)
    if complaint is None or not staff_may_see(query.role, query.department, complaint.department):
        raise CaseNotVisible(query.complaint_id)
    return uow.attachments.listed(query.complaint_id)


# --- the hotline operator's questions ------------------------------------------------------------------


def hotline_history(query: c.GetHotlineHistory, uow: IntakeUnitOfWork, cipher: Cipher) -> CallerHistory:
    """A caller's earlier complaints (by the keyed hash of their number: nothing is decrypted) and the
    complaints at an address containing the given text; newest first, at most HISTORY_LIMIT each."""
    number = normalize_phone(query.caller)
    address = (query.address or "").strip()
    if number is None and len(address) < MIN_ADDRESS_QUERY:
        raise HistoryNeedsAQuestion()
    return CallerHistory(
        by_caller=uow.history.by_phone_hmac(cipher.index(number), limit=HISTORY_LIMIT) if number else [],
        by_address=uow.history.by_address(address, limit=HISTORY_LIMIT) if len(address) >= MIN_ADDRESS_QUERY else [],
    )


@dataclass(frozen=True)
class CallbackContact:
    tracking_code: str
    name: str | None
    phone: str


def callback_contact(query: c.GetCallbackContact, uow: IntakeUnitOfWork, cipher: Cipher) -> CallbackContact:
    """回访: the number to call, for staff who call citizens back; anonymous reporters are never called.
    The read is kept (who, when, which complaint, why) before the number is given out."""
    purpose = ContactPurpose(query.purpose)
    reason = checked_reason(purpose, query.reason)
    complaint = uow.complaints.get(query.complaint_id)
    if complaint is None:
        raise ComplaintNotFound()
    phone = cipher.decrypt(complaint.reporter_phone_enc)
    if complaint.anonymous or complaint.channel is Channel.grid or not phone:
        raise NoContact()
    uow.contact_views.record(ContactView(complaint.complaint_id, query.read_by, uow.clock.now(), purpose, reason))
    uow.commit()
    audit.info("contact of complaint %s read by %s for %s", complaint.complaint_id, query.read_by, purpose.value)
    return CallbackContact(complaint.tracking_code, cipher.decrypt(complaint.reporter_name_enc), phone)


def contact_views(query: c.ListContactViews, uow: IntakeUnitOfWork) -> list[ContactView]:
    if uow.complaints.get(query.complaint_id) is None:
        raise ComplaintNotFound()
    return uow.contact_views.of(query.complaint_id, limit=min(max(query.limit, 1), 500))


def patrol_reports(query: c.ListPatrolReports, uow: IntakeUnitOfWork) -> list[PastComplaint]:
    """A grid worker's own patrol findings (channel grid, reported by them), newest first."""
    return uow.history.by_reporter(query.reported_by, limit=min(max(query.limit, 1), HISTORY_LIMIT))


def get_reference(_query: c.GetReference, _uow: IntakeUnitOfWork) -> Reference:
    return reference()


# --- lifecycle events: keep the citizen's view current -------------------------------------------------


def follow_lifecycle(event: ev.ComplaintEvent, uow: IntakeUnitOfWork, cipher: Cipher, sms: CitizenSms) -> None:
    """Routing's lifecycle events keep the citizen's view of the complaint current, and of the complaints
    merged into it (并单), whose citizens follow its handling; a reply is told (SMS, WeChat) to each of them."""
    complaint = uow.complaints.get(event.complaint_id, for_update=True)
    if complaint is None:
        raise UnknownComplaint(event.complaint_id)  # retried, then parked: never silently lost
    if isinstance(event, ev.CaseMergedV1):
        master = uow.complaints.get(event.master_id)
        if master is None:
            raise UnknownComplaint(event.master_id)
        if complaint.merged_into is None:  # a redelivery changes nothing
            complaint.merge_into(master, event)
        uow.commit()
        return
    now = uow.clock.now()
    for followed in [complaint, *uow.complaints.merged_into(complaint.complaint_id, for_update=True)]:
        followed.follow(event)
        for note in _citizen_messages(event, followed, uow, cipher, sms, now):
            uow.enqueue(note)
    uow.commit()


def _citizen_messages(event: ev.ComplaintEvent, complaint: Complaint, uow: IntakeUnitOfWork, cipher: Cipher,
                      sms: CitizenSms, now: datetime) -> list[OutboundMessage]:
    """What the event tells the complaint's citizen (SMS, WeChat), if anything."""
    if isinstance(event, ev.CaseRepliedV1):
        return messages.replied(sms, _reporter(complaint, uow, cipher), reply_round=event.reply_round, at=now)
    if isinstance(event, ev.CallbackDueV1) and event.reason != "unsatisfied_online":
        return messages.callback_link(sms, _reporter(complaint, uow, cipher), reply_round=event.reply_round, at=now)
    if isinstance(event, ev.CaseReopenedV1):
        return messages.reopened(sms, _reporter(complaint, uow, cipher), reply_round=event.reply_round,
                                 reply_due=event.reply_due, at=now)
    return []


def tell_reward(event: ev.RewardApprovedV1, uow: IntakeUnitOfWork, cipher: Cipher, sms: CitizenSms) -> None:
    """举报奖励 approved (routing, docs/rewards.md): the rewarded report's reporter is told by SMS how much and by
    when to claim it; only this complaint's reporter (not those merged into it). Once per reward (the key)."""
    complaint = uow.complaints.get(event.complaint_id)
    if complaint is None:
        raise UnknownComplaint(event.complaint_id)  # retried, then parked: never silently lost
    for note in messages.reward_approved(sms, _reporter(complaint, uow, cipher), reward_id=event.reward_id,
                                         amount_yuan=f"{event.amount_yuan:.2f}", claim_due=event.claim_due,
                                         at=uow.clock.now()):
        uow.enqueue(note)
    uow.commit()


def on_departments_changed(event: ev.DepartmentsChangedV1, uow: IntakeUnitOfWork) -> None:
    """Routing's directory: a snapshot replaces intake's copy unless an older one arrives late."""
    if supersedes(event.revision, uow.department_names.revision()):
        uow.department_names.replace([Department(d.code, d.name, d.active) for d in event.departments],
                                     revision=event.revision, changed_at=event.changed_at)
    uow.commit()


COMMAND_HANDLERS: dict[type, Callable[..., Any]] = {
    c.ReceiveComplaint: receive_complaint,
    c.RateComplaint: rate_complaint,
    c.GetCitizenView: citizen_view,
    c.GetCitizenViewByToken: citizen_view_by_token,
    c.AddAttachment: add_attachment,
    c.GetAttachment: get_attachment,
    c.ListAttachments: list_attachments,
    c.GetHotlineHistory: hotline_history,
    c.ListPatrolReports: patrol_reports,
    c.GetReference: get_reference,
    c.GetCallbackContact: callback_contact,
    c.ListContactViews: contact_views,
    c.ImportHistory: imports.import_history,
    ListOutbound: list_outbound,
    ReplayOutbound: replay_outbound,
    c.Authenticate: accounts.authenticate,
    c.RenewToken: accounts.renew_token,
    c.EndSessions: accounts.end_sessions,
    c.AddUser: accounts.add_user,
    c.SetPassword: accounts.set_password,
    c.DeactivateUser: accounts.deactivate_user,
    c.ListUsers: accounts.list_users,
    c.AddApiKey: accounts.add_api_key,
    c.ListApiKeys: accounts.list_api_keys,
    c.RevokeApiKey: accounts.revoke_api_key,
    o311.ListServices: open311.list_services,
    o311.GetServiceDefinition: open311.service_definition,
    o311.ListServiceRequests: open311.list_service_requests,
    o311.GetServiceRequest: open311.get_service_request,
    wx.HandleWechatMessage: wechat.handle_wechat_message,
    **upstream.COMMANDS,  # the upstream platforms (service_layer/upstream.py)
    **knowledge.COMMANDS,  # the knowledge base and reply templates (service_layer/knowledge.py)
}

# push_upstream (the upstream platforms hear of their cases) comes first and does not commit: its rows
# commit with follow_lifecycle's.
EVENT_HANDLERS: dict[type[ev.EventPayload], list[Callable[..., None]]] = {
    ev.CaseTriagedV1: [follow_lifecycle],
    ev.CaseAssignedV1: [follow_lifecycle],
    ev.CaseAcceptedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseRepliedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseReturnedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseRejectedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseForwardedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseMergedV1: [upstream.push_upstream, follow_lifecycle],
    ev.ExtensionDecidedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CaseSuspendedV1: [follow_lifecycle],  # 挂起: the citizen's timeline says it waits for them (no status change)
    ev.CaseResumedV1: [follow_lifecycle],
    ev.DisputeDecidedV1: [follow_lifecycle],  # 派单异议 upheld: the reply deadline the citizen sees moves
    ev.CaseReopenedV1: [upstream.push_upstream, follow_lifecycle],
    ev.CallbackDueV1: [follow_lifecycle],
    ev.CallbackCompletedV1: [follow_lifecycle],
    ev.DepartmentsChangedV1: [on_departments_changed],
    ev.RewardApprovedV1: [tell_reward],  # 举报奖励: the first reporter told by SMS
}
