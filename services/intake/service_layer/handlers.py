"""Intake's handlers: plain functions `(message, uow, **ports)`; each commits its one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.tables import ComplaintRow, IdempotencyKeyRow, RatingRow, TimelineRow
from services.intake.domain import complaint as domain
from services.intake.domain.commands import Authenticate, RateComplaint, ReceiveComplaint
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import Principal, mask_name, mask_phone, verify_password
from shared.clock import as_shanghai
from shared.contracts import events as ev
from shared.http import Conflict, NotFound, Unauthorized


@dataclass(frozen=True)
class Received:
    id: str
    tracking_code: str
    status: str
    received_at: datetime
    replayed: bool  # True when an Idempotency-Key returned an earlier complaint

    @classmethod
    def of(cls, row: ComplaintRow, *, replayed: bool) -> Received:
        return cls(row.id, row.tracking_code, row.status, as_shanghai(row.received_at), replayed)


def receive_complaint(cmd: ReceiveComplaint, uow: IntakeUnitOfWork, *, cipher: FieldCipher) -> Received:
    """受理: store the complaint and its `complaint.received` event in one transaction."""
    if cmd.idempotency_key:
        earlier = uow.idempotency_key(cmd.idempotency_key)
        if earlier is not None:
            if earlier.fingerprint != cmd.request_fingerprint:
                raise Conflict("Idempotency-Key 已用于另一条投诉 / this Idempotency-Key was used for another request",
                               code="idempotency_key_reused")
            row = uow.complaint(earlier.complaint_id)
            assert row is not None
            return Received.of(row, replayed=True)
    now = uow.clock.now()
    reporter = cmd.reporter
    name = None if reporter.anonymous else reporter.name
    row = ComplaintRow(
        id=str(uuid.uuid4()), tracking_code=domain.new_tracking_code(now), channel=cmd.channel,
        content=cmd.content, category=cmd.category, subcategory=cmd.subcategory, town=cmd.town,
        address=cmd.address, lat=cmd.lat, lon=cmd.lon, occurred_at=cmd.occurred_at, urgent=cmd.urgent,
        reporter_name_enc=cipher.encrypt(name), reporter_phone_enc=cipher.encrypt(reporter.phone),
        phone_last4=domain.phone_last4(reporter.phone), anonymous=reporter.anonymous,
        received_at=now, status=domain.Status.received, updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.session.add(TimelineRow(complaint_id=row.id, at=now, status=domain.Status.received,
                                text=f"投诉已受理，查询码 {row.tracking_code}"))
    if cmd.idempotency_key:
        uow.session.add(IdempotencyKeyRow(key=cmd.idempotency_key, fingerprint=cmd.request_fingerprint or "",
                                          complaint_id=row.id, created_at=now))
    uow.publish(ev.ComplaintReceivedV1(
        complaint_id=row.id, tracking_code=row.tracking_code, channel=row.channel, content=row.content,
        category=row.category, subcategory=row.subcategory, town=row.town, address=row.address, lat=row.lat,
        lon=row.lon, occurred_at=row.occurred_at, urgent=row.urgent, received_at=now,
        reporter_name_masked=mask_name(name), reporter_phone_masked=mask_phone(reporter.phone),
        anonymous=reporter.anonymous,
    ))
    uow.commit()
    return Received.of(row, replayed=False)


def citizen_view(tracking_code: str, phone_last4: str | None, uow: IntakeUnitOfWork) -> domain.CitizenView:
    row = _visible(uow, tracking_code, phone_last4)
    timeline = uow.session.scalars(
        select(TimelineRow).where(col(TimelineRow.complaint_id) == row.id).order_by(col(TimelineRow.id))).all()
    return domain.CitizenView(
        tracking_code=row.tracking_code, status=domain.Status(row.status), received_at=as_shanghai(row.received_at),
        channel=row.channel, content=row.content, category=row.category, subcategory=row.subcategory,
        town=row.town, department=row.department, reply=row.reply,
        replied_at=as_shanghai(row.replied_at) if row.replied_at else None, reply_round=row.reply_round,
        rating=row.rating,
        timeline=[domain.TimelineEntry(as_shanghai(t.at), t.status, t.text) for t in timeline],
    )


def rate_complaint(cmd: RateComplaint, uow: IntakeUnitOfWork) -> ComplaintRow:
    """评价: the latest rating of a reply round is the one that counts."""
    row = _visible(uow, cmd.tracking_code, cmd.phone_last4, for_update=True, require_phone=True)
    try:
        domain.check_can_rate(row.status, row.reply)
    except domain.RatingRefused as exc:
        raise Conflict(str(exc), code="not_ratable") from exc
    now = uow.clock.now()
    row.rating, row.status, row.updated_at = cmd.rating, domain.Status.closed, now
    uow.session.add(RatingRow(complaint_id=row.id, reply_round=row.reply_round, rating=cmd.rating,
                              comment=cmd.comment, via=cmd.via, rated_at=now))
    label = domain.RATING_LABELS[cmd.rating]  # type: ignore[index]
    uow.session.add(TimelineRow(complaint_id=row.id, at=now, status=domain.Status.closed, text=f"您的评价：{label}"))
    uow.publish(ev.ComplaintRatedV1(complaint_id=row.id, tracking_code=row.tracking_code, rating=cmd.rating,
                                    comment=cmd.comment, reply_round=row.reply_round, via=cmd.via, rated_at=now))
    uow.commit()
    return row


def authenticate(cmd: Authenticate, uow: IntakeUnitOfWork) -> Principal:
    user = uow.user(cmd.username)
    if user is None or not user.active or not verify_password(user.password_hash, cmd.password):
        raise Unauthorized("用户名或密码错误 / wrong username or password")
    return Principal(username=user.username, role=user.role, department=user.department)


def _visible(uow: IntakeUnitOfWork, tracking_code: str, phone_last4: str | None, *, for_update: bool = False,
             require_phone: bool = False) -> ComplaintRow:
    """The complaint, if the code exists and, when a phone was given, its last four digits match.

    Viewing needs only the code (no personal data is shown); rating needs the phone check too.
    """
    row = uow.complaint_by_code(tracking_code.strip().upper(), for_update=for_update)
    wrong_phone = row is not None and row.phone_last4 is not None and (
        (phone_last4 is not None and phone_last4 != row.phone_last4) or (require_phone and phone_last4 is None))
    if row is None or wrong_phone:
        raise NotFound("未找到该投诉，请核对查询码和手机号后四位 / no complaint with that code and phone")
    return row


# --- lifecycle events: keep the citizen's view current -------------------------------------------------


def _apply(uow: IntakeUnitOfWork, complaint_id: str, at, status: str | None, text: str,  # type: ignore[no-untyped-def]
           **fields: object) -> None:
    row = uow.complaint(complaint_id, for_update=True)
    if row is None:
        raise LookupError(f"complaint {complaint_id} not in intake")  # retried, then parked: never silently lost
    for name, value in fields.items():
        setattr(row, name, value)
    if status:
        row.status = status
    row.updated_at = uow.clock.now()
    uow.session.add(TimelineRow(complaint_id=row.id, at=at, status=row.status, text=text))
    uow.commit()


def on_triaged(event: ev.CaseTriagedV1, uow: IntakeUnitOfWork) -> None:
    _apply(uow, event.complaint_id, event.at, domain.Status.triage, "正在确定承办单位")


def on_assigned(event: ev.CaseAssignedV1, uow: IntakeUnitOfWork) -> None:
    dept = domain.department_label(event.department)
    kind = domain.type_label(event.category, event.subcategory)
    _apply(uow, event.complaint_id, event.assigned_at, domain.Status.assigned, f"已交办至{dept}（{kind}）",
           department=event.department, category=event.category, subcategory=event.subcategory)


def on_accepted(event: ev.CaseAcceptedV1, uow: IntakeUnitOfWork) -> None:
    _apply(uow, event.complaint_id, event.accepted_at, domain.Status.accepted,
           f"{domain.department_label(event.department)}已签收，正在办理")


def on_replied(event: ev.CaseRepliedV1, uow: IntakeUnitOfWork) -> None:
    _apply(uow, event.complaint_id, event.replied_at, domain.Status.replied,
           f"{domain.department_label(event.department)}已回复，欢迎评价",
           reply=event.reply, replied_at=event.replied_at, reply_round=event.reply_round, rating=None)


def on_returned(event: ev.CaseReturnedV1, uow: IntakeUnitOfWork) -> None:
    _apply(uow, event.complaint_id, event.returned_at, domain.Status.triage, "正在重新确定承办单位", department=None)


def on_extension_decided(event: ev.ExtensionDecidedV1, uow: IntakeUnitOfWork) -> None:
    if event.approved:
        due = as_shanghai(event.reply_due)
        _apply(uow, event.complaint_id, event.decided_at, None, f"办理期限已延长至 {due:%Y-%m-%d %H:%M}")


EVENT_HANDLERS: dict[type[ev.EventPayload], Callable[..., None]] = {
    ev.CaseTriagedV1: on_triaged,
    ev.CaseAssignedV1: on_assigned,
    ev.CaseAcceptedV1: on_accepted,
    ev.CaseRepliedV1: on_replied,
    ev.CaseReturnedV1: on_returned,
    ev.ExtensionDecidedV1: on_extension_decided,
}
