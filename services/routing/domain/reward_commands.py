"""Commands and queries of rewards for reporters (举报奖励, docs/rewards.md); a supervisor gives each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.routing.domain.rewards import PaymentMethod, Status


@dataclass(frozen=True)
class ApproveReward:
    reward_id: str
    actor: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class RejectReward:
    reward_id: str
    actor: str
    reason: str


@dataclass(frozen=True)
class RecordRewardPayment:
    reward_id: str
    actor: str
    claimed_on: date
    paid_on: date
    method: PaymentMethod
    paid_by: str
    reference: str | None = None


@dataclass(frozen=True)
class RecordRewardLapse:
    reward_id: str
    actor: str


# --- queries ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRewards:
    status: Status | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class GetReward:
    reward_id: str
