"""The outbox relay on its own, with a fake transport: what is marked sent, when, and in what order."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import col

from shared import metrics
from shared.clock import FakeClock
from shared.eventbus.relay import OutboxMessage, OutboxRelay
from shared.eventbus.tables import OutboxRecord
from tests.bus.harness import BusHarness, wait_until
from tests.conftest import DATABASES


class FakeTransport:
    """Acknowledges batches, or refuses the next `down` of them, and keeps what it acknowledged."""

    def __init__(self, down: int = 0, on_publish: object = None) -> None:
        self.down = down
        self.acknowledged: list[int] = []
        self.on_publish = on_publish
        self._lock = threading.Lock()

    def __call__(self, batch: Sequence[OutboxMessage]) -> None:
        if callable(self.on_publish):
            self.on_publish()
        with self._lock:
            if self.down > 0:
                self.down -= 1
                raise ConnectionError("broker unreachable")
            self.acknowledged.extend(m.position for m in batch)


def harness(engine: Engine, clock: FakeClock) -> BusHarness:
    return BusHarness.db(engine, clock)  # only its unit of work is used: the relay is built here


def unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(col(OutboxRecord.position)).where(col(OutboxRecord.published_at).is_(None))
        return len(conn.execute(query).all())


def test_rows_are_marked_sent_only_once_the_transport_acknowledged_them(engine: Engine, clock: FakeClock) -> None:
    h = harness(engine, clock)
    for seq in range(5):
        h.publish("c-1", seq)
    transport = FakeTransport(down=1)
    relay = OutboxRelay(engine, clock, transport, name="relay:test-ack", batch_size=2)

    with pytest.raises(ConnectionError):
        relay.relay_once()
    assert unsent(engine) == 5 and relay.backlog() == 5
    assert metrics.REGISTRY.get_sample_value("outbox_backlog", {"relay": "relay:test-ack"}) == 5

    assert [relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert unsent(engine) == 0 and relay.backlog() == 0
    with engine.connect() as conn:
        positions = conn.scalars(select(col(OutboxRecord.position)).order_by(col(OutboxRecord.position))).all()
    assert transport.acknowledged == positions  # in position order, each once


def test_a_relay_that_fails_backs_off_and_drains_once_the_transport_is_back(engine: Engine, clock: FakeClock) -> None:
    h = harness(engine, clock)
    for seq in range(7):
        h.publish("c-2", seq)
    transport = FakeTransport(down=3)
    relay = OutboxRelay(engine, clock, transport, name="relay:test-backoff", batch_size=3, min_backoff=0.01,
                        max_backoff=0.05, poll_interval=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: relay.backlog() == 0, what="the outbox drained")
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert len(transport.acknowledged) == 7 and relay.failures == 0


def test_a_service_can_write_while_the_relay_waits_for_the_broker(engine: Engine, clock: FakeClock) -> None:
    h = harness(engine, clock)
    h.publish("c-3", 1)
    written: list[str] = []

    def a_service_commits_meanwhile() -> None:  # SQLite: fails with 'database is locked' if the relay held it
        if not written:
            written.append(h.publish("c-4", 1).id)

    relay = OutboxRelay(engine, clock, FakeTransport(on_publish=a_service_commits_meanwhile), name="relay:test-lock")
    assert relay.relay_once() == 1
    assert written and relay.backlog() == 1  # the row written meanwhile waits for the next batch


@pytest.mark.skipif("postgres" not in DATABASES, reason="several relay copies need PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_several_relay_copies_publish_every_row_once_and_in_order(engine: Engine, clock: FakeClock) -> None:
    h = harness(engine, clock)
    for seq in range(60):
        h.publish(f"c-{seq % 4}", seq)
    published: list[int] = []
    lock = threading.Lock()

    def slow_transport(batch: Sequence[OutboxMessage]) -> None:
        threading.Event().wait(0.01)  # the other copies try to claim meanwhile
        with lock:
            published.extend(m.position for m in batch)

    relays = [OutboxRelay(engine, clock, slow_transport, name=f"relay:copy{n}", batch_size=5, poll_interval=0.01)
              for n in range(3)]
    stop = threading.Event()
    threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in relays]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: relays[0].backlog() == 0, what="the copies to drain the outbox")
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)

    with sessionmaker(engine)() as session:
        positions = session.scalars(select(col(OutboxRecord.position)).order_by(col(OutboxRecord.position))).all()
    assert published == positions  # none twice, none skipped, never out of order
