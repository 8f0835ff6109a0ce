"""Supervisors over HTTP: triage, manual assignment, extension decisions; operators: the classifier."""

from __future__ import annotations

import pytest

from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CaseAssignedV1, CaseDispatchedV1, ExtensionDecidedV1

UNCLEAR = "你好，我想反映一个情况，请尽快联系我"


@pytest.fixture
def supervisor(auth):
    return auth("supervisor", username="boss")


@pytest.fixture
def triaged_id(receive) -> str:
    return receive(content=UNCLEAR, town="taihe").subject


def test_the_triage_list_shows_cases_waiting_for_a_person_with_their_deadline(client, triaged_id, supervisor):
    body = client.get("/api/v1/triage", headers=supervisor).json()

    assert [c["id"] for c in body["cases"]] == [triaged_id]
    case = body["cases"][0]
    assert case["assign_due"].startswith("2026-11-27T10:00:00")
    assert case["seconds_left"] == {"assign": 24 * 3600}
    assert case["triage_reason"]


def test_dispatchers_may_not_see_the_triage_list(client, triaged_id, auth):
    assert client.get("/api/v1/triage", headers=auth("dispatcher", "ecology_env")).status_code == 403


def test_a_supervisor_assigns_a_triaged_case_by_hand(client, triaged_id, supervisor, outbox, auth):
    response = client.post(f"/api/v1/cases/{triaged_id}/assign",
                           json={"department": "town_taihe", "category": "noise", "subcategory": "social_life"},
                           headers=supervisor)

    assert response.status_code == 200 and response.json()["status"] == "assigned"
    rows = outbox(triaged_id)[1:]
    assert [(r.topic, r.type) for r in rows] == [(topics.LIFECYCLE, CaseAssignedV1.event_type),
                                                 (topics.dispatch("town_taihe"), CaseDispatchedV1.event_type)]
    assigned = CaseAssignedV1.model_validate(CloudEvent.from_json(rows[0].payload).data)
    assert (assigned.by, assigned.rule, assigned.department) == ("boss", "manual", "town_taihe")
    queue = client.get("/api/v1/queues/town_taihe", headers=auth("dispatcher", "town_taihe")).json()
    assert [c["id"] for c in queue["cases"]] == [triaged_id]
    assert client.get("/api/v1/triage", headers=supervisor).json()["count"] == 0


def test_a_returned_case_is_rerouted_away_from_the_department_that_returned_it(client, receive, supervisor, auth):
    case_id = receive().subject
    housing = auth("dispatcher", "housing_construction")
    client.post(f"/api/v1/cases/{case_id}/return", json={"reason": "是工厂噪声"}, headers=housing)

    response = client.post(f"/api/v1/cases/{case_id}/assign",
                           json={"department": "ecology_env", "subcategory": "industrial"}, headers=supervisor)

    assert response.status_code == 200
    assert (response.json()["category"], response.json()["subcategory"]) == ("noise", "industrial")
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth("dispatcher", "ecology_env")).json()
    assert [h["action"] for h in detail["history"]] == ["assigned", "returned", "triaged", "assigned"]
    assert detail["history"][1]["detail"]["rule"].startswith("#1 noise/construction")


@pytest.mark.parametrize("body", [
    {"department": "no_such_department", "category": "noise"},
    {"department": "triage", "category": "noise"},
    {"department": "ecology_env"},  # the case has no type yet: one must be chosen
    {"department": "ecology_env", "category": "noise", "subcategory": "cooking_fumes"},
    {"department": "ecology_env", "category": "noise", "priority": "high"},
])
def test_a_manual_assignment_that_names_nothing_real_is_a_422(client, triaged_id, supervisor, outbox, body):
    response = client.post(f"/api/v1/cases/{triaged_id}/assign", json=body, headers=supervisor)

    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
    assert len(outbox(triaged_id)) == 1  # only the triage event


def test_an_assigned_case_cannot_be_assigned_again(client, receive, supervisor):
    case_id = receive().subject

    response = client.post(f"/api/v1/cases/{case_id}/assign", json={"department": "ecology_env"},
                           headers=supervisor)

    assert response.status_code == 409


def test_only_supervisors_assign(client, triaged_id, auth):
    response = client.post(f"/api/v1/cases/{triaged_id}/assign", json={"department": "ecology_env",
                                                                      "category": "noise"},
                           headers=auth("dispatcher", "ecology_env"))

    assert response.status_code == 403


def test_assigning_an_unknown_case_is_a_404(client, runtime, supervisor):
    response = client.post("/api/v1/cases/nope/assign", json={"department": "ecology_env", "category": "noise"},
                           headers=supervisor)

    assert response.status_code == 404


def ask_for_extension(client, receive, auth, working_days: int) -> str:
    case_id = receive(content="某工地白天打桩噪音很大").subject  # reply due Thursday 2026-12-03 10:00
    client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": working_days, "reason": "需要监测"},
                headers=auth("dispatcher", "housing_construction"))
    return case_id


def test_an_approved_extension_moves_the_reply_deadline_by_working_days(client, receive, auth, supervisor, outbox):
    case_id = ask_for_extension(client, receive, auth, 3)

    response = client.post(f"/api/v1/cases/{case_id}/extension/approve", headers=supervisor)

    assert response.status_code == 200
    assert response.json()["reply_due"].startswith("2026-12-08T10:00:00")  # Fri, Mon, Tue
    decided = ExtensionDecidedV1.model_validate(CloudEvent.from_json(outbox(case_id)[-1].payload).data)
    assert decided.approved and decided.by == "boss"
    assert decided.reply_due.isoformat().startswith("2026-12-08T10:00:00")
    assert client.post(f"/api/v1/cases/{case_id}/extension/approve", headers=supervisor).status_code == 409


def test_a_refused_extension_keeps_the_reply_deadline(client, receive, auth, supervisor, outbox):
    case_id = ask_for_extension(client, receive, auth, 3)

    response = client.post(f"/api/v1/cases/{case_id}/extension/refuse", headers=supervisor)

    assert response.json()["reply_due"].startswith("2026-12-03T10:00:00")
    decided = ExtensionDecidedV1.model_validate(CloudEvent.from_json(outbox(case_id)[-1].payload).data)
    assert not decided.approved


def test_extension_decisions_are_for_supervisors_and_only_approve_or_refuse(client, receive, auth, supervisor):
    case_id = ask_for_extension(client, receive, auth, 2)

    own = client.post(f"/api/v1/cases/{case_id}/extension/approve", headers=auth("dispatcher", "housing_construction"))
    assert own.status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/extension/maybe", headers=supervisor).status_code == 422


def test_the_classifier_explains_the_example_for_an_operator(client, runtime, auth):
    response = client.post("/api/v1/classify", json={"content": "合阳城街道某工地凌晨两点还在打桩，噪音太大"},
                           headers=auth("operator"))

    assert response.status_code == 200
    body = response.json()
    assert (body["category"], body["subcategory"], body["urgent"]) == ("noise", "construction", True)
    assert (body["town"], body["department"]) == ("heyangcheng", "housing_construction")
    assert body["confidence"] >= 0.8
    assert "打桩" in body["explanation"]["words"]
    assert body["explanation"]["rule"].startswith("#1 noise/construction")


def test_the_classifier_says_triage_for_unclear_text_and_reads_the_address(client, runtime, auth):
    unclear = client.post("/api/v1/classify", json={"content": UNCLEAR}, headers=auth("supervisor")).json()
    with_address = client.post("/api/v1/classify", json={"content": "广场舞音响太吵", "address": "太和镇新街"},
                               headers=auth("dispatcher", "town_taihe")).json()

    assert unclear["department"] == "triage" and unclear["category"] is None
    assert (with_address["town"], with_address["department"]) == ("taihe", "town_taihe")


@pytest.mark.parametrize("body", [{"content": ""}, {"content": "x" * 5001}, {"text": "噪音"}, {}])
def test_the_classifier_rejects_bad_input_with_422(client, runtime, auth, body):
    response = client.post("/api/v1/classify", json=body, headers=auth("operator"))

    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"


def test_anyone_may_ask_the_classifier_the_citizen_form_shows_its_guess_while_they_type(client, runtime):
    response = client.post("/api/v1/classify", json={"content": "合阳城街道某工地凌晨两点还在打桩，噪音太大"})

    assert response.status_code == 200
    assert (response.json()["category"], response.json()["department"]) == ("noise", "housing_construction")
