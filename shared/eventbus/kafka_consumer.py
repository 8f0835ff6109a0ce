"""A consumer-group worker on Kafka: feeds the group's topics to `spec.handle`, commits what it handled.

It does not import kafka: the bus hands it the client (`new_group_consumer`), subscribes it with
a rebalance listener (`subscribe`) and commits for it (`commit`). Partitions are the client's
hashable (topic, partition) values; offsets here are plain ints.

Offsets are committed only for messages that were handled or parked (offset + 1), i.e. after the
service's transaction committed: once per poll (up to the bus's max_poll_records, 100), not per
message, since each commit waits for the coordinator (issue 12's profile: 17% of routing's time). A
crash re-reads at most that poll's messages, which the inbox makes harmless. Stopping finishes the
current message, commits, and leaves the group so its partitions move at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared import metrics
from shared.contracts.envelope import CloudEvent
from shared.eventbus.consumer import ConsumerSpec, deliver

if TYPE_CHECKING:
    from shared.eventbus.kafka_bus import KafkaBus

log = logging.getLogger(__name__)

Partition = Hashable  # kafka's TopicPartition: has .topic and .partition


class KafkaConsumerWorker:
    def __init__(self, bus: KafkaBus, spec: ConsumerSpec) -> None:
        self.bus = bus
        self.spec = spec
        self.name = f"consumer:{spec.group}"
        self.assigned = threading.Event()  # set while the group has given this member partitions
        self.handled = 0  # messages delivered to the service (applied or parked)
        self._lock = threading.Lock()
        self._processed: dict[Partition, int] = {}  # next offset to commit, per partition
        self._committed: dict[Partition, int] = {}
        self._assignment: set[Partition] = set()

    def partitions(self) -> set[tuple[str, int]]:
        with self._lock:
            return {(self.bus.logical(tp.topic), tp.partition) for tp in self._assignment}  # type: ignore[attr-defined]

    def run(self, stop: threading.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                consumer = self.bus.new_group_consumer(self.spec.group)
            except Exception as exc:  # noqa: BLE001 - broker away: try again
                log.warning("%s cannot reach Kafka (next try in %.1fs): %s", self.name, delay, exc)
                stop.wait(delay)
                delay = min(30.0, delay * 2)
                continue
            try:
                self._consume(consumer, stop)
                delay = 0.5
            except Exception:  # noqa: BLE001 - e.g. parking failed: the message is read again
                log.exception("%s failed; reconnecting in %.1fs", self.name, delay)
                stop.wait(delay)
                delay = min(30.0, delay * 2)
            finally:
                self._leave(consumer)

    def _consume(self, consumer: Any, stop: threading.Event) -> None:
        self.bus.subscribe(consumer, self.spec.topics, self)
        log.info("%s reading %s", self.name, ",".join(self.spec.topics))
        while not stop.is_set():
            batch = consumer.poll(timeout_ms=self.bus.poll_timeout_ms)
            self._commit(consumer)  # retries a commit that failed (broker restarting), else nothing
            for tp, records in batch.items():
                for record in records:
                    if stop.is_set():
                        return  # _leave commits what was processed
                    self._process(record)
                    with self._lock:
                        self._processed[tp] = record.offset + 1
            self._commit(consumer)  # once a poll (up to max_poll_records): a commit is a round trip to the broker

    def _process(self, record: Any) -> None:
        topic = self.bus.logical(record.topic)
        try:
            event = CloudEvent.from_json(record.value or b"")
        except (ValidationError, ValueError) as exc:
            log.error("unreadable event at %s:%d:%d: %s", topic, record.partition, record.offset, exc)
            self.bus.park(record, self.spec.group, f"unreadable event: {exc}", 1)
            metrics.events_parked.labels(self.spec.group, topic).inc()
            return

        def park(_event: CloudEvent, _topic: str, error: str, attempts: int) -> None:
            self.bus.park(record, self.spec.group, error, attempts)

        kwargs = {"sleep": self.bus._sleep} if self.bus._sleep else {}
        deliver(event, topic, self.spec, self.bus.policy, park, **kwargs)
        self.handled += 1

    def _commit(self, consumer: Any) -> None:
        offsets = self.offsets_to_commit()
        if not offsets:
            return
        try:
            self.bus.commit(consumer, offsets)
        except Exception as exc:  # noqa: BLE001 - e.g. a rebalance: the next owner reads them again
            log.warning("%s could not commit %s: %s", self.name, offsets, exc)
            return
        self.mark_committed(offsets)

    def _leave(self, consumer: Any) -> None:
        try:
            self._commit(consumer)
        finally:
            try:
                consumer.close(autocommit=False)  # leaves the group (the listener commits first)
            except Exception as exc:  # noqa: BLE001
                log.warning("%s did not close cleanly: %s", self.name, exc)
            with self._lock:
                self._assignment.clear()
                self._processed.clear()
                self._committed.clear()
            self.assigned.clear()

    # --- called by the rebalance listener, on the client's IO thread ------------------------------

    def offsets_to_commit(self, only: Iterable[Partition] | None = None) -> dict[Partition, int]:
        """Processed, not yet committed, and still ours: never an offset this member did not handle."""
        with self._lock:
            allowed = self._assignment if only is None else set(only) & self._assignment
            return {tp: offset for tp, offset in self._processed.items()
                    if tp in allowed and offset > self._committed.get(tp, -1)}

    def mark_committed(self, offsets: dict[Partition, int]) -> None:
        with self._lock:
            for tp, offset in offsets.items():
                self._committed[tp] = max(self._committed.get(tp, -1), offset)

    def add_partitions(self, partitions: Iterable[Partition]) -> None:
        with self._lock:
            self._assignment |= set(partitions)
            if self._assignment:
                self.assigned.set()

    def forget_partitions(self, partitions: Iterable[Partition]) -> None:
        with self._lock:
            for tp in partitions:
                self._assignment.discard(tp)
                self._processed.pop(tp, None)
                self._committed.pop(tp, None)
            if not self._assignment:
                self.assigned.clear()
