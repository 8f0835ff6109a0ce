"""Event handlers: notify's projection of the case lifecycle, built only from events.

Plain functions `(event, uow)` (the projection needs no other port); each ends with `uow.commit()`,
which also records the event id in the inbox (see entrypoints.consumers), so a redelivered event
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notify.adapters.tables import CaseRow, RatingRow, ReplyRoundRow
from services.notify.domain.clocks import CaseStatus, Level
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ComplaintRatedV1,
    EventPayload,
    ExtensionDecidedV1,
)


def _case(uow: NotifyUnitOfWork, complaint_id: str) -> CaseRow:
    case = uow.cases.get(complaint_id)
    if case is None:
        case = CaseRow(complaint_id=complaint_id, updated_at=uow.clock.now())
        uow.cases.add(case)
    return case


def _set_dims(case: CaseRow, category: str | None, subcategory: str | None, town: str | None) -> None:
    if category is not None:
        case.category, case.subcategory = category, subcategory
    if town is not None:
        case.town = town


def _restart_reply_clock(case: CaseRow, reply_due: datetime) -> None:
    case.reply_due = reply_due
    case.reply_cycle += 1
    case.reply_level = Level.none.value


def project_triaged(event: CaseTriagedV1, uow: NotifyUnitOfWork) -> None:
    """待人工分拨: the assignment clock runs from receipt to the assignment deadline."""
    case = _case(uow, event.complaint_id)
    case.tracking_code = event.tracking_code
    case.received_at = case.received_at or event.received_at
    if case.assigned_at is None and case.assign_due != event.assign_due:
        if case.assign_due is not None:  # a moved deadline earns its warnings again
            case.assign_cycle += 1
            case.assign_level = Level.none.value
        case.assign_due = event.assign_due
    _set_dims(case, event.category, event.subcategory, event.town)
    case.status = CaseStatus.triage.value
    case.updated_at = uow.clock.now()
    uow.commit()


def project_assigned(event: CaseAssignedV1, uow: NotifyUnitOfWork) -> None:
    """交办: the first assignment settles the assignment target; every assignment restarts accept and reply."""
    case = _case(uow, event.complaint_id)
    same_assignment = (case.last_assigned_at == event.assigned_at and case.department == event.department
                       and case.reply_round == event.reply_round)
    case.tracking_code = event.tracking_code
    case.department = event.department
    case.urgent = event.urgent
    _set_dims(case, event.category, event.subcategory, event.town)
    case.received_at = case.received_at or event.received_at
    if case.assigned_at is None:  # only the first assignment counts for the assignment rate
        case.assign_due = event.assign_due
        case.assigned_at = event.assigned_at
    if not same_assignment:
        case.last_assigned_at = event.assigned_at
        case.accept_due, case.accepted_at = event.accept_due, None
        case.accept_cycle += 1
        case.accept_level = Level.none.value
        case.replied_at = None
        case.reply_round = event.reply_round
        _restart_reply_clock(case, event.reply_due)
        case.status = CaseStatus.assigned.value
    round_row = uow.cases.reply_round(event.complaint_id, event.reply_round)
    if round_row is None:
        uow.cases.add_reply_round(ReplyRoundRow(complaint_id=event.complaint_id, reply_round=event.reply_round,
                                                department=event.department, reply_due=event.reply_due))
    elif not same_assignment:
        round_row.department, round_row.reply_due, round_row.replied_at = event.department, event.reply_due, None
    case.updated_at = uow.clock.now()
    uow.commit()


def project_accepted(event: CaseAcceptedV1, uow: NotifyUnitOfWork) -> None:
    """签收: stops the accept clock (only for the department that has the case now)."""
    case = uow.cases.get(event.complaint_id)
    if case is None or case.department != event.department or case.accepted_at is not None:
        return
    case.accepted_at = event.accepted_at
    if case.status == CaseStatus.assigned:
        case.status = CaseStatus.accepted.value
    case.updated_at = uow.clock.now()
    uow.commit()


def project_replied(event: CaseRepliedV1, uow: NotifyUnitOfWork) -> None:
    """回复: stops the reply clock; the first reply of a round is the one that is on time or late."""
    case = _case(uow, event.complaint_id)
    case.tracking_code = case.tracking_code or event.tracking_code
    round_row = uow.cases.reply_round(event.complaint_id, event.reply_round)
    if round_row is None:
        round_row = ReplyRoundRow(complaint_id=event.complaint_id, reply_round=event.reply_round,
                                  department=event.department, reply_due=event.reply_due)
        uow.cases.add_reply_round(round_row)
    round_row.reply_due = event.reply_due
    round_row.replied_at = round_row.replied_at or event.replied_at
    if event.reply_round >= case.reply_round:
        case.department = case.department or event.department
        case.reply_round, case.reply_due = event.reply_round, event.reply_due
        case.replied_at = case.replied_at or event.replied_at
        case.status = CaseStatus.replied.value
    case.updated_at = uow.clock.now()
    uow.commit()


def project_returned(event: CaseReturnedV1, uow: NotifyUnitOfWork) -> None:
    """退单: back to triage; the department is cleared, the first assignment still counts."""
    case = uow.cases.get(event.complaint_id)
    if case is None or case.department != event.department:
        return
    case.department = None
    case.status = CaseStatus.returned.value
    case.updated_at = uow.clock.now()
    uow.commit()


def project_extension_decided(event: ExtensionDecidedV1, uow: NotifyUnitOfWork) -> None:
    """延期: an approved extension moves the reply deadline (and its warnings start over)."""
    if not event.approved:
        return
    case = uow.cases.get(event.complaint_id)
    if case is None or case.department != event.department or case.reply_due == event.reply_due:
        return
    _restart_reply_clock(case, event.reply_due)
    round_row = uow.cases.reply_round(event.complaint_id, case.reply_round)
    if round_row is not None:
        round_row.reply_due = event.reply_due
    case.updated_at = uow.clock.now()
    uow.commit()


def project_rated(event: ComplaintRatedV1, uow: NotifyUnitOfWork) -> None:
    """评价: one rating per reply round, the latest wins whichever way it came."""
    row = uow.cases.rating(event.complaint_id, event.reply_round)
    if row is None:
        uow.cases.add_rating(RatingRow(complaint_id=event.complaint_id, reply_round=event.reply_round,
                                       tracking_code=event.tracking_code, rating=event.rating, via=event.via,
                                       rated_at=event.rated_at))
    elif event.rated_at >= row.rated_at:
        row.rating, row.via, row.rated_at = event.rating, event.via, event.rated_at
    else:
        return  # an older rating delivered late does not replace a newer one
    uow.commit()


Handler = Callable[..., None]

EVENT_HANDLERS: dict[type[EventPayload], list[Handler]] = {
    CaseTriagedV1: [project_triaged],
    CaseAssignedV1: [project_assigned],
    CaseAcceptedV1: [project_accepted],
    CaseRepliedV1: [project_replied],
    CaseReturnedV1: [project_returned],
    ExtensionDecidedV1: [project_extension_decided],
    ComplaintRatedV1: [project_rated],
}


def handle(event: EventPayload, uow: NotifyUnitOfWork) -> None:
    """Run every handler of an event's type (the caller has opened the unit of work)."""
    for handler in EVENT_HANDLERS.get(type(event), []):
        handler(event, uow)
