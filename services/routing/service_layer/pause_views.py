"""What the desk shows of paused clocks (domain/pauses.py): a case's disputes (派单异议) and suspensions (挂起),
and whether the department may dispute or suspend it now."""

from __future__ import annotations

from typing import Any

from services.routing.domain.case import Case, Status
from services.routing.domain.pauses import SUSPEND_REASON_LABELS, Dispute, SuspensionLimits

View = dict[str, Any]


def dispute_view(dispute: Dispute, departments: dict[str, str]) -> View:
    return {"department": dispute.department, "department_name": departments.get(dispute.department),
            "reason": dispute.reason, "proposed_department": dispute.proposed_department,
            "proposed_department_name": departments.get(dispute.proposed_department or ""),
            "status": dispute.status.value, "raised_at": dispute.raised_at, "raised_by": dispute.raised_by,
            "decided_at": dispute.decided_at, "decided_by": dispute.decided_by, "note": dispute.note,
            "reassigned_to": dispute.reassigned_to, "paused_seconds": dispute.paused_seconds,
            "reply_round": dispute.reply_round}


def pauses_view(case: Case, departments: dict[str, str], limits: SuspensionLimits = SuspensionLimits()) -> View:
    """What the case detail shows of its paused clocks."""
    this_round = [s for s in case.suspensions if s.reply_round == case.reply_round]
    assignment_disputed = any(d.department == case.department and d.assigned_at == case.assigned_at
                              for d in case.disputes)
    return {
        "disputes": [dispute_view(d, departments) for d in case.disputes],
        "suspensions": [{"department": s.department, "reply_round": s.reply_round, "reason_code": s.reason_code.value,
                         "reason": SUSPEND_REASON_LABELS[s.reason_code], "note": s.note, "started_at": s.started_at,
                         "started_by": s.started_by, "ended_at": s.ended_at, "ended_by": s.ended_by,
                         "credited_seconds": s.credited_seconds} for s in case.suspensions],
        "can_dispute": (case.status == Status.assigned and case.accepted_at is None and not assignment_disputed),
        "can_suspend": (case.status == Status.accepted and case.open_suspension is None
                        and len(this_round) < limits.max_count and case.suspension_seconds_left(limits) > 0),
        "suspension_allowance": {"max_count": limits.max_count, "used_count": len(this_round),
                                 "max_working_days": limits.max_working_days,
                                 "working_seconds_left": case.suspension_seconds_left(limits)},
        "suspend_reasons": [{"code": code.value, "label": label} for code, label in SUSPEND_REASON_LABELS.items()],
    }
