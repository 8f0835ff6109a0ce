"""The Case aggregate's state machine: legal transitions move it and leave an audit trail; illegal ones raise."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.routing.domain.case import Case, ExtensionStatus, Status
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.errors import IllegalTransition
from shared.clock import SHANGHAI

NOW = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)
DUE = Deadlines(accept_due=NOW + timedelta(days=1), return_due=NOW + timedelta(days=4),
                reply_due=NOW + timedelta(days=7))


def new_case() -> Case:
    return Case(complaint_id="c-1", tracking_code="HC1", channel="web", content="工地打桩噪音",
                received_at=NOW, assign_due=NOW + timedelta(days=1), category="noise", subcategory="construction")


def assigned_case() -> Case:
    case = new_case()
    case.assign(department="housing_construction", category="noise", subcategory="construction",
                rule="#1 noise/construction -> housing_construction", by="system", at=NOW, deadlines=DUE)
    return case


def test_assigning_starts_the_department_clocks_and_records_who_and_when():
    case = assigned_case()

    assert case.status == Status.assigned
    assert (case.department, case.assigned_at, case.reply_due) == ("housing_construction", NOW, DUE.reply_due)
    assert (case.history[-1].action, case.history[-1].actor, case.history[-1].at) == ("assigned", "system", NOW)


def test_accept_then_reply_records_each_transition():
    case = assigned_case()
    case.accept(by="li", at=NOW + timedelta(hours=1))
    implied = case.reply("已责令停工", by="li", at=NOW + timedelta(hours=5))

    assert not implied
    assert case.status == Status.replied and case.reply_text == "已责令停工"
    assert [h.action for h in case.history] == ["assigned", "accepted", "replied"]
    assert case.history[-1].at == NOW + timedelta(hours=5)


def test_a_reply_to_an_unsigned_case_implies_acceptance():
    case = assigned_case()

    assert case.reply("已处理", by="li", at=NOW)
    assert case.accepted_at == NOW
    assert [h.action for h in case.history][-2:] == ["accepted", "replied"]


@pytest.mark.parametrize("act", [
    lambda c: c.accept(by="li", at=NOW),
    lambda c: c.reply("再次回复", by="li", at=NOW),
    lambda c: c.return_case("不是我们的", by="li", at=NOW, assign_due=NOW),
    lambda c: c.request_extension(2, "需要监测", by="li", at=NOW, max_days=10),
])
def test_a_replied_case_refuses_further_department_actions(act):
    case = assigned_case()
    case.reply("已处理", by="li", at=NOW)

    with pytest.raises(IllegalTransition):
        act(case)


def test_a_case_cannot_be_accepted_twice():
    case = assigned_case()
    case.accept(by="li", at=NOW)

    with pytest.raises(IllegalTransition):
        case.accept(by="li", at=NOW)


def test_a_triaged_case_cannot_be_accepted_or_replied():
    case = new_case()
    case.send_to_triage(reason="低置信度", at=NOW)

    with pytest.raises(IllegalTransition):
        case.accept(by="li", at=NOW)
    with pytest.raises(IllegalTransition):
        case.reply("x", by="li", at=NOW)


def test_an_assigned_case_cannot_be_assigned_again():
    with pytest.raises(IllegalTransition):
        assigned_case().assign(department="ecology_env", category="noise", subcategory=None, rule="manual",
                               by="boss", at=NOW, deadlines=DUE)


def test_a_return_sends_the_case_to_triage_and_records_the_misrouting_rule():
    case = assigned_case()

    department, rule = case.return_case("属于工业噪声", by="li", at=NOW + timedelta(hours=2),
                                        assign_due=NOW + timedelta(days=1, hours=2))

    assert (department, rule) == ("housing_construction", "#1 noise/construction -> housing_construction")
    assert case.status == Status.triage and case.department is None and case.reply_due is None
    assert case.assign_due == NOW + timedelta(days=1, hours=2)
    returned = next(h for h in case.history if h.action == "returned")
    assert returned.detail["rule"] == rule and returned.detail["reason"] == "属于工业噪声"
    assert rule in case.triage_reason


def test_a_return_after_the_return_window_is_refused():
    case = assigned_case()

    with pytest.raises(IllegalTransition, match="return window"):
        case.return_case("太晚了", by="li", at=DUE.return_due + timedelta(seconds=1), assign_due=NOW)


def test_a_returned_case_can_be_assigned_again():
    case = assigned_case()
    case.return_case("不是我们的", by="li", at=NOW, assign_due=NOW)

    case.assign(department="ecology_env", category="noise", subcategory="industrial", rule="manual", by="boss",
                at=NOW, deadlines=DUE)

    assert case.status == Status.assigned and case.department == "ecology_env"


def test_an_extension_is_asked_once_at_a_time_and_only_before_the_reply_deadline():
    case = assigned_case()
    case.request_extension(3, "需要第三方监测", by="li", at=NOW, max_days=10)

    with pytest.raises(IllegalTransition, match="pending"):
        case.request_extension(1, "再延一天", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=False, by="boss", at=NOW, moved_reply_due=None)
    with pytest.raises(IllegalTransition, match="deadline"):
        case.request_extension(1, "太晚了", by="li", at=DUE.reply_due, max_days=10)


def test_extensions_may_not_exceed_the_maximum_in_all():
    case = assigned_case()
    case.request_extension(8, "需要监测", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=DUE.reply_due + timedelta(days=10))

    with pytest.raises(IllegalTransition, match="10"):
        case.request_extension(3, "还需要", by="li", at=NOW, max_days=10)


def test_an_approved_extension_moves_the_reply_deadline_and_a_refused_one_does_not():
    case = assigned_case()
    case.request_extension(2, "需要监测", by="li", at=NOW, max_days=10)
    moved = DUE.reply_due + timedelta(days=2)

    extension = case.decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=moved)

    assert extension.status == ExtensionStatus.approved and extension.decided_by == "boss"
    assert case.reply_due == moved
    case.request_extension(1, "再一天", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=False, by="boss", at=NOW, moved_reply_due=None)
    assert case.reply_due == moved


def test_deciding_without_a_pending_extension_is_refused():
    with pytest.raises(IllegalTransition):
        assigned_case().decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=NOW)


def test_every_transition_bumps_the_version():
    case = assigned_case()
    before = case.version
    case.accept(by="li", at=NOW)

    assert case.version == before + 1
