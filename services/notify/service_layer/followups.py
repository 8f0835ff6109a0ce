"""Handlers of the 督办 clocks that need more than a lifecycle step (domain/followups.py): the upstream platform's
deadlines, and the progress clock of long cases (its deadlines in working days: the calendar port). The others
(已联系群众, 现场核查, signing) come with routing's lifecycle events through `follow_lifecycle`."""

from __future__ import annotations

from services.notify.domain import followups
from services.notify.domain.case import SlaCase
from services.notify.domain.followups import ProgressPolicy
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.calendar import WorkingCalendar
from shared.contracts.events import CaseAssignedV1, CaseProgressNotedV1, UpstreamCaseLinkedV1


def upstream_linked(event: UpstreamCaseLinkedV1, uow: NotifyUnitOfWork) -> None:
    """complaint.upstream_linked (intake, after complaint.received; again when the platform changes its deadlines):
    the platform's signing and reply deadlines become clocks of their own."""
    case = uow.cases.get(event.complaint_id) or uow.cases.add(SlaCase(event.complaint_id))
    case.on_upstream_linked(event)
    uow.commit()


def progress_on_assigned(event: CaseAssignedV1, uow: NotifyUnitOfWork, progress: ProgressPolicy,
                         calendar: WorkingCalendar) -> None:
    """交办 (改派, 重办): a new assignment starts the progress clock of long cases again. Before `follow_lifecycle`,
    which commits (one unit of work per event); the same assignment delivered again changes nothing."""
    case = uow.cases.get(event.complaint_id) or uow.cases.add(SlaCase(event.complaint_id))
    if (case.last_assigned_at, case.department, case.reply_round) == (event.assigned_at, event.department,
                                                                      event.reply_round):
        return
    followups.start_progress(case, progress.first(event.assigned_at, calendar), event.assigned_at)


def progress_noted(event: CaseProgressNotedV1, uow: NotifyUnitOfWork, progress: ProgressPolicy,
                   calendar: WorkingCalendar) -> None:
    """阶段性进展: the next note is due `every_days` working days later."""
    case = uow.cases.get(event.complaint_id)
    if case is not None:
        followups.on_progress_noted(case, event, progress.next_due(event.noted_at, calendar))
    uow.commit()
