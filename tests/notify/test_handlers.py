"""notify's event handlers on the real database, fed events as the bus delivers them to its consumer."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notify.adapters.tables import ClockRow, RatingRow
from services.notify.domain.clocks import ClockName, Level
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CaseEscalatedV1, SlaWarningV1
from shared.eventbus.tables import InboxRecord
from tests.notify.factories import T0, accepted, assigned, extension, rated, replied, returned, triaged


def inbox_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(InboxRecord).where(InboxRecord.group_id == "notify"))


def test_a_triaged_case_is_stored_with_its_assignment_clock(feed, read_case, engine):
    feed(triaged("c1", assign_due=T0 + timedelta(days=1), category="noise"))
    case = read_case("c1")
    assert case.status == "triage" and case.tracking_code == "HCc1" and case.category == "noise"
    assert case.received_at == T0 and case.assign_due == T0 + timedelta(days=1) and case.assigned_at is None
    assert [c.name for c in case.running_clocks()] == [ClockName.assign]
    with Session(engine) as session:
        [row] = session.scalars(select(ClockRow)).all()
    assert (row.complaint_id, row.clock, row.cycle, row.last_level, row.start) == ("c1", "assign", 1, "none", T0)


def test_the_same_event_delivered_twice_has_one_effect(feed, read_case, clock, engine):
    event = feed(assigned("c1", assigned_at=T0 + timedelta(hours=1)))
    clock.advance(timedelta(minutes=5))
    feed(event)
    case = read_case("c1")
    assert (case.clocks[ClockName.accept].cycle, case.clocks[ClockName.reply].cycle) == (1, 1)
    assert inbox_count(engine) == 1


def test_an_assignment_is_stored_with_its_department_deadlines_and_round(feed, read_case, read_round):
    event = assigned("c1", department="town_taihe", assigned_at=T0 + timedelta(hours=2), urgent=True)
    feed(event)
    case = read_case("c1")
    assert (case.status, case.department, case.urgent) == ("assigned", "town_taihe", True)
    assert case.assigned_at == event.assigned_at == case.last_assigned_at
    assert (case.accept_due, case.reply_due) == (event.accept_due, event.reply_due)
    assert read_round("c1").reply_due == event.reply_due


def test_a_returned_and_reassigned_case_keeps_its_first_assignment(feed, read_case):
    first = assigned("c1", department="urban_management", assigned_at=T0 + timedelta(hours=1))
    feed(first)
    feed(accepted("c1", T0 + timedelta(hours=2), department="urban_management"))
    feed(returned("c1", T0 + timedelta(hours=3), department="urban_management"))
    case = read_case("c1")
    assert case.status == "returned" and case.department is None and case.running_clocks() == []

    second = assigned("c1", department="housing_construction", assigned_at=T0 + timedelta(hours=5))
    feed(second)
    case = read_case("c1")
    assert case.assigned_at == first.assigned_at and case.last_assigned_at == second.assigned_at
    assert case.accepted_at is None and case.reply_due == second.reply_due
    assert [(c.name.value, c.cycle) for c in case.running_clocks()] == [("accept", 2), ("reply", 2)]


def test_a_sign_for_or_return_for_an_unknown_case_is_remembered_and_changes_nothing(feed, read_case, engine):
    feed(accepted("c9", T0))
    feed(returned("c9", T0))
    feed(extension("c9", T0 + timedelta(days=9)))
    assert read_case("c9") is None and inbox_count(engine) == 3


def test_a_reply_and_a_reopened_round_are_stored_per_round(feed, read_case, read_round):
    feed(assigned("c1"))
    feed(replied("c1", T0 + timedelta(days=1), reply_due=T0 + timedelta(days=4)))
    assert read_case("c1").status == "replied" and read_round("c1").replied_at == T0 + timedelta(days=1)
    again = assigned("c1", assigned_at=T0 + timedelta(days=3), reply_round=2)
    feed(again)
    case = read_case("c1")
    assert (case.reply_round, case.replied_at, case.reply_due) == (2, None, again.reply_due)
    assert read_round("c1", 1).replied_at == T0 + timedelta(days=1)
    assert read_round("c1", 2).reply_due == again.reply_due and read_round("c1", 2).replied_at is None


def test_a_reply_for_a_case_never_seen_is_kept_for_the_reply_rate(feed, read_case, read_round):
    feed(replied("c1", T0 + timedelta(days=1), reply_due=T0 + timedelta(days=4)))
    assert read_case("c1").status == "replied" and read_case("c1").clocks == {}
    assert read_round("c1").replied_at == T0 + timedelta(days=1)


def test_an_approved_extension_moves_the_reply_deadline_and_a_refused_one_does_not(feed, read_case, read_round):
    feed(assigned("c1", reply_due=T0 + timedelta(days=4)))
    feed(extension("c1", T0 + timedelta(days=9), approved=False))
    assert read_case("c1").reply_due == T0 + timedelta(days=4)
    feed(extension("c1", T0 + timedelta(days=10)))
    case = read_case("c1")
    assert case.reply_due == T0 + timedelta(days=10) and case.clocks[ClockName.reply].cycle == 2
    assert case.clocks[ClockName.reply].last_level is Level.none
    assert read_round("c1").reply_due == T0 + timedelta(days=10)


def test_the_latest_rating_of_a_round_wins_even_when_an_older_one_arrives_later(feed, engine):
    feed(rated("c1", "unsatisfied", T0))
    feed(rated("c1", "satisfied", T0 + timedelta(days=2), via="phone_callback"))
    feed(rated("c1", "basically_satisfied", T0 + timedelta(days=1)))  # delivered late
    with Session(engine) as session:
        row = session.get(RatingRow, ("c1", 1))
    assert (row.rating, row.via, row.rated_at) == ("satisfied", "phone_callback", T0 + timedelta(days=2))


def test_unknown_event_types_and_notify_s_own_warnings_are_ignored(feed, read_case, engine, clock):
    feed(CloudEvent(source="/elsewhere", type="hechuan.complaints.case.teleported.v1", subject="c1",
                    time=clock.now(), data={"complaint_id": "c1"}))
    feed(SlaWarningV1(complaint_id="c1", clock="reply", level="yellow", due=T0, at=T0))
    feed(CaseEscalatedV1(complaint_id="c1", clock="reply", due=T0, at=T0))
    assert read_case("c1") is None and inbox_count(engine) == 0
