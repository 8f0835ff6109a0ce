"""Distributed latency: 201 → the work order on `complaints.dispatch.<department>`, over Kafka.

Starts a throw-away PostgreSQL server (one database per service), a Kafka-protocol broker (tansu,
in memory) and `complaints serve intake|routing|notify` as three processes with the production
Kafka settings (except 4 partitions), all on loopback. Posts N complaints one at a time, 20 ms apart,
and reads the department topics (and complaints.received) with a consumer of its own.

Two measures per complaint:
- broker time: the dispatch record's Kafka timestamp (CreateTime, stamped by routing's relay when it
  sends) minus the complaint's `received_at` (intake's clock when it accepted it); split into
  intake → complaints.received (intake's relay) and complaints.received → dispatch (routing's consumer,
  its transaction, its relay) with the complaints.received record's timestamp;
- seen by a subscriber: when this bench's consumer got the dispatch record minus when the POST returned.
Prints figures, asserts nothing. Needs the test extras (tansu) and PostgreSQL, like `make test`.
"""

from __future__ import annotations

import statistics
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import text

from bench.__main__ import SAMPLES, percentile
from shared.contracts.codes import DEPARTMENTS
from shared.contracts.topics import RECEIVED, dispatch
from shared.db import make_engine
from tests.kafka_broker import TansuBroker, tansu_binary
from tests.pg import PostgresServer
from tests.processes import ServedProcess

SERVICES = ("intake", "routing", "notify")


def figures(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"  {label}, n={len(ms)}: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"max {max(ms):.0f} ms")


class TopicWatcher(threading.Thread):
    """Reads the given topics from the beginning; keeps, per key, the first record's timestamps."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        super().__init__(daemon=True, name="bench-watcher")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from kafka import KafkaConsumer, TopicPartition  # type: ignore[import-untyped]
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                      fetch_max_wait_ms=50, client_id="bench")
        tps = [TopicPartition(t, p) for t in topics for p in sorted(self.consumer.partitions_for_topic(t) or ())]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.seen: dict[tuple[str, str], tuple[float, float]] = {}  # (kind, key) -> (record ts, seen at)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.create_time = True  # every record stamped by its producer (CreateTime), not by the broker

    def run(self) -> None:
        while not self.stop.is_set():
            for tp, records in self.consumer.poll(timeout_ms=100).items():
                now = time.time()
                kind = "received" if tp.topic == RECEIVED else "dispatch"
                with self.lock:
                    for r in records:
                        self.create_time &= r.timestamp_type == 0
                        self.seen.setdefault((kind, r.key.decode()), (r.timestamp / 1000, now))
        self.consumer.close()

    def get(self, kind: str, key: str) -> tuple[float, float] | None:
        with self.lock:
            return self.seen.get((kind, key))


def post(client: httpx.Client, i: int) -> dict[str, Any]:
    content, town = SAMPLES[i % len(SAMPLES)]
    response = client.post("/api/v1/complaints", json={"channel": "web", "content": content, "town": town})
    response.raise_for_status()
    return response.json()


def routed_samples(intake_url: str, routing_url: str) -> set[int]:
    """Which of the samples the rules send to a department (the others wait in triage: no work order)."""
    token = httpx.post(f"{intake_url}/api/v1/auth/token", data={"username": "supervisor", "password": "demo"},
                       timeout=30).json()["access_token"]
    found = set()
    for i, (content, town) in enumerate(SAMPLES):
        answer = httpx.post(f"{routing_url}/api/v1/classify", json={"content": content + town},
                            headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        if answer.get("department") not in (None, "triage"):
            found.add(i)
    return found


def wait_dispatched(watcher: TopicWatcher, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(watcher.get("dispatch", i) is None for i in ids):
        time.sleep(0.05)


# (label, settings): the production defaults, then a shorter fetch wait. tansu answers a consumer's
# fetch when its wait expires rather than when a record arrives, so there the wait is most of the figure.
CONFIGURATIONS = [
    ("production defaults, KAFKA_FETCH_MAX_WAIT_MS=500", {}),
    ("KAFKA_FETCH_MAX_WAIT_MS=50", {"KAFKA_FETCH_MAX_WAIT_MS": "50"}),
]


@dataclass
class Distributed:
    """The three services as processes on their own databases, a fresh broker, and a watcher of the topics."""
    broker: TansuBroker
    processes: list[ServedProcess]
    watcher: TopicWatcher

    @property
    def intake_url(self) -> str:
        return self.processes[0].base_url

    @property
    def routing_url(self) -> str:
        return self.processes[1].base_url


@contextmanager
def distributed(pg: PostgresServer, run: int, settings: dict[str, str]) -> Iterator[Distributed]:
    """One run's system on a fresh in-memory broker and fresh databases (`<service>_<run>`), stopped after."""
    broker = TansuBroker("memory").start()
    processes: list[ServedProcess] = []
    watcher: TopicWatcher | None = None
    try:
        admin = make_engine(pg.url())
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in SERVICES:
                conn.execute(text(f"CREATE DATABASE {name}_{run}"))
        admin.dispose()
        for name in SERVICES:  # each migrates and seeds its own database (--migrate)
            env = {"EVENT_BUS": "kafka", "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "KAFKA_TOPIC_PARTITIONS": "4",
                   "DATABASE_URL": pg.url(f"{name}_{run}"), **settings}
            processes.append(ServedProcess(name, env))
            processes[-1].__enter__()
        watcher = TopicWatcher(broker.bootstrap, [RECEIVED, *(dispatch(code) for code in DEPARTMENTS)])
        watcher.start()
        yield Distributed(broker, processes, watcher)
    finally:
        if watcher is not None:
            watcher.stop.set()
            watcher.join(5)
        for proc in reversed(processes):
            proc.stop()
        broker.close()


def measure(pg: PostgresServer, run: int, settings: dict[str, str], count: int) -> list[str]:
    """One run on a fresh broker and fresh databases; returns the lines to print."""
    received: dict[str, tuple[float, float]] = {}  # id -> (received_at, POST returned), routed ones
    with distributed(pg, run, settings) as system:
        watcher = system.watcher
        routed = routed_samples(system.intake_url, system.routing_url)
        with httpx.Client(base_url=system.intake_url, timeout=30) as client:
            warm = [post(client, i)["id"] for i in sorted(routed)]  # the consumer groups join first
            wait_dispatched(watcher, warm, 60)
            for i in range(count):  # the embedded figure's load: every sample in turn, triaged ones too
                body = post(client, i)
                if i % len(SAMPLES) in routed:
                    received[body["id"]] = (datetime.fromisoformat(body["received_at"]).timestamp(), time.time())
                time.sleep(0.02)
        wait_dispatched(watcher, list(received), 60)
    broker_time, to_received, to_dispatch, subscriber = [], [], [], []
    for key, (received_at, returned) in received.items():
        sent, seen = watcher.get("dispatch", key) or (None, None)
        if sent is None or seen is None:
            continue
        broker_time.append(sent - received_at)
        subscriber.append(seen - returned)
        hop = watcher.get("received", key)
        if hop is not None:
            to_received.append(hop[0] - received_at)
            to_dispatch.append(sent - hop[0])
    if not broker_time:
        return ["  201 → department topic: no case was dispatched (is routing running?)"]
    stamp = "Kafka record timestamp" if watcher.create_time else "Kafka record timestamp (LogAppendTime)"
    lines = [
        figures(f"201 → complaints.dispatch.<department> ({stamp} − received_at)", broker_time),
        figures("    of which received_at → complaints.received (intake's relay)", to_received),
        figures("    and complaints.received → dispatch record (routing: consume, route, relay)", to_dispatch),
        figures("201 → a subscriber of the department topic has it (its receive time − POST returned)", subscriber),
    ]
    if len(broker_time) < len(received):
        lines.append(f"  ({len(received) - len(broker_time)} of {len(received)} routed complaints not dispatched "
                     "within 60 s)")
    return lines


def main(count: int = 100) -> None:
    print("bench: distributed (intake, routing, notify processes; PostgreSQL per service; tansu Kafka broker, "
          "in memory, 4 partitions), loopback HTTP, 2 cores")
    if tansu_binary() is None:
        print("  skipped: the Kafka-protocol broker (tansu, from the test extras) is not installed")
        return
    pg = PostgresServer().start()
    try:
        for run, (label, settings) in enumerate(CONFIGURATIONS):
            print(f" {label}:")
            for line in measure(pg, run, settings, count):
                print(line, flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
