"""The outbox relay: publishes unsent outbox rows to the transport in `position` order, then stamps them.

Transport-neutral: it is given a `publish` function that returns only when every message of the
batch is acknowledged and raises otherwise (the Kafka one lives in `kafka_bus`). A row is marked
`published_at` only after its acknowledgement, in one transaction per batch; a crash between the
two publishes the batch again (at-least-once: consumers de-duplicate by event id).

Several relay copies may run against one PostgreSQL database (replicas of a service): a
transaction-scoped advisory lock lets one publish at a time while the others stand by, so batches
leave in outbox order and one complaint's events never overtake each other. (Claiming batches with
`FOR UPDATE SKIP LOCKED` and waiting for earlier claims reordered a batch in about 1 run in 30 of
tests/bus/test_outbox_relay.py.) SQLite allows one relay process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import col

from shared import metrics
from shared.clock import Clock
from shared.eventbus import outbox
from shared.eventbus.tables import OutboxRecord

log = logging.getLogger(__name__)

_POSITION = col(OutboxRecord.position)
_UNSENT = col(OutboxRecord.published_at).is_(None)
_RELAY_LOCK = 0x6F7574626F78  # "outbox": the advisory lock the relay copies of one database share


@dataclass(frozen=True)
class OutboxMessage:
    position: int
    topic: str
    key: str  # the complaint id (= CloudEvent subject): the partition key
    payload: str  # the CloudEvent, structured JSON, exactly as written


Publish = Callable[[Sequence[OutboxMessage]], None]


class OutboxRelay:
    def __init__(self, engine: Engine, clock: Clock, publish: Publish, *, name: str = "relay:outbox",
                 batch_size: int = 500, poll_interval: float = 0.5, min_backoff: float = 0.5,
                 max_backoff: float = 30.0, close: Callable[[], None] | None = None) -> None:
        self.name = name
        self.engine = engine
        self.clock = clock
        self.publish = publish
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._several_copies = engine.dialect.name == "postgresql"
        # Counted when /metrics is scraped, so the figure is current even while a send hangs on a
        # broker that went away (the relay loop itself is blocked then).
        metrics.outbox_backlog.labels(name).set_function(self._backlog_for_metrics)
        self.failures = 0  # consecutive failed rounds (reset by a successful one)
        self._close = close

    def run(self, stop: threading.Event) -> None:
        log.info("%s publishing the outbox of %s", self.name, self.engine.url.render_as_string(hide_password=True))
        try:
            self._loop(stop)
        finally:
            self.close()

    def _loop(self, stop: threading.Event) -> None:
        wake = outbox.listen()  # woken by a commit in this process, else polls
        try:
            self._publish_until(stop, wake)
        finally:
            outbox.unlisten(wake)

    def _publish_until(self, stop: threading.Event, wake: threading.Event) -> None:
        delay = self.min_backoff
        while not stop.is_set():
            wake.clear()  # before reading: a commit while publishing makes the next wait return at once
            try:
                sent = self.relay_once()
            except Exception as exc:  # noqa: BLE001 - broker or database away: keep the rows, back off
                self.failures += 1
                log.warning("%s could not publish (attempt %d, next in %.1fs): %s",
                            self.name, self.failures, delay, exc)
                stop.wait(delay)
                delay = min(self.max_backoff, delay * 2)
                continue
            if self.failures:
                log.info("%s publishing again after %d failed attempts", self.name, self.failures)
            self.failures, delay = 0, self.min_backoff
            if sent < self.batch_size and not stop.is_set():
                wake.wait(self.poll_interval)

    def close(self) -> None:
        """Let go of the transport's connections (run() does it when it stops)."""
        if self._close is not None:
            self._close()

    def relay_once(self) -> int:
        """Publish the next batch and mark it sent; returns how many rows. Raises when not acknowledged."""
        with self._sessions() as session:
            # PostgreSQL: several copies may run (replicas); one publishes at a time, so batches go out
            # in outbox order and a complaint's events never overtake each other. The others stand by.
            if self._several_copies and not session.scalar(select(func.pg_try_advisory_xact_lock(_RELAY_LOCK))):
                session.rollback()
                return 0
            query = (
                select(_POSITION, col(OutboxRecord.topic), col(OutboxRecord.key), col(OutboxRecord.payload))
                .where(_UNSENT)
                .order_by(_POSITION)
                .limit(self.batch_size)
            )
            batch = [OutboxMessage(position, topic, key, payload)  # type: ignore[arg-type]  # never NULL
                     for position, topic, key, payload in session.execute(query).all()]
            if not batch:
                session.rollback()
                return 0
            if not self._several_copies:
                session.commit()  # SQLite: do not hold the write lock while the broker answers
            self.publish(batch)
            positions = [m.position for m in batch]
            session.execute(
                update(OutboxRecord)
                .where(_POSITION.in_(positions), _UNSENT)
                .values(published_at=self.clock.now())
            )
            session.commit()
        metrics.events_relayed.labels(self.name).inc(len(batch))
        return len(batch)

    def backlog(self) -> int:
        """Outbox rows not yet acknowledged by the transport (exported as `outbox_backlog`)."""
        with self._sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(OutboxRecord).where(_UNSENT)
            )
            session.commit()
        return count or 0

    def _backlog_for_metrics(self) -> float:
        try:
            return float(self.backlog())
        except Exception as exc:  # noqa: BLE001 - the database may be the thing that is down
            log.warning("%s could not count its backlog: %s", self.name, exc)
            return float("nan")
