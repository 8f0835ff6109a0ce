"""Paused clocks in notify (docs/metrics.md, "Disputed assignments and suspended cases"): while a dispute (派单异议)
or a suspension (挂起) is open no warning is earned; when it ends the deadlines are those routing moved, exactly the
paused working time later (across a weekend and a holiday); the figures and the assessment treat it as written.
Pure SlaCase tests, then the sweep and the assignment log through the bus on the real database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.notify.adapters.tables import ReplyRoundRow
from services.notify.domain.assessment import AssignmentSpan, _signing
from services.notify.domain.case import SlaCase
from services.notify.domain.clocks import ClockName, SlaPolicy
from services.routing.domain.deadlines import DeadlinePolicy
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from shared.contracts.events import AssignmentDisputedV1, CaseResumedV1, CaseSuspendedV1, DisputeDecidedV1
from tests.notify.factories import DEPT, T0, accepted, assigned

HOUR = timedelta(hours=1)
FRI_16 = datetime(2026, 11, 27, 16, tzinfo=SHANGHAI)
TUE_10 = datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)
HOLIDAY = DeadlinePolicy(WorkingCalendar({date(2026, 11, 30): False}))  # Monday off: a holiday


def disputed(cid: str, at: datetime) -> AssignmentDisputedV1:
    return AssignmentDisputedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=DEPT, disputed_at=at,
                                by="li")


def upheld(cid: str, at: datetime, *, accept_due: datetime, reply_due: datetime, paused: int) -> DisputeDecidedV1:
    return DisputeDecidedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=DEPT, decision="upheld",
                            accept_due=accept_due, reply_due=reply_due, paused_seconds=paused, decided_at=at,
                            by="boss")


def suspended(cid: str, at: datetime) -> CaseSuspendedV1:
    return CaseSuspendedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=DEPT, reason_code="unreachable",
                           suspended_at=at, by="li")


def resumed(cid: str, at: datetime, *, reply_due: datetime, paused: int) -> CaseResumedV1:
    return CaseResumedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=DEPT, reply_due=reply_due,
                         paused_seconds=paused, resumed_at=at, by="li")


def levels(case: SlaCase, at: datetime) -> list[tuple[str, str]]:
    return [(a.clock.value, a.level.value) for a in case.sweep(at, SlaPolicy())]


def test_no_warning_while_suspended_and_the_reply_deadline_moves_by_the_working_time_suspended():
    reply_due = datetime(2026, 12, 2, 10, tzinfo=SHANGHAI)
    case = SlaCase("c1")
    case.follow(assigned("c1", assigned_at=T0, reply_due=reply_due))
    case.follow(accepted("c1", T0 + HOUR))
    case.follow(suspended("c1", FRI_16))
    assert case.running_clocks() == []
    assert levels(case, reply_due + 3 * HOUR) == []  # past the old deadline: paused, nothing sent

    paused = HOLIDAY.working_seconds(FRI_16, TUE_10)  # Fri 16-24 + Tue 0-10: weekend and holiday left out
    assert paused == 18 * 3600
    moved = HOLIDAY.add_working_seconds(reply_due, paused)
    case.follow(resumed("c1", TUE_10, reply_due=moved, paused=paused))
    assert case.reply_due == moved == datetime(2026, 12, 3, 4, tzinfo=SHANGHAI)
    assert HOLIDAY.working_seconds(reply_due, case.reply_due) == paused
    assert case.rounds[1].reply_due == moved
    assert case.clocks[ClockName.reply].cycle == 1  # the same cycle: a warning sent before is not sent again
    assert levels(case, moved - HOUR) == [("reply", "yellow")]
    assert levels(case, moved) == [("reply", "red")]


def test_a_dispute_pauses_accept_and_reply_and_upholding_moves_both():
    case = SlaCase("c2")
    accept_due, reply_due = T0 + 24 * HOUR, T0 + 96 * HOUR
    case.follow(assigned("c2", assigned_at=T0, accept_due=accept_due, reply_due=reply_due))
    assert levels(case, T0 + 18 * HOUR) == [("accept", "yellow")]
    case.follow(disputed("c2", T0 + 20 * HOUR))
    assert case.running_clocks() == [] and case.pause_kind == "dispute"
    assert levels(case, T0 + 30 * HOUR) == []  # the accept deadline passed while disputed: no red, no 督办

    new_accept, new_reply = accept_due + 10 * HOUR, reply_due + 10 * HOUR
    case.follow(upheld("c2", T0 + 30 * HOUR, accept_due=new_accept, reply_due=new_reply, paused=10 * 3600))
    assert (case.accept_due, case.reply_due, case.rounds[1].reply_due) == (new_accept, new_reply, new_reply)
    assert levels(case, T0 + 31 * HOUR) == []  # yellow was sent before the dispute
    assert levels(case, new_accept) == [("accept", "red")]


def test_a_reassigned_dispute_starts_the_new_departments_clocks():
    case = SlaCase("c3")
    case.follow(assigned("c3", assigned_at=T0))
    case.follow(disputed("c3", T0 + HOUR))
    case.follow(DisputeDecidedV1(complaint_id="c3", tracking_code="HCc3", department=DEPT, decision="reassigned",
                                 new_department="town_taihe", decided_at=T0 + 2 * HOUR, by="boss"))
    case.follow(assigned("c3", department="town_taihe", assigned_at=T0 + 2 * HOUR))
    assert case.paused_since is None and case.department == "town_taihe"
    assert case.assigned_at == T0  # the first assignment still counts for the assignment rate
    assert {c.name for c in case.running_clocks()} == {ClockName.accept, ClockName.reply}


def test_signing_leaves_open_and_reassigned_disputes_out():
    now = T0 + 100 * HOUR
    late = AssignmentSpan("a", DEPT, T0, T0 + HOUR, None, None, None)
    disputing = AssignmentSpan("b", DEPT, T0, T0 + HOUR, None, None, "disputing")
    reassigned = AssignmentSpan("c", DEPT, T0, T0 + HOUR, None, T0 + 50 * HOUR, "disputed")
    on_time = AssignmentSpan("d", DEPT, T0, T0 + 30 * HOUR, T0 + 29 * HOUR, None, None)  # an upheld one, moved
    indicator = _signing([late, disputing, reassigned, on_time], now)
    assert (indicator.numerator, indicator.denominator) == (1, 2)


# --- through the bus, on the database ---------------------------------------------------------------------------

def waiting(cid: str, runtime) -> bool:
    """The round's `rerouting` input of the on-time reply rate: its deadline does not stand (yet)."""
    with runtime.bus.uow_factory() as uow:
        return bool(uow.session.get(ReplyRoundRow, (cid, 1)).rerouting)


def test_the_sweeper_sends_nothing_while_suspended_and_the_round_is_left_out_meanwhile(feed, sweep, clock, read_case,
                                                                                     read_round, runtime):
    reply_due = T0 + 30 * HOUR
    feed(assigned("s1", assigned_at=T0, reply_due=reply_due))
    feed(accepted("s1", T0 + HOUR))
    feed(suspended("s1", T0 + 2 * HOUR))
    clock.set(reply_due + 5 * HOUR)
    assert sweep() == []
    case = read_case("s1")
    assert case is not None and case.pause_kind == "suspension"
    assert waiting("s1", runtime) is True  # the on-time reply rate leaves the round out while paused

    moved = reply_due + 10 * HOUR
    feed(resumed("s1", reply_due + 5 * HOUR, reply_due=moved, paused=10 * 3600))
    assert read_round("s1").reply_due == moved
    assert waiting("s1", runtime) is False
    assert [(a.clock.value, a.level.value) for a in sweep()] == [("reply", "yellow")]  # 75% of the longer span
    clock.set(moved)
    assert [(a.clock.value, a.level.value) for a in sweep()] == [("reply", "red")]


def test_the_assignment_log_follows_disputes(feed, runtime):
    feed(assigned("d1", assigned_at=T0, accept_due=T0 + 24 * HOUR))
    feed(disputed("d1", T0 + HOUR))
    with runtime.bus.uow_factory() as uow:
        [row] = uow.assignments._open("d1")
        assert row.ended_how == "disputing"
    feed(upheld("d1", T0 + 5 * HOUR, accept_due=T0 + 28 * HOUR, reply_due=T0 + 100 * HOUR, paused=4 * 3600))
    with runtime.bus.uow_factory() as uow:
        [row] = uow.assignments._open("d1")
        assert (row.ended_how, row.accept_due) == (None, T0 + 28 * HOUR)
