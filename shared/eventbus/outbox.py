"""Appending events to the outbox inside the caller's transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.contracts.envelope import CloudEvent
from shared.eventbus.tables import OutboxRecord

# Wakes embedded-log consumers in this process as soon as something was committed (they poll otherwise).
log_appended = threading.Condition()


def append(session: Session, items: Iterable[tuple[str, CloudEvent]], *, ordered_log: bool) -> int:
    """Add (topic, event) rows to the session. Never commits.

    `ordered_log`: on PostgreSQL, serialise appenders until commit so positions become visible in
    order and an embedded-log consumer never skips a row committed late (sequence gaps).
    """
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
    if ordered_log and bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(726354)"))
    session.add_all(rows)
    return len(rows)


def nudge() -> None:
    with log_appended:
        log_appended.notify_all()
