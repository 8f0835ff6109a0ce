"""Wiring of the notify service: settings, tables, ports, consumer, SLA sweeper and routes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from services.notify.adapters.notifier import FakeNotifier
from services.notify.domain.commands import SweepSlaClocks
from services.notify.domain.notifications import Notifier
from services.notify.entrypoints.api import build_router
from services.notify.entrypoints.consumers import consumer_specs
from services.notify.service_layer.sweeper import SlaPolicy, handle_sweep
from services.notify.service_layer.uow import uow_factory
from services.notify.settings import NotifySettings
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.migrations import upgrade
from shared.runtime import PeriodicWorker, ServiceRuntime

NAME = "notify"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_notify"


def load_settings() -> NotifySettings:
    return NotifySettings()


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: NotifySettings, clock: Clock) -> None:
    """Nothing to seed: notify's tables fill from events (targets and limits are settings)."""


def bootstrap(settings: NotifySettings, engine: Engine, *, clock: Clock, calendar: WorkingCalendar | None = None,
              ordered_log: bool = True, notifier: Notifier | None = None, **ports: Any) -> ServiceRuntime:
    """`calendar` is accepted like every service's: notify's deadlines arrive already computed in events.
    `notifier` defaults to the in-memory FakeNotifier until the SMS gateway adapter exists."""
    notifier = notifier if notifier is not None else FakeNotifier(keep=settings.fake_notifier_keep)
    uows = uow_factory(engine, clock, ordered_log=ordered_log)
    policy = SlaPolicy(yellow_ratio=settings.yellow_ratio,
                       escalate_after=timedelta(seconds=settings.escalation_grace_seconds))

    def sweep_sla_clocks() -> None:
        handle_sweep(SweepSlaClocks(at=clock.now()), uows(), notifier=notifier, policy=policy)

    return ServiceRuntime(
        name=NAME,
        router=build_router(settings, uows, clock),
        consumers=consumer_specs(uows, clock),
        workers=[PeriodicWorker("sla-sweeper", sweep_sla_clocks, settings.sla_sweep_interval_seconds)],
    )
