"""Tables of rewards for reporters (举报奖励, docs/rewards.md): one row per reward, its explanation (the reports
weighed) and its audit trail as JSON. An amount is a string of yuan ("500.00"), as in investigations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime


def _time(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=nullable))


class RoutingReward(SQLModel, table=True):
    """One per finding (the signed-off case); the winner is the first reporter's report."""

    __tablename__ = "routing_rewards"
    __table_args__ = (sa.Index("ix_routing_rewards_status_created", "status", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    complaint_id: str = Field(max_length=64, foreign_key="routing_cases.complaint_id", index=True,
                              unique=True)
    tracking_code: str = Field(max_length=32)
    department: str = Field(max_length=64)
    finding: str = Field(max_length=16)
    penalty_yuan: str = Field(max_length=16)
    actions: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    winner_complaint_id: str = Field(max_length=64, index=True)
    winner_tracking_code: str = Field(max_length=32)
    winner_phone_masked: str | None = Field(default=None, max_length=32)
    winner_received_at: datetime = _time()
    explanation: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    suggested_yuan: str = Field(max_length=16)
    created_at: datetime = _time()
    status: str = Field(max_length=16)
    amount_yuan: str | None = Field(default=None, max_length=16)
    decided_at: datetime | None = _time(nullable=True)
    decided_by: str | None = Field(default=None, max_length=100)
    decision_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    claim_due: date | None = None
    claimed_on: date | None = None
    paid_on: date | None = None
    payment_method: str | None = Field(default=None, max_length=16)
    paid_by: str | None = Field(default=None, max_length=100)
    payment_reference: str | None = Field(default=None, max_length=64)
    payment_recorded_at: datetime | None = _time(nullable=True)
    payment_recorded_by: str | None = Field(default=None, max_length=100)
    lapsed_at: datetime | None = _time(nullable=True)
    lapsed_by: str | None = Field(default=None, max_length=100)
    trail: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))


REWARD_TABLES: list[sa.Table] = [RoutingReward.__table__]  # type: ignore[attr-defined]
