"""The problem list's and the public disclosure's rows: the bureau's decisions on hotspots and the scrubbed
reply summaries (repositories, written by the unit of work at commit), and the read-only queries that feed
the hotspot rules and the public list of handled cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters.tables import CaseRow, HotspotRow, ReplySummaryRow
from services.notify.domain.clocks import CaseStatus
from services.notify.domain.disclosure import ReplySummary
from services.notify.domain.hotspots import HotspotCase, HotspotState
from services.notify.domain.metrics import Period
from shared.repository import Repository


class HotspotRepository(Repository[HotspotState]):
    def get(self, key: str) -> HotspotState | None:
        if (held := self.held(key)) is not None:
            return held
        row = self.session.get(HotspotRow, key)
        return self._hold(key, _state(row), new=False) if row is not None else None

    def add(self, state: HotspotState) -> HotspotState:
        return self._hold(state.key, state, new=True)

    def all(self) -> list[HotspotState]:
        """Every key the bureau has decided something about (read only: a list is never written back)."""
        return [_state(row) for row in self.session.scalars(select(HotspotRow).order_by(col(HotspotRow.key)))]

    def _write(self, state: HotspotState, before: HotspotState | None) -> None:
        row = HotspotRow(key=state.key, kind=state.kind, status=state.status, owner=state.owner, plan=state.plan,
                         note=state.note, created_at=state.created_at,
                         updated_at=state.updated_at, updated_by=state.updated_by or "",
                         resolved_at=state.resolved_at, resolved_by=state.resolved_by)
        if before is None:
            self.session.add(row)
        else:
            self.session.merge(row)


def _state(row: HotspotRow) -> HotspotState:
    return HotspotState(key=row.key, kind=row.kind, status=row.status, owner=row.owner, plan=row.plan,
                        note=row.note, created_at=row.created_at, updated_at=row.updated_at,
                        updated_by=row.updated_by, resolved_at=row.resolved_at, resolved_by=row.resolved_by)


class ReplySummaryRepository(Repository[ReplySummary]):
    def get(self, complaint_id: str) -> ReplySummary | None:
        if (held := self.held(complaint_id)) is not None:
            return held
        row = self.session.get(ReplySummaryRow, complaint_id)
        if row is None:
            return None
        return self._hold(complaint_id, ReplySummary(row.complaint_id, row.reply_round, row.summary, row.replied_at),
                          new=False)

    def add(self, summary: ReplySummary) -> ReplySummary:
        return self._hold(summary.complaint_id, summary, new=True)

    def _write(self, summary: ReplySummary, before: ReplySummary | None) -> None:
        row = ReplySummaryRow(complaint_id=summary.complaint_id, reply_round=summary.reply_round,
                              summary=summary.summary, replied_at=summary.replied_at)
        if before is None:
            self.session.add(row)
        else:
            self.session.merge(row)


@dataclass(frozen=True)
class HandledCase:
    """A case handled (replied) in a month, as the public may see it: no id, no code, no text."""

    received_at: datetime
    replied_at: datetime
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    reply_round: int
    summary: str | None


class IssueQueries:
    """Read only, never commit."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hotspot_cases(self, since: datetime, reopen_rounds: int) -> list[HotspotCase]:
        """Cases received since `since`, and every case in its `reopen_rounds`th reply round or later."""
        recent = col(CaseRow.received_at) >= since
        reopened = col(CaseRow.reply_round) >= reopen_rounds
        c = CaseRow  # the columns the rules read, as plain rows (a month is tens of thousands of cases)
        columns: list[Any] = [c.complaint_id, c.tracking_code, c.category, c.subcategory, c.town, c.department,
                              c.status, c.received_at, c.reply_round, c.last_assigned_at, c.replied_at, c.lat, c.lon]
        query = (sa.select(*columns)
                 .where(col(c.received_at).is_not(None), sa.or_(recent, reopened),
                        col(c.status) != CaseStatus.rejected.value))
        return [HotspotCase(*row) for row in self.session.execute(query) if row.received_at is not None]

    def handled_cases(self, period: Period, *, offset: int, limit: int) -> tuple[int, list[HandledCase]]:
        """Cases replied in the period and still replied (a reopened one is not handled yet), newest reply
        first, a page at a time, with the total."""
        handled = sa.and_(col(CaseRow.status) == CaseStatus.replied.value,
                          col(CaseRow.replied_at) >= period.start, col(CaseRow.replied_at) < period.end,
                          col(CaseRow.received_at).is_not(None))
        total = self.session.scalar(select(sa.func.count()).select_from(CaseRow).where(handled)) or 0
        query = (select(CaseRow, col(ReplySummaryRow.summary))
                 .outerjoin(ReplySummaryRow, col(ReplySummaryRow.complaint_id) == col(CaseRow.complaint_id))
                 .where(handled)
                 .order_by(col(CaseRow.replied_at).desc(), col(CaseRow.complaint_id))
                 .offset(offset).limit(limit))
        return total, [
            HandledCase(received_at=c.received_at, replied_at=c.replied_at, category=c.category,
                        subcategory=c.subcategory, town=c.town, department=c.department, reply_round=c.reply_round,
                        summary=summary)
            for c, summary in self.session.execute(query).all()
            if c.received_at is not None and c.replied_at is not None
        ]
