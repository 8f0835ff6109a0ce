"""Fixtures of the event bus suite: databases holding only the event tables (plus a test-only table
of effects), the Kafka-protocol test broker, and `bus_backend` = one harness per backend.

The database templates override the root ones (same `engine` fixture, same per-test copies) so the
bus suite needs no service migrations: it tests the port, not the services.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from shared.clock import FakeClock
from shared.eventbus import schema as eventbus_schema
from tests import templates
from tests.bus.harness import BusHarness, effects_metadata
from tests.kafka_broker import TansuBroker, require_tansu
from tests.pg import PostgresServer

with warnings.catch_warnings():  # kafka-python 3.0 reads its protocol schemas with a deprecated API
    warnings.simplefilter("ignore", DeprecationWarning)
    import shared.eventbus.kafka_bus  # noqa: F401


def _migrate_event_tables(engine: Engine) -> None:
    eventbus_schema.migrate(engine)
    effects_metadata.create_all(engine)  # a test-only table: where test handlers leave their effects


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return templates.sqlite_template(tmp_path_factory, "bus-template", _migrate_event_tables)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    return templates.postgres_template(postgres_server, "eventbus_template", _migrate_event_tables)


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[TansuBroker]:
    """One in-memory broker for the session; tests keep apart by a topic prefix of their own."""
    require_tansu()
    broker = TansuBroker("memory").start()
    yield broker
    broker.close()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture(params=["db", pytest.param("kafka", marks=pytest.mark.kafka)])
def bus_backend(request: pytest.FixtureRequest, engine: Engine, clock: FakeClock,
                topic_prefix: str) -> Iterator[BusHarness]:
    if request.param == "kafka":
        broker: TansuBroker = request.getfixturevalue("kafka_broker")
        harness = BusHarness.kafka(engine, clock, broker.bootstrap, topic_prefix)
    else:
        harness = BusHarness.db(engine, clock)
    yield harness
    harness.close()

