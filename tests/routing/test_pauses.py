"""Paused clocks on the Case aggregate (domain/pauses.py): 派单异议 (dispute, uphold, reassign) and 挂起
(suspend, resume), with their refusals, audit trail and events; and DeadlinePolicy.add_working_seconds across a
weekend and a holiday. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.routing.domain.case import Case, Status
from services.routing.domain.deadlines import DeadlinePolicy, Deadlines
from services.routing.domain.errors import IllegalTransition
from services.routing.domain.pauses import DisputeStatus, SuspendReason, SuspensionLimits
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from shared.contracts.events import (
    AssignmentDisputedV1,
    CaseAssignedV1,
    CaseDispatchedV1,
    CaseResumedV1,
    CaseSuspendedV1,
    DisputeDecidedV1,
)

THU = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)  # a Thursday
FRI_16 = datetime(2026, 11, 27, 16, tzinfo=SHANGHAI)
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SHANGHAI)
HOUR = timedelta(hours=1)
POLICY = DeadlinePolicy(WorkingCalendar())
DUE = Deadlines(accept_due=datetime(2026, 11, 27, 10, tzinfo=SHANGHAI),
                return_due=datetime(2026, 11, 30, 10, tzinfo=SHANGHAI),
                reply_due=datetime(2026, 12, 3, 10, tzinfo=SHANGHAI))
LIMITS = SuspensionLimits(max_count=2, max_working_days=10)


def assigned_case() -> Case:
    case = Case(complaint_id="c-1", tracking_code="HC1", channel="web", content="工地打桩噪音", received_at=THU,
                assign_due=THU + timedelta(days=1), category="noise", subcategory="construction")
    case.assign(department="housing_construction", category="noise", subcategory="construction", rule="#1",
                by="system", at=THU, deadlines=DUE)
    case.pull_events()
    return case


def accepted_case() -> Case:
    case = assigned_case()
    case.accept(by="li", at=THU + HOUR)
    case.pull_events()
    return case


# --- working time -------------------------------------------------------------------------------------------

def test_adding_working_seconds_skips_the_weekend_and_a_holiday():
    assert POLICY.add_working_seconds(FRI_16, 8 * 3600) == datetime(2026, 11, 28, 0, tzinfo=SHANGHAI)  # Friday's end
    assert POLICY.add_working_seconds(FRI_16, 18 * 3600) == MON_10
    holiday = DeadlinePolicy(WorkingCalendar({date(2026, 11, 30): False}))  # Monday off
    assert holiday.add_working_seconds(FRI_16, 18 * 3600) == datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)
    saturday = datetime(2026, 11, 28, 15, tzinfo=SHANGHAI)  # counts from Monday 00:00
    assert POLICY.add_working_seconds(saturday, 3600) == datetime(2026, 11, 30, 1, tzinfo=SHANGHAI)
    for start, seconds in ((FRI_16, 18 * 3600), (saturday, 3600), (THU, 5 * 86400 + 7)):
        assert POLICY.working_seconds(start, POLICY.add_working_seconds(start, seconds)) == seconds
    assert POLICY.add_working_seconds(FRI_16, 0) == FRI_16


# --- 派单异议 ------------------------------------------------------------------------------------------------

def test_a_dispute_pauses_the_assignment_and_is_audited():
    case = assigned_case()
    case.dispute("不属于本部门职责，应由属地处理", proposed_department="heyangcheng", by="li", at=FRI_16)

    assert case.disputed_since == FRI_16 and case.open_dispute is not None
    assert case.history[-1].action == "disputed" and case.history[-1].detail["proposed_department"] == "heyangcheng"
    [event] = case.pull_events()
    assert isinstance(event, AssignmentDisputedV1)
    assert (event.department, event.proposed_department, event.disputed_at, event.by) == (
        "housing_construction", "heyangcheng", FRI_16, "li")


def test_while_disputed_the_department_can_neither_sign_reply_return_nor_dispute_again():
    case = assigned_case()
    case.dispute("不属于本部门职责", proposed_department=None, by="li", at=FRI_16)
    case.pull_events()
    with pytest.raises(IllegalTransition, match="异议"):
        case.accept(by="li", at=FRI_16 + HOUR)
    with pytest.raises(IllegalTransition, match="异议"):
        case.reply("已处理", by="li", at=FRI_16 + HOUR)
    with pytest.raises(IllegalTransition, match="异议"):
        case.return_case("不是我们的", by="li", at=FRI_16 + HOUR, assign_due=MON_10)
    with pytest.raises(IllegalTransition, match="已有待裁定"):
        case.dispute("再次异议", proposed_department=None, by="li", at=FRI_16 + HOUR)
    assert case.pending_events == [] and case.status == Status.assigned


def test_a_signed_case_cannot_be_disputed_but_can_still_be_returned():
    case = accepted_case()
    with pytest.raises(IllegalTransition, match="已签收"):
        case.dispute("不属于本部门职责", proposed_department=None, by="li", at=THU + 2 * HOUR)
    case.return_case("不属于本部门职责", by="li", at=THU + 2 * HOUR, assign_due=MON_10)
    assert case.status == Status.triage


def test_the_own_department_cannot_be_proposed():
    case = assigned_case()
    with pytest.raises(IllegalTransition, match="本部门"):
        case.dispute("理由说明", proposed_department="housing_construction", by="li", at=FRI_16)


def test_upholding_moves_both_deadlines_by_the_paused_working_time_and_closes_the_return_window():
    case = assigned_case()
    case.dispute("不属于本部门职责", proposed_department=None, by="li", at=FRI_16)
    case.pull_events()
    case.uphold_dispute(note="属于本部门职责", by="boss", at=MON_10, deadlines=POLICY)

    paused = 18 * 3600  # Friday 16:00-24:00 and Monday 00:00-10:00: the weekend does not count
    assert case.open_dispute is None and case.disputed_since is None
    assert case.disputes[0].status == DisputeStatus.upheld and case.disputes[0].paused_seconds == paused
    assert case.accept_due == POLICY.add_working_seconds(DUE.accept_due, paused)
    assert case.reply_due == POLICY.add_working_seconds(DUE.reply_due, paused)
    assert POLICY.working_seconds(DUE.reply_due, case.reply_due) == paused
    assert case.return_due == MON_10
    [event] = case.pull_events()
    assert isinstance(event, DisputeDecidedV1)
    assert (event.decision, event.accept_due, event.reply_due, event.paused_seconds) == (
        "upheld", case.accept_due, case.reply_due, paused)
    # the department must sign now; it cannot dispute the same assignment again, nor return it
    with pytest.raises(IllegalTransition, match="只能提出一次"):
        case.dispute("还是不属于", proposed_department=None, by="li", at=MON_10 + HOUR)
    with pytest.raises(IllegalTransition, match="不能退单"):
        case.return_case("不属于", by="li", at=MON_10 + HOUR, assign_due=MON_10)
    case.accept(by="li", at=MON_10 + HOUR)
    assert case.status == Status.accepted


def test_reassigning_gives_the_new_department_fresh_deadlines_as_a_transfer():
    case = assigned_case()
    case.dispute("不属于本部门职责", proposed_department="heyangcheng", by="li", at=FRI_16)
    case.pull_events()
    fresh = POLICY.after_assignment(MON_10, __import__("services.routing.domain.deadlines",
                                                        fromlist=["TimeLimit"]).TimeLimit())
    case.reassign_dispute("heyangcheng", note="属地管理", by="boss", at=MON_10, deadlines=fresh)

    assert (case.status, case.department, case.rule, case.accept_due) == (Status.assigned, "heyangcheng", "dispute",
                                                                         fresh.accept_due)
    assert case.disputes[0].status == DisputeStatus.reassigned and case.disputes[0].reassigned_to == "heyangcheng"
    decided, assigned, dispatched = case.pull_events()
    assert isinstance(decided, DisputeDecidedV1) and decided.decision == "reassigned"
    assert (decided.department, decided.new_department, decided.reply_due) == ("housing_construction",
                                                                               "heyangcheng", None)
    assert isinstance(assigned, CaseAssignedV1) and assigned.rule == "dispute" and assigned.department == "heyangcheng"
    assert isinstance(dispatched, CaseDispatchedV1)
    assert "returned" not in [h.action for h in case.history]  # not a 退单 of the first department
    # the new department may dispute its own assignment
    case.dispute("也不属于本单位", proposed_department=None, by="wang", at=MON_10 + HOUR)


def test_no_decision_without_an_open_dispute():
    case = assigned_case()
    with pytest.raises(IllegalTransition, match="没有待裁定"):
        case.uphold_dispute(note=None, by="boss", at=MON_10, deadlines=POLICY)
    with pytest.raises(IllegalTransition, match="没有待裁定"):
        case.reassign_dispute("heyangcheng", note=None, by="boss", at=MON_10, deadlines=DUE)


# --- 挂起 ----------------------------------------------------------------------------------------------------

def test_suspending_then_resuming_moves_the_reply_deadline_by_the_working_time_suspended():
    case = accepted_case()
    case.suspend(SuspendReason.unreachable, note=None, by="li", at=FRI_16, limits=LIMITS)
    assert case.suspended_since == FRI_16
    [suspended] = case.pull_events()
    assert isinstance(suspended, CaseSuspendedV1) and suspended.reason_code == "unreachable"
    with pytest.raises(IllegalTransition, match="挂起"):
        case.reply("已处理", by="li", at=FRI_16 + HOUR)

    case.resume(by="li", at=MON_10, deadlines=POLICY, limits=LIMITS)
    assert case.reply_due == POLICY.add_working_seconds(DUE.reply_due, 18 * 3600)
    assert case.suspended_since is None and case.suspensions[0].credited_seconds == 18 * 3600
    [resumed] = case.pull_events()
    assert isinstance(resumed, CaseResumedV1)
    assert (resumed.reply_due, resumed.paused_seconds) == (case.reply_due, 18 * 3600)
    assert [h.action for h in case.history][-2:] == ["suspended", "resumed"]
    case.reply("已处理", by="li", at=MON_10 + HOUR)


def test_suspension_refusals_and_limits():
    case = assigned_case()
    with pytest.raises(IllegalTransition, match="suspend"):  # not signed for yet
        case.suspend(SuspendReason.materials, note=None, by="li", at=FRI_16, limits=LIMITS)
    case.accept(by="li", at=THU + HOUR)
    with pytest.raises(IllegalTransition, match="其他"):
        case.suspend(SuspendReason.other, note=None, by="li", at=FRI_16, limits=LIMITS)
    with pytest.raises(IllegalTransition, match="回复期限已过"):
        case.suspend(SuspendReason.materials, note=None, by="li", at=DUE.reply_due, limits=LIMITS)
    with pytest.raises(IllegalTransition, match="未挂起"):
        case.resume(by="li", at=FRI_16, deadlines=POLICY, limits=LIMITS)
    for _ in range(2):
        case.suspend(SuspendReason.materials, note=None, by="li", at=FRI_16, limits=LIMITS)
        with pytest.raises(IllegalTransition, match="已挂起"):
            case.suspend(SuspendReason.materials, note=None, by="li", at=FRI_16, limits=LIMITS)
        case.resume(by="li", at=FRI_16 + HOUR, deadlines=POLICY, limits=LIMITS)
    with pytest.raises(IllegalTransition, match="最多挂起 2 次"):
        case.suspend(SuspendReason.materials, note=None, by="li", at=FRI_16 + 2 * HOUR, limits=LIMITS)


def test_the_credit_is_capped_at_the_rounds_allowance():
    case = accepted_case()
    limits = SuspensionLimits(max_count=5, max_working_days=1)
    case.suspend(SuspendReason.citizen_asked, note=None, by="li", at=THU + 2 * HOUR, limits=limits)
    case.resume(by="li", at=MON_10, deadlines=POLICY, limits=limits)  # Thu 12:00 → Mon 10:00: 2 days 22 h
    assert case.suspensions[0].credited_seconds == 86400
    assert POLICY.working_seconds(DUE.reply_due, case.reply_due) == 86400
    with pytest.raises(IllegalTransition, match="用完|used up"):
        case.suspend(SuspendReason.citizen_asked, note=None, by="li", at=MON_10 + HOUR, limits=limits)


def test_a_transfer_ends_a_suspension_uncredited():
    case = accepted_case()
    case.suspend(SuspendReason.other, note="投诉人出差", by="li", at=FRI_16, limits=LIMITS)
    case.pull_events()
    case.transfer(department="heyangcheng", reason="属地", by="boss", at=MON_10, deadlines=DUE)
    assert case.open_suspension is None and case.suspended_since is None
    assert case.suspensions[0].ended_by == "system" and case.suspensions[0].credited_seconds == 0
    assert [type(e) for e in case.pull_events()] == [CaseAssignedV1, CaseDispatchedV1]
