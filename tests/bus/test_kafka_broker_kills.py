"""The broker killed with SIGKILL a few milliseconds after the bus's producer sent: no acknowledged record may be
missing afterwards. Against tansu 0.6 with its S3 engine, the chaos run's broker, which records an idempotent
producer's sequence number (and the partition's watermark) before it writes the batch: a kill between the two
makes the producer's retry come back DUPLICATE_SEQUENCE_NUMBER, which the client takes for success, so the record
is acknowledged and never stored (measured: 4 to 128 of 160 records in each of four runs with 40 kills). Hence
KAFKA_IDEMPOTENCE=false for that broker: acks=all, one request in flight, and a retry written again."""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Iterator

import pytest

from shared.clock import SystemClock
from shared.eventbus.kafka_bus import KafkaBus
from shared.settings import CommonSettings
from tests.kafka_broker import TansuBroker, require_tansu

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition  # type: ignore[import-untyped]

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

TOPIC = "complaints.received"
PARTITIONS = 2


@pytest.fixture
def durable_broker() -> Iterator[TansuBroker]:
    require_tansu()
    broker = TansuBroker("s3").start()
    try:
        yield broker
    finally:
        broker.close()


def read_all(bootstrap: str) -> dict[bytes, list[tuple[int, int]]]:
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50)
    tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
    reader.assign(tps)
    reader.seek_to_beginning(*tps)
    found: dict[bytes, list[tuple[int, int]]] = {}
    quiet_since = time.monotonic()
    try:
        while time.monotonic() - quiet_since < 5:
            for tp, records in reader.poll(timeout_ms=300).items():
                quiet_since = time.monotonic()
                for record in records:
                    found.setdefault(record.value, []).append((tp.partition, record.offset))
    finally:
        reader.close()
    return found


def test_no_acknowledged_record_is_missing_after_the_broker_is_killed_mid_produce(
        durable_broker: TansuBroker) -> None:
    settings = CommonSettings(demo_mode=True, event_bus="kafka", kafka_bootstrap_servers=durable_broker.bootstrap,
                              kafka_topic_partitions=PARTITIONS, kafka_idempotence=False)
    bus = KafkaBus.from_settings(settings, SystemClock(), connect_timeout_ms=10_000, send_timeout_ms=60_000)
    assert bus.idempotence is False
    bus.ensure_topics([TOPIC])
    producer = bus.new_producer()
    assert producer.config["enable_idempotence"] is False
    assert producer.config["max_in_flight_requests_per_connection"] == 1  # a retry cannot overtake
    rng = random.Random(5)
    sent = []
    try:
        producer.send(TOPIC, b"first", partition=0).get(timeout=30)
        for round_ in range(30):
            for i in range(4):
                value = f"{round_}-{i}".encode()
                sent.append((value, producer.send(TOPIC, value=value, partition=i % PARTITIONS)))
            time.sleep(rng.uniform(0, 0.03))  # mid-produce: tansu is writing the watermark, the batch, ...
            durable_broker.stop()  # SIGKILL
            durable_broker.start()
        producer.flush(timeout=60)
        acknowledged = [value for value, future in sent if future.succeeded()]
    finally:
        producer.close(timeout=5)
        bus.close()
    assert len(acknowledged) == len(sent), "the producer retries across restarts until acknowledged"

    found = read_all(durable_broker.bootstrap)
    missing = [value for value in acknowledged if value not in found]
    assert not missing, f"acknowledged, not stored: {missing[:10]}"
    # A retry after a lost answer may store a second copy (consumers drop it by the event id); order is kept.
    for partition in range(PARTITIONS):
        order = [value for value, _ in sorted(((v, o) for v, places in found.items() for p, o in places
                                               if p == partition and v != b"first"), key=lambda vo: vo[1])]
        firsts = list(dict.fromkeys(order))
        assert firsts == [v for v in acknowledged if int(v.split(b"-")[1]) % PARTITIONS == partition]


def test_idempotence_stays_on_by_default() -> None:
    assert CommonSettings(demo_mode=True).kafka_idempotence is True
    assert KafkaBus.from_settings(CommonSettings(demo_mode=True, kafka_idempotence=False), SystemClock()).idempotence \
        is False
