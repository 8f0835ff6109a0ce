"""The chaos run's topic reader (bench.chaos.read_topics) on a broker log with holes: what tansu 0.6's S3 engine
leaves when it is killed after moving a partition's watermark and before writing the batch. The watermark then
counts offsets nothing was stored at: a fetch from there answers the next stored batch, or nothing at all when the
hole is at the end, where a reader that waits for the watermark waited for ever (the chaos run's stall)."""

from __future__ import annotations

import json
import urllib.request
import warnings

import pytest

from bench.chaos import read_topics
from tests.kafka_broker import TansuBroker, require_tansu

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaAdminClient, KafkaProducer  # type: ignore[import-untyped]
    from kafka.admin import NewTopic  # type: ignore[import-untyped]

pytestmark = [pytest.mark.kafka]

TOPIC = "complaints.dispatch.d1"


def produce(bootstrap: str, *values: bytes) -> list[int]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        return [producer.send(TOPIC, value, partition=0).get(timeout=30).offset for value in values]
    finally:
        producer.close()


def test_a_hole_at_the_end_is_reported_not_waited_for_and_a_later_record_skips_it() -> None:
    require_tansu()
    broker = TansuBroker("s3").start()
    try:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        admin.create_topics([NewTopic(TOPIC, 1, 1)])
        admin.close()
        assert produce(broker.bootstrap, b"a", b"b", b"c") == [0, 1, 2]
        # what a kill between tansu's watermark write and its batch write leaves: the watermark one ahead
        broker.stop(graceful=True)
        assert broker._s3 is not None
        url = f"{broker._s3.endpoint}/{broker._s3.bucket}/clusters/tansu_cluster/topics/{TOPIC}/partitions/" \
              "0000000000/watermark.json"
        watermark = json.loads(urllib.request.urlopen(url).read())
        assert watermark["high"] == 3
        watermark["high"] = 4
        urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(watermark).encode(), method="PUT"))
        broker.start()

        read = read_topics(broker.bootstrap, [TOPIC], timeout=60, settle=3)
        assert [r.value for r in read[TOPIC]] == [b"a", b"b", b"c"]
        assert read.unfetchable == [(f"{TOPIC}[0]", 3, 3)] and read.gaps == []
        assert read.holes.startswith("1 offsets in 1 holes (1 at a partition's end")

        assert produce(broker.bootstrap, b"d") == [4]  # written after the hole
        read = read_topics(broker.bootstrap, [TOPIC], timeout=60, settle=3)
        assert [(r.offset, r.value) for r in read[TOPIC]] == [(0, b"a"), (1, b"b"), (2, b"c"), (4, b"d")]
        assert read.gaps == [(f"{TOPIC}[0]", 3, 3)] and read.unfetchable == []
    finally:
        broker.close()
