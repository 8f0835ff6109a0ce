"""What only the Kafka backend has: explicit topics, the relay across broker outages, the `.dlq`
record format, and the operator's topic report. Runs against tansu, a Kafka-protocol broker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from shared import metrics
from shared.clock import FakeClock
from shared.contracts.envelope import CONTENT_TYPE, CloudEvent
from shared.contracts.topics import ACCOUNTS, LIFECYCLE, RECEIVED, REFERENCE
from shared.eventbus.consumer import ConsumerSpec
from shared.eventbus.kafka_bus import KafkaBus
from shared.eventbus.tables import OutboxRecord
from tests.bus.harness import TEST_POLICY, BusHarness, wait_until
from tests.kafka_broker import TEST_GROUP_TIMINGS, TansuBroker, require_tansu
from tests.pg import free_port

pytestmark = pytest.mark.kafka


def make_bus(bootstrap: str, clock: FakeClock, prefix: str, **options: Any) -> KafkaBus:
    settings: dict[str, Any] = dict(policy=TEST_POLICY, partitions=3, topic_prefix=prefix, connect_timeout_ms=5000,
                                    send_timeout_ms=5000, **TEST_GROUP_TIMINGS)
    settings.update(options)
    return KafkaBus(bootstrap, clock, **settings)


@pytest.fixture
def kafka_bus(kafka_broker: TansuBroker, clock: FakeClock, topic_prefix: str) -> Iterator[KafkaBus]:
    bus = make_bus(kafka_broker.bootstrap, clock, topic_prefix)
    bus.ensure_topics()
    yield bus
    bus.close()


@pytest.fixture(scope="module")
def s3_broker() -> Iterator[TansuBroker]:
    """A broker whose storage survives its restarts (moto S3): for the outage tests."""
    require_tansu()
    broker = TansuBroker("s3").start()
    yield broker
    broker.close()


def rated(complaint: str, seq: int, clock: FakeClock) -> CloudEvent:
    return CloudEvent(source="/hechuan/test", type="hechuan.complaints.complaint.rated.v1", subject=complaint,
                      time=clock.now(), data={"complaint_id": complaint, "reply_round": seq})


def produce(bus: KafkaBus, topic: str, values: list[tuple[str, bytes]]) -> None:
    producer = bus.new_producer()
    try:
        for key, value in values:
            producer.send(bus.physical(topic), key=key.encode(), value=value).get(timeout=5)
    finally:
        producer.close()


def collecting_spec(group: str, into: list[CloudEvent]) -> ConsumerSpec:
    return ConsumerSpec(group=group, topics=(LIFECYCLE,), handle=into.append)


def run_until(worker: Any, condition: Any, what: str) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(condition, what=what)
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()


def test_topics_are_created_explicitly_with_the_configured_partitions(kafka_broker: TansuBroker, clock: FakeClock,
                                                                      topic_prefix: str) -> None:
    # with a retention (retention.ms): accepted by the broker (tansu does not report topic configs back)
    bus = make_bus(kafka_broker.bootstrap, clock, topic_prefix, partitions=2, retention_days=7)
    try:
        bus.ensure_topics()
        bus.ensure_topics()  # a second start-up finds them there: nothing to do, no error
        fixed = {status.topic for status in bus.topic_report()}
        bus.ensure_topics(["complaints.dispatch.town_new"])  # a department created at run time
        report = {status.topic: status for status in bus.topic_report()}
        names = bus.topic_names()
    finally:
        bus.close()

    assert fixed == {RECEIVED, LIFECYCLE, REFERENCE, ACCOUNTS,
                     *(f"{t}.dlq" for t in (RECEIVED, LIFECYCLE, REFERENCE, ACCOUNTS))}
    assert set(report) == set(names) == fixed | {"complaints.dispatch.town_new"}
    assert {status.partitions for status in report.values()} == {2}


def test_an_unreadable_message_is_parked_with_where_it_came_from(kafka_bus: KafkaBus, clock: FakeClock) -> None:
    good = rated("c-1", 1, clock)
    produce(kafka_bus, LIFECYCLE, [("c-1", b"not a cloud event"), ("c-1", good.to_bytes())])
    handled: list[CloudEvent] = []
    run_until(kafka_bus.consumer(collecting_spec("notify", handled)), lambda: handled, "the readable message")

    assert [e.id for e in handled] == [good.id]
    [record] = kafka_bus._read_from_beginning(["complaints.lifecycle.dlq"])
    assert record.key == b"c-1" and record.value == b"not a cloud event"
    headers = record.headers
    assert headers["dlq-error"].startswith("unreadable event")
    assert (headers["dlq-original-topic"], headers["dlq-group"], headers["dlq-attempts"]) == (LIFECYCLE, "notify", "1")
    assert headers["dlq-original-offset"] == "0" and headers["content-type"] == CONTENT_TYPE
    [view] = kafka_bus.dead_letters("notify")
    assert view.id == f"complaints.lifecycle.dlq:{record.partition}:{record.offset}"
    assert (view.event_id, view.topic) == ("unreadable", LIFECYCLE)
    assert kafka_bus.dead_letters("routing") == []


def test_the_topic_report_shows_size_and_lag_per_group(kafka_bus: KafkaBus, clock: FakeClock) -> None:
    produce(kafka_bus, LIFECYCLE, [(f"c-{n}", rated(f"c-{n}", 1, clock).to_bytes()) for n in range(10)])
    handled: list[CloudEvent] = []
    run_until(kafka_bus.consumer(collecting_spec("notify", handled)), lambda: len(handled) == 10, "10 events")
    produce(kafka_bus, LIFECYCLE, [(f"c-{n}", rated(f"c-{n}", 2, clock).to_bytes()) for n in range(4)])

    report = {status.topic: status for status in kafka_bus.topic_report()}

    assert report[LIFECYCLE].size == 14 and sum(report[LIFECYCLE].end_offsets) == 14
    assert report[LIFECYCLE].lag == {"notify": 4}
    assert report[RECEIVED].size == 0 and report[RECEIVED].lag == {}


def test_the_relay_keeps_the_rows_while_the_broker_is_unreachable(engine: Engine, clock: FakeClock) -> None:
    closed = f"127.0.0.1:{free_port()}"
    bus = make_bus(closed, clock, "", connect_timeout_ms=300, send_timeout_ms=500)
    h = BusHarness("kafka", bus, engine, clock)
    try:
        for seq in range(3):
            h.publish("c-1", seq)
        with pytest.raises(Exception):  # noqa: B017 - whatever kafka-python raises: not acknowledged
            h.relay.relay_once()  # type: ignore[union-attr]
        relay: Any = h.relay
        relay.min_backoff, relay.max_backoff = 0.05, 0.2
        run_until(relay, lambda: relay.failures >= 2, "the relay to retry")

        assert relay.backlog() == 3
        assert metrics.REGISTRY.get_sample_value("outbox_backlog", {"relay": relay.name}) == 3
        with engine.connect() as conn:
            assert conn.execute(select(col(OutboxRecord.published_at))).scalars().all() == [None, None, None]
    finally:
        h.close()


def test_the_relay_drains_after_a_broker_restart_with_nothing_lost_or_doubled(
        s3_broker: TansuBroker, engine: Engine, clock: FakeClock, topic_prefix: str) -> None:
    bus = make_bus(s3_broker.bootstrap, clock, topic_prefix, connect_timeout_ms=1000, send_timeout_ms=2000)
    bus.ensure_topics([LIFECYCLE])
    h = BusHarness("kafka", bus, engine, clock)
    relay: Any = h.relay
    relay.min_backoff, relay.max_backoff = 0.1, 0.5
    events = [h.publish(f"c-{n % 3}", n) for n in range(5)]
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: relay.backlog() == 0, what="the first events published")
        s3_broker.stop(graceful=True)  # a kill can lose tansu's last acknowledged write (TansuBroker.stop)
        events += [h.publish(f"c-{n % 3}", n) for n in range(5, 25)]
        wait_until(lambda: relay.failures >= 1, what="the relay to notice the outage")
        wait_until(lambda: metrics.REGISTRY.get_sample_value("outbox_backlog", {"relay": relay.name}) == 20,
                   what="the backlog reported")
        s3_broker.start()
        wait_until(lambda: relay.backlog() == 0, what="the backlog drained after the restart")
    finally:
        stop.set()
        thread.join(15)
        h.close()

    records = bus._read_from_beginning([LIFECYCLE])
    ids = [CloudEvent.from_json(r.value).id for r in records]  # type: ignore[arg-type]
    assert sorted(ids) == sorted(e.id for e in events)  # every event once: none lost, none doubled
    by_key: dict[bytes, list[int]] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(r.key or b"", []).append(CloudEvent.from_json(r.value or b"").data["reply_round"])
    assert all(seqs == sorted(seqs) for seqs in by_key.values())


def test_processed_offsets_are_committed_when_the_partitions_are_revoked(kafka_bus: KafkaBus, clock: FakeClock,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    produce(kafka_bus, LIFECYCLE, [(f"c-{n}", rated(f"c-{n}", 1, clock).to_bytes()) for n in range(5)])
    handled: list[CloudEvent] = []
    worker = kafka_bus.consumer(collecting_spec("notify", handled))
    monkeypatch.setattr(worker, "_commit", lambda _consumer: None)  # only the rebalance listener commits now
    run_until(worker, lambda: len(handled) == 5, "5 events")  # stopping revokes its partitions

    committed = kafka_bus._committed_offsets(["notify"])["notify"]
    assert sum(committed.values()) == 5
    [status] = [s for s in kafka_bus.topic_report(["notify"]) if s.topic == LIFECYCLE]
    assert status.lag == {"notify": 0}


def test_the_bus_takes_its_settings_from_the_environment_settings(clock: FakeClock) -> None:
    from shared.settings import CommonSettings

    settings = CommonSettings(demo_mode=True, event_bus="kafka", kafka_bootstrap_servers="k1:9092, k2:9092",
                              kafka_topic_partitions=12, kafka_replication_factor=3, kafka_session_timeout_ms=9000,
                              kafka_heartbeat_interval_ms=2000, kafka_fetch_max_wait_ms=100, consumer_max_attempts=7,
                              kafka_topic_retention_days=14)
    bus = KafkaBus.from_settings(settings, clock, client_id="routing")
    assert bus.retention_days == 14 and CommonSettings(demo_mode=True).kafka_topic_retention_days == 30

    assert bus.bootstrap_servers == ["k1:9092", "k2:9092"] and bus.client_id == "routing"
    assert (bus.partitions, bus.replication_factor) == (12, 3)
    assert (bus.session_timeout_ms, bus.heartbeat_interval_ms, bus.fetch_max_wait_ms) == (9000, 2000, 100)
    assert bus.policy.max_attempts == 7 and bus.topic_prefix == ""
    assert bus.physical("complaints.received") == "complaints.received" and bus.group_id("routing") == "routing"
