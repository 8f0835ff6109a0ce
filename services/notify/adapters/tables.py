"""notify's own tables (all named `notify_*`): its projection of cases, reply rounds, ratings, alerts.

Built only from events; no other service reads them. The schema is created by alembic
(migrations/versions), never by create_all.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime, BigIntId


def _at(*, index: bool = False, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


class CaseRow(SQLModel, table=True):
    """One complaint as notify follows it: deadlines, when each was met, and warnings sent per clock."""

    __tablename__ = "notify_cases"

    complaint_id: str = Field(primary_key=True, max_length=64)
    tracking_code: str | None = Field(default=None, max_length=32)
    status: str = Field(default="triage", max_length=20, index=True)
    department: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=32)
    subcategory: str | None = Field(default=None, max_length=32)
    town: str | None = Field(default=None, max_length=32)
    urgent: bool = False
    received_at: datetime | None = Field(default=None, sa_column=_at(index=True))
    assign_due: datetime | None = Field(default=None, sa_column=_at())
    assigned_at: datetime | None = Field(default=None, sa_column=_at())  # the first assignment
    last_assigned_at: datetime | None = Field(default=None, sa_column=_at())  # starts accept/reply
    accept_due: datetime | None = Field(default=None, sa_column=_at())
    accepted_at: datetime | None = Field(default=None, sa_column=_at())
    reply_due: datetime | None = Field(default=None, sa_column=_at())  # current, after extensions
    replied_at: datetime | None = Field(default=None, sa_column=_at())
    reply_round: int = 1
    valid: bool = True  # False once rejected (not a complaint)
    merged_into: str | None = Field(default=None, max_length=64)  # a duplicate counts with its master
    # Warning state per clock: the cycle (a new deadline starts a new one) and the last level sent.
    assign_cycle: int = 1
    assign_level: str = Field(default="none", max_length=12)
    accept_cycle: int = 0
    accept_level: str = Field(default="none", max_length=12)
    reply_cycle: int = 0
    reply_level: str = Field(default="none", max_length=12)
    updated_at: datetime = Field(sa_column=_at(nullable=False))


class ReplyRoundRow(SQLModel, table=True):
    """One reply commitment (回复轮次): a reopened case starts a new round with its own deadline."""

    __tablename__ = "notify_reply_rounds"

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    department: str | None = Field(default=None, max_length=64)
    reply_due: datetime = Field(sa_column=_at(index=True, nullable=False))
    replied_at: datetime | None = Field(default=None, sa_column=_at(index=True))


class RatingRow(SQLModel, table=True):
    """The latest rating of one reply round, whichever way it came (callback link, phone, tracking page)."""

    __tablename__ = "notify_ratings"

    complaint_id: str = Field(primary_key=True, max_length=64)
    reply_round: int = Field(primary_key=True)
    tracking_code: str | None = Field(default=None, max_length=32)
    rating: str = Field(max_length=24)
    via: str = Field(max_length=24)
    rated_at: datetime = Field(sa_column=_at(index=True, nullable=False))


class AlertRow(SQLModel, table=True):
    """A warning (预警) or escalation (督办) sent: at most one per clock, cycle and level."""

    __tablename__ = "notify_alerts"
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "clock", "cycle", "level", name="uq_notify_alerts_once"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    complaint_id: str = Field(max_length=64, index=True)
    tracking_code: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=64, index=True)
    clock: str = Field(max_length=12)
    cycle: int
    level: str = Field(max_length=12)
    reply_round: int = 1
    due: datetime = Field(sa_column=_at(nullable=False))
    created_at: datetime = Field(sa_column=_at(index=True, nullable=False))


TABLES = [CaseRow.__table__, ReplyRoundRow.__table__, RatingRow.__table__, AlertRow.__table__]  # type: ignore[attr-defined]
