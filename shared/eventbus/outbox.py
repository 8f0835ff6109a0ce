"""Appending events to the outbox inside the caller's transaction."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared.contracts.envelope import CloudEvent
from shared.eventbus.tables import OutboxRecord

# Wakes embedded-log consumers in this process as soon as something was committed (they poll otherwise).
log_appended = threading.Condition()


# Databases whose outbox is read as a log (the embedded bus): appends there are serialised.
_read_as_log: weakref.WeakSet[Engine] = weakref.WeakSet()


def read_as_log(engine: Engine) -> None:
    """Called by the bus that reads this database's outbox in position order (the embedded log).

    On PostgreSQL its appenders then take turns until commit, so positions become visible in order
    and a consumer never skips a row committed late (sequence gaps). Where a relay publishes the
    outbox instead, appends run side by side.
    """
    _read_as_log.add(engine)


def append(session: Session, items: Iterable[tuple[str, CloudEvent]]) -> int:
    """Add (topic, event) rows to the session. Never commits."""
    rows = [
        OutboxRecord(
            event_id=event.id,
            topic=topic,
            key=event.subject,
            type=event.type,
            payload=event.to_json(),
            created_at=event.time,
        )
        for topic, event in items
    ]
    if not rows:
        return 0
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and bind in _read_as_log:
        session.execute(text("SELECT pg_advisory_xact_lock(726354)"))
    session.add_all(rows)
    return len(rows)


def nudge() -> None:
    with log_appended:
        log_appended.notify_all()
