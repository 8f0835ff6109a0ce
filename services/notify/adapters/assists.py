"""The assists (notify_assists): departments asked to assist a case's lead (协办), their deadlines and
answers, written from routing's events; the sweeper reminds the late ones once (a projection, like the
assignment log: a redelivered event changes nothing)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AssistRow


class AssistLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def requested(self, *, complaint_id: str, department: str, requested_at: datetime, tracking_code: str,
                  lead_department: str, due: datetime) -> bool:
        """True when it is new (False: delivered before)."""
        if self.session.get(AssistRow, (complaint_id, department, requested_at)) is not None:
            return False
        self.session.add(AssistRow(complaint_id=complaint_id, department=department, requested_at=requested_at,
                                   tracking_code=tracking_code, lead_department=lead_department, due=due))
        return True

    def _pending(self, complaint_id: str) -> list[AssistRow]:
        return list(self.session.scalars(select(AssistRow).where(
            col(AssistRow.complaint_id) == complaint_id, col(AssistRow.replied_at).is_(None),
            col(AssistRow.closed_at).is_(None))))

    def replied(self, *, complaint_id: str, department: str, at: datetime) -> None:
        for row in self._pending(complaint_id):
            if row.department == department and row.requested_at <= at:
                row.replied_at = at

    def closed(self, *, complaint_id: str, at: datetime, department: str | None = None) -> None:
        """No longer needed: the lead replied, returned or merged the case (or the assisting department
        became the lead, `department`)."""
        for row in self._pending(complaint_id):
            if (department is None or row.department == department) and row.requested_at <= at:
                row.closed_at = at

    def overdue_unreminded(self, now: datetime, *, limit: int = 500) -> list[AssistRow]:
        """Pending assists past their deadline that have not been reminded, locked for this sweep."""
        query = (select(AssistRow)
                 .where(col(AssistRow.replied_at).is_(None), col(AssistRow.closed_at).is_(None),
                        col(AssistRow.reminded_at).is_(None), col(AssistRow.due) < now)
                 .order_by(col(AssistRow.due)).limit(limit).with_for_update(skip_locked=True))
        return list(self.session.scalars(query))

    def pending_count(self, now: datetime) -> int:
        return int(self.session.scalar(sa.select(sa.func.count()).select_from(AssistRow).where(
            col(AssistRow.replied_at).is_(None), col(AssistRow.closed_at).is_(None), col(AssistRow.due) < now)) or 0)
