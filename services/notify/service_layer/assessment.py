"""考核: the assignment log kept from routing's events, and the assessment of departments and towns."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.domain.assessment import Assessment, AssessmentPolicy, assess, assessment_period
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseMergedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    ComplaintEvent,
)


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
    return assess(spans=uow.assignments.spans(period), replies=uow.reports.reply_records(period),
                  ratings=uow.reports.rating_records(period), rounds=uow.assignments.replied_rounds(period),
                  units=units, period=period, now=now, policy=assessment)


@dataclass(frozen=True)
class ListDepartmentNames:
    """Code -> name of every department and town notify knows (from routing's directory)."""


def list_department_names(_query: ListDepartmentNames, uow: NotifyUnitOfWork) -> dict[str, str]:
    return {code: name.name for code, name in uow.departments.get().names.items()}
