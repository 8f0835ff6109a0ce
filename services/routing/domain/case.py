"""The Case aggregate (案件): one complaint as routing handles it, and its state machine.

    received -> assigned (交办) -> accepted (签收) -> replied (回复)
             -> triage (人工分拨) -> assigned
    assigned|accepted -> triage, by a return (退单) within the return window
    assigned|accepted: extension asked (延期申请) before the reply deadline, decided by a supervisor

Every transition records its timestamp and actor in the history (audit trail), and the event it
publishes (`self.record(...)`): the unit of work writes those to the outbox at commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.errors import IllegalTransition
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseDispatchedV1,
    CaseReopenedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
)
from shared.domain import Aggregate

SYSTEM = "system"


class Status(StrEnum):
    received = "received"  # only in memory: routing decides within the same transaction
    triage = "triage"  # 待人工分拨
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 已签收
    replied = "replied"  # 已回复


OPEN = (Status.assigned, Status.accepted)  # a department is working on it


class ExtensionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    refused = "refused"


@dataclass
class HistoryEntry:
    action: str
    actor: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # None until stored


@dataclass
class Extension:
    working_days: int
    reason: str
    requested_at: datetime
    requested_by: str
    status: ExtensionStatus = ExtensionStatus.requested
    decided_at: datetime | None = None
    decided_by: str | None = None
    id: int | None = None


@dataclass
class Case(Aggregate):
    complaint_id: str
    tracking_code: str
    channel: str
    content: str
    received_at: datetime
    assign_due: datetime
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    urgent: bool = False
    reporter_phone_masked: str | None = None
    confidence: float | None = None
    explanation: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.received
    department: str | None = None
    rule: str | None = None
    triage_reason: str | None = None
    assigned_at: datetime | None = None
    accept_due: datetime | None = None
    accepted_at: datetime | None = None
    return_due: datetime | None = None
    reply_due: datetime | None = None
    replied_at: datetime | None = None
    reply_text: str | None = None  # the reply (回复) the citizen reads
    reply_round: int = 1
    history: list[HistoryEntry] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)

    # --- helpers ----------------------------------------------------------------------------------

    def _require(self, action: str, *allowed: Status) -> None:
        if self.status not in allowed:
            raise IllegalTransition(
                f"案件状态为 {self.status.value}，不能{action} / cannot {action} a case that is {self.status.value}")

    def _log(self, action: str, actor: str, at: datetime, **detail: Any) -> None:
        self.history.append(HistoryEntry(action, actor, at, {k: v for k, v in detail.items() if v is not None}))

    @property
    def pending_extension(self) -> Extension | None:
        return next((e for e in self.extensions if e.status == ExtensionStatus.requested), None)

    def extension_days(self) -> int:
        """Working days asked or granted so far (refused ones do not count)."""
        return sum(e.working_days for e in self.extensions if e.status != ExtensionStatus.refused)

    # --- transitions ------------------------------------------------------------------------------

    def send_to_triage(self, *, reason: str, at: datetime, by: str = SYSTEM) -> None:
        """No confident type or department: a person routes it (人工分拨)."""
        self._require("转人工分拨 / triage", Status.received)
        self.status, self.triage_reason = Status.triage, reason
        self._log("triaged", by, at, reason=reason)
        self.record(CaseTriagedV1, reason=reason, at=at)

    def assign(self, *, department: str, category: str, subcategory: str | None, rule: str, by: str,
               at: datetime, deadlines: Deadlines) -> None:
        """交办: the department now owns it, and its clocks start."""
        self._require("交办 / assign", Status.received, Status.triage)
        self.status, self.department, self.rule = Status.assigned, department, rule
        self.category, self.subcategory, self.triage_reason = category, subcategory, None
        self.assigned_at, self.accepted_at = at, None
        self.accept_due, self.return_due, self.reply_due = (deadlines.accept_due, deadlines.return_due,
                                                            deadlines.reply_due)
        self._log("assigned", by, at, department=department, rule=rule, category=category,
                  subcategory=subcategory, reply_due=deadlines.reply_due.isoformat())
        self.record(CaseAssignedV1, by=by)
        self.record(CaseDispatchedV1)  # the work order, on the department's own topic

    def accept(self, *, by: str, at: datetime) -> None:
        """签收: the department confirms it has the case."""
        self._require("签收 / accept", Status.assigned)
        self.status, self.accepted_at = Status.accepted, at
        self._log("accepted", by, at, department=self.department)
        self.record(CaseAcceptedV1, by=by)

    def reply(self, text: str, *, by: str, at: datetime) -> None:
        """回复: the answer the citizen reads. Replying to a case not signed for implies signing (签收)."""
        self._require("回复 / reply", Status.assigned, Status.accepted)
        if self.status == Status.assigned:
            self.accepted_at = at
            self._log("accepted", by, at, department=self.department, implied_by="reply")
            self.record(CaseAcceptedV1, by=by)
        self.status, self.reply_text, self.replied_at = Status.replied, text, at
        self._log("replied", by, at, department=self.department, reply_round=self.reply_round,
                  late=bool(self.reply_due and at > self.reply_due))
        self.record(CaseRepliedV1, reply=text, by=by)

    def reopen(self, *, rated_round: int, via: str, comment: str | None, at: datetime,
               deadlines: Deadlines) -> bool:
        """重办: an unsatisfied rating of the current round's reply sends the case back to the department
        that replied, in a new round with fresh accept and reply deadlines (no return window: it is theirs).
        A rating of an earlier round, or of a case not replied, changes nothing (False)."""
        if self.status != Status.replied or rated_round != self.reply_round or self.department is None:
            return False
        previous = self.reply_round
        self.reply_round += 1
        self.status, self.assigned_at, self.accepted_at = Status.assigned, at, None
        self.replied_at = None
        self.accept_due, self.reply_due = deadlines.accept_due, deadlines.reply_due
        self.return_due = at  # the department replied once: it cannot return it now
        reason = "市民不满意，重办" + (f"：{comment}" if comment else "")
        self._log("reopened", SYSTEM, at, department=self.department, reply_round=self.reply_round, via=via,
                  reason=reason, reply_due=deadlines.reply_due.isoformat())
        self.record(CaseReopenedV1, previous_round=previous, reason=reason, via=via, reopened_at=at)
        self.record(CaseAssignedV1, rule="reopen", by=SYSTEM)
        self.record(CaseDispatchedV1)
        return True

    def return_case(self, reason: str, *, by: str, at: datetime, assign_due: datetime) -> None:
        """退单: not this department's case. Back to triage, with the rule that misrouted it recorded."""
        self._require("退单 / return", Status.assigned, Status.accepted)
        if self.return_due is not None and at > self.return_due:
            raise IllegalTransition(f"退单期限已过（{self.return_due.isoformat()}）/ the return window has closed")
        department, rule = self.department or "", self.rule or "unknown"
        self._log("returned", by, at, department=department, rule=rule, reason=reason)
        self.record(CaseReturnedV1, department=department, rule=rule, reason=reason, returned_at=at, by=by)
        self.status, self.department, self.rule = Status.triage, None, None
        self.accept_due = self.return_due = self.reply_due = None
        self.assigned_at = self.accepted_at = None
        self.assign_due = assign_due
        self.triage_reason = f"{department} 退单 / returned: {reason}（误分规则 / misrouted by {rule}）"
        self._log("triaged", SYSTEM, at, reason=self.triage_reason)
        self.record(CaseTriagedV1, reason=self.triage_reason, at=at)
        if (pending := self.pending_extension) is not None:  # moot once the department has let go
            pending.status, pending.decided_at, pending.decided_by = ExtensionStatus.refused, at, SYSTEM

    def request_extension(self, working_days: int, reason: str, *, by: str, at: datetime,
                          max_days: int) -> Extension:
        """延期申请: asked before the reply deadline, one at a time, at most `max_days` in all."""
        self._require("申请延期 / ask for an extension", Status.assigned, Status.accepted)
        if self.reply_due is not None and at >= self.reply_due:
            raise IllegalTransition("回复期限已过，不能再申请延期 / the reply deadline has passed")
        if self.pending_extension is not None:
            raise IllegalTransition("已有待审批的延期申请 / an extension request is already pending")
        if self.extension_days() + working_days > max_days:
            raise IllegalTransition(f"延期累计不得超过 {max_days} 个工作日 / extensions may not exceed "
                                    f"{max_days} working days in all")
        extension = Extension(working_days, reason, at, by)
        self.extensions.append(extension)
        self._log("extension_requested", by, at, working_days=working_days, reason=reason)
        self.record(ExtensionRequestedV1, working_days=working_days, reason=reason, requested_at=at, by=by)
        return extension

    def decide_extension(self, *, approved: bool, by: str, at: datetime,
                         moved_reply_due: datetime | None) -> Extension:
        """A supervisor's decision; an approved extension moves the reply deadline to `moved_reply_due`."""
        extension = self.pending_extension
        if extension is None:
            raise IllegalTransition("没有待审批的延期申请 / no extension request is pending")
        if approved and moved_reply_due is None:
            raise ValueError("an approved extension needs the moved reply deadline")
        extension.status = ExtensionStatus.approved if approved else ExtensionStatus.refused
        extension.decided_at, extension.decided_by = at, by
        if approved:
            self.reply_due = moved_reply_due
        self._log("extension_decided", by, at, approved=approved, working_days=extension.working_days,
                  reply_due=self.reply_due.isoformat() if self.reply_due else None)
        self.record(ExtensionDecidedV1, approved=approved, decided_at=at, by=by)
        return extension
