"""The message bus: hands a command to its handler in a fresh unit of work, with the ports it asks for.

Events from other services arrive through the consumer, which opens the unit of work itself (the
inbox row and the handler's changes share one transaction) and calls `handle_event`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from services.routing.service_layer.handlers import Handler
from services.routing.service_layer.uow import RoutingUnitOfWork


def _inject(handler: Handler, ports: Mapping[str, Any]) -> Callable[[Any, RoutingUnitOfWork], Any]:
    """The handler with the ports it declares bound (a test passes fakes through the same ports)."""
    wanted = set(inspect.signature(handler).parameters)
    bound = {name: port for name, port in ports.items() if name in wanted}
    return lambda message, uow: handler(message, uow, **bound)


class MessageBus:
    def __init__(self, uow_factory: Callable[[], RoutingUnitOfWork], *,
                 event_handlers: Mapping[type, list[Handler]], command_handlers: Mapping[type, Handler],
                 ports: Mapping[str, Any]) -> None:
        self.uow_factory = uow_factory
        self.event_handlers = {kind: [_inject(h, ports) for h in hs] for kind, hs in event_handlers.items()}
        self.command_handlers = {kind: _inject(h, ports) for kind, h in command_handlers.items()}

    def handle(self, command: Any) -> Any:
        """Run one command in its own unit of work; returns what the handler returns."""
        handler = self.command_handlers[type(command)]
        with self.uow_factory() as uow:
            return handler(command, uow)

    def handles_event(self, payload: Any) -> bool:
        return type(payload) in self.event_handlers

    def handle_event(self, payload: Any, uow: RoutingUnitOfWork) -> None:
        for handler in self.event_handlers.get(type(payload), []):
            handler(payload, uow)
