"""Paused clocks in notify (docs/metrics.md, "Disputed assignments and suspended cases"): the SLA case follows
routing's AssignmentDisputedV1 / DisputeDecidedV1 / CaseSuspendedV1 / CaseResumedV1 through `follow_lifecycle`
(no warnings while paused; the deadlines routing moved when it ends), and the assignment log (考核) leaves an
open dispute out of timely signing and judges an upheld one against its moved accept deadline."""

from __future__ import annotations

from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import AssignmentDisputedV1, DisputeDecidedV1


def log_dispute(event: AssignmentDisputedV1 | DisputeDecidedV1, uow: NotifyUnitOfWork) -> None:
    """notify_assignments: the commit is left to the event's last handler (one unit of work per event)."""
    if isinstance(event, AssignmentDisputedV1):
        uow.assignments.disputed(complaint_id=event.complaint_id, department=event.department)
    elif event.decision == "upheld":
        uow.assignments.dispute_upheld(complaint_id=event.complaint_id, department=event.department,
                                       accept_due=event.accept_due)
    # reassigned: the CaseAssignedV1 that follows ends the assignment as "disputed" (rule "dispute")
