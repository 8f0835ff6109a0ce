"""Wires intake: settings, unit of work, ports, routes, consumers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from services.intake.adapters.crypto import FieldCipher
from services.intake.entrypoints.api import build_router
from services.intake.entrypoints.consumers import consumer_specs
from services.intake.seed import seed_demo
from services.intake.service_layer.uow import IntakeUnitOfWork
from services.intake.settings import IntakeSettings
from shared.clock import Clock
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime

NAME = "intake"
SOURCE = "/hechuan/intake"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_intake"


def load_settings(**overrides: Any) -> IntakeSettings:
    return IntakeSettings(**overrides)


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: IntakeSettings, clock: Clock) -> None:
    """Intake has no reference data of its own; demo accounts only in DEMO_MODE."""
    if settings.demo_mode:
        seed_demo(engine, clock)


def bootstrap(settings: IntakeSettings, engine: Engine, *, clock: Clock, ordered_log: bool = True,
              cipher: FieldCipher | None = None, **_ports: Any) -> ServiceRuntime:
    sessions = sessionmaker(engine, expire_on_commit=False)
    assert settings.encryption_key is not None

    def uow_factory() -> IntakeUnitOfWork:
        return IntakeUnitOfWork(sessions, clock=clock, source=SOURCE, ordered_log=ordered_log)

    cipher = cipher or FieldCipher(settings.encryption_key.get_secret_value())
    router = build_router(uow_factory, cipher=cipher, clock=clock, jwt_key=settings.jwt_key,
                          token_ttl=timedelta(minutes=settings.access_token_minutes))
    return ServiceRuntime(name=NAME, router=router, consumers=consumer_specs(uow_factory))
