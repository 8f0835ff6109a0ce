"""The event bus port. Services only see `ConsumerSpec`s and the outbox; backends do the transport.

Two backends implement it: `DbLogBus` (embedded default: the outbox table is the log) and
`KafkaBus` (distributed: a relay publishes the outbox to Kafka topics). Handlers never know which.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from shared.eventbus.consumer import ConsumerSpec


class Worker(Protocol):
    """A long-running loop (consumer, relay, scheduler) that stops when `stop` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


@dataclass(frozen=True)
class DeadLetterView:
    id: str
    group: str
    topic: str
    event_id: str
    event_type: str
    error: str
    attempts: int
    created_at: datetime | None
    replayed_at: datetime | None = None


class EventBus(ABC):
    name: str

    @abstractmethod
    def ensure_topics(self, topics: Iterable[str] | None = None) -> None:
        """Create topics before anything is published to them (explicitly, never auto): the fixed
        topics by default, or the ones named (a department's dispatch topic when it is created)."""

    @abstractmethod
    def consumer(self, spec: ConsumerSpec) -> Worker:
        """A worker that feeds the group's topics to `spec.handle`."""

    @abstractmethod
    def relay(self, engine: Engine) -> Worker | None:
        """A worker that moves the outbox of `engine` to the transport (None: the outbox is the log)."""

    @abstractmethod
    def dead_letters(self, group: str | None = None) -> list[DeadLetterView]: ...

    @abstractmethod
    def replay(self, dead_letter_id: str, spec: ConsumerSpec) -> bool:
        """Deliver a parked message again (after a fix); True when it was applied this time."""

    def close(self) -> None:  # noqa: B027 - optional for backends holding no connections
        pass
