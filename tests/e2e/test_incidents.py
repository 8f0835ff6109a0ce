"""突发环境事件 end to end: a leak reported on the web is flagged by routing, the duty officer gets an SMS at the
fake gateway through the real HTTP adapter, the department records a referral to 119 over HTTP, and the clock is
met (no warning, no escalation); the rules of who may do what hold over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.notify.adapters.tables import OUTBOUND_MESSAGES
from services.notify.domain.commands import SweepSlaClocks
from shared.outbound_http import HttpSmsGateway
from tests.fake_gateway import SECRET, FakeGatewayServer
from tests.system import EmbeddedSystem

LEAK = {"channel": "web", "content": "化工厂管道破裂，大量刺鼻气体泄漏，有人头晕", "town": "合阳城街道"}
DUTY = "13800000001"


@pytest.fixture(scope="module")
def gateway() -> Iterator[FakeGatewayServer]:
    with FakeGatewayServer() as server:
        yield server


@pytest.fixture
def on_duty(engine, clock, gateway, monkeypatch) -> Iterator[EmbeddedSystem]:
    gateway.reset()
    monkeypatch.setenv("NOTIFY_DUTY_OFFICER_PHONES", DUTY)
    embedded = EmbeddedSystem(engine, clock, notify={"sms_gateway": HttpSmsGateway(f"{gateway.url}/sms", SECRET)})
    yield embedded
    embedded.client.close()


def send_due(system: EmbeddedSystem) -> None:
    [sender] = [w for w in system.runtimes["notify"].workers if w.name == "robot-sender"]
    sender.job()


def test_a_leak_is_flagged_the_duty_officer_told_a_referral_recorded_and_the_clock_met(on_duty, gateway, clock):
    received = on_duty.report(**LEAK)
    on_duty.drain()
    supervisor = on_duty.login("supervisor")
    case = on_duty.client.get(f"/api/v1/cases/{received['id']}", headers=supervisor).json()
    incident = case["incident_detail"]
    assert case["incident"] == "suspected" and incident["auto"] and "泄漏" in incident["words"]
    send_due(on_duty)
    [sms] = gateway.messages("sms")
    assert sms["to"] == DUTY and received["tracking_code"] in sms["content"] and "疑似突发环境事件" in sms["content"]
    assert LEAK["content"] not in sms["content"]  # the words found, never the citizen's text
    # the duty officer's number is in the configuration only: notify's message row holds a reference
    with on_duty.runtimes["notify"].bus.uow_factory() as uow:
        rows = uow.session.execute(sa.select(OUTBOUND_MESSAGES).where(OUTBOUND_MESSAGES.c.channel == "sms")).all()
    assert [(r.status, r.recipient_enc.startswith("duty:")) for r in rows] == [("sent", True)]
    assert not [r for r in rows if DUTY in r.recipient_enc or DUTY in r.body_enc]

    dispatcher = on_duty.login(f"dispatcher-{case['department']}")
    clock.advance(timedelta(minutes=20))
    body = {"target": "119", "called_at": clock.now().isoformat(), "by": "张三", "reference": "119-20261126-001"}
    response = on_duty.client.post(f"/api/v1/cases/{received['id']}/incident/referrals", headers=dispatcher,
                                   json=body)
    assert response.status_code == 200, response.text
    on_duty.drain()
    clock.advance(timedelta(hours=3))
    on_duty.runtimes["notify"].bus.handle(SweepSlaClocks(at=clock.now()))
    send_due(on_duty)
    assert len(gateway.messages("sms")) == 1  # met: no warning, no escalation
    with on_duty.runtimes["notify"].bus.uow_factory() as uow:
        clock_row = uow.incidents.get(received["id"])
    assert clock_row is not None and (clock_row.status.value, clock_row.response, clock_row.on_time) == (
        "met", "referral", True)
    detail = on_duty.client.get(f"/api/v1/cases/{received['id']}", headers=dispatcher).json()["incident_detail"]
    assert [r["target"] for r in detail["referrals"]] == ["119"] and detail["responded_at"] is not None


def test_who_may_declare_clear_and_refer_and_what_is_refused(on_duty):
    received = on_duty.report(channel="web", content="合阳城街道某工地凌晨两点还在打桩，噪音太大", town="合阳城街道")
    on_duty.drain()
    url = f"/api/v1/cases/{received['id']}/incident"
    operator, supervisor = on_duty.login("operator"), on_duty.login("supervisor")
    case = on_duty.client.get(f"/api/v1/cases/{received['id']}", headers=supervisor).json()
    assert case["incident"] is None
    other = next(d for d in ("ecology_env", "housing_construction", "urban_management") if d != case["department"])
    assert on_duty.client.post(url, headers=on_duty.login(f"dispatcher-{other}"),
                               json={"reason": "有泄漏"}).status_code == 404
    assert on_duty.client.post(url, headers=operator, json={"reason": ""}).status_code == 422
    assert on_duty.client.post(url, headers=operator, json={"reason": "来电称现场有气体泄漏"}).status_code == 200
    assert on_duty.client.post(url + "/clear", headers=operator, json={"reason": "误报"}).status_code == 403
    bad = {"target": "other", "called_at": "2026-11-26T10:00:00+08:00", "by": "张三"}
    assert on_duty.client.post(url + "/referrals", headers=supervisor, json=bad).status_code == 422
    naive = {"target": "110", "called_at": "2026-11-26T10:00:00", "by": "张三"}
    assert on_duty.client.post(url + "/referrals", headers=supervisor, json=naive).status_code == 422
    cleared = on_duty.client.post(url + "/clear", headers=supervisor, json={"reason": "误报，现场无泄漏"})
    assert cleared.status_code == 200 and cleared.json()["incident"] == "cleared"
    assert on_duty.client.post(url + "/clear", headers=supervisor, json={"reason": "误报"}).status_code == 409
