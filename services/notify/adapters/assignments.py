"""The assignment log (notify_assignments): every assignment of a case to a department and how it went,
written from routing's lifecycle events, read by the assessment of departments and towns (考核).

A projection, not an aggregate: each event changes a row or two in the handler's transaction, and
a redelivered event changes nothing (the unique key of an assignment; updates only fill what is empty).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AssignmentRow, CaseRow, ReplyRoundRow
from services.notify.domain.assessment import AssignmentSpan, RepliedRound
from services.notify.domain.clocks import NOT_COUNTED
from services.notify.domain.metrics import Period

# how an open assignment ends when the case is assigned anew by this rule (派单异议 then 改派: "disputed")
_ENDED_BY_RULE = {"transfer": "transferred", "dispute": "disputed"}
DISPUTING = "disputing"  # an open dispute: not judged for timely signing until it is decided


class AssignmentLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _open(self, complaint_id: str) -> list[AssignmentRow]:
        return list(self.session.scalars(select(AssignmentRow).where(col(AssignmentRow.complaint_id) == complaint_id,
                                                                     col(AssignmentRow.ended_at).is_(None))))

    def assigned(self, *, complaint_id: str, department: str, reply_round: int, rule: str, assigned_at: datetime,
                 accept_due: datetime) -> None:
        """A new assignment; the one still open for the case ends (moved by a transfer, or a new round)."""
        # One read: the case's open assignments and this one if it was logged before (delivered again); the
        # database says which row is this one, as it compares the times
        this = sa.and_(col(AssignmentRow.department) == department, col(AssignmentRow.assigned_at) == assigned_at)
        rows = self.session.execute(select(AssignmentRow, this.label("this")).where(
            col(AssignmentRow.complaint_id) == complaint_id, sa.or_(col(AssignmentRow.ended_at).is_(None), this))).all()
        if any(same for _, same in rows):
            return
        for row, _ in rows:
            if row.ended_at is None and row.assigned_at < assigned_at:
                row.ended_at, row.ended_how = assigned_at, _ENDED_BY_RULE.get(rule, "reassigned")
        self.session.add(AssignmentRow(complaint_id=complaint_id, department=department, reply_round=reply_round,
                                       rule=rule[:200], assigned_at=assigned_at, accept_due=accept_due))

    def accepted(self, *, complaint_id: str, department: str, at: datetime) -> None:
        for row in self._open(complaint_id):
            if row.department == department and row.accepted_at is None and row.assigned_at <= at:
                row.accepted_at = at

    def disputed(self, *, complaint_id: str, department: str) -> None:
        """派单异议: the assignment waits for a supervisor; it is not judged for signing meanwhile."""
        for row in self._open(complaint_id):
            if row.department == department and row.accepted_at is None:
                row.ended_how = DISPUTING

    def dispute_upheld(self, *, complaint_id: str, department: str, accept_due: datetime | None) -> None:
        """维持: the assignment is judged again, against its accept deadline moved by the paused time."""
        for row in self._open(complaint_id):
            if row.department == department and row.ended_how == DISPUTING:
                row.ended_how = None
                row.accept_due = accept_due or row.accept_due

    def ended(self, *, complaint_id: str, how: str, at: datetime, department: str | None = None) -> None:
        """The department's part ends: returned (退单), replied, merged (并单)."""
        for row in self._open(complaint_id):
            if (department is None or row.department == department) and row.assigned_at <= at:
                row.ended_at, row.ended_how = at, how

    # --- what the assessment reads ---

    def spans(self, period: Period) -> list[AssignmentSpan]:
        """The assignments made in the period (of counted cases: not rejected, not merged away)."""
        rows = self.session.execute(
            select(AssignmentRow).join(CaseRow, col(CaseRow.complaint_id) == col(AssignmentRow.complaint_id))
            .where(col(AssignmentRow.assigned_at) >= period.start, col(AssignmentRow.assigned_at) < period.end,
                   sa.or_(col(CaseRow.status).not_in(NOT_COUNTED), col(AssignmentRow.ended_how) == "returned")))
        return [AssignmentSpan(r.complaint_id, r.department, r.assigned_at, r.accept_due, r.accepted_at, r.ended_at,
                               r.ended_how) for (r,) in rows]

    def replied_rounds(self, period: Period) -> list[RepliedRound]:
        """The reply rounds replied in the period, each with whether a later round followed (重办)."""
        later = sa.orm.aliased(ReplyRoundRow)
        reopened = (select(later.complaint_id)
                    .where(later.complaint_id == ReplyRoundRow.complaint_id,
                           later.reply_round == ReplyRoundRow.reply_round + 1).exists())
        rows = self.session.execute(
            select(ReplyRoundRow, reopened)
            .join(CaseRow, col(CaseRow.complaint_id) == col(ReplyRoundRow.complaint_id))
            .where(col(ReplyRoundRow.replied_at) >= period.start, col(ReplyRoundRow.replied_at) < period.end,
                   col(CaseRow.status).not_in(NOT_COUNTED)))
        return [RepliedRound(r.complaint_id, r.reply_round, r.department or "", r.replied_at, bool(again))
                for r, again in rows if r.replied_at is not None]
