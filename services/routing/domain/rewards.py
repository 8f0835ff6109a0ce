"""举报奖励 (rewards for reporters, docs/rewards.md): a real-name citizen whose report was found true (查证属实)
and led to enforcement (立案处罚, 责令整改 or 移送) is rewarded; when several reported the same violation, the
FIRST of them is.

    investigation signed off (销号) with 属实/部分属实 and an action ──▶ eligible (待审批, the first reporter chosen)
        ──▶ approved (已批准: amount and reason; the reporter told by SMS; 90 days to claim) ──▶ paid (已发放)
                                                                                          └──▶ lapsed (逾期失效)
        └──▶ rejected (不予奖励, with the reason)

**The first reporter.** The reports of the same violation are the signed-off case itself, the cases merged
into it (并单, also through a case merged into one merged into it), and the cases linked to the same firm (被举报
企业), of the same type, received in the SAME_FIRM_DAYS before it, not refused and with no finding of their own.
Among them the eligible ones are the reports of a citizen who gave a mobile number and did not ask to stay
anonymous (实名), through a citizen's channel (not a grid worker's patrol finding, not a case an upstream
platform transferred), not already the rewarded report of another reward. The first is the one received
earliest (受理时间); a tie goes to the smaller tracking code. Every report weighed is kept with why it won or did
not (`Standing`), so the choice can be explained.

Who the reporter is (the winning report, its masked phone) is seen by supervisors on the reward page only; the
events name the winning report only where it must be told (approved: intake sends the SMS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.routing.domain.money import parse_yuan
from services.routing.domain.petitions import local_day
from shared.contracts.events import (
    RewardApprovedV1,
    RewardEligibleV1,
    RewardLapsedV1,
    RewardPaidV1,
    RewardRejectedV1,
)
from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound

# --- errors ---------------------------------------------------------------------------------------------------


class RewardNotFound(NotFound):
    code = "reward_not_found"


class RewardRefused(Conflict):
    """The reward's state does not allow this now (already decided, paid, not yet past its claim day)."""

    code = "reward_refused"


class RewardInvalid(InvalidInput):
    """An amount above the cap or with three decimals, a payment day in the future, a claim after the last day."""

    code = "reward_invalid"


# --- rules ----------------------------------------------------------------------------------------------------

CLAIM_DAYS = 90  # 领取期限: from the day of approval
SAME_FIRM_DAYS = 30  # cases on the same firm and of the same type received this many days before count
CAP_YUAN = Decimal("10000")  # 奖励上限: no reward is approved above it
# 奖励档次: the suggestion, by the penalty imposed (the sum of 立案处罚 amounts): below the bound → the amount.
TIERS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("10000"), Decimal("500")),  # a penalty below 1万
    (Decimal("100000"), Decimal("1000")),  # 1万 to below 10万
    (Decimal("1000000"), Decimal("3000")),  # 10万 to below 100万
    (None, Decimal("5000")),  # 100万 or more
)
NO_PENALTY_YUAN = Decimal("200")  # 责令整改 or 移送 only, no fine
QUALIFYING_FINDINGS = ("true", "partly")  # 属实, 部分属实
CITIZEN_CHANNELS = ("web", "app", "hotline", "wechat", "open311")  # not grid (patrol), not upstream (transferred)
ANONYMOUS_MASK = "匿名"  # what routing holds for an anonymous reporter's number (shared.auth.ANONYMOUS)


def suggested_amount(penalty: Decimal) -> Decimal:
    """The tier's amount for a total penalty of `penalty` yuan (0: no fine, 责令整改 or 移送 only)."""
    if penalty <= 0:
        return NO_PENALTY_YUAN
    for bound, amount in TIERS:
        if bound is None or penalty < bound:
            return min(amount, CAP_YUAN)
    raise AssertionError("the last tier has no bound")  # pragma: no cover


class Status(StrEnum):
    eligible = "eligible"  # 待审批
    approved = "approved"  # 已批准，待领取
    paid = "paid"  # 已发放
    lapsed = "lapsed"  # 逾期失效
    rejected = "rejected"  # 不予奖励


STATUS_LABELS = {Status.eligible: "待审批", Status.approved: "待领取", Status.paid: "已发放",
                 Status.lapsed: "逾期失效", Status.rejected: "不予奖励"}


class PaymentMethod(StrEnum):
    bank_transfer = "bank_transfer"  # 银行转账
    cash = "cash"  # 现金
    other = "other"  # 其他


METHOD_LABELS = {PaymentMethod.bank_transfer: "银行转账", PaymentMethod.cash: "现金", PaymentMethod.other: "其他"}


class Relation(StrEnum):
    case = "case"  # the signed-off case itself
    merged = "merged"  # 并单: merged into it
    same_firm = "same_firm"  # the same firm, the same type, received shortly before


RELATION_LABELS = {Relation.case: "本案", Relation.merged: "并单", Relation.same_firm: "同一企业"}


class Standing(StrEnum):
    first = "first"  # 最先举报人: rewarded
    later = "later"  # 在后举报
    anonymous = "anonymous"  # 匿名或未留手机号
    not_citizen = "not_citizen"  # 网格巡查或上级转办
    rewarded_before = "rewarded_before"  # 已因另一线索获奖


STANDING_LABELS = {Standing.first: "最先实名举报，予以奖励", Standing.later: "举报在后",
                   Standing.anonymous: "匿名或未留手机号，不予奖励",
                   Standing.not_citizen: "网格巡查或上级转办，不予奖励",
                   Standing.rewarded_before: "已因另一线索获得奖励"}


@dataclass(frozen=True)
class Report:
    """One report of the violation, as routing knows it (no name, the phone masked)."""

    complaint_id: str
    tracking_code: str
    received_at: datetime
    channel: str
    phone_masked: str | None
    relation: Relation
    rewarded_before: bool = False

    @property
    def real_name(self) -> bool:
        return bool(self.phone_masked) and self.phone_masked != ANONYMOUS_MASK

    def standing(self) -> Standing | None:
        """Why it cannot win (None: it may)."""
        if self.channel not in CITIZEN_CHANNELS:
            return Standing.not_citizen
        if not self.real_name:
            return Standing.anonymous
        if self.rewarded_before:
            return Standing.rewarded_before
        return None


@dataclass(frozen=True)
class Choice:
    """The first reporter (None: no report may be rewarded) and every report weighed, earliest first."""

    first: Report | None
    weighed: list[tuple[Report, Standing]]

    def explanation(self) -> list[dict[str, Any]]:
        return [{"complaint_id": r.complaint_id, "tracking_code": r.tracking_code,
                 "received_at": r.received_at.isoformat(), "relation": r.relation.value,
                 "relation_label": RELATION_LABELS[r.relation], "standing": s.value,
                 "standing_label": STANDING_LABELS[s]} for r, s in self.weighed]


def choose_first_reporter(reports: list[Report]) -> Choice:
    """The earliest received eligible report (a tie: the smaller tracking code), every report's standing."""
    ordered = sorted({r.complaint_id: r for r in reports}.values(), key=lambda r: (r.received_at, r.tracking_code))
    first = next((r for r in ordered if r.standing() is None), None)
    weighed = [(r, Standing.first if r is first else (r.standing() or Standing.later)) for r in ordered]
    return Choice(first, weighed)


def qualifies(finding: str | None, actions: int, signed_off: bool) -> bool:
    """查证属实 and acted on: signed off (销号) with 属实/部分属实 and at least one 立案处罚, 责令整改 or 移送."""
    return signed_off and finding in QUALIFYING_FINDINGS and actions > 0


# --- the aggregate --------------------------------------------------------------------------------------------


@dataclass
class TrailEntry:
    """Who did what to the reward, and when (the reward's own audit trail)."""

    at: datetime
    by: str
    action: str  # eligible | approved | rejected | paid | lapsed | anonymised
    detail: dict[str, Any] = field(default_factory=dict)


def _amount(value: Decimal | str | int) -> Decimal:
    amount = parse_yuan(value, invalid=RewardInvalid)
    if amount <= 0 or amount > CAP_YUAN:
        raise RewardInvalid(f"奖励金额须大于 0 且不超过 {CAP_YUAN} 元 / a reward is above 0 and at most "
                            f"{CAP_YUAN} yuan")
    return amount


@dataclass
class Reward(Aggregate):
    id: str
    complaint_id: str  # the signed-off case: the finding the reward is for (one reward per finding)
    tracking_code: str
    department: str
    finding: str
    penalty_yuan: Decimal  # the sum of its 立案处罚 amounts (0: none)
    actions: list[str]  # the kinds of its actions (rectify, penalty, transfer)
    winner_complaint_id: str  # the first reporter's report
    winner_tracking_code: str
    winner_phone_masked: str | None
    winner_received_at: datetime
    explanation: list[dict[str, Any]]
    suggested_yuan: Decimal
    created_at: datetime
    status: Status = Status.eligible
    amount_yuan: Decimal | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    claim_due: date | None = None
    claimed_on: date | None = None
    paid_on: date | None = None
    payment_method: PaymentMethod | None = None
    paid_by: str | None = None  # who handed it over (as the finance office writes it)
    payment_reference: str | None = None  # the voucher's number
    payment_recorded_at: datetime | None = None
    payment_recorded_by: str | None = None
    lapsed_at: datetime | None = None
    lapsed_by: str | None = None
    trail: list[TrailEntry] = field(default_factory=list)

    @classmethod
    def open(cls, *, reward_id: str, complaint_id: str, tracking_code: str, department: str, finding: str,
             penalty: Decimal, actions: list[str], choice: Choice, at: datetime) -> Reward:
        """待审批: the first reporter chosen (the caller checked there is one) and the suggestion made."""
        first = choice.first
        if first is None:
            raise RewardRefused("没有可奖励的实名举报 / no report may be rewarded")
        reward = cls(id=reward_id, complaint_id=complaint_id, tracking_code=tracking_code, department=department,
                     finding=finding, penalty_yuan=penalty, actions=list(actions),
                     winner_complaint_id=first.complaint_id, winner_tracking_code=first.tracking_code,
                     winner_phone_masked=first.phone_masked, winner_received_at=first.received_at,
                     explanation=choice.explanation(), suggested_yuan=suggested_amount(penalty), created_at=at)
        reward._log("eligible", "system", at, suggested_yuan=str(reward.suggested_yuan),
                    candidates=len(choice.weighed))
        reward.record(RewardEligibleV1, reward_id=reward_id, candidates=len(choice.weighed), at=at)
        return reward

    def _log(self, action: str, by: str, at: datetime, **detail: Any) -> None:
        self.trail.append(TrailEntry(at, by, action, detail))

    def _require(self, what: str, *states: Status) -> None:
        if self.status not in states:
            raise RewardRefused(f"奖励状态为{STATUS_LABELS[self.status]}，不能{what} / a reward that is "
                                f"{self.status.value} cannot be {what}")

    def approve(self, *, amount: Decimal | str, reason: str, by: str, now: datetime) -> None:
        """审批通过: the amount (above 0, at most the cap) and why; the reporter has CLAIM_DAYS to claim it."""
        self._require("审批", Status.eligible)
        self.amount_yuan = _amount(amount)
        self.status, self.decided_at, self.decided_by, self.decision_reason = Status.approved, now, by, reason
        self.claim_due = local_day(now) + timedelta(days=CLAIM_DAYS)
        self._log("approved", by, now, amount_yuan=str(self.amount_yuan), claim_due=self.claim_due.isoformat())
        self.record(RewardApprovedV1, complaint_id=self.winner_complaint_id, tracking_code=self.winner_tracking_code,
                    reward_id=self.id, amount_yuan=self.amount_yuan, claim_due=self.claim_due, approved_at=now, by=by)

    def reject(self, *, reason: str, by: str, now: datetime) -> None:
        """不予奖励, with the reason (kept here, not in the event)."""
        self._require("不予奖励", Status.eligible)
        self.status, self.decided_at, self.decided_by, self.decision_reason = Status.rejected, now, by, reason
        self._log("rejected", by, now)
        self.record(RewardRejectedV1, reward_id=self.id, rejected_at=now, by=by)

    def pay(self, *, claimed_on: date, paid_on: date, method: PaymentMethod, paid_by: str, reference: str | None,
            by: str, now: datetime) -> None:
        """已发放: claimed by the last day (not before the approval), paid on or after the claim, not in the future."""
        self._require("登记发放", Status.approved)
        assert self.claim_due is not None and self.decided_at is not None
        today, approved_on = local_day(now), local_day(self.decided_at)
        if not approved_on <= claimed_on <= today:
            raise RewardInvalid(f"领取日期须在 {approved_on.isoformat()} 至今天之间 / the claim is between the "
                                "approval and today")
        if claimed_on > self.claim_due:
            raise RewardRefused(f"已超过领取期限（{self.claim_due.isoformat()}），请登记逾期失效 / claimed after the "
                                "last day: record it as lapsed")
        if not claimed_on <= paid_on <= today:
            raise RewardInvalid("发放日期须不早于领取日期、不晚于今天 / paid on or after the claim, not in the future")
        self.status, self.claimed_on, self.paid_on, self.payment_method = Status.paid, claimed_on, paid_on, method
        self.paid_by, self.payment_reference = paid_by, reference
        self.payment_recorded_at, self.payment_recorded_by = now, by
        self._log("paid", by, now, paid_on=paid_on.isoformat(), method=method.value)
        self.record(RewardPaidV1, reward_id=self.id, amount_yuan=self.amount_yuan, paid_on=paid_on,
                    method=method.value, at=now, by=by)

    def lapse(self, *, by: str, now: datetime) -> None:
        """逾期失效: approved and not claimed by its last day; recorded only after that day."""
        self._require("登记逾期失效", Status.approved)
        assert self.claim_due is not None
        if local_day(now) <= self.claim_due:
            raise RewardRefused(f"领取期限至 {self.claim_due.isoformat()}，尚未届满 / the reporter may claim it until "
                                f"{self.claim_due.isoformat()}")
        self.status, self.lapsed_at, self.lapsed_by = Status.lapsed, now, by
        self._log("lapsed", by, now, claim_due=self.claim_due.isoformat())
        self.record(RewardLapsedV1, reward_id=self.id, claim_due=self.claim_due, at=now, by=by)

    def anonymise(self, complaint_id: str, scrub: Any, *, at: datetime) -> bool:
        """保存期限: intake removed a reporter's personal data; the reward's copy loses the same (the masked phone,
        phone and ID-card numbers in its texts). The amounts, dates and who decided stay (the finance record)."""
        if complaint_id != self.winner_complaint_id or self.winner_phone_masked is None:
            return False
        self.winner_phone_masked = None
        self.decision_reason = scrub(self.decision_reason) if self.decision_reason else self.decision_reason
        self.paid_by = scrub(self.paid_by) if self.paid_by else self.paid_by
        self._log("anonymised", "system", at)
        return True
