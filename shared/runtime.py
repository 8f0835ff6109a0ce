"""What a bootstrapped service hands to the process that runs it (embedded or on its own)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import APIRouter

from shared.eventbus.consumer import ConsumerSpec
from shared.eventbus.port import Worker

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    name: str  # intake | routing | notify: also its consumer group
    router: APIRouter
    consumers: list[ConsumerSpec] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)  # periodic jobs: SLA sweeper, callbacks, ...
    ready: Callable[[], bool] = lambda: True


class PeriodicWorker:
    """Runs `job()` every `interval` seconds; each run opens its own unit of work."""

    def __init__(self, name: str, job: Callable[[], object], interval: float) -> None:
        self.name = name
        self.job = job
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.job()
            except Exception:  # noqa: BLE001 - log and try again next round
                log.exception("periodic job %s failed", self.name)
            stop.wait(self.interval)


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
