"""Template databases: migrated (and seeded) once per session, copied for every test.

The root conftest's templates hold every service; a folder that tests less (the bus, one service)
overrides `sqlite_template` / `postgres_template` with the same two helpers and its own `prepare`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.db import make_engine
from tests.pg import PostgresServer

Prepare = Callable[[Engine], None]


def sqlite_template(tmp_path_factory: pytest.TempPathFactory, name: str, prepare: Prepare) -> Path:
    path = tmp_path_factory.mktemp(name) / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    prepare(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file copied per test
    return path


def postgres_template(server: PostgresServer, name: str, prepare: Prepare) -> str:
    admin = make_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(server.url(name))
    prepare(engine)
    engine.dispose()
    return name
