"""Prometheus metrics of a process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()

http_requests = Histogram("http_request_seconds", "HTTP requests by route and status",
                          ["method", "route", "status"], registry=REGISTRY)
events_handled = Counter("events_handled_total", "Events applied by a consumer group",
                         ["group", "type"], registry=REGISTRY)
events_parked = Counter("events_dead_lettered_total", "Events parked after their retries",
                        ["group", "topic"], registry=REGISTRY)
