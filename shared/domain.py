"""What every aggregate shares: it records what happened, as versioned event payloads.

Pure Python. The unit of work collects the recorded events of every aggregate it saw at commit and
writes them to the outbox with the rows, so no handler ever builds or copies an event by hand.
"""

from __future__ import annotations

from typing import Any, TypeVar

from shared.contracts.events import EventPayload

E = TypeVar("E", bound=EventPayload)


class Aggregate:
    """Mixin for aggregates (dataclasses or plain classes): `record()` and `pull_events()`."""

    def record(self, event_type: type[E], **given: Any) -> E:
        """Record `event_type`, filled from this aggregate's own fields of the same name.

        `given` supplies what the aggregate does not hold (the actor, the moment, a reason) or
        overrides a field. Only instance fields are read, never methods or properties, and the
        payload validates itself, so a missing or mistyped field fails here, loudly.
        """
        fields = {name: value for name, value in vars(self).items()
                  if name in event_type.model_fields and not name.startswith("_")}
        event = event_type(**(fields | given))
        self.__dict__.setdefault("_events", []).append(event)
        return event

    def pull_events(self) -> list[EventPayload]:
        """The events recorded since the last pull (the unit of work takes them at commit)."""
        events: list[EventPayload] = self.__dict__.pop("_events", [])
        return events

    @property
    def pending_events(self) -> list[EventPayload]:
        """Recorded and not yet pulled (for tests and for handlers that need to know)."""
        return list(self.__dict__.get("_events", []))
