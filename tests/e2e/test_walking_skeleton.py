"""The whole path through HTTP, embedded: report → route → department → reply → rating → targets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


def test_a_complaint_travels_the_whole_way_and_the_targets_count_it_exactly(system):
    accepted = system.report(**EXAMPLE)
    case_id, code, token = accepted["id"], accepted["tracking_code"], accepted["citizen_token"]
    system.drain()

    dispatcher = system.login("dispatcher-housing_construction")
    queue = system.client.get("/api/v1/queues/housing_construction", headers=dispatcher).json()
    case = next(c for c in queue["cases"] if c["id"] == case_id)
    assert (case["category"], case["subcategory"], case["status"]) == ("noise", "construction", "assigned")
    assert case["accept_due"] and case["reply_due"] and case["assign_due"]

    assert system.client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher).status_code == 200
    reply = system.client.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                               json={"reply": "已到现场核查，责令工地停止夜间施工"})
    assert reply.status_code == 200, reply.text
    system.drain()

    view = system.client.get(f"/api/v1/complaints/{code}").json()
    assert view["status"] == "replied" and view["can_rate"] and "停止夜间施工" in view["reply"]
    assert view["department"] == "housing_construction" and view["type_label"] == "噪声 / 建筑施工噪声"
    no_token = {"rating": "satisfied", "resolution": "resolved"}
    assert system.client.post(f"/api/v1/complaints/{code}/rating", json=no_token).status_code == 422
    rated = system.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                          "resolution": "resolved", "token": token})
    assert rated.status_code == 201
    system.drain()

    supervisor = system.login("supervisor")
    today = system.clock.now().date().isoformat()
    sla = system.client.get(f"/api/v1/metrics/sla?from={today}&to={today}", headers=supervisor).json()
    for target in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
        figure = sla[target]
        assert (figure["numerator"], figure["denominator"]) == (1, 1), (target, figure)
        assert system.behind(figure, supervisor)[0] == [case_id]


def test_a_late_reply_and_an_unrouted_complaint_count_against_the_targets(system):
    on_time = system.report(**EXAMPLE)["id"]
    unclear = system.report(channel="web", content="请领导重视一下我们这里的问题")["id"]
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")

    system.clock.advance(timedelta(days=10))  # past every deadline: triage unassigned, reply late
    late = system.client.post(f"/api/v1/cases/{on_time}/reply", headers=dispatcher, json={"reply": "已处理"})
    assert late.status_code == 200, late.text
    system.drain()

    supervisor = system.login("supervisor")
    start = (system.clock.now() - timedelta(days=10)).date().isoformat()
    sla = system.client.get(f"/api/v1/metrics/sla?from={start}&to={system.clock.now().date()}",
                            headers=supervisor).json()
    assignment, reply = sla["assignment_rate"], sla["on_time_reply_rate"]
    assert (assignment["numerator"], assignment["denominator"]) == (1, 2)
    assert unclear in system.behind(assignment, supervisor)[1]
    assert (reply["numerator"], reply["denominator"]) == (0, 1) and system.behind(reply, supervisor)[1] == [on_time]
    assert sla["satisfaction_rate"]["denominator"] == 0


def test_a_dispatcher_cannot_see_or_act_on_another_departments_case(system):
    case_id = system.report(**EXAMPLE)["id"]
    system.drain()
    other = system.login("dispatcher-ecology_env")
    assert system.client.get("/api/v1/queues/housing_construction", headers=other).status_code in (403, 404)
    assert system.client.get(f"/api/v1/cases/{case_id}", headers=other).status_code == 404
    assert system.client.post(f"/api/v1/cases/{case_id}/accept", headers=other).status_code in (403, 404)
    assert system.client.get("/api/v1/queues/housing_construction").status_code == 401


def test_the_dispatcher_sees_a_masked_phone_and_the_citizen_view_shows_no_staff_names(system):
    body = {**EXAMPLE, "reporter": {"name": "王五", "phone": "13912345678"}}
    accepted = system.report(**body)
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")
    case = system.client.get(f"/api/v1/cases/{accepted['id']}", headers=dispatcher).json()
    assert case["reporter_phone_masked"] == "139****5678" and "13912345678" not in str(case)
    system.client.post(f"/api/v1/cases/{accepted['id']}/reply", headers=dispatcher, json={"reply": "已处理完毕"})
    system.drain()
    view = system.client.get(f"/api/v1/complaints/{accepted['tracking_code']}").text
    assert "dispatcher-housing_construction" not in view and "王五" not in view


def test_the_private_token_reaches_only_the_citizen_not_events_staff_or_other_services(system):
    accepted = system.report(**{**EXAMPLE, "reporter": {"name": "王五", "phone": "13912345678"}})
    token = accepted["citizen_token"]
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")
    supervisor = system.login("supervisor")
    case = system.client.get(f"/api/v1/cases/{accepted['id']}", headers=dispatcher)
    queue = system.client.get("/api/v1/queues/housing_construction", headers=supervisor)
    assert case.status_code == queue.status_code == 200
    assert token not in case.text and token not in queue.text and "citizen_token" not in case.text
    system.client.post(f"/api/v1/cases/{accepted['id']}/accept", headers=dispatcher)
    system.client.post(f"/api/v1/cases/{accepted['id']}/reply", headers=dispatcher, json={"reply": "已处理完毕"})
    system.drain()
    assert system.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied",
                                                                 "resolution": "resolved"}).status_code == 201
    system.drain()
    with system.engine.connect() as conn:
        events = conn.execute(text("SELECT payload FROM event_outbox")).scalars().all()
        routing_rows = conn.execute(text("SELECT * FROM routing_cases")).all()
    assert len(events) > 3 and not any(token in payload for payload in events)
    assert token not in str(routing_rows)


def test_a_hotline_call_reaches_the_department_with_the_callers_number_masked(system):
    call = {"call_id": "CC-e2e-1", "caller_number": "+86 139 1234 5678", "town": "合阳城街道",
            "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "category": "noise", "subcategory": "construction"}
    accepted = system.client.post("/api/v1/channels/hotline", json=call, headers={"X-API-Key": "demo-key"})
    assert accepted.status_code == 201, accepted.text
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")
    case = system.client.get(f"/api/v1/cases/{accepted.json()['id']}", headers=dispatcher)
    assert case.status_code == 200, case.text
    assert case.json()["reporter_phone_masked"] == "139****5678" and "13912345678" not in case.text
    assert case.json()["channel"] == "hotline"
    history = system.client.get("/api/v1/channels/hotline/history", params={"caller": "13912345678"},
                                headers=system.login("operator"))
    assert [p["tracking_code"] for p in history.json()["by_caller"]] == [accepted.json()["tracking_code"]]
    assert history.json()["by_caller"][0]["status"] == "assigned"


def test_a_reply_with_control_characters_is_cleaned_not_refused_by_the_database(system):
    case_id = system.report(**EXAMPLE)["id"]
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")
    reply = system.client.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                               json={"reply": "已处理\u0000完毕\u0007"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["reply"] == "已处理完毕"
    empty = system.client.post(f"/api/v1/cases/{case_id}/return", headers=dispatcher,
                               json={"reason": "\u0000\u0000\u0000"})
    assert empty.status_code == 422
