"""notify's callback handlers (抽查回访), registered in handlers.py's tables.

A reply is sampled (or not) in the transaction that records it; staff record their calls through
`RecordCallbackCall`; a rating the citizen gives online completes a pending callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.notify.adapters.repository import callback_calls
from services.notify.domain.callbacks import (
    OUTCOME_LABELS,
    RATINGS,
    RESOLUTION_LABELS,
    Callback,
    CallbackPolicy,
    Reason,
    choose,
)
from services.notify.domain.case import SlaCase
from services.notify.domain.commands import GetCallback, ListCallbacks, RecordCallbackCall
from services.notify.domain.errors import CallbackNotFound
from services.notify.domain.rating import RoundRating
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from shared.contracts.events import CaseRepliedV1, ComplaintAnonymisedV1, ComplaintRatedV1
from shared.scrub import scrub


def week_of(at: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 (Chongqing) of the week `at` falls in."""
    local = at.astimezone(SHANGHAI)
    start = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=7)


def sample_reply(event: CaseRepliedV1, case: SlaCase | None, uow: NotifyUnitOfWork, policy: CallbackPolicy,
                 calendar: WorkingCalendar) -> Callback | None:
    """After a reply: open a callback if the round is drawn, or is the department's first of the week."""
    if uow.callbacks.get(event.complaint_id, event.reply_round) is not None:
        return None  # chosen already (the same reply delivered again)
    start, end = week_of(event.replied_at)
    chosen = choose(policy, complaint_id=event.complaint_id, reply_round=event.reply_round,
                    department=event.department,
                    department_called_this_week=uow.callbacks.department_called_between(event.department, start, end))
    if chosen is None:
        return None
    reason, value = chosen
    return uow.callbacks.add(Callback.open(
        complaint_id=event.complaint_id, reply_round=event.reply_round, tracking_code=event.tracking_code,
        department=event.department, reason=reason, replied_at=event.replied_at,
        due_at=calendar.add_working_days(event.replied_at, policy.due_working_days), at=uow.clock.now(), draw=value))


def rated_online(event: ComplaintRatedV1, uow: NotifyUnitOfWork, policy: CallbackPolicy,
                 calendar: WorkingCalendar) -> None:
    """A citizen's own rating completes a pending callback; an unsatisfied one is always called back."""
    if event.via == "phone_callback":
        return
    callback = uow.callbacks.get(event.complaint_id, event.reply_round, for_update=True)
    if callback is not None:
        callback.rated_online(event.rating, at=event.rated_at, resolution=event.resolution)
        return
    if event.rating != "unsatisfied":
        return
    case = uow.cases.get(event.complaint_id)
    reply_round = case.rounds.get(event.reply_round) if case is not None else None
    replied_at = (reply_round.replied_at if reply_round and reply_round.replied_at else event.rated_at)
    uow.callbacks.add(Callback.open(
        complaint_id=event.complaint_id, reply_round=event.reply_round, tracking_code=event.tracking_code,
        department=reply_round.department if reply_round else None, reason=Reason.unsatisfied_online,
        replied_at=replied_at, due_at=calendar.add_working_days(event.rated_at, policy.due_working_days),
        at=uow.clock.now()))


@dataclass(frozen=True)
class CallbackView:
    complaint_id: str
    reply_round: int
    tracking_code: str | None
    department: str | None
    department_name: str | None
    reason: str
    draw: float | None
    replied_at: datetime
    due_at: datetime
    overdue: bool
    status: str
    outcome: str | None
    outcome_label: str | None
    attempts: int
    completed_at: datetime | None
    completed_by: str | None
    resolution: str | None = None  # 解决情况, with the rating that completed it
    resolution_label: str | None = None
    calls: tuple[dict[str, Any], ...] = ()


def anonymised(event: ComplaintAnonymisedV1, uow: NotifyUnitOfWork) -> None:
    """保存期限: intake anonymised the complaint; the notes staff typed on its calls, and the events notify
    logged about it (a completed call's note), lose phone and ID-card numbers the same way (notify keeps no
    other text of the complaint)."""
    notes = uow.callbacks.scrub_call_notes(event.complaint_id, scrub)
    if uow.scrub_event_log([event.complaint_id], scrub) or notes:  # and the events notify logged about it
        uow.commit()


def _view(row: Any, uow: NotifyUnitOfWork, now: datetime, calls: tuple[dict[str, Any], ...] = ()) -> CallbackView:
    directory = uow.departments.get()
    return CallbackView(
        complaint_id=row.complaint_id, reply_round=row.reply_round, tracking_code=row.tracking_code,
        department=row.department, department_name=directory.name_of(row.department) if row.department else None,
        reason=str(row.reason), draw=row.draw,
        replied_at=row.replied_at, due_at=row.due_at, overdue=row.status == "pending" and now > row.due_at,
        status=str(row.status), outcome=row.outcome,
        outcome_label=OUTCOME_LABELS.get(row.outcome or ""), attempts=row.attempts, completed_at=row.completed_at,
        completed_by=row.completed_by, resolution=row.resolution,
        resolution_label=RESOLUTION_LABELS.get(row.resolution or ""), calls=calls)


def list_callbacks(query: ListCallbacks, uow: NotifyUnitOfWork) -> dict[str, Any]:
    rows, total = uow.callbacks.listed(status=query.status, department=query.department, limit=query.limit,
                                       offset=query.offset)
    now = uow.clock.now()
    return {"total": total, "callbacks": [_view(row, uow, now) for row in rows]}


def get_callback(query: GetCallback, uow: NotifyUnitOfWork) -> CallbackView:
    callback = uow.callbacks.get(query.complaint_id, query.reply_round)
    if callback is None:
        raise CallbackNotFound()
    calls = tuple({"at": c.at, "by": c.by, "outcome": c.outcome, "outcome_label": OUTCOME_LABELS[c.outcome],
                   "resolution": c.resolution, "resolution_label": RESOLUTION_LABELS.get(c.resolution or ""),
                   "note": c.note} for c in callback_calls(uow.session, query.complaint_id, query.reply_round))
    return _view(callback, uow, uow.clock.now(), calls)


def record_callback_call(command: RecordCallbackCall, uow: NotifyUnitOfWork, callbacks: CallbackPolicy) -> CallbackView:
    """One phone call of a callback; a rating also becomes the round's rating (the satisfaction rate)."""
    callback = uow.callbacks.get(command.complaint_id, command.reply_round, for_update=True)
    if callback is None:
        raise CallbackNotFound()
    now = uow.clock.now()
    callback.record_call(command.outcome, by=command.by, at=now, note=command.note,
                         max_attempts=callbacks.max_attempts, resolution=command.resolution)
    if command.outcome in RATINGS:
        rating = uow.ratings.get(command.complaint_id, command.reply_round)
        if rating is None:
            uow.ratings.add(RoundRating(command.complaint_id, command.reply_round, callback.tracking_code,
                                        command.outcome, "phone_callback", now, command.resolution))
        else:
            rating.rate_again(command.outcome, "phone_callback", now, command.resolution)
    uow.commit()
    return get_callback(GetCallback(command.complaint_id, command.reply_round), uow)
