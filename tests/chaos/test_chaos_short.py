"""The short chaos run (bench/chaos.py): complaints through every channel for 90 seconds while intake,
routing, notify, PostgreSQL and the broker are killed with SIGKILL in turn and started again; then every accepted
complaint must be found exactly once everywhere. The long run: `python -m bench.chaos`.

The broker (tansu, its data in our S3 fake, services/fakes/object_store.py) runs with KAFKA_IDEMPOTENCE=false:
its S3 engine stores an idempotent producer's sequence number before the batch, so a kill between the two made a
retried record acknowledged and never stored, and left the partition's watermark ahead of the last batch, where a
reader waiting for the watermark waits for ever (tests/kafka_broker.py, tests/bus/test_kafka_broker_kills.py,
tests/chaos/test_read_topics.py). Reading the topics to their end had also crawled: the fake answered ~40 ms late
(Nagle's algorithm; now TCP_NODELAY) and tansu ends a fetch at its max wait, so each fetch brought about one batch.
Three runs, 2026-12-01, 2 cores at load average 15-18: 2 min 43 s to 3 min 36 s, lost 0, duplicated 0."""

from __future__ import annotations

import pytest

from bench.chaos import CHANNELS, run
from tests.kafka_broker import require_tansu

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VICTIMS = ("intake", "routing", "notify", "postgres", "broker")


def test_nothing_accepted_is_lost_or_doubled_while_processes_and_the_database_are_killed() -> None:
    require_tansu()
    report = run(1.5, seed=11, threads=4, rate=6.0, interval=3.0, intakes=2, victims=VICTIMS)
    print("\n" + report.table())
    assert set(report.kills) == set(VICTIMS), "every kind of victim was killed at least once"
    assert not report.failed_restarts
    assert all(report.accepted[channel] > 0 for channel in CHANNELS)
    assert report.quiet_after is not None, "the system came to rest after the chaos"
    assert report.lost_count == 0, dict(report.lost)
    assert report.doubled_count == 0, dict(report.doubled)
