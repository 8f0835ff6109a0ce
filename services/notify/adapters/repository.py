"""Reading and writing notify's tables. Data functions here never commit: the unit of work does."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AlertRow, CaseRow, RatingRow, ReplyRoundRow
from services.notify.domain.clocks import CaseStatus
from services.notify.domain.metrics import AssignmentRecord, Period, RatingRecord, ReplyRecord

_WAITING_ON_DEPARTMENT = (CaseStatus.assigned.value, CaseStatus.accepted.value)


def _within(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, complaint_id: str, *, for_update: bool = False) -> CaseRow | None:
        query = select(CaseRow).where(col(CaseRow.complaint_id) == complaint_id)
        if for_update:  # concurrent sweepers wait for each other and see what the other sent
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).one_or_none()

    def add(self, case: CaseRow) -> None:
        self.session.add(case)

    def with_open_clocks(self) -> list[str]:
        """Ids of cases that may have a clock running (the domain decides exactly which)."""
        unassigned = sa.and_(col(CaseRow.assigned_at).is_(None), col(CaseRow.assign_due).is_not(None))
        unaccepted = sa.and_(col(CaseRow.status) == CaseStatus.assigned.value, col(CaseRow.accepted_at).is_(None))
        unreplied = sa.and_(col(CaseRow.status).in_(_WAITING_ON_DEPARTMENT), col(CaseRow.replied_at).is_(None))
        query = (select(CaseRow.complaint_id)
                 .where(col(CaseRow.valid).is_(True), col(CaseRow.merged_into).is_(None),
                        sa.or_(unassigned, unaccepted, unreplied))
                 .order_by(col(CaseRow.complaint_id)))
        return list(self.session.scalars(query).all())

    # --- reply rounds ---------------------------------------------------------------------------

    def reply_round(self, complaint_id: str, reply_round: int) -> ReplyRoundRow | None:
        return self.session.get(ReplyRoundRow, (complaint_id, reply_round))

    def add_reply_round(self, row: ReplyRoundRow) -> None:
        self.session.add(row)

    # --- ratings --------------------------------------------------------------------------------

    def rating(self, complaint_id: str, reply_round: int) -> RatingRow | None:
        return self.session.get(RatingRow, (complaint_id, reply_round))

    def add_rating(self, row: RatingRow) -> None:
        self.session.add(row)

    # --- alerts ---------------------------------------------------------------------------------

    def add_alert(self, row: AlertRow) -> None:
        self.session.add(row)

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

    # --- metrics records ------------------------------------------------------------------------

    def assignment_records(self, period: Period) -> list[AssignmentRecord]:
        query = select(CaseRow).where(_within(col(CaseRow.received_at), period))
        return [
            AssignmentRecord(
                complaint_id=c.complaint_id, received_at=c.received_at, assign_due=c.assign_due,
                assigned_at=c.assigned_at, valid=c.valid, merged_into=c.merged_into,
                department=c.department, category=c.category, town=c.town,
            )
            for c in self.session.scalars(query)
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
                replied_at=r.replied_at, valid=c.valid, merged_into=c.merged_into,
                department=r.department, category=c.category, town=c.town,
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
                valid=c.valid if c else True, merged_into=c.merged_into if c else None,
                # the department that gave the reply being rated
                department=round_department or (c.department if c else None),
                category=c.category if c else None, town=c.town if c else None,
            )
            for r, c, round_department in self.session.execute(query).all()
        ]
