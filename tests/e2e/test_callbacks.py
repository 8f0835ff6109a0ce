"""抽查回访 through the whole system: a reply is drawn for a callback, the citizen gets the rating link,
staff record their calls; a rating completes it (and counts for satisfaction), no answer three times makes
the citizen unreachable (the valid-callback rate), an unsatisfied callback reopens the case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from services.notify.domain.callbacks import draw
from tests.e2e.test_reopen import DEPARTMENT, replied_case
from tests.system import EmbeddedSystem


@pytest.fixture
def linked(engine, clock, monkeypatch) -> Iterator[EmbeddedSystem]:
    """The whole system with PUBLIC_BASE_URL set, so that SMS carry the private link."""
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://hc.example.gov.cn")
    embedded = EmbeddedSystem(engine, clock)
    yield embedded
    embedded.client.close()


def first_reason(complaint_id: str) -> str:
    """Why the department's first reply of the week is called back: drawn, or else its weekly minimum."""
    return "sampled" if draw("hechuan", complaint_id, 1) < 0.3 else "weekly_minimum"


def calls(system, case_id: str, *outcomes: str, who: str = "operator", reply_round: int = 1):
    headers = system.login(who)
    answers = [system.client.post(f"/api/v1/callbacks/{case_id}/{reply_round}/calls", headers=headers,
                                  json={"outcome": outcome, "note": f"第 {i + 1} 次",
                                        **({"resolution": "resolved"} if "satisfied" in outcome else {})})
               for i, outcome in enumerate(outcomes)]
    system.drain()
    return answers


def test_the_departments_first_reply_of_the_week_is_called_back_and_a_phone_rating_counts(linked):
    system = linked
    accepted = replied_case(system)
    case_id = accepted["id"]
    operator = system.login("operator")
    listed = system.client.get("/api/v1/callbacks", headers=operator).json()
    [callback] = [c for c in listed["callbacks"] if c["complaint_id"] == case_id]
    assert (callback["reason"], callback["status"], callback["department"]) == (first_reason(case_id), "pending",
                                                                                DEPARTMENT)
    assert callback["due_at"] > callback["replied_at"] and callback["draw"] is not None
    with system.engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM intake_outbound_messages ORDER BY created_at")).scalars().all()
    assert kinds == ["receipt", "reply", "callback"]  # the rating link goes to the citizen

    answers = calls(system, case_id, "no_answer", "no_answer", "satisfied")
    assert [a.status_code for a in answers] == [201, 201, 201]
    done = answers[-1].json()
    assert (done["status"], done["outcome"], done["attempts"], done["completed_by"]) == (
        "done", "satisfied", 3, "operator")
    assert [c["outcome_label"] for c in done["calls"]] == ["无人接听", "无人接听", "满意"]

    view = system.client.get(f"/api/v1/r/{accepted['citizen_token']}").json()
    assert view["rating"] == "satisfied" and view["timeline"][-1]["text"] == "电话回访：满意"
    sla = system.client.get("/api/v1/metrics/sla", headers=system.login("supervisor")).json()
    satisfaction = sla["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (1, 1)
    assert satisfaction["valid_callback_rate"] == {"numerator": 1, "denominator": 1, "rate": 1.0}
    closed = calls(system, case_id, "unsatisfied")[0]
    assert closed.status_code == 409 and "已结束" in closed.json()["error"]["message"]


def test_no_answer_three_times_is_unreachable_and_leaves_satisfaction_alone(system):
    case_id = replied_case(system)["id"]
    answers = calls(system, case_id, "no_answer", "refused", "no_answer")
    assert answers[-1].json()["status"] == "unreachable"
    sla = system.client.get("/api/v1/metrics/sla", headers=system.login("supervisor")).json()
    assert sla["satisfaction_rate"]["denominator"] == 0
    assert sla["satisfaction_rate"]["valid_callback_rate"] == {"numerator": 0, "denominator": 1, "rate": 0.0}


def test_an_unsatisfied_callback_reopens_the_case(system):
    case_id = replied_case(system)["id"]
    calls(system, case_id, "unsatisfied")
    case = system.client.get(f"/api/v1/cases/{case_id}", headers=system.login("supervisor")).json()
    assert (case["status"], case["reply_round"]) == ("assigned", 2)
    assert any(h["action"] == "reopened" and h["detail"]["via"] == "phone_callback" for h in case["history"])


def test_an_online_unsatisfied_rating_is_always_called_back_without_another_link(linked):
    system = linked
    first = replied_case(system)  # the department's weekly callback
    second = replied_case(system)
    assert system.client.post(f"/api/v1/r/{second['citizen_token']}/rating",
                              json={"rating": "unsatisfied", "resolution": "unresolved"}).status_code == 201
    system.drain()
    listed = system.client.get("/api/v1/callbacks", params={"status": "all"},
                               headers=system.login("supervisor")).json()["callbacks"]
    reasons = {c["complaint_id"]: c["reason"] for c in listed}
    assert reasons[first["id"]] == first_reason(first["id"])
    drawn = draw("hechuan", second["id"], 1) < 0.3  # the reproducible draw (CALLBACK_SEED, CALLBACK_SHARE)
    assert reasons[second["id"]] == ("sampled" if drawn else "unsatisfied_online")
    with system.engine.connect() as conn:
        links = conn.execute(text("SELECT key FROM intake_outbound_messages WHERE kind = 'callback'")).scalars().all()
    assert (f"callback:{second['id']}:1" in links) is drawn  # no second link for a rating already given


def test_who_may_work_callbacks_and_what_is_refused(system):
    case_id = replied_case(system)["id"]
    dispatcher = system.login(f"dispatcher-{DEPARTMENT}")
    assert system.client.get("/api/v1/callbacks", headers=dispatcher).status_code == 403
    assert system.client.get("/api/v1/callbacks").status_code == 401
    operator = system.login("operator")
    bad = system.client.post(f"/api/v1/callbacks/{case_id}/1/calls", headers=operator, json={"outcome": "happy"})
    assert bad.status_code == 422
    assert system.client.post(f"/api/v1/callbacks/{case_id}/9/calls", headers=operator,
                              json={"outcome": "satisfied"}).status_code == 404
    assert system.client.get("/api/v1/callbacks", params={"status": "open"}, headers=operator).status_code == 422


def test_callback_staff_get_the_number_to_call_and_each_read_is_kept_with_who_when_and_why(system, caplog):
    accepted = replied_case(system)
    operator, supervisor = system.login("operator"), system.login("supervisor")
    contact_path = f"/api/v1/complaints/{accepted['id']}/contact"
    unsaid = system.client.get(contact_path, headers=operator)
    assert unsaid.status_code == 422 and "purpose" in unsaid.text  # no purpose, no number
    vague = system.client.get(contact_path, params={"purpose": "other"}, headers=operator)
    assert vague.status_code == 422 and "理由" in vague.json()["error"]["message"]
    with caplog.at_level("INFO", logger="complaints.audit"):
        contact = system.client.get(contact_path, params={"purpose": "callback"}, headers=operator)
    assert contact.status_code == 200 and contact.json() == {
        "tracking_code": accepted["tracking_code"], "name": None, "phone": "13912345678"}
    [line] = [r.getMessage() for r in caplog.records if r.name == "complaints.audit"]
    assert accepted["id"] in line and "operator" in line and "callback" in line and "13912345678" not in line
    system.clock.advance(timedelta(minutes=5))
    assert system.client.get(contact_path, params={"purpose": "other", "reason": "投诉人要求补充现场照片"},
                             headers=supervisor).status_code == 200
    views = system.client.get(f"{contact_path}/views", headers=supervisor)
    assert views.status_code == 200, views.text
    assert [(v["read_by"], v["purpose"], v["reason"]) for v in views.json()["views"]] == [
        ("supervisor", "other", "投诉人要求补充现场照片"), ("operator", "callback", None)]
    assert "13912345678" not in views.text
    assert system.client.get(f"{contact_path}/views", headers=operator).status_code == 403
    dispatcher = system.login(f"dispatcher-{DEPARTMENT}")
    assert system.client.get(contact_path, params={"purpose": "callback"}, headers=dispatcher).status_code == 403
    anonymous = system.report(channel="web", content="匿名反映：工地夜间施工噪音扰民", town="合阳城街道",
                              reporter={"phone": "13900001111", "anonymous": True})
    refused = system.client.get(f"/api/v1/complaints/{anonymous['id']}/contact", params={"purpose": "callback"},
                                headers=operator)
    assert refused.status_code == 404 and "匿名" in refused.json()["error"]["message"]
