"""Prometheus metrics of a process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
