"""A backend-neutral driver for the bus behaviour suite.

Events are written through a real `SqlUnitOfWork` into the outbox; `pump()` moves them to the
transport (the Kafka relay; nothing on the embedded log, where the outbox is the log); consumers
run as threads; test handlers apply each event once (`handle_once`) into a test-only table.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import col

from shared.clock import FakeClock
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import ComplaintRatedV1
from shared.contracts.topics import LIFECYCLE, dlq
from shared.eventbus import outbox
from shared.eventbus.consumer import ConsumerSpec, RetryPolicy, handle_once
from shared.eventbus.dblog import DbLogBus
from shared.eventbus.port import EventBus, Worker
from shared.eventbus.tables import ConsumerOffset, DeadLetter, OutboxRecord
from shared.uow import SqlUnitOfWork
from tests.kafka_broker import TEST_GROUP_TIMINGS
from tests.waiting import wait_for

effects_metadata = sa.MetaData()
effects = sa.Table(
    "bus_test_effect", effects_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("complaint_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)

TEST_POLICY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
FailurePlan = Callable[[CloudEvent, int], bool]  # (event, attempt of this event) -> raise?


def never(_event: CloudEvent, _attempt: int) -> bool:
    return False


wait_until = wait_for  # the bus suite's name for it


class BusHarness:
    def __init__(self, backend: str, bus: EventBus, engine: Engine, clock: FakeClock) -> None:
        self.backend = backend
        self.bus = bus
        self.engine = engine
        self.clock = clock
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.relay = bus.relay(engine)
        self.calls: Counter[tuple[str, str]] = Counter()  # (group, event id) -> handler calls
        self._lock = threading.Lock()

    @classmethod
    def db(cls, engine: Engine, clock: FakeClock) -> BusHarness:
        return cls("db", DbLogBus(engine, clock, policy=TEST_POLICY, poll_interval=0.05), engine, clock)

    @classmethod
    def kafka(cls, engine: Engine, clock: FakeClock, bootstrap: str, prefix: str, **options: Any) -> BusHarness:
        from shared.eventbus.kafka_bus import KafkaBus

        settings: dict[str, Any] = dict(policy=TEST_POLICY, partitions=3, topic_prefix=prefix,
                                        connect_timeout_ms=5000, send_timeout_ms=5000, relay_poll_interval=0.05,
                                        **TEST_GROUP_TIMINGS)
        settings.update(options)
        bus = KafkaBus(bootstrap, clock, **settings)
        bus.ensure_topics()
        return cls("kafka", bus, engine, clock)

    def close(self) -> None:
        if self.relay is not None:
            self.relay.close()  # type: ignore[attr-defined]
        self.bus.close()

    # --- writing and moving events ----------------------------------------------------------------

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, clock=self.clock, source="/hechuan/test")

    def publish(self, complaint_id: str, seq: int, *, comment: str | None = None,
                topic: str = LIFECYCLE) -> CloudEvent:
        """One event in its own transaction, as a service would write it."""
        payload = ComplaintRatedV1(complaint_id=complaint_id, tracking_code=f"T{complaint_id}", rating="satisfied",
                                   comment=comment, reply_round=seq, via="citizen", rated_at=self.clock.now())
        event = payload.to_event(source="/hechuan/test", time=self.clock.now())
        with self.uow() as uow:
            outbox.append(uow.session, [(topic, event)])
            uow.commit()
        return event

    def pump(self) -> int:
        """Move the whole outbox to the transport (Kafka: the relay, batch after batch)."""
        if self.relay is None:
            return 0
        moved = 0
        while sent := self.relay.relay_once():  # type: ignore[attr-defined]
            moved += sent
        return moved

    def redeliver_everything(self, group: str) -> None:
        """Make the transport deliver every event again, as after a crash before the offset commit."""
        if self.backend == "kafka":  # the relay crashed after sending, before stamping: sent twice
            with self.sessions.begin() as session:
                session.execute(sa.update(OutboxRecord).values(published_at=None))
            self.pump()
        else:
            # The consumer moves its offset once a batch, after the batch's effects: wait for that first, or
            # its late move would undo the reset (seen once in a full run on PostgreSQL)
            def offset() -> int:
                with self.sessions() as session:
                    return session.scalar(sa.select(col(ConsumerOffset.position))
                                          .where(col(ConsumerOffset.group_id) == group)) or 0

            with self.sessions() as session:
                last = session.scalar(sa.select(sa.func.max(OutboxRecord.position))
                                      .where(col(OutboxRecord.topic) == LIFECYCLE)) or 0  # what the specs read
            wait_for(lambda: offset() >= last, what=f"{group}'s offset at the end of the log")
            with self.sessions.begin() as session:
                session.execute(sa.update(ConsumerOffset).where(col(ConsumerOffset.group_id) == group)
                                .values(position=0))

    # --- consuming --------------------------------------------------------------------------------

    def spec(self, group: str, *, fails: FailurePlan = never, topics: tuple[str, ...] = (LIFECYCLE,)) -> ConsumerSpec:
        attempts: Counter[str] = Counter()

        def handle(event: CloudEvent) -> None:
            with self._lock:
                attempts[event.id] += 1
                self.calls[(group, event.id)] += 1
                attempt = attempts[event.id]
            with self.uow() as uow:
                def apply() -> None:
                    if fails(event, attempt):
                        raise RuntimeError(f"cannot apply {event.subject}#{event.data['reply_round']}")
                    uow.session.execute(effects.insert().values(
                        group_id=group, event_id=event.id, complaint_id=event.subject,
                        seq=event.data["reply_round"]))
                    uow.commit()

                handle_once(uow, group, event, apply, self.clock.now())

        return ConsumerSpec(group=group, topics=topics, handle=handle)

    @contextmanager
    def running(self, *workers: Worker, joined: bool = True) -> Iterator[threading.Event]:
        """Run workers in threads until the block ends; Kafka consumers first join their group."""
        stop = threading.Event()
        threads = [threading.Thread(target=w.run, args=(stop,), name=w.name, daemon=True) for w in workers]
        for thread in threads:
            thread.start()
        try:
            if joined and self.backend == "kafka":
                for worker in workers:
                    if hasattr(worker, "assigned"):
                        wait_until(worker.assigned.is_set, what=f"{worker.name} to join its group")
            yield stop
        finally:
            stop.set()
            outbox.nudge()
            for thread in threads:
                thread.join(15)
            alive = [t.name for t in threads if t.is_alive()]
            assert not alive, f"workers did not stop: {alive}"

    # --- looking ----------------------------------------------------------------------------------

    def effects(self, group: str) -> list[tuple[str, str, int]]:
        """(event id, complaint id, seq) applied by the group, in the order they were applied."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(effects.c.event_id, effects.c.complaint_id, effects.c.seq)
                                .where(effects.c.group_id == group).order_by(effects.c.id)).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def handler_calls(self, group: str) -> int:
        with self._lock:
            return sum(n for (g, _), n in self.calls.items() if g == group)

    def parked_errors(self, group: str, topic: str = LIFECYCLE) -> list[str]:
        """The errors as the transport keeps them: `event_dead_letter` rows, or `<topic>.dlq` headers."""
        if self.backend == "db":
            with self.sessions() as session:
                return list(session.scalars(sa.select(col(DeadLetter.error)).where(col(DeadLetter.group_id) == group)))
        records = self.bus._read_from_beginning([dlq(topic)])  # type: ignore[attr-defined]
        return [r.headers["dlq-error"] for r in records if not r.is_marker and r.headers.get("dlq-group") == group]
