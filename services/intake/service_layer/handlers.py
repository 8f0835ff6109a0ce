"""Intake's handlers: plain functions `(message, uow, **ports)`; the tables at the bottom are the bus's.

A command handler loads (or creates) an aggregate, calls one domain method and commits; a query
handler reads and returns without committing. Events are recorded by the aggregates, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.intake.domain import commands as c
from services.intake.domain.accounts import ApiKey, User, hash_api_key
from services.intake.domain.complaint import (
    CitizenView,
    Complaint,
    IdempotencyKey,
    SealedReporter,
    needs_api_key,
    normalize_code,
    phone_last4,
)
from services.intake.domain.departments import Department, supersedes
from services.intake.domain.errors import (
    ApiKeyMissing,
    ApiKeyNotFound,
    ApiKeyRefused,
    ComplaintNotFound,
    IdempotencyKeyReused,
    UnknownComplaint,
    UserExists,
    UserNotFound,
    WrongCredentials,
)
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import Principal, hash_password, mask_name, mask_phone, verify_password
from shared.clock import SHANGHAI
from shared.contracts import events as ev


class Cipher(Protocol):
    """The port that encrypts personal data at rest (adapters/crypto.py: Fernet)."""

    def encrypt(self, value: str | None) -> str | None: ...


# --- complaints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    id: str
    tracking_code: str
    status: str
    received_at: datetime
    replayed: bool  # True when an Idempotency-Key returned an earlier complaint

    @classmethod
    def of(cls, complaint: Complaint, *, replayed: bool) -> Received:
        return cls(complaint.complaint_id, complaint.tracking_code, complaint.status.value,
                   complaint.received_at.astimezone(SHANGHAI), replayed)


def receive_complaint(cmd: c.ReceiveComplaint, uow: IntakeUnitOfWork, cipher: Cipher) -> Received:
    """受理: the complaint, its timeline and its `complaint.received` event in one transaction."""
    if needs_api_key(cmd.channel):
        _active_key(uow, cmd.api_key, channel=cmd.channel)
    if cmd.idempotency_key:
        earlier = uow.idempotency_keys.get(cmd.idempotency_key)
        if earlier is not None:
            if earlier.fingerprint != (cmd.request_fingerprint or ""):
                raise IdempotencyKeyReused()
            replayed = uow.complaints.get(earlier.complaint_id)
            assert replayed is not None  # the key's foreign key keeps its complaint
            return Received.of(replayed, replayed=True)
    now = uow.clock.now()
    complaint = Complaint.receive(
        channel=cmd.channel, content=cmd.content, category=cmd.category, subcategory=cmd.subcategory,
        town=cmd.town, address=cmd.address, lat=cmd.lat, lon=cmd.lon, occurred_at=cmd.occurred_at,
        urgent=cmd.urgent, reporter=_seal(cmd.reporter, cipher), at=now,
    )
    uow.complaints.add(complaint)
    if cmd.idempotency_key:
        uow.idempotency_keys.add(IdempotencyKey(cmd.idempotency_key, cmd.request_fingerprint or "",
                                                complaint.complaint_id, now))
    uow.commit()
    return Received.of(complaint, replayed=False)


def _seal(reporter: c.Reporter, cipher: Cipher) -> SealedReporter:
    """Encrypted for storage, masked for staff: the reporter never leaves intake in clear."""
    name = reporter.kept_name
    return SealedReporter(name_enc=cipher.encrypt(name), phone_enc=cipher.encrypt(reporter.phone),
                          name_masked=mask_name(name), phone_masked=mask_phone(reporter.phone),
                          phone_last4=phone_last4(reporter.phone), anonymous=reporter.anonymous)


def citizen_view(query: c.GetCitizenView, uow: IntakeUnitOfWork) -> CitizenView:
    complaint = uow.complaints.by_tracking_code(normalize_code(query.tracking_code))
    if complaint is None or not complaint.shown_to(query.phone_last4):
        raise ComplaintNotFound()
    return complaint.citizen_view(uow.department_names.directory())


def rate_complaint(cmd: c.RateComplaint, uow: IntakeUnitOfWork) -> Complaint:
    """评价: the latest rating of a reply round is the one that counts."""
    complaint = uow.complaints.by_tracking_code(normalize_code(cmd.tracking_code), for_update=True)
    if complaint is None or not complaint.shown_to(cmd.phone_last4, phone_required=True):
        raise ComplaintNotFound()
    complaint.rate(cmd.rating, comment=cmd.comment, via=cmd.via, at=uow.clock.now())
    uow.commit()
    return complaint


# --- lifecycle events: keep the citizen's view current -------------------------------------------------


def follow_lifecycle(event: ev.ComplaintEvent, uow: IntakeUnitOfWork) -> None:
    """Routing's lifecycle events keep the citizen's view of the complaint current."""
    complaint = uow.complaints.get(event.complaint_id, for_update=True)
    if complaint is None:
        raise UnknownComplaint(event.complaint_id)  # retried, then parked: never silently lost
    complaint.follow(event)
    uow.commit()


def on_departments_changed(event: ev.DepartmentsChangedV1, uow: IntakeUnitOfWork) -> None:
    """Routing's directory: a snapshot replaces intake's copy unless an older one arrives late."""
    if supersedes(event.revision, uow.department_names.revision()):
        uow.department_names.replace([Department(d.code, d.name, d.active) for d in event.departments],
                                     revision=event.revision, changed_at=event.changed_at)
    uow.commit()


# --- accounts ----------------------------------------------------------------------------------------


def authenticate(query: c.Authenticate, uow: IntakeUnitOfWork) -> Principal:
    user = uow.users.get(query.username)
    if user is None or not user.active or not verify_password(user.password_hash, query.password):
        raise WrongCredentials()
    return Principal(username=user.username, role=user.role.value, department=user.department)


def add_user(cmd: c.AddUser, uow: IntakeUnitOfWork) -> User:
    if uow.users.get(cmd.username) is not None:
        raise UserExists(cmd.username)
    user = User.register(username=cmd.username, password=cmd.password, role=cmd.role, department=cmd.department,
                         display_name=cmd.display_name, at=uow.clock.now(),
                         directory=uow.department_names.directory(), hash_password=hash_password)
    uow.users.add(user)
    uow.commit()
    return user


def set_password(cmd: c.SetPassword, uow: IntakeUnitOfWork) -> None:
    _user(uow, cmd.username).set_password(cmd.password, hash_password)
    uow.commit()


def deactivate_user(cmd: c.DeactivateUser, uow: IntakeUnitOfWork) -> None:
    _user(uow, cmd.username).deactivate()
    uow.commit()


def list_users(_query: c.ListUsers, uow: IntakeUnitOfWork) -> list[User]:
    return uow.users.list()


def _user(uow: IntakeUnitOfWork, username: str) -> User:
    user = uow.users.get(username)
    if user is None:
        raise UserNotFound(username)
    return user


# --- client systems' API keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    id: int
    name: str
    key: str  # shown this once; only its hash is stored


def add_api_key(cmd: c.AddApiKey, uow: IntakeUnitOfWork) -> IssuedKey:
    record, key = ApiKey.issue(cmd.name, at=uow.clock.now())
    uow.api_keys.add(record)
    uow.commit()
    assert record.id is not None
    return IssuedKey(record.id, record.name, key)


def list_api_keys(_query: c.ListApiKeys, uow: IntakeUnitOfWork) -> list[ApiKey]:
    return uow.api_keys.list()


def revoke_api_key(cmd: c.RevokeApiKey, uow: IntakeUnitOfWork) -> None:
    record = uow.api_keys.get(cmd.key_id)
    if record is None:
        raise ApiKeyNotFound(cmd.key_id)
    record.revoke()
    uow.commit()


def _active_key(uow: IntakeUnitOfWork, key: str | None, *, channel: str | None = None) -> ApiKey:
    if not key:
        raise ApiKeyMissing(channel)
    record = uow.api_keys.by_hash(hash_api_key(key))
    if record is None or not record.active:
        raise ApiKeyRefused()
    return record


COMMAND_HANDLERS: dict[type, Callable[..., Any]] = {
    c.ReceiveComplaint: receive_complaint,
    c.RateComplaint: rate_complaint,
    c.GetCitizenView: citizen_view,
    c.Authenticate: authenticate,
    c.AddUser: add_user,
    c.SetPassword: set_password,
    c.DeactivateUser: deactivate_user,
    c.ListUsers: list_users,
    c.AddApiKey: add_api_key,
    c.ListApiKeys: list_api_keys,
    c.RevokeApiKey: revoke_api_key,
}

EVENT_HANDLERS: dict[type[ev.EventPayload], list[Callable[..., None]]] = {
    ev.CaseTriagedV1: [follow_lifecycle],
    ev.CaseAssignedV1: [follow_lifecycle],
    ev.CaseAcceptedV1: [follow_lifecycle],
    ev.CaseRepliedV1: [follow_lifecycle],
    ev.CaseReturnedV1: [follow_lifecycle],
    ev.ExtensionDecidedV1: [follow_lifecycle],
    ev.DepartmentsChangedV1: [on_departments_changed],
}
