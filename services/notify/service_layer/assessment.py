"""考核 and 协办: the assignment log and the assists kept from routing's events, the reminders of late assists,
and the assessment of departments and towns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.domain.assessment import Assessment, AssessmentPolicy, assess, assessment_period
from services.notify.domain.knowledge import upkeep_by_department
from services.notify.domain.notifications import assist_overdue_message, assist_requested_message
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import (
    AssistRepliedV1,
    AssistRequestedV1,
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseMergedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    ComplaintEvent,
)


def track_assists(event: ComplaintEvent, uow: NotifyUnitOfWork) -> None:
    """协办: each request (and a message to the assisting department), its answer, and its end when the
    lead replies, returns or merges the case, or when the assisting department becomes the lead. The
    commit is left to the event's last handler, or made here for the assist events, which have no other."""
    log = uow.assists
    if isinstance(event, AssistRequestedV1):
        if log.requested(complaint_id=event.complaint_id, department=event.department, requested_at=event.requested_at,
                         tracking_code=event.tracking_code, lead_department=event.lead_department, due=event.due):
            uow.enqueue(assist_requested_message(
                complaint_id=event.complaint_id, tracking_code=event.tracking_code, department=event.department,
                lead_department=event.lead_department, due=event.due, requested_at=event.requested_at,
                directory=uow.departments.names_of(event.department, event.lead_department)))
        uow.commit()
    elif isinstance(event, AssistRepliedV1):
        log.replied(complaint_id=event.complaint_id, department=event.department, at=event.replied_at)
        uow.commit()
    elif isinstance(event, CaseRepliedV1):
        log.closed(complaint_id=event.complaint_id, at=event.replied_at)
    elif isinstance(event, CaseReturnedV1):
        log.closed(complaint_id=event.complaint_id, at=event.returned_at)
    elif isinstance(event, CaseMergedV1):
        log.closed(complaint_id=event.complaint_id, at=event.merged_at)
    elif isinstance(event, CaseAssignedV1):
        log.closed(complaint_id=event.complaint_id, at=event.assigned_at, department=event.department)


def remind_late_assists(uow: NotifyUnitOfWork, now: datetime) -> int:
    """协办催办: each assist overdue and not yet reminded gets one message (in one transaction)."""
    late = uow.assists.overdue_unreminded(now)
    directory = uow.departments.get()
    for row in late:
        row.reminded_at = now
        uow.enqueue(assist_overdue_message(complaint_id=row.complaint_id, tracking_code=row.tracking_code,
                                           department=row.department, lead_department=row.lead_department,
                                           due=row.due, requested_at=row.requested_at, directory=directory))
    uow.commit()
    return len(late)


def log_assignment(event: ComplaintEvent, uow: NotifyUnitOfWork) -> None:
    """Keeps notify_assignments: each assignment, its signing, how it ended. The commit is left to the
    event's other handler (one unit of work per event)."""
    log = uow.assignments
    if isinstance(event, CaseAssignedV1):
        log.assigned(complaint_id=event.complaint_id, department=event.department, reply_round=event.reply_round,
                     rule=event.rule, assigned_at=event.assigned_at, accept_due=event.accept_due)
    elif isinstance(event, CaseAcceptedV1):
        log.accepted(complaint_id=event.complaint_id, department=event.department, at=event.accepted_at)
    elif isinstance(event, CaseReturnedV1):
        log.ended(complaint_id=event.complaint_id, how="returned", at=event.returned_at, department=event.department)
    elif isinstance(event, CaseRepliedV1):
        log.ended(complaint_id=event.complaint_id, how="replied", at=event.replied_at, department=event.department)
    elif isinstance(event, CaseMergedV1):
        log.ended(complaint_id=event.complaint_id, how="merged", at=event.merged_at)


@dataclass(frozen=True)
class AssessUnits:
    """The assessment of a month (YYYY-MM) or a year (YYYY); neither: this month so far."""

    month: str | None = None
    year: str | None = None


def assess_units(query: AssessUnits, uow: NotifyUnitOfWork, assessment: AssessmentPolicy) -> Assessment:
    now = uow.clock.now()
    period = assessment_period(query.month, query.year, now)
    directory = uow.departments.get()
    units = {code: name.kind for code, name in directory.names.items() if name.active}
    upkeep = upkeep_by_department(uow.knowledge.versions_due_in(period), period, now)  # 知识库维护及时率
    return assess(spans=uow.assignments.spans(period), replies=uow.reports.reply_records(period),
                  ratings=uow.reports.rating_records(period), rounds=uow.assignments.replied_rounds(period),
                  units=units, period=period, now=now, policy=assessment, upkeep=upkeep)


@dataclass(frozen=True)
class ListDepartmentNames:
    """Code -> name of every department and town notify knows (from routing's directory)."""


def list_department_names(_query: ListDepartmentNames, uow: NotifyUnitOfWork) -> dict[str, str]:
    return {code: name.name for code, name in uow.departments.get().names.items()}
