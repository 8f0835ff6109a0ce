"""What a bootstrapped service hands to the process that runs it (embedded or on its own)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi import APIRouter
from sqlalchemy.engine import Engine

from shared.clock import Clock
from shared.eventbus.consumer import ConsumerSpec
from shared.eventbus.port import EventBus, Worker
from shared.metrics import Sample
from shared.settings import CommonSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=CommonSettings)


@dataclass(frozen=True)
class ServiceContext(Generic[S]):
    """What a process gives each service it runs: the same four things for every service."""

    settings: S
    engine: Engine
    clock: Clock
    transport: EventBus  # topics a service creates at run time (a new department's dispatch topic)


@dataclass
class ServiceRuntime:
    """What `bootstrap()` hands back to the process: routes, the consumer, periodic workers."""

    name: str  # intake | routing | notify: also its consumer group
    router: APIRouter
    bus: Any  # the service's MessageBus: entry points hand it commands
    consumers: list[ConsumerSpec] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)  # periodic jobs: SLA sweeper, callbacks, ...
    topics: Callable[[], list[str]] = list  # topics to create at start, beyond the fixed ones
    ready: Callable[[], bool] = lambda: True
    # Paths whose bodies are not JSON → the media types they take (the body-size guard lets only those through).
    media_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Paths (may hold {parameters}) → their own body-size limit in bytes (uploads); others keep MAX_BODY_BYTES.
    body_limits: dict[str, int] = field(default_factory=dict)
    # The state of the service's work for /metrics (queue sizes, deadlines, messages out), read at scrape time.
    gauges: Callable[[], Iterable[Sample]] = lambda: ()
    # Done once when the process starts, before its workers and before it answers (loading a model): never
    # in a consumer's first transaction, where it would hold SQLite's write lock for seconds.
    warm_up: Callable[[], object] = lambda: None


class PeriodicWorker:
    """Runs `job()` every `interval` seconds; each run opens its own unit of work. `on_stop` runs once
    when the process stops cleanly (e.g. giving up a lease)."""

    def __init__(self, name: str, job: Callable[[], object], interval: float, *,
                 on_stop: Callable[[], object] | None = None) -> None:
        self.name = name
        self.job = job
        self.interval = interval
        self.on_stop = on_stop

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.job()
            except Exception:  # noqa: BLE001 - log and try again next round
                log.exception("periodic job %s failed", self.name)
            stop.wait(self.interval)
        if self.on_stop is not None:
            try:
                self.on_stop()
            except Exception:  # noqa: BLE001 - stopping goes on
                log.exception("stopping periodic job %s failed", self.name)


class WorkerSet:
    """Worker threads of one process; `stop()` asks them to finish and waits."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=worker.run, args=(self._stop,), name=worker.name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        from shared.eventbus.outbox import nudge

        nudge()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
