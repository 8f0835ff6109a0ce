"""被举报企业 as notify follows them (docs/firms.md): which firm each case is linked to (from routing's
CaseFirmLinkedV1 / CaseFirmUnlinkedV1), and the read that feeds the problem list's "firm" rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from services.notify.adapters.tables import CaseRow
from services.notify.domain.hotspots import FirmCase, HotspotCase
from shared.db import AwareDateTime


def _at(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable))


class CaseFirmRow(SQLModel, table=True):
    """The firm a case is linked to now (one row per case; a removed link removes the row)."""

    __tablename__ = "notify_case_firms"
    __table_args__ = (sa.Index("ix_notify_case_firms_firm_received", "firm_id", "received_at"),)

    complaint_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str | None = Field(default=None, max_length=32)
    firm_id: str = Field(max_length=36)
    firm_name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18)
    firm_town: str | None = Field(default=None, max_length=64)
    received_at: datetime = _at()
    linked_at: datetime = _at()


FIRM_TABLES = [CaseFirmRow.__table__]  # type: ignore[attr-defined]


class FirmLinks:
    """Written by the link events' handlers (the unit of work commits), read by the problem list."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def link(self, *, complaint_id: str, tracking_code: str | None, firm_id: str, firm_name: str, credit_code: str,
             firm_town: str | None, received_at: datetime, linked_at: datetime) -> None:
        values: dict[str, Any] = {"tracking_code": tracking_code, "firm_id": firm_id, "firm_name": firm_name,
                                  "credit_code": credit_code, "firm_town": firm_town, "received_at": received_at,
                                  "linked_at": linked_at}
        row = self.session.get(CaseFirmRow, complaint_id)
        if row is None:
            self.session.add(CaseFirmRow(complaint_id=complaint_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()

    def unlink(self, complaint_id: str, firm_id: str) -> None:
        row = self.session.get(CaseFirmRow, complaint_id)
        if row is not None and row.firm_id == firm_id:  # a later link to another firm stays
            self.session.delete(row)
            self.session.flush()

    def cases_since(self, since: datetime) -> list[FirmCase]:
        """The linked cases received after `since`, with what notify knows of each case (its status, type, town,
        department; a case notify has not seen yet counts as received, with the link's own facts)."""
        f, c = CaseFirmRow, CaseRow
        query = (sa.select(col(f.firm_id), col(f.firm_name), col(f.credit_code), col(f.firm_town),
                           col(f.complaint_id), sa.func.coalesce(col(c.tracking_code), col(f.tracking_code)),
                           col(c.category), col(c.subcategory), col(c.town), col(c.department),
                           sa.func.coalesce(col(c.status), "triage"), col(f.received_at),
                           sa.func.coalesce(col(c.reply_round), 1), col(c.last_assigned_at), col(c.replied_at))
                 .outerjoin(c, col(c.complaint_id) == col(f.complaint_id))
                 .where(col(f.received_at) > since))
        found = []
        for row in self.session.execute(query):
            firm_id, name, code, town, *case = row
            found.append(FirmCase(firm_id, name, code, town, HotspotCase(*case)))
        return found
