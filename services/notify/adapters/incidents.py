"""突发环境事件 clocks (domain/incidents.py): one row per case, written by the incident handlers and the sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col, select

from services.notify.domain.incidents import IncidentClock, IncidentStatus
from shared.db import AwareDateTime


def _at(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable))


class IncidentRow(SQLModel, table=True):
    __tablename__ = "notify_incidents"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=64)
    town: str | None = Field(default=None, max_length=64)
    declared_at: datetime = _at()
    declared_by: str = Field(max_length=100)
    auto: bool = False
    reason: str = Field(max_length=500)
    cycle: int = 1
    status: str = Field(max_length=16, index=True)  # running | met | cleared
    responded_at: datetime | None = _at(nullable=True)
    response: str | None = Field(default=None, max_length=16)
    warned_at: datetime | None = _at(nullable=True)
    escalated_at: datetime | None = _at(nullable=True)
    cleared_at: datetime | None = _at(nullable=True)


INCIDENT_TABLES = [IncidentRow.__table__]  # type: ignore[attr-defined]
_TABLE: sa.Table = IncidentRow.__table__  # type: ignore[attr-defined]
_READ = sa.select(_TABLE).where(_TABLE.c.complaint_id == sa.bindparam("k"))
_READ_LOCKED = _READ.with_for_update()
_FIELDS = ("tracking_code", "department", "town", "declared_at", "declared_by", "auto", "reason", "cycle",
           "responded_at", "response", "warned_at", "escalated_at", "cleared_at")


class IncidentClocks:
    """Load and save incident clocks (the unit of work commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, complaint_id: str, *, for_update: bool = False) -> IncidentClock | None:
        """(Every assignment and signing asks, and few cases have one: a Core statement built once.)"""
        row = self.session.execute(_READ_LOCKED if for_update else _READ, {"k": complaint_id}).mappings().one_or_none()
        if row is None:
            return None
        return IncidentClock(complaint_id, **{name: row[name] for name in _FIELDS},
                             status=IncidentStatus(row["status"]))

    def save(self, clock: IncidentClock) -> None:
        values = {name: getattr(clock, name) for name in _FIELDS} | {"status": clock.status.value}
        row = self.session.get(IncidentRow, clock.complaint_id)
        if row is None:
            self.session.add(IncidentRow(complaint_id=clock.complaint_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()

    def running(self) -> list[str]:
        return list(self.session.scalars(select(col(IncidentRow.complaint_id))
                                         .where(col(IncidentRow.status) == IncidentStatus.running.value)
                                         .order_by(col(IncidentRow.declared_at))))
