"""Test fixtures: real databases (SQLite and a throw-away PostgreSQL), migrated by alembic.

Every test that asks for `engine` runs once per database in TEST_DATABASES (default: both).
Each test gets its own database: a copy of a template migrated once per session.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.clock import SHANGHAI, FakeClock
from shared.db import make_engine
from tests import templates
from tests.pg import PostgresServer

# Tests run with the demo secrets and accounts; production refuses them (tests/shared/test_settings.py).
os.environ.setdefault("DEMO_MODE", "true")
# The suite signs in thousands of times: argon2 at its production cost (64 MiB, 3 passes: ~0.2 s of CPU a
# sign-in) was a fifth of its time. The cost is a setting (services/intake/settings.py) that production
# keeps at OWASP's floor or above (tests/security/test_sign_in.py); the processes the tests start inherit it.
os.environ.setdefault("PASSWORD_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("PASSWORD_HASH_TIME_COST", "1")

DATABASES = [d.strip() for d in os.environ.get("TEST_DATABASES", "sqlite,postgres").split(",") if d.strip()]


TESTS_START = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # Thursday: a working day with working days after it


def _migrate_all(engine: Engine) -> None:
    """Migrate and seed (reference data, demo accounts) once into a template every test copies. Seeded on the
    tests' own clock, not the day the suite runs: what the seed dates (the knowledge base's review dates) is
    then the same every day."""
    from services import composition

    composition.migrate(engine)
    composition.seed(engine, clock=FakeClock(TESTS_START))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return templates.sqlite_template(tmp_path_factory, "template", _migrate_all)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    return templates.postgres_template(postgres_server, "complaints_template", _migrate_all)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, fully migrated database of its own for this test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield server.url(name)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """Thursday 2026-11-26 10:00 in Chongqing: a working day with working days after it."""
    return FakeClock(TESTS_START)


@pytest.fixture
def system(engine: Engine, clock: FakeClock):  # type: ignore[no-untyped-def]
    """All three services embedded on this test's database, consumers driven by `system.drain()`."""
    from tests.system import EmbeddedSystem

    embedded = EmbeddedSystem(engine, clock)
    yield embedded
    embedded.client.close()


@pytest.fixture(params=DATABASES)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, empty database (no tables at all), on each database in TEST_DATABASES."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"e_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.url(name))
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A full run (both databases) ends with nothing skipped: a skip is a failure, not a pass."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and {"sqlite", "postgres"} <= set(DATABASES) and exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: make test must end with nothing skipped "
                            "(a missing dependency fails, saying how to install it)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
