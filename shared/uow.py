"""The unit of work every service builds on: one transaction, its rows and its events together.

It rolls back unless `commit()` is called; that one commit writes the rows and the outbox.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from shared import logging as ctx
from shared.clock import Clock
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.eventbus import outbox


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock, source: str,
                 ordered_log: bool = True) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self.source = source
        self._ordered_log = ordered_log
        self._pending: list[tuple[str, CloudEvent]] = []
        self.committed = False

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self._pending = []
        self.committed = False
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def publish(self, payload: EventPayload, *, topic: str | None = None) -> CloudEvent:
        """Queue an event; it is written to the outbox by the next commit, with the rows."""
        event = payload.to_event(source=self.source, time=self.clock.now(), correlation_id=ctx.correlation_id.get())
        self._pending.append((topic or payload.topic, event))
        return event

    def commit(self) -> None:
        wrote = outbox.append(self.session, self._pending, ordered_log=self._ordered_log)
        self.session.commit()
        self._pending = []
        self.committed = True
        if wrote:
            outbox.nudge()

    def rollback(self) -> None:
        self._pending = []
        self.session.rollback()
