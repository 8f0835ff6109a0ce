"""The composition root: which services exist and how one process assembles them.

The CLI, the tests and the benchmarks all build processes here, and nowhere else. This module (and
`app`, `cli`) may import every service; services never import each other.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from shared.clock import Clock, SystemClock
from shared.db import make_engine
from shared.eventbus import schema as eventbus_schema
from shared.eventbus.consumer import RetryPolicy
from shared.eventbus.port import EventBus
from shared.runtime import ServiceContext, ServiceRuntime
from shared.settings import CommonSettings

SERVICE_NAMES: tuple[str, ...] = ("intake", "routing", "notify")


def service(name: str) -> ModuleType:
    """A service's bootstrap module: NAME, load_settings(), migrate(), seed(), bootstrap()."""
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; expected one of {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"services.{name}.bootstrap")


def names_of(target: str) -> tuple[str, ...]:
    """`all` (the embedded process) or one service."""
    return SERVICE_NAMES if target == "all" else (service(target).NAME,)


def load_settings(names: tuple[str, ...]) -> dict[str, CommonSettings]:
    return {name: service(name).load_settings() for name in names}


def by_database(names: tuple[str, ...], settings: dict[str, CommonSettings]) -> dict[str, tuple[str, ...]]:
    """Services grouped by database URL: engines are shared and event tables migrated once per database."""
    groups: dict[str, tuple[str, ...]] = {}
    for name in names:
        url = settings[name].database_url
        groups[url] = (*groups.get(url, ()), name)
    return groups


def migrate(engine: Engine, names: tuple[str, ...] = SERVICE_NAMES) -> None:
    """Upgrade the event tables and each named service's tables to head (alembic)."""
    eventbus_schema.migrate(engine)
    for name in names:
        service(name).migrate(engine)


def seed(engine: Engine, names: tuple[str, ...] = SERVICE_NAMES, *, clock: Clock | None = None,
         settings: dict[str, CommonSettings] | None = None) -> None:
    """Reference data (and demo accounts in DEMO_MODE), idempotent."""
    settings = settings or load_settings(names)
    for name in names:
        service(name).seed(engine, settings[name], clock or SystemClock())


def make_bus(settings: CommonSettings, engine: Engine, clock: Clock, *, client_id: str = "complaints",
             policy: RetryPolicy | None = None) -> EventBus:
    """The event bus named by EVENT_BUS: the embedded log (db) or Kafka. Configuration, not a code fork."""
    policy = policy or RetryPolicy(max_attempts=settings.consumer_max_attempts)
    if settings.event_bus == "kafka":
        from shared.eventbus.kafka_bus import KafkaBus

        return KafkaBus.from_settings(settings, clock, client_id=client_id, policy=policy)
    from shared.eventbus.dblog import DbLogBus

    return DbLogBus(engine, clock, policy=policy, poll_interval=settings.embedded_poll_interval)


@dataclass
class Process:
    """Everything one process runs: `all` (embedded) or one service."""

    names: tuple[str, ...]
    settings: dict[str, CommonSettings]
    engines: dict[str, Engine]  # by URL: services sharing one database share one engine
    bus: EventBus
    runtimes: dict[str, ServiceRuntime]
    app: FastAPI

    @property
    def first(self) -> CommonSettings:
        return self.settings[self.names[0]]

    def engine_of(self, name: str) -> Engine:
        return self.engines[self.settings[name].database_url]

    def migrate_and_seed(self) -> None:
        for url, group in by_database(self.names, self.settings).items():
            migrate(self.engines[url], group)
        for name in self.names:
            seed(self.engine_of(name), (name,), settings=self.settings)

    def close(self) -> None:
        self.bus.close()
        for engine in self.engines.values():
            engine.dispose()


def build_process(target: str, clock: Clock | None = None, *, client_id: str | None = None,
                  settings: dict[str, CommonSettings] | None = None, engines: dict[str, Engine] | None = None,
                  policy: RetryPolicy | None = None, start_workers: bool = True,
                  ports: dict[str, dict[str, Any]] | None = None) -> Process:
    """Settings, engines, bus, services and the FastAPI app of one process.

    Tests pass their own `clock`, `engines` (by URL), retry `policy`, `start_workers=False` (they
    drive consumers by hand) and per-service `ports` (fakes); everything else is as in production.
    """
    from services.app import create_app, web_dist_dir

    names = names_of(target)
    settings = settings or load_settings(names)
    first = settings[names[0]]
    clock = clock or SystemClock()
    engines = engines or {url: make_engine(url) for url in by_database(names, settings)}
    bus = make_bus(first, engines[first.database_url], clock, client_id=client_id or f"complaints-{target}",
                   policy=policy)
    runtimes = {
        name: service(name).bootstrap(
            ServiceContext(settings[name], engines[settings[name].database_url], clock, bus),
            **(ports or {}).get(name, {}))
        for name in names
    }
    app = create_app(list(runtimes.values()), bus, list(engines.values()), max_body_bytes=first.max_body_bytes,
                     web_dist=web_dist_dir(first.web_dist), expose_docs=first.expose_docs,
                     expose_metrics=first.expose_metrics, start_workers=start_workers)
    return Process(names, settings, engines, bus, runtimes, app)
