"""The unit of work every service builds on: one transaction, its rows and its events together.

It rolls back unless `commit()` is called. `commit()` first has every repository write the aggregates
that changed (`shared.repository`), then collects the events every aggregate it saw has recorded
(`track`, called by the repositories) and writes them to the outbox in the same transaction as the
rows (cosmicpython's `collect_new_events`, plus the outbox it lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared import logging as ctx
from shared.clock import Clock
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.domain import Aggregate
from shared.eventbus import outbox
from shared.outbound import MessageStatus, OutboundMessage, OutboundStore, StoredMessage
from shared.repository import Repository

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound=Repository[Any])
U = TypeVar("U", bound="SqlUnitOfWork")


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock, source: str,
                 outbound: OutboundStore | None = None) -> None:
        self._session_factory = session_factory
        self._outbound = outbound
        self.clock = clock
        self.source = source
        self.seen: list[Aggregate] = []
        self._loose: list[EventPayload] = []
        self.repositories: list[Repository[Any]] = []
        self.committed = False

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.seen, self._loose, self.repositories = [], [], []
        self.committed = False
        self.open_repositories(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def open_repositories(self, session: Session) -> None:
        """A service's unit of work builds its repositories on the session here (`self.repository(...)`)."""

    def repository(self, cls: type[R], **kwargs: Any) -> R:
        """A repository of aggregates on this transaction; `commit()` saves what changed in it."""
        repository = cls(self.session, self.track, **kwargs)
        self.repositories.append(repository)
        return repository

    def track(self, aggregate: A) -> A:
        """Remember an aggregate loaded or added in this transaction; its events go out at commit."""
        if not any(seen is aggregate for seen in self.seen):
            self.seen.append(aggregate)
        return aggregate

    def enqueue(self, message: OutboundMessage) -> bool:
        """A message out to a person (SMS, a group robot), written in this transaction: it exists exactly
        when the change that causes it commits; its key makes a second enqueue a no-op (shared/outbound.py)."""
        return self._outbound_store().enqueue(self.session, message, now=self.clock.now())

    def outbound_messages(self, *, status: MessageStatus | None = None, limit: int = 50) -> list[StoredMessage]:
        return self._outbound_store().listed(self.session, status=status, limit=limit)

    def replay_outbound(self, key: str) -> bool:
        return self._outbound_store().replay(self.session, key, now=self.clock.now())

    def _outbound_store(self) -> OutboundStore:
        if self._outbound is None:
            raise RuntimeError(f"{type(self).__name__} was built without an outbound store")
        return self._outbound

    def publish(self, payload: EventPayload) -> None:
        """An event that belongs to no aggregate (tests of the bus itself); services record on aggregates."""
        self._loose.append(payload)

    def collect_new_events(self) -> list[EventPayload]:
        events = [event for aggregate in self.seen for event in aggregate.pull_events()]
        events, self._loose = self._loose + events, []
        return events

    def commit(self) -> list[CloudEvent]:
        """Write the rows and the recorded events in one transaction; returns the envelopes written."""
        for repository in self.repositories:
            repository.save_changes()
        now, correlation = self.clock.now(), ctx.correlation_id.get()
        written = [(payload.destination(), payload.to_event(source=self.source, time=now, correlation_id=correlation))
                   for payload in self.collect_new_events()]
        outbox.append(self.session, written)
        self.session.commit()
        self.committed = True
        if written:
            outbox.nudge()
        return [event for _, event in written]

    def rollback(self) -> None:
        for repository in self.repositories:
            repository.forget()
        for aggregate in self.seen:
            aggregate.pull_events()  # what was recorded did not happen
        self._loose = []
        self.session.rollback()


def uow_factory(cls: type[U], engine: Engine, *, clock: Clock, source: str, **extra: Any) -> Callable[[], U]:
    """A fresh unit of work per message, request or sweep (never a shared one); `extra` goes to the
    service's unit of work (e.g. the sealer of its outbound messages)."""
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    return lambda: cls(sessions, clock=clock, source=source, **extra)
