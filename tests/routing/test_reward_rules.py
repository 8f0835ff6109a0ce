"""举报奖励's rules, pure (services/routing/domain/rewards.py): which report is the first reporter's and why the
others are not, the tiers and the cap, the claim period, the payment's dates, the lapse, retention; the events
carry no reporter except the one approval must tell. Over HTTP: tests/e2e/test_rewards.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.routing.domain.rewards import (
    CAP_YUAN,
    PaymentMethod,
    Relation,
    Report,
    Reward,
    RewardInvalid,
    RewardRefused,
    Standing,
    Status,
    choose_first_reporter,
    qualifies,
    suggested_amount,
)
from shared.clock import SHANGHAI
from shared.contracts.events import RewardApprovedV1, RewardEligibleV1, RewardPaidV1
from shared.scrub import scrub

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


def report(code: str, minutes: int, *, phone: str | None = "139****0001", channel: str = "web",
           relation: Relation = Relation.merged, rewarded_before: bool = False) -> Report:
    return Report(f"id-{code}", code, T0 + timedelta(minutes=minutes), channel, phone, relation, rewarded_before)


def test_the_earliest_real_name_citizen_report_wins_and_each_other_says_why():
    choice = choose_first_reporter([
        report("HC05", 50, relation=Relation.case),
        report("HC01", 0, phone="匿名"),
        report("HC02", 10, channel="grid"),
        report("HC03", 20, rewarded_before=True),
        report("HC04", 30, phone=None),
        report("HC06", 40, relation=Relation.same_firm),
        report("HC07", 60, channel="upstream"),
    ])
    assert choice.first is not None and choice.first.tracking_code == "HC06"
    assert [(r.tracking_code, s) for r, s in choice.weighed] == [
        ("HC01", Standing.anonymous), ("HC02", Standing.not_citizen), ("HC03", Standing.rewarded_before),
        ("HC04", Standing.anonymous), ("HC06", Standing.first), ("HC05", Standing.later),
        ("HC07", Standing.not_citizen)]
    explained = choice.explanation()
    assert explained[4]["relation_label"] == "同一企业" and explained[4]["standing_label"].startswith("最先实名举报")


def test_a_tie_goes_to_the_smaller_tracking_code_whatever_the_order_given():
    a, b = report("HC0002", 0), report("HC0001", 0)
    assert choose_first_reporter([a, b]).first == b
    assert choose_first_reporter([b, a]).first == b


def test_nobody_wins_when_every_report_is_anonymous_or_a_patrol_finding():
    choice = choose_first_reporter([report("HC01", 0, phone="匿名"), report("HC02", 5, channel="grid")])
    assert choice.first is None and len(choice.weighed) == 2
    with pytest.raises(RewardRefused):
        Reward.open(reward_id="r", complaint_id="c", tracking_code="HC02", department="d", finding="true",
                    penalty=Decimal(0), actions=["rectify"], choice=choice, at=T0)


@pytest.mark.parametrize(("penalty", "amount"), [
    ("0", "200"), ("0.01", "500"), ("9999.99", "500"), ("10000", "1000"), ("99999.99", "1000"),
    ("100000", "3000"), ("999999.99", "3000"), ("1000000", "5000"), ("100000000", "5000")])
def test_the_tiers_follow_the_penalty_and_never_pass_the_cap(penalty, amount):
    assert suggested_amount(Decimal(penalty)) == Decimal(amount) <= CAP_YUAN


def test_only_a_signed_off_true_finding_with_an_action_qualifies():
    assert qualifies("true", 1, True) and qualifies("partly", 2, True)
    assert not qualifies("false", 1, True) and not qualifies("true", 0, True) and not qualifies("true", 1, False)
    assert not qualifies(None, 1, True)


def opened() -> Reward:
    choice = choose_first_reporter([report("HC01", 0, phone="匿名"), report("HC02", 10),
                                    report("HC03", 20, relation=Relation.case)])
    return Reward.open(reward_id="r1", complaint_id="id-HC03", tracking_code="HC03", department="housing",
                       finding="true", penalty=Decimal("20000.50"), actions=["penalty"], choice=choice, at=T0)


def test_opened_it_waits_for_approval_and_its_event_names_no_reporter():
    reward = opened()
    assert (reward.status, reward.winner_tracking_code, reward.suggested_yuan) == (Status.eligible, "HC02",
                                                                                    Decimal("1000"))
    [event] = reward.pull_events()
    assert isinstance(event, RewardEligibleV1) and event.complaint_id == "id-HC03" and event.candidates == 3
    assert "id-HC02" not in event.model_dump_json() and "0001" not in event.model_dump_json()


def test_approval_is_within_the_cap_tells_the_winner_and_gives_90_days():
    reward = opened()
    reward.pull_events()
    for wrong in ("0", "10000.01", "12.345", "-5"):
        with pytest.raises(RewardInvalid):
            reward.approve(amount=wrong, reason="按档次", by="sup", now=T0)
    reward.approve(amount="800", reason="按档次", by="sup", now=T0 + timedelta(days=1))
    assert (reward.status, reward.amount_yuan, reward.claim_due) == (Status.approved, Decimal("800.00"),
                                                                      date(2027, 2, 25))
    [event] = reward.pull_events()
    assert isinstance(event, RewardApprovedV1)
    assert (event.complaint_id, event.tracking_code, event.claim_due) == ("id-HC02", "HC02", date(2027, 2, 25))
    with pytest.raises(RewardRefused):
        reward.reject(reason="改变主意", by="sup", now=T0)


def test_the_payment_is_claimed_in_time_paid_after_the_claim_and_not_in_the_future():
    reward = opened()
    reward.approve(amount="800", reason="按档次", by="sup", now=T0)
    now = T0 + timedelta(days=10)
    pay: dict[str, Any] = {"method": PaymentMethod.cash, "paid_by": "李会计", "reference": None, "by": "sup",
                           "now": now}
    with pytest.raises(RewardInvalid):  # claimed before the approval
        reward.pay(claimed_on=date(2026, 11, 25), paid_on=date(2026, 11, 30), **pay)
    with pytest.raises(RewardInvalid):  # paid before it was claimed
        reward.pay(claimed_on=date(2026, 11, 30), paid_on=date(2026, 11, 29), **pay)
    with pytest.raises(RewardInvalid):  # paid tomorrow
        reward.pay(claimed_on=date(2026, 12, 6), paid_on=date(2026, 12, 7), **pay)
    reward.pull_events()
    reward.pay(claimed_on=date(2026, 11, 30), paid_on=date(2026, 12, 1), **pay)
    assert reward.status == Status.paid and [t.action for t in reward.trail] == ["eligible", "approved", "paid"]
    [event] = reward.pull_events()
    assert isinstance(event, RewardPaidV1) and event.complaint_id == "id-HC03" and event.method == "cash"
    with pytest.raises(RewardRefused):
        reward.lapse(by="sup", now=now + timedelta(days=200))


def test_it_lapses_only_after_its_last_day_and_is_then_not_paid():
    reward = opened()
    reward.approve(amount="800", reason="按档次", by="sup", now=T0)
    last = T0 + timedelta(days=90)
    with pytest.raises(RewardRefused):
        reward.lapse(by="sup", now=last.replace(hour=23, minute=59))
    with pytest.raises(RewardRefused):  # claimed the day after the last
        reward.pay(claimed_on=(last + timedelta(days=1)).date(), paid_on=(last + timedelta(days=1)).date(),
                   method=PaymentMethod.cash, paid_by="李会计", reference=None, by="sup", now=last + timedelta(days=1))
    reward.lapse(by="sup", now=last + timedelta(days=1))
    assert reward.status == Status.lapsed and reward.lapsed_by == "sup"


def test_retention_removes_the_reporters_masked_phone_and_numbers_in_its_texts():
    reward = opened()
    reward.approve(amount="800", reason="举报人电话13912345678已核实", by="sup", now=T0)
    assert not reward.anonymise("id-HC03", scrub, at=T0)  # not the rewarded report
    assert reward.anonymise("id-HC02", scrub, at=T0)
    assert reward.winner_phone_masked is None and "13912345678" not in (reward.decision_reason or "")
    assert reward.amount_yuan == Decimal("800.00") and reward.trail[-1].action == "anonymised"
    assert not reward.anonymise("id-HC02", scrub, at=T0)  # once
