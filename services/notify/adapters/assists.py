"""The assists (notify_assists): departments asked to assist a case's lead (协办), their deadlines and
answers, written from routing's events; the sweeper reminds the late ones once (a projection, like the
assignment log: a redelivered event changes nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import AssistRow
from shared.core_writes import expire_held

_T: sa.Table = AssistRow.__table__  # type: ignore[attr-defined]
# The pending assists of a case that a lifecycle event ends: one UPDATE each (Core, built once), with the
# condition the rows must meet (most cases have none: nothing is read)
_PENDING = sa.and_(_T.c.complaint_id == sa.bindparam("c"), _T.c.replied_at.is_(None), _T.c.closed_at.is_(None),
                   _T.c.requested_at <= sa.bindparam("at"))
_REPLIED = sa.update(_T).where(_PENDING, _T.c.department == sa.bindparam("d")).values(replied_at=sa.bindparam("at"))
_CLOSED = sa.update(_T).where(_PENDING).values(closed_at=sa.bindparam("at"))
_CLOSED_FOR = _CLOSED.where(_T.c.department == sa.bindparam("d"))


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

    def _change(self, statement: sa.Update, complaint_id: str, **params: Any) -> None:
        self.session.execute(statement, {"c": complaint_id, **params})
        expire_held(self.session, AssistRow, lambda row: row.get("complaint_id") == complaint_id)

    def replied(self, *, complaint_id: str, department: str, at: datetime) -> None:
        self._change(_REPLIED, complaint_id, d=department, at=at)

    def closed(self, *, complaint_id: str, at: datetime, department: str | None = None) -> None:
        """No longer needed: the lead replied, returned or merged the case (or the assisting department
        became the lead, `department`)."""
        if department is None:
            self._change(_CLOSED, complaint_id, at=at)
        else:
            self._change(_CLOSED_FOR, complaint_id, at=at, d=department)

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
