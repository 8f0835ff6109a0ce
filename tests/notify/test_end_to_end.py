"""notify inside the whole embedded system: what intake and routing really publish reaches its figures."""

from datetime import timedelta

from services.notify.bootstrap import NAME
from shared.auth import Principal, issue_token
from shared.clock import SystemClock


def bearer(system, principal: Principal) -> dict[str, str]:
    key = system.settings[NAME].jwt_key
    return {"Authorization": "Bearer " + issue_token(principal, key=key, now=SystemClock().now(),
                                                     ttl=timedelta(hours=1))}


def test_a_routed_complaint_counts_for_assignment_and_is_escalated_when_nobody_signs_for_it(system):
    complaint = system.report(content="合阳城街道某工地凌晨两点还在打桩，噪音太大", town="合阳城街道")
    system.drain()
    supervisor = bearer(system, Principal("sup", "supervisor"))
    figures = system.client.get("/api/v1/metrics/sla", headers=supervisor).json()
    behind = system.client.get(figures["assignment_rate"]["cases_url"], headers=supervisor).json()
    assert [(c["complaint_id"], c["met"]) for c in behind["cases"]] == [(complaint["id"], True)]

    system.clock.advance(timedelta(days=10))
    [sweeper] = [w for w in system.runtimes[NAME].workers if w.name == "sla-sweeper"]
    sweeper.job()
    alerts = system.client.get("/api/v1/alerts", headers=supervisor).json()["alerts"]
    escalated = {(a["clock"], a["level"]) for a in alerts if a["complaint_id"] == complaint["id"]}
    assert {("accept", "escalated"), ("reply", "escalated")} <= escalated
    assert all(a["tracking_code"] == complaint["tracking_code"] for a in alerts)
