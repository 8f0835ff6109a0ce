"""Callbacks without a database: the reproducible sample, and how a callback ends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notify.domain.callbacks import Callback, CallbackPolicy, CallbackStatus, Reason, choose, draw
from services.notify.domain.errors import CallbackClosed, InvalidCallbackOutcome, InvalidResolution
from shared.clock import SHANGHAI
from shared.contracts.events import CallbackCompletedV1, CallbackDueV1

AT = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)


def test_the_draw_is_reproducible_and_takes_about_the_configured_share():
    assert draw("hechuan", "c1", 1) == draw("hechuan", "c1", 1)
    assert draw("hechuan", "c1", 1) != draw("hechuan", "c1", 2) != draw("another-seed", "c1", 1)
    policy = CallbackPolicy(share=0.3)
    chosen = [choose(policy, complaint_id=f"case-{i}", reply_round=1, department="d",
                     department_called_this_week=True) for i in range(4000)]
    share = sum(c is not None for c in chosen) / len(chosen)
    assert 0.27 < share < 0.33
    assert {c[0] for c in chosen if c is not None} == {Reason.sampled}


def test_a_department_not_called_this_week_gets_its_minimum_and_shares_are_per_department():
    policy = CallbackPolicy(share=0.0, shares={"ecology_env": 1.0})
    assert choose(policy, complaint_id="c1", reply_round=1, department="town_taihe",
                  department_called_this_week=True) is None
    reason, value = choose(policy, complaint_id="c1", reply_round=1, department="town_taihe",
                           department_called_this_week=False)
    assert reason is Reason.weekly_minimum and value == draw("hechuan", "c1", 1)
    assert choose(policy, complaint_id="c1", reply_round=1, department="ecology_env",
                  department_called_this_week=True)[0] is Reason.sampled


def opened() -> Callback:
    callback = Callback.open(complaint_id="c1", reply_round=1, tracking_code="HC1", department="ecology_env",
                             reason=Reason.sampled, replied_at=AT, due_at=AT + timedelta(days=3), at=AT, draw=0.1)
    [due] = callback.pull_events()
    assert isinstance(due, CallbackDueV1) and (due.reason, due.reply_round, due.due_at) == (
        "sampled", 1, AT + timedelta(days=3))
    return callback


def test_a_rating_by_phone_completes_the_callback_once():
    callback = opened()
    callback.record_call("no_answer", by="op", at=AT, note=None, max_attempts=3)
    assert callback.status is CallbackStatus.pending and callback.pull_events() == []
    callback.record_call("basically_satisfied", by="op", at=AT + timedelta(hours=1), note="基本满意", max_attempts=3,
                         resolution="partly_resolved")
    [done] = callback.pull_events()
    assert isinstance(done, CallbackCompletedV1)
    assert (done.outcome, done.completed_by, done.note, done.resolution) == (
        "basically_satisfied", "op", "基本满意", "partly_resolved")
    assert (callback.status, callback.attempts) == (CallbackStatus.done, 2)
    with pytest.raises(CallbackClosed):
        callback.record_call("satisfied", by="op", at=AT, note=None, max_attempts=3, resolution="resolved")


def test_a_rating_by_phone_needs_a_resolution_and_a_call_without_one_has_none():
    callback = opened()
    for outcome, resolution in (("satisfied", None), ("unsatisfied", "maybe"), ("no_answer", "resolved")):
        with pytest.raises(InvalidResolution):
            callback.record_call(outcome, by="op", at=AT, note=None, max_attempts=3, resolution=resolution)
    assert (callback.attempts, callback.status, callback.pull_events()) == (0, CallbackStatus.pending, [])


def test_the_last_call_without_a_rating_makes_the_citizen_unreachable():
    callback = opened()
    for outcome in ("no_answer", "refused"):
        callback.record_call(outcome, by="op", at=AT, note=None, max_attempts=2)
    [done] = callback.pull_events()
    assert done.outcome == "unreachable" and callback.status is CallbackStatus.unreachable


def test_an_online_rating_completes_a_pending_callback_without_an_event_and_bad_outcomes_are_refused():
    callback = opened()
    with pytest.raises(InvalidCallbackOutcome):
        callback.record_call("happy", by="op", at=AT, note=None, max_attempts=3)
    assert callback.rated_online("satisfied", at=AT) is True
    assert (callback.status, callback.outcome, callback.completed_by) == (CallbackStatus.done, "satisfied", "citizen")
    assert callback.rated_online("unsatisfied", at=AT) is False and callback.pull_events() == []
