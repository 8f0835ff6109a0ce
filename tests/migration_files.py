"""A migration file loaded as a module, for tests that call its backfill on rows written after it ran."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SERVICES = Path(__file__).parents[1] / "services"


def load_migration(service: str, filename: str) -> ModuleType:
    path = SERVICES / service / "migrations" / "versions" / filename
    spec = importlib.util.spec_from_file_location(f"{service}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
