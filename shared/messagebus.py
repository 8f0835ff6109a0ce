"""The message bus every service runs on: one table of commands (and queries) and one of events.

- `handle(command)` opens a fresh unit of work and runs the command's one handler in it; what the
  handler returns (a result, a view) is returned. A query is a command whose handler never commits.
- `consumer()` is the service's entry point for events from other services: it parses each
  CloudEvent, skips types the service has no handler for, and runs the handlers once per event id
  (the inbox row and the handlers' changes commit together, see `shared.eventbus.consumer`).

Handlers are plain functions `(message, uow, **ports)`. `bootstrap()` passes the ports; each
handler receives only the ones its signature names, so a test can hand it fakes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload, parse
from shared.eventbus.consumer import ConsumerSpec, handle_once
from shared.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

U = TypeVar("U", bound=SqlUnitOfWork)
Handler = Callable[..., Any]


def inject(handler: Handler, ports: Mapping[str, Any]) -> Callable[[Any, Any], Any]:
    """The handler with the ports it declares bound; a port it names that nobody provides is an error."""
    parameters = list(inspect.signature(handler).parameters.values())[2:]
    missing = [p.name for p in parameters if p.name not in ports and p.default is inspect.Parameter.empty]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs ports {missing} that bootstrap() does not provide")
    bound = {p.name: ports[p.name] for p in parameters if p.name in ports}
    return lambda message, uow: handler(message, uow, **bound)


class MessageBus(Generic[U]):
    def __init__(self, uow_factory: Callable[[], U], *, group: str, topics: Sequence[str] = (),
                 commands: Mapping[type, Handler], events: Mapping[type[EventPayload], Sequence[Handler]],
                 ports: Mapping[str, Any] | None = None) -> None:
        ports = dict(ports or {})
        self.uow_factory = uow_factory
        self.group = group  # the service's name: its consumer group
        self.topics = tuple(topics)
        self.command_handlers = {kind: inject(h, ports) for kind, h in commands.items()}
        self.event_handlers = {kind: [inject(h, ports) for h in hs] for kind, hs in events.items()}

    def handle(self, command: Any) -> Any:
        """Run one command (or query) in its own unit of work; returns what its handler returns."""
        try:
            handler = self.command_handlers[type(command)]
        except KeyError:
            raise LookupError(f"{self.group} has no handler for {type(command).__name__}") from None
        with self.uow_factory() as uow:
            return handler(command, uow)

    def handle_event(self, payload: EventPayload, uow: U) -> None:
        """Every handler of the event's type, in the caller's unit of work (the consumer's)."""
        for handler in self.event_handlers.get(type(payload), []):
            handler(payload, uow)

    def consumer(self) -> ConsumerSpec:
        """The service's consumer: its group, its topics, and exactly-once effect per event id."""

        def handle(event: CloudEvent) -> None:
            payload = parse(event)
            if payload is None or type(payload) not in self.event_handlers:
                return  # a type this version does not know, or this service does not need
            with self.uow_factory() as uow:
                handle_once(uow, self.group, event, lambda: self.handle_event(payload, uow), uow.clock.now())

        return ConsumerSpec(group=self.group, topics=self.topics, handle=handle)
