"""Tables of paused clocks (domain/pauses.py): 派单异议 (routing_disputes) and 挂起 (routing_suspensions).
Times as in tables.py; the case row keeps `disputed_since` / `suspended_since` for the lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime, BigIntId


def _time(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable))


class RoutingDispute(SQLModel, table=True):
    """派单异议: one department's objection to one assignment, and the supervisor's decision."""

    __tablename__ = "routing_disputes"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    department: str = Field(max_length=64)
    assigned_at: datetime = _time()
    reply_round: int
    reason: str = Field(max_length=500)
    proposed_department: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16, index=True)  # open | upheld | reassigned | withdrawn
    raised_at: datetime = _time()
    raised_by: str = Field(max_length=100)
    decided_at: datetime | None = _time(nullable=True)
    decided_by: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)
    reassigned_to: str | None = Field(default=None, max_length=64)
    paused_seconds: int = 0


class RoutingSuspension(SQLModel, table=True):
    """挂起: one pause of a case's reply clock while the department waits for the citizen."""

    __tablename__ = "routing_suspensions"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True)
    department: str = Field(max_length=64)
    reply_round: int
    reason_code: str = Field(max_length=16)  # unreachable | materials | citizen_asked | other
    note: str | None = Field(default=None, max_length=500)
    started_at: datetime = _time()
    started_by: str = Field(max_length=100)
    ended_at: datetime | None = _time(nullable=True)
    ended_by: str | None = Field(default=None, max_length=100)
    credited_seconds: int = 0


PAUSE_TABLES: list[sa.Table] = [
    RoutingDispute.__table__,  # type: ignore[attr-defined]
    RoutingSuspension.__table__,  # type: ignore[attr-defined]
]
