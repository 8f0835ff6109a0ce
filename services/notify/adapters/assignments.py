"""The assignment log (notify_assignments): every assignment of a case to a department and how it went,
written from routing's lifecycle events, read by the assessment of departments and towns (考核).

A projection, not an aggregate: each event changes a row or two in the handler's transaction, and
a redelivered event changes nothing (the unique key of an assignment; updates only fill what is empty).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AssignmentRow, CaseRow, ReplyRoundRow
from services.notify.domain.assessment import AssignmentSpan, RepliedRound
from services.notify.domain.clocks import NOT_COUNTED
from services.notify.domain.metrics import Period
from shared.core_writes import expire_held

# how an open assignment ends when the case is assigned anew by this rule (派单异议 then 改派: "disputed")
_ENDED_BY_RULE = {"transfer": "transferred", "dispute": "disputed"}
DISPUTING = "disputing"  # an open dispute: not judged for timely signing until it is decided


_T: sa.Table = AssignmentRow.__table__  # type: ignore[attr-defined]
_OPEN = sa.and_(_T.c.complaint_id == sa.bindparam("c"), _T.c.ended_at.is_(None))
_THIS = sa.and_(_T.c.department == sa.bindparam("d"), _T.c.assigned_at == sa.bindparam("at"))
# Core statements built once (every lifecycle event writes the log): the case's open assignments and this one
# if it was logged before (delivered again), the database saying which row is this one, as it compares the times
_ASSIGNED_READ = sa.select(_T.c.id, _T.c.assigned_at, _T.c.ended_at, _THIS.label("this")).where(
    _T.c.complaint_id == sa.bindparam("c"), sa.or_(_T.c.ended_at.is_(None), _THIS))
_END_ONE = sa.update(_T).where(_T.c.id == sa.bindparam("k_id")).values(
    ended_at=sa.bindparam("at"), ended_how=sa.bindparam("how", type_=_T.c.ended_how.type))
_INSERT = sa.insert(_T)
# Each change of the open assignments is one UPDATE with the condition the rows must meet
_ACCEPTED = sa.update(_T).where(_OPEN, _T.c.department == sa.bindparam("d"), _T.c.accepted_at.is_(None),
                                _T.c.assigned_at <= sa.bindparam("at")).values(accepted_at=sa.bindparam("at"))
_DISPUTED = sa.update(_T).where(_OPEN, _T.c.department == sa.bindparam("d"), _T.c.accepted_at.is_(None)).values(
    ended_how=DISPUTING)
_UPHELD = sa.update(_T).where(_OPEN, _T.c.department == sa.bindparam("d"), _T.c.ended_how == DISPUTING).values(
    ended_how=None, accept_due=sa.func.coalesce(sa.bindparam("due", type_=_T.c.accept_due.type), _T.c.accept_due))
_ENDED = sa.update(_T).where(_OPEN, _T.c.assigned_at <= sa.bindparam("at")).values(
    ended_at=sa.bindparam("at"), ended_how=sa.bindparam("how", type_=_T.c.ended_how.type))
_ENDED_BY = _ENDED.where(_T.c.department == sa.bindparam("d"))


class AssignmentLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _open(self, complaint_id: str) -> list[AssignmentRow]:
        return list(self.session.scalars(select(AssignmentRow).where(col(AssignmentRow.complaint_id) == complaint_id,
                                                                     col(AssignmentRow.ended_at).is_(None))))

    def _change(self, statement: sa.Update, complaint_id: str, **params: Any) -> None:
        self.session.execute(statement, {"c": complaint_id, **params})
        expire_held(self.session, AssignmentRow, lambda row: row.get("complaint_id") == complaint_id)

    def assigned(self, *, complaint_id: str, department: str, reply_round: int, rule: str, assigned_at: datetime,
                 accept_due: datetime) -> None:
        """A new assignment; the one still open for the case ends (moved by a transfer, or a new round)."""
        rows = self.session.execute(_ASSIGNED_READ, {"c": complaint_id, "d": department, "at": assigned_at}).all()
        if any(row.this for row in rows):
            return
        for row in rows:
            if row.ended_at is None and row.assigned_at < assigned_at:
                self._change(_END_ONE, complaint_id, k_id=row.id, at=assigned_at,
                             how=_ENDED_BY_RULE.get(rule, "reassigned"))
        self.session.execute(_INSERT, {
            "complaint_id": complaint_id, "department": department, "reply_round": reply_round, "rule": rule[:200],
            "assigned_at": assigned_at, "accept_due": accept_due, "accepted_at": None, "ended_at": None,
            "ended_how": None})

    def accepted(self, *, complaint_id: str, department: str, at: datetime) -> None:
        self._change(_ACCEPTED, complaint_id, d=department, at=at)

    def disputed(self, *, complaint_id: str, department: str) -> None:
        """派单异议: the assignment waits for a supervisor; it is not judged for signing meanwhile."""
        self._change(_DISPUTED, complaint_id, d=department)

    def dispute_upheld(self, *, complaint_id: str, department: str, accept_due: datetime | None) -> None:
        """维持: the assignment is judged again, against its accept deadline moved by the paused time."""
        self._change(_UPHELD, complaint_id, d=department, due=accept_due)

    def ended(self, *, complaint_id: str, how: str, at: datetime, department: str | None = None) -> None:
        """The department's part ends: returned (退单), replied, merged (并单)."""
        if department is None:
            self._change(_ENDED, complaint_id, how=how, at=at)
        else:
            self._change(_ENDED_BY, complaint_id, how=how, at=at, d=department)

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
