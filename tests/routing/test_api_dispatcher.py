"""The dispatcher desk over HTTP: own department only, sign for, reply, return, ask for more time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ExtensionRequestedV1,
)

DEPT = "housing_construction"


@pytest.fixture
def case_id(receive) -> str:
    """The example complaint, routed to the housing commission."""
    return receive().subject


@pytest.fixture
def dispatcher(auth):
    return auth("dispatcher", DEPT, username="dispatcher-housing")


def new_events(outbox, case_id: str, before: int) -> list[CloudEvent]:
    return [CloudEvent.from_json(r.payload) for r in outbox(case_id)[before:]]


def test_the_queue_shows_open_cases_with_deadlines_countdowns_and_a_masked_phone(client, case_id, dispatcher):
    response = client.get(f"/api/v1/queues/{DEPT}", headers=dispatcher)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    case = body["cases"][0]
    assert case["id"] == case_id and case["status"] == "assigned"
    assert case["reporter_phone_masked"] == "138****1234"
    assert case["seconds_left"]["accept"] == 24 * 3600  # Thursday 10:00 -> Friday 10:00
    assert case["seconds_left"]["reply"] == 24 * 3600  # urgent: 24 hours
    assert case["reply_due"].startswith("2026-11-27T10:00:00")


def test_the_queue_filters_by_status(client, case_id, dispatcher):
    assert client.get(f"/api/v1/queues/{DEPT}?status=accepted", headers=dispatcher).json()["count"] == 0
    assert client.get(f"/api/v1/queues/{DEPT}?status=assigned", headers=dispatcher).json()["count"] == 1
    assert client.get(f"/api/v1/queues/{DEPT}?status=bogus", headers=dispatcher).status_code == 422


def test_a_dispatcher_of_another_department_cannot_see_or_act_on_the_case(client, case_id, auth):
    other = auth("dispatcher", "ecology_env")

    assert client.get(f"/api/v1/cases/{case_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/accept", headers=other).status_code == 404
    response = client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "不是我们"}, headers=other)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/queues/{DEPT}", headers=other).status_code == 403


def test_a_dispatcher_bound_to_no_department_sees_nothing(client, case_id, auth):
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth("dispatcher", None)).status_code == 404


def test_roles_other_than_dispatcher_and_supervisor_are_forbidden(client, case_id, auth):
    for role in ("citizen", "operator"):
        response = client.post(f"/api/v1/cases/{case_id}/accept", headers=auth(role))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert client.post(f"/api/v1/cases/{case_id}/accept").status_code == 401


def test_sign_for_then_reply(client, case_id, dispatcher, outbox):
    before = len(outbox(case_id))

    accepted = client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher)
    again = client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher)
    replied = client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "已责令工地停止夜间施工"},
                          headers=dispatcher)

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    events = new_events(outbox, case_id, before)
    assert [e.type for e in events] == [CaseAcceptedV1.event_type, CaseRepliedV1.event_type]
    reply = CaseRepliedV1.model_validate(events[1].data)
    assert reply.reply == "已责令工地停止夜间施工" and reply.reply_round == 1
    assert reply.by == "dispatcher-housing" and reply.reply_due.isoformat().startswith("2026-11-27T10:00")
    detail = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert [h["action"] for h in detail["history"]] == ["assigned", "accepted", "replied"]
    assert detail["history"][-1]["actor"] == "dispatcher-housing"
    assert client.get(f"/api/v1/queues/{DEPT}", headers=dispatcher).json()["count"] == 0


def test_a_reply_without_signing_first_implies_acceptance(client, case_id, dispatcher, outbox):
    before = len(outbox(case_id))

    response = client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "已处理完毕"}, headers=dispatcher)

    assert response.status_code == 200 and response.json()["accepted_at"] is not None
    assert [e.type for e in new_events(outbox, case_id, before)] == [CaseAcceptedV1.event_type,
                                                                     CaseRepliedV1.event_type]


def test_a_return_within_the_window_sends_the_case_to_triage_with_the_rule_recorded(
        client, case_id, dispatcher, outbox, clock):
    before = len(outbox(case_id))
    clock.advance(timedelta(days=1))

    response = client.post(f"/api/v1/cases/{case_id}/return", json={"reason": "属于工业噪声，非建筑施工"},
                           headers=dispatcher)

    assert response.status_code == 200 and response.json()["status"] == "triage"
    events = new_events(outbox, case_id, before)
    assert [e.type for e in events] == [CaseReturnedV1.event_type, CaseTriagedV1.event_type]
    returned = CaseReturnedV1.model_validate(events[0].data)
    assert returned.department == DEPT and returned.rule.startswith("#1 noise/construction")
    triaged = CaseTriagedV1.model_validate(events[1].data)
    assert "属于工业噪声" in triaged.reason and returned.rule in triaged.reason
    assert triaged.assign_due.isoformat().startswith("2026-11-30T10:00")  # Friday + 1 working day
    assert client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).status_code == 404


def test_a_return_after_the_window_is_refused_and_changes_nothing(client, case_id, dispatcher, outbox, clock):
    before = len(outbox(case_id))
    clock.advance(timedelta(days=4, seconds=1))  # Monday 10:00 was the end of the window

    response = client.post(f"/api/v1/cases/{case_id}/return", json={"reason": "不属于本部门"}, headers=dispatcher)

    assert response.status_code == 409
    assert "return window" in response.json()["error"]["message"]
    assert len(outbox(case_id)) == before
    assert client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["status"] == "assigned"


def test_a_replied_case_cannot_be_returned(client, case_id, dispatcher):
    client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "已处理"}, headers=dispatcher)

    assert client.post(f"/api/v1/cases/{case_id}/return", json={"reason": "不属于本部门"},
                       headers=dispatcher).status_code == 409


def test_an_extension_request_is_recorded_and_published(client, receive, dispatcher, outbox):
    case_id = receive(content="某工地白天打桩噪音很大").subject  # not urgent: 5 working days
    before = len(outbox(case_id))

    response = client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 3, "reason": "需要第三方监测"},
                           headers=dispatcher)
    again = client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 1, "reason": "再延一天"},
                        headers=dispatcher)

    assert response.status_code == 200
    assert response.json()["pending_extension"]["working_days"] == 3
    assert again.status_code == 409
    events = new_events(outbox, case_id, before)
    assert [e.type for e in events] == [ExtensionRequestedV1.event_type]
    assert ExtensionRequestedV1.model_validate(events[0].data).department == DEPT


def test_an_extension_is_refused_after_the_reply_deadline(client, case_id, dispatcher, clock):
    clock.advance(timedelta(hours=25))  # urgent: due 24 hours after assignment

    response = client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 2, "reason": "来不及"},
                           headers=dispatcher)

    assert response.status_code == 409


@pytest.mark.parametrize("path, body", [
    ("reply", {"reply": "好"}),
    ("reply", {"reply": "   "}),
    ("reply", {"reply": "x" * 5001}),
    ("reply", {"reply": "已处理", "by": "someone-else"}),
    ("reply", {}),
    ("return", {"reason": "x"}),
    ("extension", {"working_days": 0, "reason": "需要监测"}),
    ("extension", {"working_days": 11, "reason": "需要监测"}),
    ("extension", {"working_days": "3", "reason": "需要监测"}),
    ("extension", {"working_days": 3}),
])
def test_bad_input_is_a_422_with_the_error_shape_and_writes_nothing(client, case_id, dispatcher, outbox, path, body):
    before = len(outbox(case_id))

    response = client.post(f"/api/v1/cases/{case_id}/{path}", json=body, headers=dispatcher)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert len(outbox(case_id)) == before
    assert client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["status"] == "assigned"


def test_a_body_that_is_not_json_is_a_400_not_a_500(client, case_id, dispatcher):
    response = client.post(f"/api/v1/cases/{case_id}/reply", content=b"{not json",
                           headers={**dispatcher, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"
