"""Appending events to the outbox inside the caller's transaction."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from shared.contracts.envelope import CloudEvent
from shared.eventbus.tables import OutboxRecord

# Workers of this process that read the outbox (embedded-log consumers, relays) and the topics each reads:
# a commit wakes those that read a topic it appended to (they poll otherwise). One event each, so a commit
# to complaints.received does not wake notify's consumer of complaints.lifecycle to query for nothing.
_listeners: dict[threading.Event, frozenset[str] | None] = {}
_listeners_lock = threading.Lock()


# Databases whose outbox is read as a log (the embedded bus): appends there are serialised.
_read_as_log: weakref.WeakSet[Engine] = weakref.WeakSet()


def read_as_log(engine: Engine) -> None:
    """Called by the bus that reads this database's outbox in position order (the embedded log).

    On PostgreSQL its appenders then take turns until commit, so positions become visible in order
    and a consumer never skips a row committed late (sequence gaps). Where a relay publishes the
    outbox instead, appends run side by side.
    """
    _read_as_log.add(engine)


TABLE = OutboxRecord.__table__  # type: ignore[attr-defined]  # SQLModel's table
_ORDERING_LOCK = text("SELECT pg_advisory_xact_lock(726354)")


def rows(items: Iterable[tuple[str, CloudEvent]]) -> list[dict[str, Any]]:
    """The outbox rows of (topic, event) pairs, as the INSERT takes them."""
    return [{"event_id": event.id, "topic": topic, "key": event.subject, "type": event.type,
             "payload": event.to_json(), "created_at": event.time} for topic, event in items]


def serialise(connection: Connection) -> None:
    """In a transaction about to append: take the log's ordering lock where the outbox is read as a log on
    PostgreSQL (held until commit; see `read_as_log`)."""
    if connection.dialect.name == "postgresql" and connection.engine in _read_as_log:
        connection.execute(_ORDERING_LOCK)


def append(session: Session, items: Iterable[tuple[str, CloudEvent]]) -> int:
    """Add (topic, event) rows in the session's transaction (one INSERT). Never commits."""
    new = rows(items)
    if not new:
        return 0
    serialise(session.connection())
    session.execute(sa.insert(TABLE), new)
    return len(new)


def listen(topics: Iterable[str] | None = None) -> threading.Event:
    """An event set whenever a commit in this process appends to one of `topics` (None: to any topic).
    The reader clears it before it reads and waits on it when it found nothing; `unlisten` when done."""
    wake = threading.Event()
    with _listeners_lock:
        _listeners[wake] = None if topics is None else frozenset(topics)
    return wake


def unlisten(wake: threading.Event) -> None:
    with _listeners_lock:
        _listeners.pop(wake, None)


def nudge(topics: Iterable[str] | None = None) -> None:
    """Wake the readers of these topics (None: every reader, e.g. to let them see that they must stop)."""
    appended = None if topics is None else set(topics)
    with _listeners_lock:
        woken = [wake for wake, wanted in _listeners.items()
                 if appended is None or wanted is None or not wanted.isdisjoint(appended)]
    for wake in woken:
        wake.set()
