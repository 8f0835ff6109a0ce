"""The embedded backend: the outbox table is a durable log; consumer groups keep offsets in a table."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import col, select

from shared.clock import Clock
from shared.contracts.envelope import CloudEvent
from shared.eventbus import outbox
from shared.eventbus.consumer import ConsumerSpec, RetryPolicy, deliver
from shared.eventbus.port import DeadLetterView, EventBus, Worker
from shared.eventbus.tables import ConsumerOffset, DeadLetter, OutboxRecord

log = logging.getLogger(__name__)


class DbLogBus(EventBus):
    name = "db"

    def __init__(self, engine: Engine, clock: Clock, *, policy: RetryPolicy | None = None,
                 poll_interval: float = 0.2, batch_size: int = 200,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Polling only reads: on SQLite it must not queue behind (or block) the writers.
        self._read_sessions = sessionmaker(engine.execution_options(read_only=True), expire_on_commit=False)
        self._sleep = sleep
        outbox.read_as_log(engine)

    def ensure_topics(self, topics: Iterable[str] | None = None) -> None:
        pass  # topics are a column of the log

    def consumer(self, spec: ConsumerSpec) -> DbLogConsumer:
        return DbLogConsumer(self, spec)

    def relay(self, engine: Engine) -> Worker | None:
        return None

    def park(self, group: str) -> Callable[[CloudEvent, str, str, int], None]:
        def _park(event: CloudEvent, topic: str, error: str, attempts: int) -> None:
            with self._sessions() as session:
                session.add(DeadLetter(group_id=group, topic=topic, event_id=event.id, payload=event.to_json(),
                                       error=error[:4000], attempts=attempts, created_at=self.clock.now()))
                session.commit()

        return _park

    def dead_letters(self, group: str | None = None) -> list[DeadLetterView]:
        with self._sessions() as session:
            query = select(DeadLetter).order_by(col(DeadLetter.id))
            if group:
                query = query.where(col(DeadLetter.group_id) == group)
            rows = session.scalars(query).all()
        return [
            DeadLetterView(id=str(r.id), group=r.group_id, topic=r.topic, event_id=r.event_id,
                           event_type=_event_type(r.payload), error=r.error, attempts=r.attempts,
                           created_at=r.created_at, replayed_at=r.replayed_at)
            for r in rows
        ]

    def replay(self, dead_letter_id: str, spec: ConsumerSpec) -> bool:
        with self._sessions() as session:
            row = session.get(DeadLetter, int(dead_letter_id))
            if row is None or row.group_id != spec.group:
                raise LookupError(f"no dead letter {dead_letter_id} for group {spec.group}")
            if row.replayed_at is not None:
                return True
            event, topic = CloudEvent.from_json(row.payload), row.topic
        # Replayed by hand: one attempt, and a failure leaves the row parked as it was.
        once = RetryPolicy(max_attempts=1)
        failures: list[str] = []
        applied = deliver(event, topic, spec, once, lambda _e, _t, error, _a: failures.append(error))
        with self._sessions() as session:
            row = session.get(DeadLetter, int(dead_letter_id))
            assert row is not None
            if applied:
                row.replayed_at = self.clock.now()
            else:
                row.error, row.attempts = failures[-1][:4000], row.attempts + 1
            session.commit()
        return applied


class DbLogConsumer:
    def __init__(self, bus: DbLogBus, spec: ConsumerSpec) -> None:
        self.bus = bus
        self.spec = spec
        self.name = f"consumer:{spec.group}"
        self._park = bus.park(spec.group)

    def run(self, stop: threading.Event) -> None:
        log.info("consumer group %s reading %s from the embedded log", self.spec.group, ",".join(self.spec.topics))
        wake = outbox.listen(self.spec.topics)  # set by a commit in this process to one of the group's topics
        try:
            while not stop.is_set():
                wake.clear()  # before reading: a commit while reading makes the next wait return at once
                try:
                    handled = self.poll_once(stop)
                except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                    log.exception("embedded log poll failed for %s", self.spec.group)
                    stop.wait(1.0)
                    continue
                if handled == 0 and not stop.is_set():
                    wake.wait(self.bus.poll_interval)
        finally:
            outbox.unlisten(wake)

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Deliver the next batch after the group's offset; returns how many rows were read."""
        sessions = self.bus._read_sessions
        with sessions() as session:
            offset = _offset(session, self.spec.group)
            rows = session.execute(
                select(col(OutboxRecord.position), col(OutboxRecord.topic), col(OutboxRecord.payload))
                .where(col(OutboxRecord.topic).in_(self.spec.topics), col(OutboxRecord.position) > offset)
                .order_by(col(OutboxRecord.position))
                .limit(self.bus.batch_size)
            ).all()
            session.commit()
        done = None
        try:
            for position, topic, payload in rows:
                if stop is not None and stop.is_set():
                    break
                try:
                    event = CloudEvent.from_json(payload)
                except (ValidationError, ValueError) as exc:
                    log.error("unreadable event at position %s: %s", position, exc)
                    self._park_raw(topic, payload, str(exc))
                else:
                    kwargs = {"sleep": self.bus._sleep} if self.bus._sleep else {}
                    deliver(event, topic, self.spec, self.bus.policy, self._park, **kwargs)
                done = position
        finally:
            # Once per batch: a crash before this re-reads the batch, and the inbox makes that harmless.
            if done is not None:
                self._advance(done)
        return len(rows)

    def _advance(self, position: int | None) -> None:
        assert position is not None  # a stored row always has one
        with self.bus._sessions() as session:
            row = session.get(ConsumerOffset, self.spec.group)
            if row is None:
                now = self.bus.clock.now()
                session.add(ConsumerOffset(group_id=self.spec.group, position=position, updated_at=now))
            elif position > row.position:
                row.position, row.updated_at = position, self.bus.clock.now()
            session.commit()

    def _park_raw(self, topic: str, payload: str, error: str) -> None:
        with self.bus._sessions() as session:
            session.add(DeadLetter(group_id=self.spec.group, topic=topic, event_id="unreadable", payload=payload,
                                   error=error[:4000], attempts=1, created_at=self.bus.clock.now()))
            session.commit()


def _offset(session: Session, group: str) -> int:
    row = session.get(ConsumerOffset, group)
    return row.position if row else 0


def _event_type(payload: str) -> str:
    try:
        return CloudEvent.from_json(payload).type
    except (ValidationError, ValueError):
        return "?"
