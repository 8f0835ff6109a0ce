"""Delivery rules shared by every bus backend: exactly-once effect on at-least-once delivery.

- `handle_once` records the event id in the inbox in the handler's own transaction, so a
  redelivered event changes nothing.
- `deliver` retries a failing message with backoff, then parks it (dead letter) so one poison
  message does not stop its partition for ever. A database that cannot be reached is not the
  message's fault: `deliver` waits for it (the attempts are not counted) and never parks for it.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shared import logging as ctx
from shared import metrics
from shared.contracts.envelope import CloudEvent
from shared.db import database_unavailable
from shared.eventbus.tables import InboxRecord
from shared.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

EventHandler = Callable[[CloudEvent], None]
DeadLetterSink = Callable[[CloudEvent, str, str, int], None]  # event, topic, error, attempts


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service consumes: its group (= the service name), topics, and one entry point."""

    group: str
    topics: tuple[str, ...]
    handle: EventHandler


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0
    # How long one message waits for an unreachable database before the failure goes up to the worker
    # (which reads the message again later): never parked for it, whatever the outage's length.
    unavailable_wait: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))


def handle_once(uow: SqlUnitOfWork, group: str, event: CloudEvent, apply: Callable[[], None],
                now: datetime) -> bool:
    """Apply an event once per group. Returns False when it had been applied before."""
    if not _claim(uow, group, event.id, now):
        return False
    apply()
    if not uow.committed:  # the handler had nothing to change: still remember the event
        uow.commit()
    return True


_INBOX: sa.Table = InboxRecord.__table__  # type: ignore[attr-defined]
# built once; RETURNING says whether the row was written (psycopg gives no rowcount here)
_CLAIMS = {"sqlite": sqlite.insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.event_id),
           "postgresql": postgresql.insert(_INBOX).on_conflict_do_nothing().returning(_INBOX.c.event_id)}


def _claim(uow: SqlUnitOfWork, group: str, event_id: str, now: datetime) -> bool:
    """The event's inbox row, written now in the handler's transaction unless it is there already (then
    False): one statement. (On PostgreSQL a second transaction with the same event waits for the first
    and then finds its row.)"""
    statement = _CLAIMS.get(uow.session.get_bind().dialect.name)
    if statement is None:
        if uow.session.get(InboxRecord, (group, event_id)) is not None:
            return False
        uow.session.add(InboxRecord(group_id=group, event_id=event_id, processed_at=now))
        return True
    written = uow.session.execute(statement, {"group_id": group, "event_id": event_id, "processed_at": now})
    return written.first() is not None


def deliver(event: CloudEvent, topic: str, spec: ConsumerSpec, policy: RetryPolicy,
            park: DeadLetterSink, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Hand one event to the service; True when applied, False when parked as a dead letter."""
    token_c = ctx.correlation_id.set(event.correlationid)
    token_s = ctx.complaint_id.set(event.subject)
    try:
        attempt, waited = 1, 0.0
        while attempt <= policy.max_attempts:
            try:
                spec.handle(event)
                metrics.events_handled.labels(spec.group, event.type).inc()
                return True
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then parked
                if database_unavailable(exc):  # an outage, not a poison message: wait, do not count it
                    if waited >= policy.unavailable_wait:
                        raise
                    pause = min(policy.max_delay, max(policy.base_delay, waited))  # doubling, up to max_delay
                    log.warning("the database is unavailable while handling %s; again in %.2fs: %s",
                                event.type, pause, type(exc).__name__)
                    sleep(pause)
                    waited += pause
                    continue
                if attempt >= policy.max_attempts:
                    error = "".join(traceback.format_exception_only(exc)).strip()
                    log.error("parking %s on %s after %d attempts: %s", event.type, topic, attempt, error)
                    park(event, topic, error, attempt)
                    metrics.events_parked.labels(spec.group, topic).inc()
                    return False
                log.warning("attempt %d of %s failed: %s", attempt, event.type, exc)
                sleep(policy.delay(attempt))
                attempt += 1
        return False
    finally:
        ctx.correlation_id.reset(token_c)
        ctx.complaint_id.reset(token_s)
