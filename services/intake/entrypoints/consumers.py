"""Intake consumes lifecycle events to keep the citizen's view of each complaint current."""

from __future__ import annotations

from collections.abc import Callable

from services.intake.service_layer.handlers import EVENT_HANDLERS
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import parse
from shared.eventbus.consumer import ConsumerSpec, handle_once

GROUP = "intake"


def consumer_specs(uow_factory: Callable[[], IntakeUnitOfWork]) -> list[ConsumerSpec]:
    def handle(event: CloudEvent) -> None:
        payload = parse(event)
        handler = EVENT_HANDLERS.get(type(payload)) if payload is not None else None
        if handler is None:
            return  # not intake's business
        with uow_factory() as uow:
            handle_once(uow, GROUP, event, lambda: handler(payload, uow), uow.clock.now())

    return [ConsumerSpec(group=GROUP, topics=(topics.LIFECYCLE,), handle=handle)]
