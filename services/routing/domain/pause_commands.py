"""Commands and queries of paused clocks (domain/pauses.py): 派单异议 and 挂起. `acting_for` is the department a
dispatcher acts for (None: a supervisor or an administrator, any case)."""

from __future__ import annotations

from dataclasses import dataclass

from services.routing.domain.pauses import SuspendReason


@dataclass(frozen=True)
class DisputeAssignment:
    """派单异议: the department contests the assignment before signing for it."""

    complaint_id: str
    reason: str
    actor: str
    acting_for: str | None
    proposed_department: str | None = None


@dataclass(frozen=True)
class UpholdDispute:
    """维持 (supervisor): the department keeps the case and must sign for it."""

    complaint_id: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class ReassignDispute:
    """改派 after a dispute (supervisor): to `department`, with fresh deadlines."""

    complaint_id: str
    department: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class OpenDisputes:
    """异议待裁定: the cases whose assignment is disputed, the oldest dispute first."""

    limit: int = 100


@dataclass(frozen=True)
class SuspendCase:
    """挂起: the department that signed for the case waits for the citizen."""

    complaint_id: str
    reason_code: SuspendReason
    actor: str
    acting_for: str | None
    note: str | None = None


@dataclass(frozen=True)
class ResumeCase:
    """恢复 a suspended case."""

    complaint_id: str
    actor: str
    acting_for: str | None
