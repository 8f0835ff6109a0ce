"""Handlers of paused clocks (domain/pauses.py, docs/metrics.md): 派单异议 (a department contests an assignment
before signing; a supervisor upholds or reassigns) and 挂起 (the department waits for the citizen; the reply
clock pauses). Registered in handlers.py's COMMAND_HANDLERS. Commands lock the case's row, call the aggregate
and commit; a dispatcher of another department finds nothing (404), as everywhere on the desk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.routing.domain.deadlines import DeadlinePolicy, pick_limit
from services.routing.domain.errors import InvalidRequest
from services.routing.domain.pause_commands import (
    DisputeAssignment,
    OpenDisputes,
    ReassignDispute,
    ResumeCase,
    SuspendCase,
    UpholdDispute,
)
from services.routing.domain.pauses import SuspensionLimits
from services.routing.service_layer import views
from services.routing.service_layer.loading import load_case as _load
from services.routing.service_layer.pause_views import dispute_view
from services.routing.service_layer.uow import RoutingUnitOfWork

View = dict[str, Any]


def dispute_assignment(command: DisputeAssignment, uow: RoutingUnitOfWork) -> View:
    """派单异议 (the department, before 签收)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    proposed = command.proposed_department
    if proposed is not None and proposed not in uow.departments.active():
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {proposed}")
    case.dispute(command.reason, proposed_department=proposed, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def uphold_dispute(command: UpholdDispute, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """维持: the deadlines move by the working time the dispute was open."""
    case = _load(uow, command.complaint_id, None)
    case.uphold_dispute(note=command.note, by=command.actor, at=uow.clock.now(), deadlines=deadlines)
    uow.commit()
    return views.case_view(uow, case)


def reassign_dispute(command: ReassignDispute, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """改派 after a dispute: fresh deadlines for the new department, as a transfer."""
    case = _load(uow, command.complaint_id, None)
    if command.department not in uow.departments.active():
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {command.department}")
    now = uow.clock.now()
    due = deadlines.after_assignment(now, pick_limit(uow.limits.all(), case.category, case.urgent))
    case.reassign_dispute(command.department, note=command.note, by=command.actor, at=now, deadlines=due)
    uow.commit()
    return views.case_view(uow, case)


def open_disputes(query: OpenDisputes, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """异议待裁定, the oldest first, each with its dispute."""
    cases, total = uow.cases.open_disputes(limit=query.limit)
    now, names = uow.clock.now(), views.Names.of(uow)
    items = []
    for case in cases:
        dispute = case.open_dispute
        items.append({**views.case_summary(case, now, names, deadlines),
                      "dispute": dispute_view(dispute, names.departments) if dispute else None})
    return {"items": items, "total": total}


def suspend_case(command: SuspendCase, uow: RoutingUnitOfWork, *,
                 suspension_limits: SuspensionLimits = SuspensionLimits()) -> View:
    """挂起 (the department that signed for the case)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    case.suspend(command.reason_code, note=command.note, by=command.actor, at=uow.clock.now(),
                 limits=suspension_limits)
    uow.commit()
    return views.case_view(uow, case)


def resume_case(command: ResumeCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy,
                suspension_limits: SuspensionLimits = SuspensionLimits()) -> View:
    """恢复: the reply deadline moves by the suspended working time (at most the round's allowance)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    case.resume(by=command.actor, at=uow.clock.now(), deadlines=deadlines, limits=suspension_limits)
    uow.commit()
    return views.case_view(uow, case)


Handler = Callable[..., Any]

PAUSE_HANDLERS: dict[type, Handler] = {
    DisputeAssignment: dispute_assignment,
    UpholdDispute: uphold_dispute,
    ReassignDispute: reassign_dispute,
    SuspendCase: suspend_case,
    ResumeCase: resume_case,
    # queries
    OpenDisputes: open_disputes,
}
