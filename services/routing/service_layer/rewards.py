"""Reward handlers (举报奖励, docs/rewards.md), registered in handlers.py's tables: an investigation signed off with
a qualifying finding opens a reward for the first real-name reporter of that violation; a supervisor approves
it (amount, reason), refuses it (reason), records its payment or its lapse. Who the reporter is (the winning
report, its masked phone) is shown here and nowhere else; the reward's trail says who did what.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from services.routing.domain.investigations import ActionKind
from services.routing.domain.reward_commands import (
    ApproveReward,
    GetReward,
    ListRewards,
    RecordRewardLapse,
    RecordRewardPayment,
    RejectReward,
)
from services.routing.domain.rewards import (
    CAP_YUAN,
    CLAIM_DAYS,
    METHOD_LABELS,
    STATUS_LABELS,
    Reward,
    RewardNotFound,
    Status,
    choose_first_reporter,
    qualifies,
)
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.events import ComplaintAnonymisedV1, InvestigationSignedOffV1
from shared.scrub import scrub

log = logging.getLogger(__name__)
View = dict[str, Any]
MAX_PAGE = 100


# --- events -------------------------------------------------------------------------------------------------


def open_reward(event: InvestigationSignedOffV1, uow: RoutingUnitOfWork) -> None:
    """销号 with 属实/部分属实 and an action: a reward for the first real-name reporter, waiting for approval.
    Nothing when the finding does not qualify, when no report may be rewarded (all anonymous, patrol findings),
    or when the case has its reward already (a redelivered event)."""
    if uow.rewards.for_finding(event.complaint_id) is not None:
        return
    investigation = uow.investigations.get(event.complaint_id)
    if investigation is None or investigation.finding is None:
        return
    if not qualifies(investigation.finding.value, len(investigation.actions), investigation.signed_off_at is not None):
        return
    choice = choose_first_reporter(uow.rewards.reports_of(event.complaint_id))
    if choice.first is None:
        log.info("reward: no report of case %s may be rewarded (%d weighed)", event.complaint_id, len(choice.weighed))
        return
    penalty = sum((a.amount or Decimal(0) for a in investigation.actions if a.kind == ActionKind.penalty), Decimal(0))
    uow.rewards.add(Reward.open(
        reward_id=str(uuid.uuid4()), complaint_id=investigation.complaint_id, tracking_code=investigation.tracking_code,
        department=investigation.department, finding=investigation.finding.value, penalty=penalty,
        actions=[a.kind.value for a in investigation.actions], choice=choice, at=uow.clock.now()))
    uow.commit()


def anonymise_rewards(event: ComplaintAnonymisedV1, uow: RoutingUnitOfWork) -> None:
    """保存期限: a reward whose rewarded report was anonymised loses the reporter's masked phone (and any phone or
    ID-card number in its texts); the amounts and dates stay as the finance record. It does not commit: it runs
    before anonymise_case, whose commit (or the consumer's) writes it with the rest."""
    for reward in uow.rewards.of_winner(event.complaint_id):
        reward.anonymise(event.complaint_id, scrub, at=event.anonymised_at)


# --- commands -----------------------------------------------------------------------------------------------


def _reward(uow: RoutingUnitOfWork, reward_id: str) -> Reward:
    reward = uow.rewards.get(reward_id, for_update=True)
    if reward is None:
        raise RewardNotFound(f"没有这项奖励 / no such reward: {reward_id}")
    return reward


def approve_reward(command: ApproveReward, uow: RoutingUnitOfWork) -> View:
    reward = _reward(uow, command.reward_id)
    reward.approve(amount=command.amount, reason=command.reason, by=command.actor, now=uow.clock.now())
    uow.commit()
    return reward_view(reward)


def reject_reward(command: RejectReward, uow: RoutingUnitOfWork) -> View:
    reward = _reward(uow, command.reward_id)
    reward.reject(reason=command.reason, by=command.actor, now=uow.clock.now())
    uow.commit()
    return reward_view(reward)


def record_payment(command: RecordRewardPayment, uow: RoutingUnitOfWork) -> View:
    reward = _reward(uow, command.reward_id)
    reward.pay(claimed_on=command.claimed_on, paid_on=command.paid_on, method=command.method,
               paid_by=command.paid_by, reference=command.reference, by=command.actor, now=uow.clock.now())
    uow.commit()
    return reward_view(reward)


def record_lapse(command: RecordRewardLapse, uow: RoutingUnitOfWork) -> View:
    reward = _reward(uow, command.reward_id)
    reward.lapse(by=command.actor, now=uow.clock.now())
    uow.commit()
    return reward_view(reward)


# --- queries ------------------------------------------------------------------------------------------------


def list_rewards(query: ListRewards, uow: RoutingUnitOfWork) -> View:
    limit = min(max(query.limit, 1), MAX_PAGE)
    offset = max(query.offset, 0)
    rewards, total = uow.rewards.page(status=query.status, limit=limit, offset=offset)
    counts = uow.rewards.counts()
    return {"items": [reward_view(r) for r in rewards], "total": total, "offset": offset, "limit": limit,
            "next_offset": offset + limit if offset + limit < total else None,
            "counts": {s.value: counts.get(s.value, 0) for s in Status},
            "rules": {"cap_yuan": str(CAP_YUAN), "claim_days": CLAIM_DAYS}}


def get_reward(query: GetReward, uow: RoutingUnitOfWork) -> View:
    reward = uow.rewards.get(query.reward_id)
    if reward is None:
        raise RewardNotFound(f"没有这项奖励 / no such reward: {query.reward_id}")
    return reward_view(reward)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def reward_view(reward: Reward) -> View:
    """What a supervisor sees of a reward: the finding, the first reporter's report (masked phone), why it won,
    the decision, the payment and the trail."""
    return {
        "id": reward.id, "complaint_id": reward.complaint_id, "tracking_code": reward.tracking_code,
        "department": reward.department, "finding": reward.finding, "penalty_yuan": str(reward.penalty_yuan),
        "actions": reward.actions, "status": reward.status.value, "status_label": STATUS_LABELS[reward.status],
        "reporter": {"complaint_id": reward.winner_complaint_id, "tracking_code": reward.winner_tracking_code,
                     "phone_masked": reward.winner_phone_masked, "received_at": reward.winner_received_at.isoformat()},
        "explanation": reward.explanation, "suggested_yuan": str(reward.suggested_yuan),
        "created_at": reward.created_at.isoformat(),
        "amount_yuan": str(reward.amount_yuan) if reward.amount_yuan is not None else None,
        "decided_at": _iso(reward.decided_at), "decided_by": reward.decided_by,
        "decision_reason": reward.decision_reason, "claim_due": _iso(reward.claim_due),
        "payment": None if reward.paid_on is None else {
            "claimed_on": _iso(reward.claimed_on), "paid_on": _iso(reward.paid_on),
            "method": reward.payment_method.value if reward.payment_method else None,
            "method_label": METHOD_LABELS[reward.payment_method] if reward.payment_method else None,
            "paid_by": reward.paid_by, "reference": reward.payment_reference,
            "recorded_at": _iso(reward.payment_recorded_at), "recorded_by": reward.payment_recorded_by},
        "lapsed_at": _iso(reward.lapsed_at), "lapsed_by": reward.lapsed_by,
        "trail": [{"at": t.at.isoformat(), "by": t.by, "action": t.action, "detail": t.detail} for t in reward.trail],
    }


Handler = Callable[..., Any]

REWARD_HANDLERS: dict[type, Handler] = {
    ApproveReward: approve_reward,
    RejectReward: reject_reward,
    RecordRewardPayment: record_payment,
    RecordRewardLapse: record_lapse,
    # queries
    ListRewards: list_rewards,
    GetReward: get_reward,
}
