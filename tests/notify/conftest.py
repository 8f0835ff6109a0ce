"""notify's test fixtures: notify bootstrapped alone on the test database, and a way to feed it events."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.notify.adapters.notifier import FakeNotifier
from services.notify.bootstrap import bootstrap
from services.notify.domain.case import Alert, ReplyRound, SlaCase
from services.notify.domain.commands import SweepSlaClocks
from services.notify.settings import NotifySettings
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.runtime import ServiceRuntime
from tests.system import service_context

SETTINGS = NotifySettings(demo_mode=True)


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def runtime(engine, clock, notifier) -> ServiceRuntime:
    return bootstrap(service_context(SETTINGS, engine, clock), notifier=notifier)


@pytest.fixture
def feed(runtime, clock) -> Callable[..., CloudEvent]:
    """Deliver an event to notify's consumer as the bus would; returns the envelope (to deliver it again)."""
    consumer = runtime.bus.consumer()

    def deliver(event: EventPayload | CloudEvent) -> CloudEvent:
        if isinstance(event, EventPayload):
            event = event.to_event(source="/hechuan/routing", time=clock.now())
        consumer.handle(event)
        return event

    return deliver


def send_due(runtime: ServiceRuntime) -> int:
    """One round of the robot sender (the worker that sends the messages the sweep and events wrote)."""
    [sender] = [w for w in runtime.workers if w.name == "robot-sender"]
    return sender.job()  # type: ignore[no-any-return]


@pytest.fixture
def sweep(runtime, clock) -> Callable[[], list[Alert]]:
    """One SLA sweep at the clock's time, through the bus as the sweeper worker sends it; then the
    messages it wrote are sent, as the robot sender would."""

    def run() -> list[Alert]:
        alerts = runtime.bus.handle(SweepSlaClocks(at=clock.now()))
        send_due(runtime)
        return alerts

    return run


@pytest.fixture
def read_case(runtime) -> Callable[[str], SlaCase | None]:
    def read(complaint_id: str) -> SlaCase | None:
        with runtime.bus.uow_factory() as uow:
            return uow.cases.get(complaint_id)

    return read


@pytest.fixture
def read_round(read_case) -> Callable[..., ReplyRound | None]:
    def read(complaint_id: str, reply_round: int = 1) -> ReplyRound | None:
        case = read_case(complaint_id)
        return case.rounds.get(reply_round) if case else None

    return read
