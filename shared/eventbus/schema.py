"""Migrating the event tables into a service's database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from shared.migrations import upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_eventbus"


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)
