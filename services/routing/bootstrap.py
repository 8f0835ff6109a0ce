"""Wiring the routing service: settings, migrations, seed data, and the runtime a process runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.routing import seed as seed_data
from services.routing.domain.deadlines import DeadlinePolicy
from services.routing.entrypoints.api import build_router
from services.routing.entrypoints.consumers import consumer_specs
from services.routing.service_layer.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.routing.service_layer.messagebus import MessageBus
from services.routing.service_layer.uow import RoutingUnitOfWork
from services.routing.settings import RoutingSettings
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime

NAME = "routing"
VERSION_TABLE = "alembic_version_routing"
MIGRATIONS = Path(__file__).parent / "migrations"
SOURCE = "/hechuan/routing"


def load_settings() -> RoutingSettings:
    return RoutingSettings()


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: RoutingSettings, clock: Clock) -> None:
    """Departments, towns, routing rules and time limits, when missing (idempotent)."""
    seed_data.seed(engine)


def bootstrap(settings: RoutingSettings, engine: Engine, *, clock: Clock, calendar: WorkingCalendar | None = None,
              ordered_log: bool = True, **ports: Any) -> ServiceRuntime:
    """The routing runtime. `ports` override the defaults handlers receive (deadlines, min_confidence,
    max_extension_days), so a test can pass fakes."""
    sessions = sessionmaker(engine, expire_on_commit=False)

    def uow_factory() -> RoutingUnitOfWork:
        return RoutingUnitOfWork(sessions, clock=clock, source=SOURCE, ordered_log=ordered_log)

    calendar = calendar or WorkingCalendar(settings.calendar)
    dependencies: dict[str, Any] = {
        "deadlines": DeadlinePolicy(calendar),
        "min_confidence": settings.routing_min_confidence,
        "max_extension_days": settings.routing_max_extension_days,
        **ports,
    }
    bus = MessageBus(uow_factory, event_handlers=EVENT_HANDLERS, command_handlers=COMMAND_HANDLERS,
                     ports=dependencies)
    router = build_router(bus, uow_factory, jwt_key=settings.jwt_key, clock=clock,
                          min_confidence=dependencies["min_confidence"])
    return ServiceRuntime(name=NAME, router=router, consumers=consumer_specs(bus, uow_factory, clock))
