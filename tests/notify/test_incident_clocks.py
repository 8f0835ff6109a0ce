"""突发环境事件 in notify (domain/incidents.py): the duty officer's SMS at once, the 2-hour wall-clock first-response
clock across a night and a weekend, the warning at 1 h 30, the escalation, and nothing after 解除."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notify.bootstrap import bootstrap
from services.notify.domain.commands import SweepSlaClocks
from shared.clock import SHANGHAI
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseIncidentClearedV1,
    CaseIncidentDeclaredV1,
    IncidentReferralRecordedV1,
)
from tests.notify.conftest import SETTINGS, send_due
from tests.system import service_context

T0 = datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)  # Friday 23:00: the clock runs through the night and Saturday
DUTY = "13800000001,13800000002"


class Phones:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, key: str, recipient: str, body: str) -> None:
        self.sent.append((key, recipient, body))


@pytest.fixture
def sms() -> Phones:
    return Phones()


@pytest.fixture
def runtime(engine, clock, notifier, sms):  # overrides conftest's: with the duty roster and an SMS port
    settings = SETTINGS.model_copy(update={"notify_duty_officer_phones": DUTY})
    return bootstrap(service_context(settings, engine, clock), notifier=notifier, sms_gateway=sms)


def declared(at: datetime = T0, *, auto: bool = True) -> CaseIncidentDeclaredV1:
    return CaseIncidentDeclaredV1(complaint_id="c1", tracking_code="HC20261127001", department="ecology_env",
                                  town="合阳城街道", auto=auto, words=["泄漏"], reason="疑似突发环境事件: 泄漏",
                                  declared_at=at, by="system")


def sweep_at(runtime, clock, at: datetime) -> None:
    clock.set(at)
    runtime.bus.handle(SweepSlaClocks(at=at))
    send_due(runtime)


def kinds(sms: Phones) -> list[tuple[str, str]]:
    return [(key.split(":")[3], phone) for key, phone, _ in sms.sent]


def test_the_duty_officer_is_told_at_once_at_night_and_only_once(runtime, feed, clock, sms, notifier):
    clock.set(T0)
    envelope = feed(declared())
    feed(envelope)  # the same event again
    feed(declared())  # the same declaration under another id
    send_due(runtime)
    assert kinds(sms) == [("declared", "13800000001"), ("declared", "13800000002")]
    assert "HC20261127001" in sms.sent[0][2] and "01:00" in sms.sent[0][2]  # due 2 hours later, not Monday
    assert len(notifier.to("supervisors")) == 1 and len(notifier.to("ecology_env")) == 1


def test_warning_at_1h30_and_escalation_at_2h_in_wall_clock_time(runtime, feed, clock, sms, notifier):
    clock.set(T0)
    feed(declared())
    send_due(runtime)
    sweep_at(runtime, clock, T0 + timedelta(hours=1, minutes=29))
    assert [k for k, _ in kinds(sms)] == ["declared", "declared"]
    sweep_at(runtime, clock, T0 + timedelta(hours=1, minutes=30))  # Saturday 00:30
    assert [k for k, _ in kinds(sms)].count("warning") == 2
    assert any("突发预警" in m for m in notifier.to("ecology_env"))
    sweep_at(runtime, clock, T0 + timedelta(hours=2))  # Saturday 01:00: missed
    assert [k for k, _ in kinds(sms)].count("escalated") == 2
    assert any("突发督办" in m for m in notifier.to("supervisors"))
    sweep_at(runtime, clock, T0 + timedelta(hours=5))
    assert len(sms.sent) == 6  # each once
    with runtime.bus.uow_factory() as uow:
        incident = uow.incidents.get("c1")
    assert incident is not None and incident.status.value == "running" and incident.escalated_at is not None


def test_signing_within_2_hours_meets_the_clock_and_nothing_more_is_sent(runtime, feed, clock, sms):
    clock.set(T0)
    feed(declared())
    feed(CaseAcceptedV1(complaint_id="c1", department="ecology_env", accepted_at=T0 + timedelta(minutes=50),
                        by="dispatcher"))
    sweep_at(runtime, clock, T0 + timedelta(hours=3))
    assert [k for k, _ in kinds(sms)] == ["declared", "declared"]
    with runtime.bus.uow_factory() as uow:
        incident = uow.incidents.get("c1")
    assert incident is not None and (incident.status.value, incident.response, incident.on_time) == (
        "met", "accepted", True)


def test_a_referral_is_a_first_response(runtime, feed, clock, sms):
    clock.set(T0)
    feed(declared())
    feed(IncidentReferralRecordedV1(complaint_id="c1", tracking_code="HC20261127001", target="119",
                                    called_at=T0 + timedelta(minutes=5), called_by="张三",
                                    recorded_at=T0 + timedelta(minutes=10), by="dispatcher"))
    sweep_at(runtime, clock, T0 + timedelta(hours=3))
    assert [k for k, _ in kinds(sms)] == ["declared", "declared"]


def test_a_cleared_false_alarm_gets_no_more_alerts_and_a_new_declaration_a_new_clock(runtime, feed, clock, sms):
    clock.set(T0)
    feed(declared())
    feed(CaseIncidentClearedV1(complaint_id="c1", tracking_code="HC20261127001", reason="误报",
                               cleared_at=T0 + timedelta(minutes=20), by="supervisor"))
    sweep_at(runtime, clock, T0 + timedelta(hours=4))
    assert [k for k, _ in kinds(sms)] == ["declared", "declared"]
    feed(declared(T0 + timedelta(hours=4), auto=False))
    sweep_at(runtime, clock, T0 + timedelta(hours=5, minutes=30))
    keys = [key for key, _, _ in sms.sent]
    assert sum(":2:declared:" in k for k in keys) == 2 and sum(":2:warning:" in k for k in keys) == 2
