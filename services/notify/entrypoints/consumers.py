"""What notify consumes: the case lifecycle, into its own projection (group "notify")."""

from __future__ import annotations

from services.notify.service_layer import handlers
from services.notify.service_layer.uow import NotifyUowFactory
from shared.clock import Clock
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CaseEscalatedV1, SlaWarningV1, parse
from shared.eventbus.consumer import ConsumerSpec, handle_once

GROUP = "notify"
OWN_EVENTS = (SlaWarningV1, CaseEscalatedV1)  # what the sweeper publishes: nothing to project


def consumer_specs(uow_factory: NotifyUowFactory, clock: Clock) -> list[ConsumerSpec]:
    def handle(event: CloudEvent) -> None:
        payload = parse(event)
        if payload is None or isinstance(payload, OWN_EVENTS) or type(payload) not in handlers.EVENT_HANDLERS:
            return  # a type this version does not know, or does not need
        with uow_factory() as uow:
            handle_once(uow, GROUP, event, lambda: handlers.handle(payload, uow), clock.now())

    return [ConsumerSpec(group=GROUP, topics=(topics.LIFECYCLE,), handle=handle)]
