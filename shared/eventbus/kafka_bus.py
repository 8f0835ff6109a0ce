"""The distributed backend: Kafka topics through kafka-python. The only module that imports `kafka`.

- Relay: `relay.OutboxRelay` claims unsent outbox rows; `_OutboxPublisher` here sends a batch with
  an idempotent producer (acks=all; `KAFKA_IDEMPOTENCE=false` for brokers whose idempotent produce is not
  crash-safe), flushes, and raises unless every record was acknowledged.
- Consumers (`kafka_consumer.KafkaConsumerWorker`, given its client and listener from here): one
  group per service, offsets committed by hand after `deliver()` returned (the service's
  transaction has committed); a poison message goes to `<topic>.dlq` with headers first.
- CloudEvents Kafka binding, structured mode: value = the event JSON, header content-type, key =
  subject (the complaint id). See docs/adr/0002-kafka-binding.md.
- `topic_prefix` (tests, or several environments on one cluster) is put in front of every topic and
  consumer group the bus touches on the cluster; ids, views and handlers see the plain names.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kafka import (  # type: ignore[import-untyped]
    AsyncConsumerRebalanceListener,
    KafkaAdminClient,
    KafkaConsumer,
    KafkaProducer,
    OffsetAndMetadata,
    TopicPartition,
)
from kafka.consumer.fetcher import ConsumerRecord  # type: ignore[import-untyped]
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from shared.clock import Clock
from shared.contracts.envelope import CONTENT_TYPE, CloudEvent
from shared.contracts.topics import DISPATCH_PREFIX, DLQ_SUFFIX, dlq, fixed_topics
from shared.eventbus import dead_letters as dl
from shared.eventbus.consumer import ConsumerSpec, RetryPolicy, deliver
from shared.eventbus.kafka_consumer import KafkaConsumerWorker
from shared.eventbus.port import DeadLetterView, EventBus
from shared.eventbus.relay import OutboxMessage, OutboxRelay
from shared.settings import CommonSettings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
STRUCTURED = [("content-type", CONTENT_TYPE.encode())]
T = TypeVar("T")


class KafkaBusError(RuntimeError):
    pass


@dataclass(frozen=True)
class TopicStatus:
    """One line of `complaints topics`: size and, per consumer group, messages not yet committed."""

    topic: str
    partitions: int
    end_offsets: tuple[int, ...]
    size: int  # messages kept (end - beginning, summed over partitions)
    lag: dict[str, int] = field(default_factory=dict)


class KafkaBus(EventBus):
    name = "kafka"

    def __init__(self, bootstrap_servers: str | Sequence[str], clock: Clock, *, policy: RetryPolicy | None = None,
                 partitions: int = 6, replication_factor: int = 1, session_timeout_ms: int = 10_000,
                 heartbeat_interval_ms: int = 3_000, fetch_max_wait_ms: int = 500, client_id: str = "complaints",
                 topic_prefix: str = "", connect_timeout_ms: int = 10_000, send_timeout_ms: int = 30_000,
                 relay_batch_size: int = 500, relay_poll_interval: float = 0.5, poll_timeout_ms: int = 250,
                 max_poll_records: int = 100, retention_days: int = 0, idempotence: bool = True,
                 sleep: Callable[[float], None] | None = None) -> None:
        servers = bootstrap_servers.split(",") if isinstance(bootstrap_servers, str) else list(bootstrap_servers)
        self.bootstrap_servers = [s.strip() for s in servers if s.strip()]
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.client_id = client_id
        self.topic_prefix = topic_prefix
        self.connect_timeout_ms = connect_timeout_ms
        self.send_timeout_ms = send_timeout_ms
        self.relay_batch_size = relay_batch_size
        self.relay_poll_interval = relay_poll_interval
        self.poll_timeout_ms = poll_timeout_ms
        self.max_poll_records = max_poll_records
        self.retention_days = retention_days  # of the topics it creates; 0: the broker's default
        self.idempotence = idempotence  # off only for brokers whose idempotent produce is not crash-safe (settings)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._admin_lock = threading.Lock()
        self._admin_client: KafkaAdminClient | None = None
        self._dlq_producer: KafkaProducer | None = None

    @classmethod
    def from_settings(cls, settings: CommonSettings, clock: Clock, *, client_id: str = "complaints",
                      topic_prefix: str = "", **overrides: Any) -> KafkaBus:
        options: dict[str, Any] = dict(
            policy=RetryPolicy(max_attempts=settings.consumer_max_attempts),
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            retention_days=settings.kafka_topic_retention_days,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            idempotence=settings.kafka_idempotence,
            client_id=client_id,
            topic_prefix=topic_prefix,
        )
        options.update(overrides)
        return cls(settings.kafka_bootstrap_servers, clock, **options)

    # --- names ------------------------------------------------------------------------------------

    def physical(self, topic: str) -> str:
        return self.topic_prefix + topic

    def logical(self, topic: str) -> str:
        return topic.removeprefix(self.topic_prefix)

    def group_id(self, group: str) -> str:
        return self.topic_prefix + group

    def topic_names(self) -> list[str]:
        """The fixed topics (each consumed one with its `.dlq`) and every dispatch topic on the cluster."""
        present = self._with_admin(lambda admin: admin.list_topics())
        dispatch = sorted(self.logical(t) for t in present
                          if t.startswith(self.physical(DISPATCH_PREFIX)) and not t.endswith(DLQ_SUFFIX))
        return [*fixed_topics(), *dispatch]

    def dead_letter_topics(self) -> list[str]:
        return [t for t in fixed_topics() if t.endswith(DLQ_SUFFIX)]

    # --- the port ---------------------------------------------------------------------------------

    def ensure_topics(self, topics: Iterable[str] | None = None) -> None:
        """Create the topics (default: the fixed ones) with the configured partitions; existing ones stay."""
        wanted = [self.physical(t) for t in (fixed_topics() if topics is None else topics)]
        if not wanted:
            return
        configs = {"retention.ms": str(self.retention_days * 86_400_000)} if self.retention_days else {}
        spec = {name: {"num_partitions": self.partitions, "replication_factor": self.replication_factor,
                       "configs": configs} for name in wanted}

        def create(admin: KafkaAdminClient) -> None:
            response = admin.create_topics(spec, raise_errors=False)
            failed = [f"{t['name']}: {t.get('error_message') or t['error_code']}" for t in response.get("topics", ())
                      if t["error_code"] not in (0, TOPIC_ALREADY_EXISTS)]
            if failed:
                raise KafkaBusError("could not create topics: " + "; ".join(failed))
            admin.wait_for_topics(wanted, timeout_ms=self.connect_timeout_ms)
            for described in admin.describe_topics(wanted):
                if len(described["partitions"]) != self.partitions:
                    log.warning("topic %s has %d partitions, configured %d (never changed here: it would "
                                "move keys between partitions)", described["name"], len(described["partitions"]),
                                self.partitions)

        self._with_admin(create)
        log.info("%d topics present with %d partitions", len(wanted), self.partitions)

    def consumer(self, spec: ConsumerSpec) -> KafkaConsumerWorker:
        return KafkaConsumerWorker(self, spec)

    def relay(self, engine: Engine, *, name: str = "relay:outbox") -> OutboxRelay:
        publisher = _OutboxPublisher(self)
        return OutboxRelay(engine, self.clock, publisher, name=name, batch_size=self.relay_batch_size,
                           poll_interval=self.relay_poll_interval, close=publisher.close)

    def dead_letters(self, group: str | None = None) -> list[DeadLetterView]:
        return dl.fold(self._read_from_beginning(self.dead_letter_topics()), group)

    def replay(self, dead_letter_id: str, spec: ConsumerSpec) -> bool:
        dlq_topic, _, _ = dl.parse_id(dead_letter_id)
        if not dlq_topic.endswith(DLQ_SUFFIX):
            raise LookupError(f"{dead_letter_id!r} is not on a dead-letter topic")
        records = self._read_from_beginning([dlq_topic])
        record = next((r for r in records if r.id == dead_letter_id and not r.is_marker), None)
        if record is None or record.headers.get(dl.GROUP) != spec.group:
            raise LookupError(f"no dead letter {dead_letter_id} for group {spec.group}")
        view = next(v for v in dl.fold(records, spec.group) if v.id == dead_letter_id)
        if view.replayed_at is not None:
            return True
        # Replayed by hand: one attempt; a failure leaves it parked, with the new error noted.
        failures: list[str] = []
        try:
            event = CloudEvent.from_json(record.value or b"")
        except (ValidationError, ValueError) as exc:
            applied, failures = False, [f"unreadable event: {exc}"]
        else:
            kwargs = {"sleep": self._sleep} if self._sleep else {}
            applied = deliver(event, view.topic, spec, RetryPolicy(max_attempts=1),
                              lambda _e, _t, error, _a: failures.append(error), **kwargs)
        headers = dl.marker_headers(dead_letter=dead_letter_id, group=spec.group, applied=applied,
                                    error=failures[-1] if failures else None, at=self.clock.now())
        self._send_and_wait(self.physical(dlq_topic), dead_letter_id.encode(), None, headers)
        return applied

    def topic_report(self, groups: Iterable[str] | None = None) -> list[TopicStatus]:
        """Partitions, end offsets and per-group lag of every topic (`complaints topics`)."""
        names = self.topic_names()
        counts = self._with_admin(lambda admin: {
            d["name"]: len(d["partitions"]) for d in admin.describe_topics([self.physical(t) for t in names])
            if d.get("error_code", 0) == 0
        })
        parts = {t: [TopicPartition(self.physical(t), p) for p in range(counts.get(self.physical(t), 0))]
                 for t in names}
        every = [tp for tps in parts.values() for tp in tps]
        reader = self._reader()
        try:
            ends = self._end_offsets(reader, every)
            starts = reader.beginning_offsets(every)
        finally:
            reader.close()
        committed = self._committed_offsets(groups)
        report = []
        for topic in names:
            tps = parts[topic]
            lag = {group: sum(max(0, ends[tp] - offsets.get(tp, starts[tp])) for tp in tps)
                   for group, offsets in committed.items() if any(tp in offsets for tp in tps)}
            report.append(TopicStatus(topic, len(tps), tuple(ends[tp] for tp in tps),
                                      sum(ends[tp] - starts[tp] for tp in tps), lag))
        return report

    def close(self) -> None:
        with self._lock:
            producer, self._dlq_producer = self._dlq_producer, None
        if producer is not None:
            producer.close(timeout=5)
        with self._admin_lock:
            admin, self._admin_client = self._admin_client, None
        if admin is not None:
            admin.close()

    # --- clients ----------------------------------------------------------------------------------

    # reconnect_backoff_max_ms=1000 (the Java client's default): kafka-python's 30 s default left clients
    # idle for up to ~30 s after the broker came back from an outage (tests/distributed/test_failures.py).
    # Without idempotence (KAFKA_IDEMPOTENCE=false) one request in flight, so a retry cannot overtake a later batch.
    def new_producer(self) -> KafkaProducer:
        linger_ms = 5
        return KafkaProducer(
            bootstrap_servers=self.bootstrap_servers, client_id=self.client_id,
            acks="all", enable_idempotence=self.idempotence,
            max_in_flight_requests_per_connection=5 if self.idempotence else 1,
            linger_ms=linger_ms, allow_auto_create_topics=False,
            bootstrap_timeout_ms=self.connect_timeout_ms, max_block_ms=self.send_timeout_ms,
            delivery_timeout_ms=self.send_timeout_ms, reconnect_backoff_max_ms=1000,
            request_timeout_ms=max(1000, min(30_000, self.send_timeout_ms - linger_ms)),
        )

    def new_group_consumer(self, group: str) -> KafkaConsumer:
        # No group_instance_id: static membership would keep a dead member's partitions for a session.
        return KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, client_id=self.client_id, group_id=self.group_id(group),
            enable_auto_commit=False, auto_offset_reset="earliest", allow_auto_create_topics=False,
            session_timeout_ms=self.session_timeout_ms, heartbeat_interval_ms=self.heartbeat_interval_ms,
            fetch_max_wait_ms=self.fetch_max_wait_ms, max_poll_records=self.max_poll_records,
            bootstrap_timeout_ms=self.connect_timeout_ms, reconnect_backoff_max_ms=1000,
        )

    def subscribe(self, consumer: KafkaConsumer, topics: Iterable[str], worker: KafkaConsumerWorker) -> None:
        consumer.subscribe(topics=[self.physical(t) for t in topics], listener=_Rebalance(worker, consumer))

    def commit(self, consumer: KafkaConsumer, offsets: dict[Any, int]) -> None:
        """Commit the next offsets to read (processed offset + 1), waiting for the coordinator."""
        consumer.commit(_offsets(offsets))

    def _reader(self) -> KafkaConsumer:
        """A consumer outside any group, for reading topics from the beginning."""
        return KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, client_id=self.client_id, group_id=None,
            enable_auto_commit=False, allow_auto_create_topics=False, fetch_max_wait_ms=self.fetch_max_wait_ms,
            bootstrap_timeout_ms=self.connect_timeout_ms,
        )

    def _with_admin(self, action: Callable[[KafkaAdminClient], T]) -> T:
        with self._admin_lock:
            if self._admin_client is None:
                self._admin_client = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers, client_id=self.client_id,
                    bootstrap_timeout_ms=self.connect_timeout_ms, request_timeout_ms=self.send_timeout_ms)
            try:
                return action(self._admin_client)
            except Exception:
                self._admin_client.close()  # reconnect afresh next time (broker restarted, ...)
                self._admin_client = None
                raise

    def _send_and_wait(self, topic: str, key: bytes | None, value: bytes | None,
                       headers: list[tuple[str, bytes]]) -> None:
        with self._lock:
            if self._dlq_producer is None:
                self._dlq_producer = self.new_producer()
            producer = self._dlq_producer
        try:
            producer.send(topic, key=key, value=value, headers=headers).get(timeout=self.send_timeout_ms / 1000)
        except Exception:
            with self._lock:
                if self._dlq_producer is producer:
                    self._dlq_producer = None
            producer.close(timeout=0)
            raise

    def park(self, record: ConsumerRecord, group: str, error: str, attempts: int) -> None:
        """Copy a consumed record to `<topic>.dlq` with why and where from; returns once acknowledged."""
        topic = self.logical(record.topic)
        original = dl.decode_headers(record.headers)
        headers = dl.park_headers(content_type=original.get("content-type", CONTENT_TYPE), error=error, topic=topic,
                                  partition=record.partition, offset=record.offset, group=group,
                                  attempts=attempts, parked_at=self.clock.now())
        self._send_and_wait(self.physical(dlq(topic)), record.key, record.value, headers)

    # --- reading ----------------------------------------------------------------------------------

    def _end_offsets(self, reader: KafkaConsumer, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        """End offsets; also asks a fetch for its high watermark, because some Kafka-protocol brokers
        (tansu 0.6) answer ListOffsets(latest) with the last batch's base offset + 1."""
        ends: dict[TopicPartition, int] = reader.end_offsets(tps) if tps else {}
        starts: dict[TopicPartition, int] = reader.beginning_offsets(tps) if tps else {}
        probe = [tp for tp in tps if ends[tp] > starts[tp]]
        if not probe:
            return ends
        reader.assign(probe)
        for tp in probe:
            reader.seek(tp, ends[tp] - 1)
        deadline = time.monotonic() + self.connect_timeout_ms / 1000
        while any(reader.highwater(tp) is None for tp in probe) and time.monotonic() < deadline:
            reader.poll(timeout_ms=100)
        for tp in probe:
            ends[tp] = max(ends[tp], reader.highwater(tp) or 0)
        return ends

    def _read_from_beginning(self, topics: list[str]) -> list[dl.DlqRecord]:
        """Every record of the topics as they are now (bounded: stops at the end offsets)."""
        counts = self._with_admin(lambda admin: {
            d["name"]: len(d["partitions"]) for d in admin.describe_topics([self.physical(t) for t in topics])
            if d.get("error_code", 0) == 0
        })
        tps = [TopicPartition(name, p) for name, count in counts.items() for p in range(count)]
        records: list[dl.DlqRecord] = []
        if not tps:
            return records
        reader = self._reader()
        try:
            ends = self._end_offsets(reader, tps)
            reader.assign(tps)
            reader.seek_to_beginning(*tps)
            remaining = {tp for tp in tps if reader.position(tp) < ends[tp]}
            deadline = time.monotonic() + max(10.0, self.connect_timeout_ms / 1000)
            while remaining:
                if time.monotonic() > deadline:
                    raise KafkaBusError(f"could not read {sorted(tp.topic for tp in remaining)} to the end in time")
                for tp, batch in reader.poll(timeout_ms=200).items():
                    records.extend(
                        dl.DlqRecord(topic=self.logical(r.topic), partition=r.partition, offset=r.offset, key=r.key,
                                     value=r.value, headers=dl.decode_headers(r.headers), timestamp_ms=r.timestamp)
                        for r in batch if r.offset < ends[tp]
                    )
                remaining = {tp for tp in remaining if reader.position(tp) < ends[tp]}
        finally:
            reader.close()
        return records

    def _committed_offsets(self, groups: Iterable[str] | None) -> dict[str, dict[TopicPartition, int]]:
        def fetch(admin: KafkaAdminClient) -> dict[str, dict[TopicPartition, int]]:
            if groups is None:
                names = [g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(self.topic_prefix)]
            else:
                names = [self.group_id(g) for g in groups]
            found = {}
            for name in names:  # one group per request: older brokers answer only one
                offsets = admin.list_group_offsets({name: None}).get(name, {})
                found[name.removeprefix(self.topic_prefix)] = {
                    tp: o.offset for tp, o in offsets.items() if o is not None and o.offset >= 0}
            return found

        return self._with_admin(fetch)


class _OutboxPublisher:
    """Sends a batch of outbox rows and returns only when Kafka acknowledged every one of them."""

    def __init__(self, bus: KafkaBus) -> None:
        self.bus = bus
        self._producer: KafkaProducer | None = None

    def __call__(self, batch: Sequence[OutboxMessage]) -> None:
        if self._producer is None:
            self._producer = self.bus.new_producer()
        producer = self._producer
        try:
            futures = [producer.send(self.bus.physical(m.topic), key=m.key.encode(), value=m.payload.encode(),
                                     headers=STRUCTURED) for m in batch]
            producer.flush(timeout=self.bus.send_timeout_ms / 1000)
            for future in futures:
                future.get(timeout=0)
        except Exception:
            self.close()  # a fresh producer (and producer id) for the retry
            raise

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=0)


class _Rebalance(AsyncConsumerRebalanceListener):
    """Commits what was processed before partitions move, so the next owner starts right after it.

    kafka-python runs listeners on its IO loop, where a blocking commit() is refused: await instead."""

    def __init__(self, worker: KafkaConsumerWorker, consumer: KafkaConsumer) -> None:
        self.worker = worker
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        offsets = self.worker.offsets_to_commit(revoked)
        if offsets:
            try:
                await self.consumer.commit_async(_offsets(offsets))
                self.worker.mark_committed(offsets)
            except Exception as exc:  # noqa: BLE001 - the next owner reads them again (inbox dedup)
                log.warning("%s could not commit on revoke: %s", self.worker.name, exc)
        self.worker.forget_partitions(revoked)

    async def on_partitions_lost(self, lost: set[TopicPartition]) -> None:
        self.worker.forget_partitions(lost)  # evicted: a commit now would fail, or overwrite the new owner's

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.worker.add_partitions(assigned)
        log.info("%s assigned %s", self.worker.name, sorted((tp.topic, tp.partition) for tp in assigned))


def _offsets(offsets: dict[Any, int]) -> dict[TopicPartition, OffsetAndMetadata]:
    return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()}
