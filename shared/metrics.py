"""Prometheus metrics of a process (served at /metrics)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)
REGISTRY = CollectorRegistry()

http_requests = Histogram("http_request_seconds", "HTTP requests by route and status",
                          ["method", "route", "status"], registry=REGISTRY)
events_handled = Counter("events_handled_total", "Events applied by a consumer group",
                         ["group", "type"], registry=REGISTRY)
events_parked = Counter("events_dead_lettered_total", "Events parked after their retries",
                        ["group", "topic"], registry=REGISTRY)
outbox_backlog = Gauge("outbox_backlog", "Outbox rows not yet published to the event transport",
                       ["relay"], registry=REGISTRY)
events_relayed = Counter("events_relayed_total", "Outbox rows published to the event transport",
                         ["relay"], registry=REGISTRY)
group_commits = Counter("group_commit_transactions_total", "Transactions of the group commit (shared/group_commit.py)",
                        registry=REGISTRY)
group_commit_sets = Counter("group_commit_sets_total", "Units of work committed by the group commit (their rows "
                            "and events); divided by the transactions: the mean batch", registry=REGISTRY)


# --- the state of the work, computed when /metrics is scraped (each process its own services') ----------


@dataclass(frozen=True)
class Sample:
    """One value of a gauge a service reports about its work (queue sizes, deadlines, messages out)."""

    name: str
    help: str
    labels: dict[str, str]
    value: float


class RuntimeCollector:
    """Asks each service for its samples at scrape time; a service that fails is skipped (and logged),
    so /metrics always answers. One per app, in the app's own registry (processes built side by side in
    one Python, as the tests do, never collide)."""

    def __init__(self, sources: list[Callable[[], Iterable[Sample]]]) -> None:
        self.sources = sources

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for source in self.sources:
            try:
                samples = list(source())
            except Exception as exc:  # noqa: BLE001 - a gauge must never break the scrape
                log.warning("gauges of %s failed: %s", getattr(source, "__qualname__", source), type(exc).__name__)
                continue
            for sample in samples:
                keys = sorted(sample.labels)
                family = families.get(sample.name)
                if family is None:
                    family = families[sample.name] = GaugeMetricFamily(sample.name, sample.help, labels=keys)
                family.add_metric([sample.labels[k] for k in keys], sample.value)
        yield from families.values()


def runtime_registry(sources: list[Callable[[], Iterable[Sample]]]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RuntimeCollector(sources))  # type: ignore[arg-type]
    return registry
