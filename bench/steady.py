"""`python -m bench.steady [--rate 200] [--seconds 20]`: end to end at a steady rate (issue 12).

Complaints are posted at a fixed rate (open loop: complaint i is due at start + i / rate, whether or not the
earlier ones have been answered, so a slow server shows as latency, not as a slower load), then each routed
complaint's way is timed from its receipt (`received_at`, intake's clock when it accepted it) to its work
order (the dispatch event's time, routing's clock when it routed it; one machine, one clock):
- embedded: `complaints serve all` on SQLite with the event log in the database;
- distributed: intake, routing and notify as three processes on PostgreSQL and a Kafka-protocol broker (tansu,
  in memory, 4 partitions; `bench.kafka_latency`), the dispatch record's timestamp on its topic; side by side,
  a bare kafka-python produce → consume round trip through the same broker at the same rate: what the broker
  alone costs.
The POST latency is timed from when the complaint was due, so queueing in the client counts. Prints figures,
asserts nothing; needs the test extras (tansu) and PostgreSQL for the distributed part, like `make test`.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import create_engine

from bench.__main__ import SAMPLES, dispatch_times, percentile
from bench.cpu import Meter
from bench.kafka_latency import distributed, routed_samples
from tests.kafka_broker import tansu_binary
from tests.pg import PostgresServer
from tests.processes import ServedProcess

THREADS = 24  # enough connections that a 50 ms answer does not hold the next complaint back at 200/s


@dataclass
class Load:
    """What the paced clients saw."""
    rate: float
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, from when each was due to its answer
    received: dict[str, float] = field(default_factory=dict)  # routed complaints: id -> received_at (epoch)
    wall: float = 0.0

    @property
    def achieved(self) -> float:
        return self.sent / self.wall if self.wall else 0.0


def paced(url: str, rate: float, seconds: float, routed: set[int]) -> Load:
    """Posts rate × seconds complaints, complaint i due at start + i / rate, from THREADS clients."""
    load = Load(rate)
    total = int(rate * seconds)
    numbers = itertools.count()
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def client() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while (i := next(numbers)) < total:
                due = start + i / rate
                if (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                content, town = SAMPLES[i % len(SAMPLES)]
                try:
                    response = http.post("/api/v1/complaints",
                                         json={"channel": "web", "content": content, "town": town})
                    answered = time.perf_counter()
                    ok = response.status_code == 201
                    body = response.json() if ok else None
                except httpx.HTTPError as exc:
                    answered, ok, body = time.perf_counter(), False, {"error": type(exc).__name__}
                with lock:
                    load.sent += 1
                    load.latencies.append(answered - due)
                    if not ok:
                        load.errors.append(str(body)[:80])
                    elif i % len(SAMPLES) in routed and body is not None:
                        load.received[body["id"]] = datetime.fromisoformat(body["received_at"]).timestamp()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.wall = time.perf_counter() - start
    return load


def line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return f"  {label}: none"
    return (f"  {label}, n={len(ms)}: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms")


def load_lines(load: Load) -> list[str]:
    return [f"  posted {load.sent} at {load.achieved:.0f}/s (asked {load.rate:.0f}/s), "
            f"errors {len(load.errors)}" + (f" (first: {load.errors[0]})" if load.errors else ""),
            line("POST /api/v1/complaints, from when it was due to its 201", load.latencies)]


def wait_for_all(found: Callable[[], dict[str, float]], wanted: set[str], timeout: float = 120) -> dict[str, float]:
    """Polls `found` (id -> dispatch time) until every wanted id is there, or the time is up."""
    deadline = time.monotonic() + timeout
    seen: dict[str, float] = {}
    while time.monotonic() < deadline:
        seen = found()
        if wanted <= seen.keys():
            break
        time.sleep(0.5)
    return seen


def embedded(rate: float, seconds: float) -> list[str]:
    with ServedProcess("all") as server:
        routed = routed_samples(server.base_url, server.base_url)
        paced(server.base_url, rate, 2, routed)  # warm-up: two seconds at the rate
        meter = Meter({"serve all": server.pid})
        load = paced(server.base_url, rate, seconds, routed)
        engine = create_engine(server.env["DATABASE_URL"])

        seen = wait_for_all(lambda: dispatch_times(engine), set(load.received))
        engine.dispose()
        meter.stop()
    ways = [seen[k] - at for k, at in load.received.items() if k in seen]
    missing = len(load.received) - len(ways)
    return [*load_lines(load), line("201 → complaints.dispatch.<department> (embedded log)", ways)] + (
        [f"  ({missing} routed complaints not dispatched within 120 s)"] if missing else []) + \
        meter.lines(load.sent, rate)


def bare_round_trip(bootstrap: str, rate: float, seconds: float, fetch_wait_ms: int) -> list[float]:
    """kafka-python alone: a producer sends at `rate`, a consumer of the same broker receives; seconds each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # type: ignore[import-untyped]
        from kafka.admin import KafkaAdminClient, NewTopic  # type: ignore[import-untyped]
    topic = f"bench.roundtrip.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=fetch_wait_ms)
    partitions = [TopicPartition(topic, p) for p in range(4)]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    got: dict[int, float] = {}
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                now = time.time()
                for record in records:
                    got.setdefault(int(record.key), now)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    sent: dict[int, float] = {}
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        if (wait := start + i / rate - time.perf_counter()) > 0:
            time.sleep(wait)
        sent[i] = time.time()
        producer.send(topic, key=str(i).encode(), value=b"{}")
    producer.flush()
    deadline = time.monotonic() + 30
    while len(got) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    reader.join(5)
    producer.close()
    consumer.close()
    return [got[i] - at for i, at in sent.items() if i in got]


def kafka(rate: float, seconds: float) -> list[str]:
    if tansu_binary() is None:
        return ["  not run: the Kafka-protocol broker (tansu, from the test extras) is not installed"]
    pg = PostgresServer().start()
    try:
        with distributed(pg, 0, {}) as system:
            routed = routed_samples(system.intake_url, system.routing_url)
            paced(system.intake_url, rate, 2, routed)  # warm-up, and the consumer groups join
            meter = Meter({**{p.target: p.pid for p in system.processes},
                           "postgres": pg.postmaster_pid(), "broker": system.broker.pid})
            load = paced(system.intake_url, rate, seconds, routed)
            watcher = system.watcher

            def dispatched() -> dict[str, float]:
                found = {}
                for key in load.received:
                    if (record := watcher.get("dispatch", key)) is not None:
                        found[key] = record[0]  # the record's timestamp on the department topic
                return found

            seen = wait_for_all(dispatched, set(load.received))
            meter.stop()
            bare = bare_round_trip(system.broker.bootstrap, rate, seconds, fetch_wait_ms=500)
    finally:
        pg.stop()
    ways = [seen[k] - at for k, at in load.received.items() if k in seen]
    missing = len(load.received) - len(ways)
    return [*load_lines(load),
            line("201 → complaints.dispatch.<department> (the record's timestamp − received_at)", ways),
            line("beside it: kafka-python alone, produce → consume through the same broker "
                 "(fetch wait 500 ms, as the services)", bare)] + (
        [f"  ({missing} routed complaints not dispatched within 120 s)"] if missing else []) + \
        meter.lines(load.sent, rate)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.steady", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="complaints a second (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (default 20)")
    parser.add_argument("--only", choices=("embedded", "kafka"), help="one transport only")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    print(f"bench: end to end at a steady {args.rate:.0f} complaints/s for {args.seconds:.0f} s, loopback, "
          "open loop")
    for name, run in (("embedded", embedded), ("kafka", kafka)):
        if args.only not in (None, name):
            continue
        print(f" {name}:", flush=True)
        lines = run(args.rate, args.seconds)
        for text_line in lines:
            print(text_line, flush=True)
        report[name] = lines
    return report


if __name__ == "__main__":
    main()
