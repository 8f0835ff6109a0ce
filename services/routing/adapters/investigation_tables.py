"""Tables of investigations (调查处理): the file of a case, its steps (checks, actions, re-checks: one row each,
their values as JSON) and its evidence photos (what describes them; the bytes are in the reply photos' store).

Moments are stored as in tables.py; an amount is kept in the step's JSON as a string of yuan ("1234.50").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime


def _time(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable))


class RoutingInvestigation(SQLModel, table=True):
    """One per case: the finding and the sign-off (销号)."""

    __tablename__ = "routing_investigations"

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_cases.complaint_id")
    tracking_code: str = Field(max_length=32)
    department: str = Field(max_length=64)
    started_at: datetime = _time()
    started_by: str = Field(max_length=100)
    finding: str | None = Field(default=None, max_length=16)
    finding_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    found_at: datetime | None = _time(nullable=True)
    found_by: str | None = Field(default=None, max_length=100)
    signed_off_at: datetime | None = _time(nullable=True)
    signed_off_by: str | None = Field(default=None, max_length=100)
    sign_off_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class RoutingInvestigationStep(SQLModel, table=True):
    """A check (现场核查), an action (处理措施) or a re-check (复查), numbered within its kind."""

    __tablename__ = "routing_investigation_steps"

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_investigations.complaint_id")
    kind: str = Field(primary_key=True, max_length=16)  # check | action | recheck
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = _time()
    data: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))


class RoutingInvestigationPhoto(SQLModel, table=True):
    """An on-site or re-check photo; its bytes are in the file store under `key` (part "replies")."""

    __tablename__ = "routing_investigation_photos"

    id: str = Field(primary_key=True, max_length=36)
    complaint_id: str = Field(max_length=64, foreign_key="routing_investigations.complaint_id", index=True)
    key: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = _time()


INVESTIGATION_TABLES: list[sa.Table] = [
    RoutingInvestigation.__table__,  # type: ignore[attr-defined]
    RoutingInvestigationStep.__table__,  # type: ignore[attr-defined]
    RoutingInvestigationPhoto.__table__,  # type: ignore[attr-defined]
]
