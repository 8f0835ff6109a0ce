"""Routing's event consumer: group "routing" on complaints.received and complaints.lifecycle.

Each event is applied once (the inbox row and the handler's changes share one transaction);
types routing does not handle, or does not know, are skipped without touching the database.
"""

from __future__ import annotations

from collections.abc import Callable

from services.routing.service_layer.messagebus import MessageBus
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.clock import Clock
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import parse
from shared.eventbus.consumer import ConsumerSpec, handle_once

GROUP = "routing"
TOPICS = (topics.RECEIVED, topics.LIFECYCLE)


def consumer_specs(bus: MessageBus, uow_factory: Callable[[], RoutingUnitOfWork], clock: Clock
                   ) -> list[ConsumerSpec]:
    def handle(event: CloudEvent) -> None:
        payload = parse(event)
        if payload is None or not bus.handles_event(payload):
            return
        with uow_factory() as uow:
            handle_once(uow, GROUP, event, lambda: bus.handle_event(payload, uow), clock.now())

    return [ConsumerSpec(group=GROUP, topics=TOPICS, handle=handle)]
