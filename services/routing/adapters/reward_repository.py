"""The Reward aggregate in and out of routing_rewards (held and written at commit), the reward list, and the
reports of the same violation a new reward weighs (routing_cases: merged into the case, or on the same firm)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from services.routing.adapters.investigation_tables import RoutingInvestigation
from services.routing.adapters.reward_tables import RoutingReward
from services.routing.adapters.tables import RoutingCase
from services.routing.domain.rewards import (
    SAME_FIRM_DAYS,
    PaymentMethod,
    Relation,
    Report,
    Reward,
    Status,
    TrailEntry,
)
from shared.repository import Repository

_PLAIN = ("id", "complaint_id", "tracking_code", "department", "finding", "actions", "winner_complaint_id",
          "winner_tracking_code", "winner_phone_masked", "winner_received_at", "explanation", "created_at",
          "decided_at", "decided_by", "decision_reason", "claim_due", "claimed_on", "paid_on", "paid_by",
          "payment_reference", "payment_recorded_at", "payment_recorded_by", "lapsed_at", "lapsed_by")
_MERGE_DEPTH = 10  # 并单 chains are short; a cycle cannot occur (a master is open), this only bounds the walk


def _reward(row: RoutingReward) -> Reward:
    return Reward(
        **{name: getattr(row, name) for name in _PLAIN},
        penalty_yuan=Decimal(row.penalty_yuan), suggested_yuan=Decimal(row.suggested_yuan),
        status=Status(row.status), amount_yuan=Decimal(row.amount_yuan) if row.amount_yuan is not None else None,
        payment_method=PaymentMethod(row.payment_method) if row.payment_method else None,
        trail=[TrailEntry(_aware(t["at"]), t["by"], t["action"], t.get("detail", {})) for t in row.trail])


def _aware(text: str) -> datetime:
    return datetime.fromisoformat(text)


class RewardRepository(Repository[Reward]):
    def add(self, reward: Reward) -> Reward:
        return self._hold(reward.id, reward, new=True)

    def get(self, reward_id: str, *, for_update: bool = False) -> Reward | None:
        if (held := self.held(reward_id)) is not None:
            return held
        query = select(RoutingReward).where(col(RoutingReward.id) == reward_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        return self._hold(reward_id, _reward(row), new=False) if row is not None else None

    def for_finding(self, complaint_id: str) -> str | None:
        """The id of the reward for this signed-off case, if there is one."""
        return self.session.scalar(select(col(RoutingReward.id)).where(col(RoutingReward.complaint_id) == complaint_id))

    def of_winner(self, complaint_id: str) -> list[Reward]:
        """The rewards whose first reporter's report is this complaint (for retention)."""
        ids = self.session.scalars(select(col(RoutingReward.id))
                                   .where(col(RoutingReward.winner_complaint_id) == complaint_id)).all()
        return [reward for reward_id in ids if (reward := self.get(reward_id, for_update=True)) is not None]

    def page(self, *, status: Status | None, limit: int, offset: int) -> tuple[list[Reward], int]:
        """Rewards, the latest first (a status: those only), a page, and how many in all."""
        where = [col(RoutingReward.status) == status.value] if status is not None else []
        total = self.session.scalar(select(func.count()).select_from(RoutingReward).where(*where)) or 0
        rows = self.session.scalars(select(RoutingReward).where(*where)
                                    .order_by(col(RoutingReward.created_at).desc(), col(RoutingReward.id))
                                    .limit(limit).offset(offset)).all()
        return [self.held(row.id) or _reward(row) for row in rows], total

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(select(col(RoutingReward.status), func.count()).group_by(col(RoutingReward.status)))
        return {status: count for status, count in rows}

    def reports_of(self, complaint_id: str) -> list[Report]:
        """The reports of the violation found in this case: the case, the cases merged into it (through chains),
        and the cases on the same firm, of the same type, received in the SAME_FIRM_DAYS before it, neither
        refused nor merged elsewhere, with no finding of their own. `rewarded_before`: the report won another
        reward that was not refused."""
        case = self.session.get(RoutingCase, complaint_id)
        if case is None:
            return []
        found: dict[str, tuple[RoutingCase, Relation]] = {case.complaint_id: (case, Relation.case)}
        frontier = [case.complaint_id]
        for _ in range(_MERGE_DEPTH):
            if not frontier:
                break
            merged = self.session.scalars(select(RoutingCase).where(col(RoutingCase.merged_into).in_(frontier))).all()
            frontier = [row.complaint_id for row in merged if row.complaint_id not in found]
            found.update({row.complaint_id: (row, Relation.merged) for row in merged if row.complaint_id in frontier})
        if case.firm_id is not None and case.category is not None:
            own_finding = select(col(RoutingInvestigation.complaint_id)).where(
                col(RoutingInvestigation.finding).is_not(None))
            same = self.session.scalars(select(RoutingCase).where(
                col(RoutingCase.firm_id) == case.firm_id, col(RoutingCase.category) == case.category,
                col(RoutingCase.received_at) >= case.received_at - timedelta(days=SAME_FIRM_DAYS),
                col(RoutingCase.received_at) <= case.received_at,
                col(RoutingCase.status).not_in(("rejected", "merged")),
                col(RoutingCase.complaint_id).not_in(own_finding))).all()
            found.update({row.complaint_id: (row, Relation.same_firm) for row in same if row.complaint_id not in found})
        won = set(self.session.scalars(select(col(RoutingReward.winner_complaint_id)).where(
            col(RoutingReward.winner_complaint_id).in_(list(found)),
            col(RoutingReward.status) != Status.rejected.value)))
        return [Report(row.complaint_id, row.tracking_code, row.received_at, row.channel, row.reporter_phone_masked,
                       relation, rewarded_before=row.complaint_id in won) for row, relation in found.values()]

    def _write(self, reward: Reward, before: Reward | None) -> None:
        columns: dict[str, Any] = {name: getattr(reward, name) for name in _PLAIN}
        columns.update(
            penalty_yuan=str(reward.penalty_yuan), suggested_yuan=str(reward.suggested_yuan),
            status=reward.status.value,
            amount_yuan=str(reward.amount_yuan) if reward.amount_yuan is not None else None,
            payment_method=reward.payment_method.value if reward.payment_method else None,
            trail=[{"at": t.at.isoformat(), "by": t.by, "action": t.action, "detail": t.detail} for t in reward.trail],
            actions=list(reward.actions), explanation=list(reward.explanation))
        if before is None:
            self.session.add(RoutingReward(**columns))
        else:
            row = self.session.get_one(RoutingReward, reward.id)
            for name, value in columns.items():
                setattr(row, name, value)
        self.session.flush()
