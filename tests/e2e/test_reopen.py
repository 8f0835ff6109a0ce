"""重办: an unsatisfied rating sends the case back to the department that replied, in a new round with
its own deadlines; the citizen is told; the second reply can be rated again; old rounds stay as they were."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.e2e.test_walking_skeleton import EXAMPLE

DEPARTMENT = "housing_construction"


def replied_case(system, *, phone: str | None = "13912345678") -> dict:
    body = {**EXAMPLE, "reporter": {"phone": phone}} if phone else dict(EXAMPLE)
    accepted = system.report(**body)
    system.drain()
    dispatcher = system.login(f"dispatcher-{DEPARTMENT}")
    assert system.client.post(f"/api/v1/cases/{accepted['id']}/accept", headers=dispatcher).status_code == 200
    reply = system.client.post(f"/api/v1/cases/{accepted['id']}/reply", headers=dispatcher,
                               json={"reply": "已到现场，责令夜间停工"})
    assert reply.status_code == 200, reply.text
    system.drain()
    return accepted


def test_an_unsatisfied_citizen_gets_the_case_handled_again_and_rates_the_new_reply(system):
    accepted = replied_case(system)
    case_id, token = accepted["id"], accepted["citizen_token"]
    first = system.client.get(f"/api/v1/cases/{case_id}", headers=system.login("supervisor")).json()
    system.clock.advance(timedelta(hours=2))
    rated = system.client.post(f"/api/v1/r/{token}/rating",
                               json={"rating": "unsatisfied", "resolution": "unresolved", "comment": "晚上还在施工"})
    assert rated.status_code == 201, rated.text
    system.drain()

    dispatcher = system.login(f"dispatcher-{DEPARTMENT}")
    case = system.client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert (case["status"], case["reply_round"], case["department"]) == ("assigned", 2, DEPARTMENT)
    assert case["reply_due"] > first["reply_due"]  # a new deadline, counted from the reopening
    assert any(h["action"] == "reopened" and "晚上还在施工" in h["detail"]["reason"] for h in case["history"])
    queue = system.client.get(f"/api/v1/queues/{DEPARTMENT}", headers=dispatcher).json()
    assert case_id in [c["id"] for c in queue["cases"]]

    view = system.client.get(f"/api/v1/r/{token}").json()
    assert view["status"] == "accepted" and view["can_rate"] is False
    assert "重新办理（第 2 轮）" in view["timeline"][-1]["text"]
    with system.engine.connect() as conn:
        kinds = [row[0] for row in conn.execute(text("SELECT kind FROM intake_outbound_messages ORDER BY created_at"))]
        rounds = conn.execute(text("SELECT reply_round, department FROM notify_reply_rounds WHERE complaint_id = :c "
                                   "ORDER BY reply_round"), {"c": case_id}).all()
        robot = conn.execute(text("SELECT body_enc FROM notify_outbound_messages WHERE kind = 'assigned' "
                                  "ORDER BY created_at")).scalars().all()
    assert kinds == ["receipt", "reply", "reopened"]  # the citizen is told
    assert [tuple(r) for r in rounds] == [(1, DEPARTMENT), (2, DEPARTMENT)]  # notify times the new round
    assert robot[-1].startswith("【重办】")

    # the second reply can be rated; a satisfied rating closes it without another round
    assert system.client.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                              json={"reply": "已协调施工单位调整作业时间，夜间不再施工"}).status_code == 200
    system.drain()
    assert system.client.get(f"/api/v1/r/{token}").json()["can_rate"] is True
    assert system.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied",
                                                                 "resolution": "resolved"}).status_code == 201
    system.drain()
    case = system.client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert (case["status"], case["reply_round"]) == ("replied", 2)
    sla = system.client.get("/api/v1/metrics/sla", headers=system.login("supervisor")).json()
    satisfaction = sla["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (1, 2)  # round 1 unsatisfied, round 2 not


def test_satisfied_and_basically_satisfied_ratings_reopen_nothing(system):
    for rating in ("satisfied", "basically_satisfied"):
        accepted = replied_case(system, phone=None)
        assert system.client.post(f"/api/v1/r/{accepted['citizen_token']}/rating",
                                  json={"rating": rating, "resolution": "resolved"}).status_code == 201
        system.drain()
        case = system.client.get(f"/api/v1/cases/{accepted['id']}", headers=system.login("supervisor")).json()
        assert (case["status"], case["reply_round"]) == ("replied", 1)
