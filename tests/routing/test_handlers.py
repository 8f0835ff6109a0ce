"""Received complaints through routing's consumer, on real databases: cases, outbox rows, idempotency."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.routing.adapters.tables import RoutingCase, RoutingCaseHistory, RoutingRuleRow
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CaseAssignedV1, CaseDispatchedV1, CaseTriagedV1, ComplaintRatedV1
from tests.routing.conftest import complaint


def stored_case(engine, complaint_id: str) -> RoutingCase | None:
    with Session(engine) as session:
        return session.get(RoutingCase, complaint_id)


def test_a_received_complaint_is_assigned_with_two_outbox_rows_lifecycle_and_dispatch(engine, receive, outbox):
    event = receive()

    case = stored_case(engine, event.subject)
    assert case.status == "assigned" and case.department == "housing_construction"
    assert (case.category, case.subcategory, case.town) == ("noise", "construction", "heyangcheng")
    rows = outbox(event.subject)
    assert [(r.topic, r.type) for r in rows] == [
        (topics.LIFECYCLE, CaseAssignedV1.event_type),
        (topics.dispatch("housing_construction"), CaseDispatchedV1.event_type),
    ]
    assigned = CaseAssignedV1.model_validate(CloudEvent.from_json(rows[0].payload).data)
    assert assigned.by == "system" and assigned.rule.startswith("#")
    assert assigned.department == "housing_construction"
    dispatched = CaseDispatchedV1.model_validate(CloudEvent.from_json(rows[1].payload).data)
    assert dispatched.reporter_phone_masked == "138****1234"
    assert CloudEvent.from_json(rows[0].payload).source == "/hechuan/routing"


def test_the_deadlines_of_an_urgent_night_time_case_follow_the_calendar_and_24_hours(engine, receive, outbox, clock):
    event = receive()

    assigned = CaseAssignedV1.model_validate(CloudEvent.from_json(outbox(event.subject)[0].payload).data)
    now = clock.now()
    assert assigned.urgent  # 凌晨: construction going on at night
    assert assigned.assigned_at == now
    assert assigned.assign_due == datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    assert assigned.accept_due == datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    assert assigned.return_due == datetime(2026, 11, 30, 10, tzinfo=SHANGHAI)
    assert assigned.reply_due == now + timedelta(hours=24)


def test_a_normal_case_is_due_five_working_days_after_assignment(engine, receive, outbox):
    event = receive(content="楼下餐馆油烟很大，熏得开不了窗", town="heyangcheng")

    assigned = CaseAssignedV1.model_validate(CloudEvent.from_json(outbox(event.subject)[0].payload).data)
    assert not assigned.urgent
    assert assigned.department == "urban_management"
    assert assigned.reply_due == datetime(2026, 12, 3, 10, tzinfo=SHANGHAI)


def test_times_read_back_from_the_database_are_the_same_instants(engine, receive, clock):
    event = receive()

    case = stored_case(engine, event.subject)
    assert case.received_at == clock.now()
    assert case.assigned_at.utcoffset() == timedelta(hours=8)


def test_the_same_event_delivered_twice_makes_one_case_and_one_set_of_events(engine, receive, outbox):
    event = receive()
    receive(event)

    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(RoutingCase)) == 1
    assert len(outbox(event.subject)) == 2


def test_the_same_complaint_under_a_new_event_id_is_not_routed_twice(engine, receive, outbox, clock):
    payload = complaint(clock)
    receive(payload)
    receive(payload)  # a fresh envelope (new id) around the same complaint

    assert len(outbox(payload.complaint_id)) == 2


def test_an_unclear_complaint_goes_to_triage_with_its_assignment_deadline(engine, receive, outbox):
    event = receive(content="你好，我想反映一个情况，请联系我", town=None)

    case = stored_case(engine, event.subject)
    assert case.status == "triage" and case.department is None
    rows = outbox(event.subject)
    assert [r.type for r in rows] == [CaseTriagedV1.event_type]
    triaged = CaseTriagedV1.model_validate(CloudEvent.from_json(rows[0].payload).data)
    assert triaged.assign_due == datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    assert triaged.reason


def test_the_category_the_citizen_chose_is_honoured(engine, receive):
    event = receive(content="工地扬尘很大", category="noise", town="taihe")

    case = stored_case(engine, event.subject)
    assert (case.category, case.subcategory, case.department) == ("noise", "construction", "housing_construction")
    assert json.loads(case.explanation)["chosen_by_citizen"] is True


def test_the_town_is_found_in_the_text_when_the_report_has_none(engine, receive):
    event = receive(content="太和镇每天晚上广场舞音响太吵了", town=None)

    case = stored_case(engine, event.subject)
    assert (case.town, case.department) == ("taihe", "town_taihe")
    assert json.loads(case.explanation)["town_source"] == "text"


def test_a_rule_switched_off_at_run_time_is_no_longer_used(engine, receive):
    with Session(engine) as session:
        rule = session.scalars(select(RoutingRuleRow).where(RoutingRuleRow.subcategory == "construction",
                                                            RoutingRuleRow.category == "noise")).one()
        rule.active = False
        session.commit()

    event = receive()

    assert stored_case(engine, event.subject).status == "triage"  # no other noise rule applies


def test_the_assignment_is_in_the_audit_trail(engine, receive):
    event = receive()

    with Session(engine) as session:
        history = session.scalars(select(RoutingCaseHistory).where(RoutingCaseHistory.complaint_id ==
                                                                   event.subject)).all()
    assert [(h.action, h.actor) for h in history] == [("assigned", "system")]


def test_events_routing_does_not_handle_change_nothing(engine, receive, outbox, clock):
    before = [r.position for r in outbox()]
    rated = ComplaintRatedV1(complaint_id="c-x", tracking_code="HC1", rating="satisfied", reply_round=1,
                             via="citizen", rated_at=clock.now())
    receive(rated.to_event(source="/hechuan/intake", time=clock.now()))
    receive(CloudEvent(source="/elsewhere", type="hechuan.complaints.unknown.v9", subject="c-y",
                       time=clock.now(), data={}))

    assert [r.position for r in outbox()] == before
