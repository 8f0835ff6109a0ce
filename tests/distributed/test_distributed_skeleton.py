"""The walking skeleton, distributed: intake, routing and notify each in its own process, each on its own
PostgreSQL database, talking only through Kafka; driven over HTTP on each service's own port."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from shared.clock import SHANGHAI
from tests.distributed.conftest import ASSIGNED, PARTITIONS, DistributedSystem, event_of, wait_for

pytestmark = pytest.mark.kafka

EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


def test_a_complaint_travels_the_whole_way_across_three_processes_and_kafka(distributed: DistributedSystem):
    distributed.start("intake", "routing", "notify")
    intake, routing, notify = (distributed.client(name) for name in ("intake", "routing", "notify"))

    accepted = intake.post("/api/v1/complaints", json=EXAMPLE)
    assert accepted.status_code == 201, accepted.text
    case_id, code, token = accepted.json()["id"], accepted.json()["tracking_code"], accepted.json()["citizen_token"]
    received_on = datetime.fromisoformat(accepted.json()["received_at"]).astimezone(SHANGHAI).date()

    # routing got it from complaints.received and put it in the department's queue, with deadlines
    dispatcher = distributed.login("dispatcher-housing_construction")

    def in_queue():
        cases = routing.get("/api/v1/queues/housing_construction", headers=dispatcher).json()["cases"]
        return next((c for c in cases if c["id"] == case_id), None)

    case = wait_for(in_queue, 30, "the case in housing_construction's queue")
    assert (case["category"], case["subcategory"], case["status"]) == ("noise", "construction", "assigned")
    assert case["assign_due"] and case["accept_due"] and case["reply_due"]

    # the department's work order is on its own Kafka topic (structured CloudEvent, keyed by complaint id)
    orders = distributed.read_topic(
        "complaints.dispatch.housing_construction",
        until=lambda records: any(r.key == case_id.encode() for r in records))
    order = next(event_of(r) for r in orders if r.key == case_id.encode())
    assert order["type"] == "hechuan.complaints.case.dispatched.v1" and order["subject"] == case_id
    assert order["data"]["department"] == "housing_construction" and order["data"]["tracking_code"] == code
    assert dict(next(r for r in orders if r.key == case_id.encode()).headers)["content-type"].startswith(
        b"application/cloudevents+json")

    assert routing.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher).status_code == 200
    reply = routing.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                         json={"reply": "已到现场核查，责令工地停止夜间施工"})
    assert reply.status_code == 200, reply.text

    # intake's citizen view follows the lifecycle topic
    view = wait_for(lambda: (v := intake.get(f"/api/v1/complaints/{code}").json())["status"] == "replied" and v,
                    30, "the citizen sees the reply")
    assert view["can_rate"] and "停止夜间施工" in view["reply"]
    assert view["department"] == "housing_construction" and view["type_label"] == "噪声 / 建筑施工噪声"
    rated = intake.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                   "resolution": "resolved", "token": token})
    assert rated.status_code == 201, rated.text

    # notify built its figures from the same lifecycle events: 1/1 on all three targets
    supervisor = distributed.login("supervisor")
    period = f"from={received_on.isoformat()}&to={max(received_on, datetime.now(SHANGHAI).date()).isoformat()}"

    def targets_met():
        sla = notify.get(f"/api/v1/metrics/sla?{period}", headers=supervisor).json()
        counted = all((sla[t]["numerator"], sla[t]["denominator"]) == (1, 1)
                      for t in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"))
        return counted and sla

    sla = wait_for(targets_met, 30, "1/1 on the three targets")
    for target in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
        behind = notify.get(sla[target]["cases_url"], headers=supervisor).json()["cases"]
        assert [(c["complaint_id"], c["met"]) for c in behind] == [(case_id, True)], (target, sla[target], behind)

    # one assignment on the lifecycle topic, from routing's outbox
    lifecycle = distributed.read_topic("complaints.lifecycle")
    assigned = [event_of(r) for r in lifecycle if r.key == case_id.encode() and event_of(r)["type"] == ASSIGNED]
    assert len({e["id"] for e in assigned}) == 1
    wait_for(lambda: all(distributed.unsent(name) == 0 for name in ("intake", "routing", "notify")), 30,
             "every outbox published")

    # each service answers only its own routes on its port
    assert routing.post("/api/v1/complaints", json=EXAMPLE).status_code == 404
    assert intake.get("/api/v1/queues/housing_construction", headers=dispatcher).status_code == 404

    # the operator's view: every topic exists (created explicitly), sizes, and no lag once all is consumed
    def report():
        done = distributed.cli("intake", "topics")
        assert done.returncode == 0, done.stderr
        return {row["topic"]: row for row in json.loads(done.stdout)}

    topics = wait_for(lambda: (r := report())["complaints.received"]["lag"].get("routing") == 0 and r, 30,
                      "routing has consumed complaints.received")
    assert topics["complaints.dispatch.housing_construction"]["size"] >= 1
    assert {"complaints.received.dlq", "complaints.dispatch.town_taihe"} <= topics.keys()
    assert topics["complaints.lifecycle"]["partitions"] == PARTITIONS

    # a department added at run time: its dispatch topic at once, its name in intake through Kafka
    admin = distributed.login("admin")
    created = routing.post("/api/v1/departments", headers=admin,
                           json={"code": "noise_office", "name": "区噪声污染防治办公室", "kind": "district"})
    assert created.status_code == 201, created.text
    assert "complaints.dispatch.noise_office" in report()

    def dispatcher_added() -> bool:  # intake refuses a department its copy of the directory does not name
        done = distributed.cli("intake", "users", "add", "zhou.min", "--role", "dispatcher",
                               "--department", "noise_office", env={"COMPLAINTS_PASSWORD": "a-long-password"})
        return done.returncode == 0

    wait_for(dispatcher_added, 30, "intake knows the new department")
