"""notify's test fixtures: its unit of work on the test database, and a way to feed it events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from services.notify.adapters.notifier import FakeNotifier
from services.notify.adapters.tables import CaseRow, ReplyRoundRow
from services.notify.entrypoints.consumers import consumer_specs
from services.notify.service_layer.uow import NotifyUowFactory, uow_factory
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload


@pytest.fixture
def uows(engine, clock) -> NotifyUowFactory:
    return uow_factory(engine, clock)


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def feed(uows, clock) -> Callable[..., CloudEvent]:
    """Deliver an event to notify's consumer as the bus would; returns the envelope (to deliver it again)."""
    spec = consumer_specs(uows, clock)[0]

    def deliver(event: EventPayload | CloudEvent) -> CloudEvent:
        if isinstance(event, EventPayload):
            event = event.to_event(source="/hechuan/routing", time=clock.now())
        spec.handle(event)
        return event

    return deliver


@pytest.fixture
def read_case(engine) -> Callable[[str], CaseRow | None]:
    def read(complaint_id: str) -> CaseRow | None:
        with Session(engine) as session:
            return session.get(CaseRow, complaint_id)

    return read


@pytest.fixture
def read_round(engine) -> Callable[[str, int], ReplyRoundRow | None]:
    def read(complaint_id: str, reply_round: int = 1) -> ReplyRoundRow | None:
        with Session(engine) as session:
            return session.get(ReplyRoundRow, (complaint_id, reply_round))

    return read
