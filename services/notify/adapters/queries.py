"""The read side's queries: records for the three targets, the alerts, and the cases whose clocks run
(the dashboard's overdue and due-soon lists). Read only, never commit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AlertRow, CaseRow, ClockRow, RatingRow, ReplyRoundRow
from services.notify.domain.case import WAITING_ON_DEPARTMENT, SlaCase
from services.notify.domain.clocks import CLOSED, NOT_COUNTED, CaseStatus, ClockName, ClockState, Level
from services.notify.domain.metrics import AssignmentRecord, Period, RatingRecord, ReplyRecord


def _within(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


def _counted(case: type[CaseRow]) -> sa.ColumnElement[bool]:
    """Not rejected (不予受理) and not merged into a master (并单): what the targets count (DESIGN.md)."""
    return col(case.status).not_in(NOT_COUNTED)


class ReportQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def assignment_records(self, period: Period) -> list[AssignmentRecord]:
        assign_clock = sa.and_(col(ClockRow.complaint_id) == col(CaseRow.complaint_id),
                               col(ClockRow.clock) == ClockName.assign.value)
        first_round = sa.and_(col(ReplyRoundRow.complaint_id) == col(CaseRow.complaint_id),
                              col(ReplyRoundRow.reply_round) == 1)
        query = (select(CaseRow, col(ClockRow.due), col(ReplyRoundRow.department))
                 .outerjoin(ClockRow, assign_clock)
                 .outerjoin(ReplyRoundRow, first_round)
                 .where(_within(col(CaseRow.received_at), period), _counted(CaseRow)))
        return [
            AssignmentRecord(
                complaint_id=c.complaint_id, received_at=c.received_at, assign_due=assign_due,
                assigned_at=c.assigned_at,
                # a returned case waiting to be routed again stays with the department it was assigned to
                department=c.department or first_department, category=c.category, town=c.town,
                channel=c.channel, tracking_code=c.tracking_code,
            )
            for c, assign_due, first_department in self.session.execute(query).all()
            if c.received_at is not None
        ]

    def reply_records(self, period: Period) -> list[ReplyRecord]:
        in_period = sa.or_(_within(col(ReplyRoundRow.reply_due), period),
                           _within(col(ReplyRoundRow.replied_at), period))
        query = (select(ReplyRoundRow, CaseRow)
                 .join(CaseRow, col(CaseRow.complaint_id) == col(ReplyRoundRow.complaint_id))
                 .where(in_period, _counted(CaseRow)))
        return [
            ReplyRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, reply_due=r.reply_due,
                replied_at=r.replied_at, department=r.department, category=c.category, town=c.town,
                channel=c.channel, tracking_code=c.tracking_code,
                # returned (退单) and nobody has it yet: this round's deadline waits for the next assignment
                rerouting=c.department is None and r.reply_round == c.reply_round,
            )
            for r, c in self.session.execute(query).all()
        ]

    def rating_records(self, period: Period) -> list[RatingRecord]:
        same_round = sa.and_(col(ReplyRoundRow.complaint_id) == col(RatingRow.complaint_id),
                             col(ReplyRoundRow.reply_round) == col(RatingRow.reply_round))
        query = (select(RatingRow, CaseRow, col(ReplyRoundRow.department))
                 .outerjoin(CaseRow, col(CaseRow.complaint_id) == col(RatingRow.complaint_id))
                 .outerjoin(ReplyRoundRow, same_round)
                 .where(_within(col(RatingRow.rated_at), period),
                        sa.or_(col(CaseRow.status).is_(None), _counted(CaseRow))))
        return [
            RatingRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, rating=r.rating, rated_at=r.rated_at,
                # the department that gave the reply being rated
                department=round_department or (c.department if c else None),
                category=c.category if c else None, town=c.town if c else None,
                channel=c.channel if c else None, tracking_code=r.tracking_code or (c.tracking_code if c else None),
            )
            for r, c, round_department in self.session.execute(query).all()
        ]

    def alerts(self, *, department: str | None = None, clock: str | None = None, level: str | None = None,
               limit: int = 100) -> list[AlertRow]:
        query = select(AlertRow)
        if department is not None:
            query = query.where(col(AlertRow.department) == department)
        if clock is not None:
            query = query.where(col(AlertRow.clock) == clock)
        if level is not None:
            query = query.where(col(AlertRow.level) == level)
        query = query.order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc()).limit(limit)
        return list(self.session.scalars(query).all())

    def cases_with_running_clocks(self, department: str | None = None) -> list[SlaCase]:
        """The cases that may have a clock running, read only (never held or written): their own
        `running_clocks()` says which run. `department`: only the cases that department has now."""
        has_assign_clock = select(ClockRow.complaint_id).where(col(ClockRow.clock) == ClockName.assign.value)
        unassigned = sa.and_(col(CaseRow.assigned_at).is_(None), col(CaseRow.complaint_id).in_(has_assign_clock))
        waiting = sa.and_(col(CaseRow.status).in_([s.value for s in WAITING_ON_DEPARTMENT]),
                          sa.or_(col(CaseRow.accepted_at).is_(None), col(CaseRow.replied_at).is_(None)))
        query = select(CaseRow).where(sa.or_(unassigned, waiting),
                                      col(CaseRow.status).not_in([s.value for s in CLOSED]))
        if department is not None:
            query = query.where(col(CaseRow.department) == department)
        rows = list(self.session.scalars(query).all())
        clocks: dict[str, list[ClockRow]] = {}
        ids = [r.complaint_id for r in rows]
        for chunk in range(0, len(ids), 500):  # bounded IN lists
            of_chunk = select(ClockRow).where(col(ClockRow.complaint_id).in_(ids[chunk:chunk + 500]))
            for c in self.session.scalars(of_chunk):
                clocks.setdefault(c.complaint_id, []).append(c)
        return [
            SlaCase(
                complaint_id=r.complaint_id, tracking_code=r.tracking_code, status=CaseStatus(r.status),
                department=r.department, category=r.category, subcategory=r.subcategory, town=r.town,
                channel=r.channel, urgent=r.urgent, received_at=r.received_at, assigned_at=r.assigned_at,
                last_assigned_at=r.last_assigned_at, accepted_at=r.accepted_at, replied_at=r.replied_at,
                reply_round=r.reply_round,
                clocks={ClockName(c.clock): ClockState(ClockName(c.clock), c.start, c.due, c.cycle, Level(c.last_level))
                        for c in clocks.get(r.complaint_id, [])},
            )
            for r in rows
        ]

    def escalated_clocks(self, complaint_ids: list[str]) -> set[tuple[str, str, int]]:
        """(complaint id, clock, cycle) of each escalation (督办) raised for these cases."""
        found: set[tuple[str, str, int]] = set()
        for chunk in range(0, len(complaint_ids), 500):
            query = (select(AlertRow.complaint_id, AlertRow.clock, AlertRow.cycle)
                     .where(col(AlertRow.complaint_id).in_(complaint_ids[chunk:chunk + 500]),
                            col(AlertRow.level) == Level.escalated.value))
            found.update((cid, clock, cycle) for cid, clock, cycle in self.session.execute(query).all())
        return found
