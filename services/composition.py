"""The composition root: which services exist and how a process assembles them.

This module (and `app`, `cli`) may import every service; services never import each other.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from sqlalchemy.engine import Engine

from shared.eventbus import schema as eventbus_schema

SERVICE_NAMES: tuple[str, ...] = ("intake", "routing", "notify")


def service(name: str) -> ModuleType:
    """A service's bootstrap module: NAME, load_settings(), migrate(), seed(), bootstrap()."""
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; expected one of {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"services.{name}.bootstrap")


def migrate(engine: Engine, names: tuple[str, ...] = SERVICE_NAMES) -> None:
    """Upgrade the event tables and each named service's tables to head (alembic)."""
    eventbus_schema.migrate(engine)
    for name in names:
        service(name).migrate(engine)
