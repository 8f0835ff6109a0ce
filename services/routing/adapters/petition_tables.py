"""Tables of petitions (信访件): the file, and its steps (each with the data its document is made from).

Days (received, deadlines, windows) are calendar dates in Asia/Shanghai; moments are stored as in tables.py.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime


class RoutingPetition(SQLModel, table=True):
    """One petition file per case (登记为信访件)."""

    __tablename__ = "routing_petitions"
    __table_args__ = (sa.Index("ix_routing_petitions_year_seq", "year", "seq", unique=True),)

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_cases.complaint_id")
    number: str = Field(max_length=40, index=True, unique=True)  # 合环信〔2026〕7号
    year: int
    seq: int
    tracking_code: str = Field(max_length=32, index=True)
    petitioner_masked: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=24, index=True)
    received_on: date
    registered_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    registered_by: str = Field(max_length=100)
    acceptance_due: date
    reply_due: date | None = None
    extension_days: int | None = None
    review_due: date | None = None
    rereview_due: date | None = None
    window_until: date | None = None
    next_due: date | None = Field(default=None, index=True)  # the bureau's next deadline: the list's order
    closed_at: datetime | None = Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=True))


class RoutingPetitionStep(SQLModel, table=True):
    """A step of a petition: who, when, the text, the deadline it met or missed and the one it set."""

    __tablename__ = "routing_petition_steps"

    complaint_id: str = Field(primary_key=True, max_length=64, foreign_key="routing_petitions.complaint_id")
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=24)
    actor: str = Field(max_length=100)
    at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    text: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    days: int | None = None
    due: date | None = None
    late: bool = False
    sets_due: date | None = None


PETITION_TABLES: list[sa.Table] = [
    RoutingPetition.__table__,  # type: ignore[attr-defined]
    RoutingPetitionStep.__table__,  # type: ignore[attr-defined]
]
