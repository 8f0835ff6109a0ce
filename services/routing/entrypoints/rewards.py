"""HTTP routes of rewards for reporters (举报奖励, docs/rewards.md): supervisors (and administrators) list them,
approve one with an amount and a reason, refuse one with a reason, record its payment or its lapse. No one
else sees a reward: who reported is confidential. Each route builds a command or query for the bus; domain
errors become their status at the edge (shared.http)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.routing.domain.reward_commands import (
    ApproveReward,
    GetReward,
    ListRewards,
    RecordRewardLapse,
    RecordRewardPayment,
    RejectReward,
)
from services.routing.domain.rewards import CAP_YUAN, PaymentMethod, Status
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

Reason = Annotated[str, *_text(2, 500)]
Who = Annotated[str, *_text(1, 100)]
RewardId = Annotated[str, Path(min_length=1, max_length=36)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveBody(_Body):
    amount_yuan: Decimal = Field(gt=0, le=CAP_YUAN, max_digits=7, decimal_places=2,
                                 description=f"奖励金额（元，大于 0、不超过 {CAP_YUAN}，最多两位小数）")
    reason: Reason = Field(description="审批意见（金额依据）")


class RejectBody(_Body):
    reason: Reason = Field(description="不予奖励的理由")


class PaymentBody(_Body):
    claimed_on: date = Field(description="举报人领取日期（YYYY-MM-DD，不晚于领取期限）")
    paid_on: date = Field(description="发放日期（不早于领取日期、不晚于今天）")
    method: PaymentMethod = Field(description="bank_transfer 银行转账 | cash 现金 | other 其他")
    paid_by: Who = Field(description="经办人（发放人）")
    reference: Annotated[str, *_text(1, 64)] | None = Field(None, description="凭证号（选填）")


class LapseBody(_Body):
    pass


def build_rewards_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    supervisor = auth_deps(jwt_key).role("supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing", "rewards"])

    @router.get("/rewards", summary="举报奖励 / rewards for reporters, the latest first (supervisors)")
    def rewards(status: Annotated[Status | None, Query(description="eligible 待审批 | approved 待领取 | paid 已发放 | "
                                                                   "lapsed 逾期失效 | rejected 不予奖励")] = None,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                limit: Annotated[int, Query(ge=1, le=100)] = 50,
                _principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(ListRewards(status, limit, offset))  # type: ignore[no-any-return]

    @router.get("/rewards/{reward_id}", summary="一项举报奖励 / one reward, with why its reporter was chosen",
                responses=error_responses(404))
    def reward(reward_id: RewardId, _principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(GetReward(reward_id))  # type: ignore[no-any-return]

    @router.post("/rewards/{reward_id}/approve", responses=error_responses(404, 409),
                 summary="审批通过 / approve with an amount and a reason")
    def approve(reward_id: RewardId, body: ApproveBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(ApproveReward(  # type: ignore[no-any-return]
            reward_id, principal.username, body.amount_yuan, body.reason))

    @router.post("/rewards/{reward_id}/reject", responses=error_responses(404, 409),
                 summary="不予奖励 / refuse with a reason")
    def reject(reward_id: RewardId, body: RejectBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RejectReward(reward_id, principal.username, body.reason))  # type: ignore[no-any-return]

    @router.post("/rewards/{reward_id}/payment", responses=error_responses(404, 409),
                 summary="登记发放 / record the payment")
    def payment(reward_id: RewardId, body: PaymentBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RecordRewardPayment(  # type: ignore[no-any-return]
            reward_id, principal.username, body.claimed_on, body.paid_on, body.method, body.paid_by, body.reference))

    @router.post("/rewards/{reward_id}/lapse", responses=error_responses(404, 409),
                 summary="登记逾期失效 / record that it was not claimed in time")
    def lapse(reward_id: RewardId, body: LapseBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RecordRewardLapse(reward_id, principal.username))  # type: ignore[no-any-return]

    return router
