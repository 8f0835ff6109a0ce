"""Tables of inspection cases (督察交办件): the case, its audited updates, and the batches made public.

Days are calendar dates in Asia/Shanghai; moments are stored as in tables.py; the fine is a NUMERIC in yuan.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime


class RoutingInspection(SQLModel, table=True):
    """One inspection case per routing case."""

    __tablename__ = "routing_inspections"
    __table_args__ = (sa.Index("ix_routing_inspections_round_batch", "round_name", "batch"),)

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_cases.complaint_id")
    tracking_code: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    round_name: str = Field(max_length=100)
    batch: int
    number: str = Field(max_length=64, index=True, unique=True)  # 交办编号
    key_case: bool = False
    received_on: date
    report_due: date
    registered_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    registered_by: str = Field(max_length=100)
    finding: str | None = Field(default=None, max_length=16)
    progress: str = Field(max_length=16, index=True)
    investigation: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    measures: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    penalty_cases: int = 0
    fine_yuan: Decimal = Field(default=Decimal("0.00"), sa_column=sa.Column(sa.Numeric(12, 2), nullable=False))
    interviews: int = 0
    interviewed: str | None = Field(default=None, max_length=500)
    accountability: int = 0
    accountable: str | None = Field(default=None, max_length=500)
    updated_at: datetime | None = Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=True))
    updated_by: str | None = Field(default=None, max_length=100)


class RoutingInspectionUpdate(SQLModel, table=True):
    """An update as audited: who, when, the values it set."""

    __tablename__ = "routing_inspection_updates"

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_inspections.complaint_id")
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    actor: str = Field(max_length=100)
    at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    changes: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))


class RoutingInspectionBatch(SQLModel, table=True):
    """A batch of a round made public (or withdrawn): only published batches are in the public table."""

    __tablename__ = "routing_inspection_batches"

    round_name: str = Field(primary_key=True, max_length=100)
    batch: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    published: bool
    changed_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    changed_by: str = Field(max_length=100)


INSPECTION_TABLES: list[sa.Table] = [
    RoutingInspection.__table__,  # type: ignore[attr-defined]
    RoutingInspectionUpdate.__table__,  # type: ignore[attr-defined]
    RoutingInspectionBatch.__table__,  # type: ignore[attr-defined]
]
