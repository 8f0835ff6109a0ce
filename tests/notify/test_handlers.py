"""notify's projection of the case lifecycle, fed events as the bus delivers them."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notify.adapters.tables import RatingRow
from services.notify.domain.clocks import open_clocks
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import SlaWarningV1
from shared.eventbus.tables import InboxRecord
from tests.notify.factories import T0, accepted, assigned, extension, rated, replied, returned, triaged


def inbox_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(InboxRecord).where(InboxRecord.group_id == "notify"))


def test_a_triaged_case_starts_its_assignment_clock_from_receipt(feed, read_case):
    feed(triaged("c1", assign_due=T0 + timedelta(days=1), category="noise"))
    case = read_case("c1")
    assert case.status == "triage" and case.tracking_code == "HCc1" and case.category == "noise"
    assert case.received_at == T0 and case.assign_due == T0 + timedelta(days=1) and case.assigned_at is None
    assert [c.name for c in open_clocks(case)] == ["assign"]


def test_the_same_event_delivered_twice_has_one_effect(feed, read_case, clock, engine):
    event = feed(assigned("c1", assigned_at=T0 + timedelta(hours=1)))
    first = read_case("c1")
    clock.advance(timedelta(minutes=5))
    feed(event)
    again = read_case("c1")
    assert again.updated_at == first.updated_at  # not applied a second time
    assert (again.accept_cycle, again.reply_cycle) == (1, 1)
    assert inbox_count(engine) == 1


def test_an_assignment_sets_the_department_and_its_deadlines(feed, read_case, read_round):
    event = assigned("c1", department="town_taihe", assigned_at=T0 + timedelta(hours=2), urgent=True)
    feed(event)
    case = read_case("c1")
    assert (case.status, case.department, case.urgent) == ("assigned", "town_taihe", True)
    assert case.assigned_at == event.assigned_at == case.last_assigned_at
    assert (case.accept_due, case.reply_due) == (event.accept_due, event.reply_due)
    assert read_round("c1").reply_due == event.reply_due


def test_a_returned_case_loses_its_department_but_keeps_its_first_assignment(feed, read_case):
    first = assigned("c1", department="urban_management", assigned_at=T0 + timedelta(hours=1))
    feed(first)
    feed(accepted("c1", T0 + timedelta(hours=2), department="urban_management"))
    feed(returned("c1", T0 + timedelta(hours=3), department="urban_management"))
    case = read_case("c1")
    assert case.status == "returned" and case.department is None and open_clocks(case) == []

    second = assigned("c1", department="housing_construction", assigned_at=T0 + timedelta(hours=5))
    feed(second)
    case = read_case("c1")
    assert case.assigned_at == first.assigned_at  # the assignment target judges the first assignment
    assert case.last_assigned_at == second.assigned_at and case.department == "housing_construction"
    assert case.accepted_at is None and case.reply_due == second.reply_due
    assert [c.name for c in open_clocks(case)] == ["accept", "reply"]


def test_a_sign_for_or_return_from_a_department_that_no_longer_has_the_case_is_ignored(feed, read_case):
    feed(assigned("c1", department="housing_construction"))
    feed(accepted("c1", T0 + timedelta(hours=1), department="urban_management"))
    feed(returned("c1", T0 + timedelta(hours=1), department="urban_management"))
    case = read_case("c1")
    assert case.accepted_at is None and case.department == "housing_construction" and case.status == "assigned"


def test_a_reply_stops_the_reply_clock_and_is_kept_for_its_round(feed, read_case, read_round):
    event = assigned("c1")
    feed(event)
    feed(accepted("c1", T0 + timedelta(hours=1)))
    feed(replied("c1", T0 + timedelta(days=2), reply_due=event.reply_due))
    case = read_case("c1")
    assert case.status == "replied" and case.replied_at == T0 + timedelta(days=2) and open_clocks(case) == []
    assert read_round("c1").replied_at == T0 + timedelta(days=2)


def test_a_reopened_case_starts_a_new_reply_round_and_keeps_the_old_one(feed, read_case, read_round):
    feed(assigned("c1"))
    feed(replied("c1", T0 + timedelta(days=1), reply_due=T0 + timedelta(days=4)))
    again = assigned("c1", assigned_at=T0 + timedelta(days=3), reply_round=2)
    feed(again)
    case = read_case("c1")
    assert (case.reply_round, case.replied_at, case.reply_due) == (2, None, again.reply_due)
    assert read_round("c1", 1).replied_at == T0 + timedelta(days=1)
    assert read_round("c1", 2).reply_due == again.reply_due and read_round("c1", 2).replied_at is None


def test_an_approved_extension_moves_the_reply_deadline_and_a_refused_one_does_not(feed, read_case, read_round):
    feed(assigned("c1", reply_due=T0 + timedelta(days=4)))
    feed(extension("c1", T0 + timedelta(days=9), approved=False))
    assert read_case("c1").reply_due == T0 + timedelta(days=4)
    feed(extension("c1", T0 + timedelta(days=10)))
    case = read_case("c1")
    assert case.reply_due == T0 + timedelta(days=10) and case.reply_cycle == 2
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
    assert read_case("c1") is None and inbox_count(engine) == 0
