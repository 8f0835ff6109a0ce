"""A signed case's follow-ups in routing (domain/followups.py, docs/metrics.md 督办 clocks): the first-contact and
on-site deadlines set at signing from the time limits (none for an anonymous reporter), 已联系群众 on the case and
in the event (no number in it), and the upstream platform's deadlines kept for the desk."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from services.routing.adapters.tables import RoutingTimeLimit
from services.routing.domain import followups
from services.routing.domain.case import Case
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.errors import IllegalTransition, InvalidRequest
from services.routing.domain.followups import ContactMethod
from shared.auth import ANONYMOUS
from shared.clock import SHANGHAI
from shared.contracts.events import CaseContactRecordedV1, UpstreamCaseLinkedV1

DEPT = "ecology_env"
THU = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)  # the tests' clock starts here
HOUR = timedelta(hours=1)
DUE = Deadlines(accept_due=THU + 24 * HOUR, return_due=THU + 96 * HOUR, reply_due=THU + 168 * HOUR)


def accepted_case(phone: str | None = "138****1234") -> Case:
    case = Case(complaint_id="c-1", tracking_code="HC1", channel="web", content="工地打桩噪音", received_at=THU,
                assign_due=THU + 24 * HOUR, category="noise", subcategory="industrial", reporter_phone_masked=phone)
    case.assign(department=DEPT, category="noise", subcategory="industrial", rule="#1", by="system", at=THU,
                deadlines=DUE)
    case.accept(by="li", at=THU + HOUR, contact_due=THU + 25 * HOUR)
    case.pull_events()
    return case


# --- the domain ------------------------------------------------------------------------------------------------------

def test_a_contact_is_recorded_on_the_case_and_in_an_event_without_any_number():
    case = accepted_case()
    followups.record_contact(case, ContactMethod.phone, contacted_at=THU + 2 * HOUR, by="li", at=THU + 3 * HOUR)
    followups.record_contact(case, ContactMethod.onsite, contacted_at=THU + 4 * HOUR, by="li", at=THU + 4 * HOUR)
    assert case.contacted_at == THU + 2 * HOUR  # the first one since signing
    assert [(h.action, h.detail["method"]) for h in case.history if h.action == "contacted"] == [
        ("contacted", "phone"), ("contacted", "onsite")]
    first, _ = case.pull_events()
    assert isinstance(first, CaseContactRecordedV1)
    assert (first.department, first.method, first.contacted_at, first.by) == (DEPT, "phone", THU + 2 * HOUR, "li")
    assert "1234" not in first.model_dump_json()


def test_no_contact_on_a_closed_case_nor_one_in_the_future():
    case = accepted_case()
    with pytest.raises(InvalidRequest):
        followups.record_contact(case, ContactMethod.sms, contacted_at=THU + 5 * HOUR, by="li", at=THU + 4 * HOUR)
    case.reply("已处理", by="li", at=THU + 5 * HOUR)
    with pytest.raises(IllegalTransition):
        followups.record_contact(case, ContactMethod.sms, contacted_at=THU + 5 * HOUR, by="li", at=THU + 6 * HOUR)


def test_an_anonymous_report_has_nobody_to_contact():
    assert followups.contactable(accepted_case()) is True
    assert followups.contactable(accepted_case(ANONYMOUS)) is False
    assert followups.contactable(accepted_case(None)) is False


# --- through the API ------------------------------------------------------------------------------------------------

@pytest.fixture
def dispatcher(auth):
    return auth("dispatcher", DEPT, username="dispatcher-ecology")


def _events(outbox, complaint_id: str, kind: str) -> list[dict]:
    return [json.loads(r.payload)["data"] for r in outbox(complaint_id) if r.type.endswith(kind)]


def test_signing_sets_the_deadlines_from_the_time_limits_and_the_desk_records_the_contact(
        client, receive, dispatcher, auth, clock, outbox, engine):
    with Session(engine) as session:  # noise needs a check on site within 2 working days of signing
        session.add(RoutingTimeLimit(category="noise", urgent=False, assign_days=1, accept_days=1, return_days=2,
                                     reply_days=5, contact_hours=24, onsite_days=2))
        session.commit()
    case_id = receive(content="附近工厂排放的问题一直没有解决", category="noise", subcategory="industrial").subject
    clock.advance(timedelta(days=1))  # Friday 10:00
    assert client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher).status_code == 200

    detail = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["followups"]
    # 24 working hours: Fri 10-24, then Mon 0-10 (the weekend left out); 2 working days: Tuesday 10:00
    assert detail["contact_due"].startswith("2026-11-30T10:00") and detail["onsite_due"].startswith("2026-12-01T10:00")
    assert detail["contacted_at"] is None and detail["contactable"] is True and detail["upstream"] is None
    [signed] = _events(outbox, case_id, "case.accepted.v1")
    assert signed["contact_due"].startswith("2026-11-30T10:00") and signed["onsite_due"].startswith("2026-12-01")

    other = auth("dispatcher", "urban_management")
    assert client.post(f"/api/v1/cases/{case_id}/contact", json={"method": "phone"}, headers=other).status_code == 404
    bad = client.post(f"/api/v1/cases/{case_id}/contact", json={"method": "fax"}, headers=dispatcher)
    assert bad.status_code == 422
    future = clock.now() + HOUR
    late = client.post(f"/api/v1/cases/{case_id}/contact", json={"method": "phone", "contacted_at": future.isoformat()},
                       headers=dispatcher)
    assert late.status_code == 422 and "晚于现在" in late.text

    clock.advance(HOUR)
    ok = client.post(f"/api/v1/cases/{case_id}/contact", json={"method": "sms"}, headers=dispatcher)
    assert ok.status_code == 200, ok.text
    detail = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert detail["followups"]["contacted_at"].startswith("2026-11-27T11:00")
    assert any(h["action"] == "contacted" and h["detail"]["method"] == "sms" for h in detail["history"])
    [event] = _events(outbox, case_id, "case.contact_recorded.v1")
    assert (event["method"], event["department"], event["by"]) == ("sms", DEPT, "dispatcher-ecology")
    assert "1234" not in json.dumps(event)

    client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "经核查，该企业已停产整改，噪声问题已解决。"},
                headers=dispatcher)
    moved_on = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["followups"]
    assert (moved_on["contact_due"], moved_on["onsite_due"]) == (None, None)  # replied: no follow-up is owed


def test_an_anonymous_reporter_gets_no_contact_deadline(client, receive, dispatcher):
    case_id = receive(content="附近工厂排放的问题一直没有解决", category="noise", subcategory="industrial",
                      reporter_phone_masked=ANONYMOUS).subject
    client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher)
    followups_ = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["followups"]
    assert (followups_["contact_due"], followups_["contactable"], followups_["onsite_due"]) == (None, False, None)


def test_the_platforms_deadlines_are_kept_for_the_desk(client, receive, dispatcher, clock):
    event = receive(content="附近工厂排放的问题一直没有解决", category="noise", subcategory="industrial",
                    channel="upstream")
    link = UpstreamCaseLinkedV1(complaint_id=event.subject, tracking_code="HC1", platform="12345",
                                case_no="CQ12345-20261126-000017", transferred_at=clock.now(),
                                sign_due=clock.now() + 2 * HOUR, reply_due=clock.now() + 48 * HOUR,
                                linked_at=clock.now())
    receive(link.to_event(source="/hechuan/intake", time=clock.now()))
    receive(link.to_event(source="/hechuan/intake", time=clock.now()))  # again (a redelivery): the same
    upstream = client.get(f"/api/v1/cases/{event.subject}", headers=dispatcher).json()["followups"]["upstream"]
    assert upstream["platform"] == "12345" and upstream["case_no"] == "CQ12345-20261126-000017"
    assert upstream["reply_due"].startswith("2026-11-28T10:00") and upstream["reply_earlier"] is True
    assert upstream["sign_due"].startswith("2026-11-26T12:00")


def test_a_progress_note_is_kept_in_the_history_and_announced_without_its_text(client, receive, dispatcher, auth,
                                                                             outbox):
    case_id = receive(content="附近工厂排放的问题一直没有解决", category="noise", subcategory="industrial").subject
    body = {"note": "已约谈企业负责人，整改方案下周提交"}
    other = auth("dispatcher", "urban_management")
    assert client.post(f"/api/v1/cases/{case_id}/progress", json=body, headers=other).status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/progress", json={"note": " "}, headers=dispatcher).status_code == 422
    ok = client.post(f"/api/v1/cases/{case_id}/progress", json=body, headers=dispatcher)
    assert ok.status_code == 200, ok.text
    history = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["history"]
    assert [h["detail"]["note"] for h in history if h["action"] == "progress_noted"] == [body["note"]]
    [event] = _events(outbox, case_id, "case.progress_noted.v1")
    assert event["department"] == DEPT and "整改" not in json.dumps(event, ensure_ascii=False)
    client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "经核查，该企业已停产整改，噪声问题已解决。"},
                headers=dispatcher)
    late = client.post(f"/api/v1/cases/{case_id}/progress", json=body, headers=dispatcher)
    assert late.status_code == 409
