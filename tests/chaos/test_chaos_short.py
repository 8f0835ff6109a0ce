"""The short chaos run (bench/chaos.py): complaints through every channel for 90 seconds while intake,
routing, notify and PostgreSQL are killed with SIGKILL in turn and started again; then every accepted
complaint must be found exactly once everywhere. The long run: `python -m bench.chaos`.

The broker is not a victim here yet: with it killed (its data in our S3 fake, services/fakes/object_store.py)
every complaint is routed and followed once the kills stop, but reading the topics to their end for the
reconciliation does not finish (tansu's ListOffsets on its S3 engine); a broker outage is
tests/distributed/test_failures.py."""

from __future__ import annotations

import pytest

from bench.chaos import CHANNELS, run
from tests.kafka_broker import require_tansu

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VICTIMS = ("intake", "routing", "notify", "postgres")


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
