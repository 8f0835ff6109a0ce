"""The read side's queries: records for the three targets, and the alerts. Read only, never commit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AlertRow, CaseRow, ClockRow, RatingRow, ReplyRoundRow
from services.notify.domain.clocks import ClockName
from services.notify.domain.metrics import AssignmentRecord, Period, RatingRecord, ReplyRecord


def _within(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


class ReportQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def assignment_records(self, period: Period) -> list[AssignmentRecord]:
        assign_clock = sa.and_(col(ClockRow.complaint_id) == col(CaseRow.complaint_id),
                               col(ClockRow.clock) == ClockName.assign.value)
        query = (select(CaseRow, col(ClockRow.due))
                 .outerjoin(ClockRow, assign_clock)
                 .where(_within(col(CaseRow.received_at), period)))
        return [
            AssignmentRecord(
                complaint_id=c.complaint_id, received_at=c.received_at, assign_due=assign_due,
                assigned_at=c.assigned_at, department=c.department, category=c.category, town=c.town,
                channel=c.channel,
            )
            for c, assign_due in self.session.execute(query).all()
            if c.received_at is not None
        ]

    def reply_records(self, period: Period) -> list[ReplyRecord]:
        in_period = sa.or_(_within(col(ReplyRoundRow.reply_due), period),
                           _within(col(ReplyRoundRow.replied_at), period))
        query = (select(ReplyRoundRow, CaseRow)
                 .join(CaseRow, col(CaseRow.complaint_id) == col(ReplyRoundRow.complaint_id))
                 .where(in_period))
        return [
            ReplyRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, reply_due=r.reply_due,
                replied_at=r.replied_at, department=r.department, category=c.category, town=c.town,
                channel=c.channel,
            )
            for r, c in self.session.execute(query).all()
        ]

    def rating_records(self, period: Period) -> list[RatingRecord]:
        same_round = sa.and_(col(ReplyRoundRow.complaint_id) == col(RatingRow.complaint_id),
                             col(ReplyRoundRow.reply_round) == col(RatingRow.reply_round))
        query = (select(RatingRow, CaseRow, col(ReplyRoundRow.department))
                 .outerjoin(CaseRow, col(CaseRow.complaint_id) == col(RatingRow.complaint_id))
                 .outerjoin(ReplyRoundRow, same_round)
                 .where(_within(col(RatingRow.rated_at), period)))
        return [
            RatingRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, rating=r.rating, rated_at=r.rated_at,
                # the department that gave the reply being rated
                department=round_department or (c.department if c else None),
                category=c.category if c else None, town=c.town if c else None,
                channel=c.channel if c else None,
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
