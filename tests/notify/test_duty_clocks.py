"""督办 clocks in notify (domain/followups.py, docs/metrics.md "督办 clocks"): first contact with the citizen and the
on-site check from signing, on the working-day calendar (routing's time limits set the deadlines), and the upstream
platform's signing and reply deadlines. Each warns yellow / red / 督办 once per cycle, stops when met or when the case
moves on, and is none of the targets' clocks. Pure SlaCase tests first, then through the bus on the real database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.adapters.tables import AlertRow, ClockRow
from services.notify.domain.case import SlaCase
from services.notify.domain.clocks import ClockName, SlaPolicy
from services.notify.domain.commands import SweepSlaClocks
from services.notify.domain.followups import ProgressPolicy, on_progress_noted, start_progress
from services.notify.domain.notifications import SUPERVISORS
from services.routing.domain.deadlines import DeadlinePolicy, TimeLimit
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseContactRecordedV1,
    CaseProgressNotedV1,
    InvestigationCheckedV1,
    UpstreamCaseLinkedV1,
)
from tests.notify.conftest import SETTINGS
from tests.notify.factories import DEPT, T0, assigned, replied, returned

HOUR = timedelta(hours=1)
FRI_16 = datetime(2026, 11, 27, 16, tzinfo=SHANGHAI)
HOLIDAY = DeadlinePolicy(WorkingCalendar({date(2026, 11, 30): False}))  # Monday off: a holiday
NOISE = TimeLimit(category="noise", contact_hours=24, onsite_days=2)
CONTACT_ONLY = TimeLimit(contact_hours=24)  # the default limit: no check on site


def signed(cid: str, at: datetime, *, contactable: bool = True, limit: TimeLimit = NOISE,
           department: str = DEPT) -> CaseAcceptedV1:
    """签收 as routing publishes it: the 督办 deadlines from its time limits on the calendar."""
    contact_due, onsite_due = HOLIDAY.after_signing(at, limit, contactable=contactable)
    return CaseAcceptedV1(complaint_id=cid, department=department, accepted_at=at, by="li",
                          contact_due=contact_due, onsite_due=onsite_due)


def contacted(cid: str, at: datetime, *, department: str = DEPT) -> CaseContactRecordedV1:
    return CaseContactRecordedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=department, method="phone",
                                 contacted_at=at, at=at, by="li")


def checked(cid: str, at: datetime, *, department: str = DEPT) -> InvestigationCheckedV1:
    return InvestigationCheckedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=department, check_id=1,
                                  checked_at=at, at=at, by="li")


def linked(cid: str, *, sign_due: datetime | None, reply_due: datetime | None,
           transferred_at: datetime = T0) -> UpstreamCaseLinkedV1:
    return UpstreamCaseLinkedV1(complaint_id=cid, tracking_code=f"HC{cid}", platform="12345",
                                case_no=f"CQ12345-{cid}", transferred_at=transferred_at, sign_due=sign_due,
                                reply_due=reply_due, linked_at=transferred_at)


def levels(case: SlaCase, at: datetime) -> list[tuple[str, str]]:
    return [(a.clock.value, a.level.value) for a in case.sweep(at, SlaPolicy())]


def signed_case(cid: str, at: datetime = FRI_16, **kwargs) -> SlaCase:  # type: ignore[no-untyped-def]
    case = SlaCase(cid)
    case.follow(assigned(cid, assigned_at=at - HOUR, accept_due=at + 24 * HOUR, reply_due=at + 400 * HOUR))
    case.follow(signed(cid, at, **kwargs))
    return case


# --- the deadlines on the calendar ---------------------------------------------------------------------------

def test_the_deadlines_of_signing_count_working_time_only():
    contact_due, onsite_due = HOLIDAY.after_signing(FRI_16, NOISE, contactable=True)
    # Fri 16-24 (8 h) + Tue 0-16 (16 h): the weekend and the Monday holiday are left out
    assert contact_due == datetime(2026, 12, 1, 16, tzinfo=SHANGHAI)
    assert HOLIDAY.working_seconds(FRI_16, contact_due) == 24 * 3600
    assert onsite_due == datetime(2026, 12, 2, 16, tzinfo=SHANGHAI)  # 2 working days: Tue, Wed
    assert HOLIDAY.after_signing(FRI_16, NOISE, contactable=False) == (None, onsite_due)  # anonymous: no contact
    assert HOLIDAY.after_signing(FRI_16, TimeLimit(contact_hours=None), contactable=True) == (None, None)


# --- 首次联系 ----------------------------------------------------------------------------------------------------

def test_the_contact_clock_warns_once_per_level_and_stops_when_the_contact_is_recorded():
    case = signed_case("c1", limit=CONTACT_ONLY)
    contact = case.clocks[ClockName.contact]
    assert (contact.start, contact.due) == (FRI_16, datetime(2026, 12, 1, 16, tzinfo=SHANGHAI))
    assert case.running_clocks() and ClockName.contact not in [c.name for c in case.running_clocks()]  # no target
    yellow = contact.yellow_at(0.75)
    assert levels(case, yellow - HOUR) == []
    assert levels(case, yellow) == [("contact", "yellow")]
    assert levels(case, yellow + HOUR) == []  # once
    assert levels(case, contact.due) == [("contact", "red")]
    case.follow(contacted("c1", contact.due + HOUR))
    assert contact.stopped_at == contact.due + HOUR
    assert levels(case, contact.due + 48 * HOUR) == []  # met (late): no 督办


def test_an_overdue_contact_is_escalated_and_an_anonymous_report_has_no_contact_clock():
    case = signed_case("c2", limit=CONTACT_ONLY)
    due = case.clocks[ClockName.contact].due
    # past due: red (the department) and 督办 (the supervisors) both, the yellow skipped
    assert levels(case, due + timedelta(minutes=1)) == [("contact", "red"), ("contact", "escalated")]
    assert [a.level.value for a in case.new_alerts] == ["red", "escalated"]

    anonymous = signed_case("c3", contactable=False)
    assert ClockName.contact not in anonymous.clocks
    assert [c.name for c in anonymous.running_duty_clocks()] == [ClockName.onsite]


def test_another_departments_contact_does_not_stop_the_clock():
    case = signed_case("c4")
    case.follow(contacted("c4", FRI_16 + HOUR, department="urban_management"))
    assert case.clocks[ClockName.contact].stopped_at is None


# --- 现场核查 ----------------------------------------------------------------------------------------------------

def test_the_onsite_clock_runs_for_types_that_need_it_and_stops_with_the_investigations_check():
    case = signed_case("o1")
    onsite = case.clocks[ClockName.onsite]
    assert onsite.due == datetime(2026, 12, 2, 16, tzinfo=SHANGHAI)
    case.follow(contacted("o1", FRI_16 + HOUR))
    assert levels(case, onsite.due) == [("onsite", "red")]
    case.follow(checked("o1", onsite.due + HOUR))
    assert onsite.stopped_at == onsite.due + HOUR
    assert case.running_duty_clocks() == []

    other = signed_case("o2", limit=CONTACT_ONLY)
    assert ClockName.onsite not in other.clocks


# --- the case moves on -------------------------------------------------------------------------------------------

def test_a_reply_a_return_or_a_new_assignment_clears_the_follow_ups():
    case = signed_case("m1")
    case.follow(replied("m1", FRI_16 + 2 * HOUR, reply_due=FRI_16 + 400 * HOUR))
    assert case.running_duty_clocks() == []
    assert levels(case, FRI_16 + 1000 * HOUR) == []

    returned_case = signed_case("m2")
    returned_case.follow(returned("m2", FRI_16 + 2 * HOUR))
    assert returned_case.running_duty_clocks() == []

    reassigned = signed_case("m3")
    reassigned.follow(assigned("m3", department="urban_management", assigned_at=FRI_16 + 3 * HOUR))
    assert reassigned.running_duty_clocks() == []
    # the new department's signing starts them again, in a new cycle (its warnings are earned again)
    reassigned.follow(signed("m3", FRI_16 + 4 * HOUR, department="urban_management"))
    assert reassigned.clocks[ClockName.contact].cycle == 2
    assert {c.name for c in reassigned.running_duty_clocks()} == {ClockName.contact, ClockName.onsite}


# --- the upstream platform's deadlines ---------------------------------------------------------------------------

def test_the_platforms_deadlines_are_clocks_of_their_own_met_by_our_signing_and_first_reply():
    case = SlaCase("u1")
    case.follow(linked("u1", sign_due=T0 + 4 * HOUR, reply_due=T0 + 40 * HOUR))
    assert case.running_clocks() == []  # not one of the targets' clocks
    assert levels(case, T0 + 3 * HOUR) == [("up_sign", "yellow")]
    case.follow(assigned("u1", assigned_at=T0 + HOUR, reply_due=T0 + 96 * HOUR))
    case.follow(signed("u1", T0 + 3.5 * HOUR, limit=TimeLimit(contact_hours=None)))  # no follow-ups here
    assert case.clocks[ClockName.up_sign].stopped_at == T0 + 3.5 * HOUR
    assert levels(case, T0 + 30 * HOUR) == [("up_reply", "yellow")]
    assert levels(case, T0 + 40 * HOUR) == [("up_reply", "red")]
    assert levels(case, T0 + 41 * HOUR) == [("up_reply", "escalated")]  # the platform's deadline passed
    case.follow(replied("u1", T0 + 42 * HOUR, reply_due=T0 + 96 * HOUR))
    assert case.clocks[ClockName.up_reply].stopped_at == T0 + 42 * HOUR
    # a reopened round (an unsatisfied rating) does not run the platform's clocks again
    case.follow(assigned("u1", assigned_at=T0 + 50 * HOUR, reply_due=T0 + 150 * HOUR, reply_round=2))
    assert [c.name for c in case.running_duty_clocks()] == []


def test_a_changed_platform_deadline_starts_a_new_cycle_of_a_running_clock():
    case = SlaCase("u2")
    case.follow(linked("u2", sign_due=None, reply_due=T0 + 40 * HOUR))
    assert ClockName.up_sign not in case.clocks
    assert levels(case, T0 + 30 * HOUR) == [("up_reply", "yellow")]
    case.follow(linked("u2", sign_due=None, reply_due=T0 + 80 * HOUR))  # the platform gave more time
    clock = case.clocks[ClockName.up_reply]
    assert (clock.cycle, clock.due, clock.start) == (2, T0 + 80 * HOUR, T0)
    assert levels(case, T0 + 40 * HOUR) == []
    assert levels(case, T0 + 60 * HOUR) == [("up_reply", "yellow")]
    case.follow(linked("u2", sign_due=None, reply_due=T0 + 80 * HOUR))  # sent again unchanged: nothing
    assert clock.cycle == 2


# --- through the bus, on the database ---------------------------------------------------------------------------

def alert_rows(engine) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return [(r.complaint_id, r.clock, r.level) for r in session.scalars(select(AlertRow).order_by(AlertRow.id))]


def test_the_sweeper_warns_the_department_and_escalates_to_supervisors_then_the_contact_stops_it(
        feed, sweep, clock, notifier, engine, read_case):
    feed(assigned("d1", assigned_at=T0, reply_due=T0 + 400 * HOUR))
    feed(signed("d1", T0))  # Thu 10:00: contact due Fri 10:00, on site Tue 10:00 (working days; Mon a holiday)
    contact_due = datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    clock.set(contact_due + timedelta(minutes=1))
    assert {(a.clock.value, a.level.value) for a in sweep()} == {("contact", "red"), ("contact", "escalated")}
    assert sweep() == []  # once
    assert any("首次联系已超期" in m for m in notifier.to(SUPERVISORS, cause="alert"))
    assert any("首次联系已超期" in m and "催办" in m for m in notifier.to(DEPT, cause="alert"))

    feed(contacted("d1", contact_due + HOUR))
    feed(checked("d1", contact_due + 2 * HOUR))
    case = read_case("d1")
    assert case is not None and [c.name for c in case.running_duty_clocks()] == [ClockName.progress]
    with Session(engine) as session:
        stopped = dict(session.execute(select(ClockRow.clock, ClockRow.stopped_at)
                                       .where(ClockRow.complaint_id == "d1")).all())
    assert stopped["contact"] == contact_due + HOUR and stopped["onsite"] == contact_due + 2 * HOUR
    assert stopped["reply"] is None and stopped["accept"] is None  # the targets' clocks never stop this way
    clock.advance(timedelta(days=30))
    # red and 督办 of the reply and of the progress clock (a long case: no note); no contact or on-site clock
    assert sorted(a.clock.value for a in sweep()) == ["progress", "progress", "reply", "reply"]
    assert ("d1", "contact", "escalated") in alert_rows(engine)


def test_the_platforms_reply_deadline_is_swept_and_reaches_the_supervisors_while_in_triage(
        feed, sweep, clock, notifier, runtime):
    feed(linked("p1", sign_due=None, reply_due=T0 + 8 * HOUR))
    clock.set(T0 + 8 * HOUR + timedelta(minutes=1))
    assert [(a.clock.value, a.level.value) for a in sweep()] == [("up_reply", "red"), ("up_reply", "escalated")]
    assert any("上级平台答复已超期" in m for m in notifier.to(SUPERVISORS, cause="alert"))
    with runtime.bus.uow_factory() as uow:
        assert "p1" not in uow.cases.with_open_clocks()  # escalated: the last level, nothing more to sweep
    # nothing of it counts in a target: the reply clock of the targets is not there at all
    assert runtime.bus.handle(SweepSlaClocks(at=clock.now() + timedelta(days=10))) == []


# --- 阶段性进展 ----------------------------------------------------------------------------------------------------

PROGRESS = ProgressPolicy(after_days=5, every_days=3)
CALENDAR = HOLIDAY.calendar  # Monday 2026-11-30 off


def noted(cid: str, at: datetime, *, department: str = DEPT) -> CaseProgressNotedV1:
    return CaseProgressNotedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=department, noted_at=at,
                               by="li")


def note(case: SlaCase, event: CaseProgressNotedV1) -> None:
    """What the handler does with a note: the next one is due `every_days` working days later."""
    on_progress_noted(case, event, PROGRESS.next_due(event.noted_at, CALENDAR))


def long_case(cid: str) -> SlaCase:
    case = SlaCase(cid)
    start_progress(case, PROGRESS.first(T0, CALENDAR), T0)
    case.follow(assigned(cid, assigned_at=T0, reply_due=T0 + 2000 * HOUR))
    case.follow(signed(cid, T0 + HOUR, limit=TimeLimit(contact_hours=None)))
    return case


def test_a_long_case_owes_a_progress_note_every_few_working_days_and_each_note_restarts_the_clock():
    case = long_case("g1")
    clock = case.clocks[ClockName.progress]
    # Thu 26 Nov + 5 working days (Fri, Tue, Wed, Thu, Fri: the weekend and the Monday holiday left out) = Fri 4 Dec
    assert clock.start == datetime(2026, 12, 4, 10, tzinfo=SHANGHAI)
    assert clock.due == datetime(2026, 12, 9, 10, tzinfo=SHANGHAI)  # + 3 working days: Mon 7, Tue 8, Wed 9
    note(case, noted("g1", T0 + 24 * HOUR))  # before the case is long: nothing changes
    assert (clock.cycle, clock.due) == (1, datetime(2026, 12, 9, 10, tzinfo=SHANGHAI))
    assert levels(case, clock.yellow_at(0.75)) == [("progress", "yellow")]
    assert levels(case, clock.due + HOUR) == [("progress", "red"), ("progress", "escalated")]

    note_at = clock.due + 2 * HOUR  # Wed 9 Dec 12:00
    note(case, noted("g1", note_at))
    assert (clock.cycle, clock.start, clock.due) == (2, note_at, datetime(2026, 12, 14, 12, tzinfo=SHANGHAI))
    assert levels(case, note_at + HOUR) == []
    assert levels(case, clock.due) == [("progress", "red")]  # the new cycle earns its warnings again
    note(case, noted("g1", clock.due, department="urban_management"))  # not the case's department: nothing
    assert clock.cycle == 2

    case.follow(replied("g1", clock.due + HOUR, reply_due=T0 + 2000 * HOUR))
    assert clock.stopped_at == clock.due + HOUR
    assert levels(case, clock.due + 1000 * HOUR) == []


def test_no_progress_clock_when_switched_off():
    case = SlaCase("g2")
    start_progress(case, ProgressPolicy(after_days=0).first(T0, CALENDAR), T0)
    assert ClockName.progress not in case.clocks


def test_the_progress_clock_through_the_bus(feed, sweep, clock, runtime, read_case, notifier):
    calendar = WorkingCalendar(SETTINGS.calendar)
    feed(assigned("g3", assigned_at=T0, reply_due=T0 + 2000 * HOUR))
    feed(assigned("g3", assigned_at=T0, reply_due=T0 + 2000 * HOUR))  # the same assignment again: the same clock
    progress = read_case("g3").clocks[ClockName.progress]
    long_from = calendar.add_working_days(T0, SETTINGS.progress_after_working_days)
    first_due = calendar.add_working_days(long_from, SETTINGS.progress_every_working_days)
    assert (progress.cycle, progress.start, progress.due) == (1, long_from, first_due)
    clock.set(first_due)
    assert ("progress", "red") in [(a.clock.value, a.level.value) for a in sweep()]
    assert any("阶段性进展时限已于" in m for m in notifier.to(DEPT, cause="alert"))
    feed(noted("g3", first_due + HOUR))
    progress = read_case("g3").clocks[ClockName.progress]
    assert (progress.cycle, progress.due) == (
        2, calendar.add_working_days(first_due + HOUR, SETTINGS.progress_every_working_days))
    clock.set(first_due + 2 * HOUR)
    assert [a for a in sweep() if a.clock is ClockName.progress] == []
