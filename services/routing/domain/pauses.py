"""Paused clocks of a case (docs/metrics.md, "Disputed assignments and suspended cases"):

- 派单异议 (Dispute): the department a case is assigned to contests the assignment before signing (签收), with a
  reason and perhaps the department it thinks is responsible. While it is open (异议中) the accept and reply
  clocks of that assignment are paused; a supervisor upholds it (维持: the department keeps the case, both
  deadlines move by the paused working time, and it can no longer return it) or reassigns it (改派: the new
  department gets fresh deadlines, as a transfer). One dispute per assignment.
- 挂起 (Suspension): the department that signed for a case waits for the citizen. The reply clock pauses until
  the department resumes it (nothing resumes it by itself); the reply deadline then moves by the suspended
  working time, at most the round's allowance. At most `SuspensionLimits.max_count` suspensions and
  `max_working_days` working days credited per reply round.

Pure data and rules; the Case aggregate (case.py) holds the lists and makes the transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.routing.domain.errors import IllegalTransition

DISPUTE = "dispute"  # the rule recorded when a dispute ends in a reassignment (改派 after 派单异议)
WORKING_DAY_SECONDS = 24 * 3600  # 1 working day = 24 hours of working-day time (as add_working_days counts)


class DisputeStatus(StrEnum):
    open = "open"  # 异议中
    upheld = "upheld"  # 维持
    reassigned = "reassigned"  # 改派
    withdrawn = "withdrawn"  # moot: the case left the department otherwise (merged)


class SuspendReason(StrEnum):
    unreachable = "unreachable"
    materials = "materials"
    citizen_asked = "citizen_asked"
    other = "other"


SUSPEND_REASON_LABELS = {
    SuspendReason.unreachable: "无法联系投诉人",
    SuspendReason.materials: "等待投诉人补充材料",
    SuspendReason.citizen_asked: "投诉人要求暂缓",
    SuspendReason.other: "其他",
}


@dataclass
class Dispute:
    """派单异议 of one assignment (the department and its assignment time name it)."""

    department: str
    assigned_at: datetime
    reply_round: int
    reason: str
    raised_at: datetime
    raised_by: str
    proposed_department: str | None = None
    status: DisputeStatus = DisputeStatus.open
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None
    reassigned_to: str | None = None
    paused_seconds: int = 0  # working seconds it was open (credited when upheld)
    id: int | None = None


@dataclass
class Suspension:
    """挂起: one pause of the reply clock in a reply round."""

    department: str
    reply_round: int
    reason_code: SuspendReason
    started_at: datetime
    started_by: str
    note: str | None = None  # the text of 其他 (or an optional detail)
    ended_at: datetime | None = None
    ended_by: str | None = None
    credited_seconds: int = 0  # working seconds the reply deadline moved by
    id: int | None = None


@dataclass(frozen=True)
class SuspensionLimits:
    """Per reply round (ROUTING_MAX_SUSPENSIONS, ROUTING_MAX_SUSPENSION_DAYS)."""

    max_count: int = 2
    max_working_days: int = 10

    @property
    def max_seconds(self) -> int:
        return self.max_working_days * WORKING_DAY_SECONDS


class PauseRefused(IllegalTransition):
    """A dispute or suspension not allowed now (409)."""
