"""Intake on its own: databases with only the event tables and intake's, and intake built as `serve intake`.

What other services would send is written to the embedded log by hand (`intake.publish`) and delivered
by intake's own consumer (`intake.drain()`), so these tests depend on no other service's code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services import composition
from shared.clock import FakeClock
from shared.contracts import events as ev
from shared.contracts.codes import DEPARTMENTS, DISTRICT_DEPARTMENTS
from shared.eventbus.consumer import RetryPolicy
from shared.eventbus.dblog import DbLogBus
from shared.filestore import S3Store, s3_client
from shared.uow import SqlUnitOfWork, uow_factory
from tests import templates
from tests.pg import PostgresServer
from tests.s3 import MotoS3

EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


def _migrate_intake(engine: Engine) -> None:
    composition.migrate(engine, ("intake",))
    composition.seed(engine, ("intake",))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides the root template: event tables and intake only (demo accounts and key seeded)."""
    return templates.sqlite_template(tmp_path_factory, "intake_template", _migrate_intake)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    return templates.postgres_template(postgres_server, "intake_template", _migrate_intake)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoS3]:
    """An S3-compatible object store (moto's server over HTTP) for the S3 attachment store."""
    server = MotoS3(bucket="complaints-attachments").start()
    yield server
    server.stop()


def s3_store(server: MotoS3, prefix: str | None = None) -> S3Store:
    """An S3 attachment store on `server`, under a prefix of its own (a fresh one unless given)."""
    client = s3_client(endpoint_url=server.endpoint, region="us-east-1", access_key_id="test",
                       secret_access_key="test")
    return S3Store(client, server.bucket, prefix or f"t-{uuid.uuid4().hex[:8]}/")


def directory(changed_at: datetime, revision: int = 1, **extra: str) -> ev.DepartmentsChangedV1:
    """Routing's directory as it would publish it: every built-in department, plus `extra` (code=name)."""
    entries = [ev.DepartmentEntry(code=code, name=name, kind="district" if code in DISTRICT_DEPARTMENTS else "town")
               for code, name in DEPARTMENTS.items()]
    entries += [ev.DepartmentEntry(code=code, name=name, kind="district") for code, name in extra.items()]
    return ev.DepartmentsChangedV1(departments=entries, revision=revision, changed_at=changed_at)


class Intake:
    """Intake as one process runs it, on the test's database; its consumer is driven by hand."""

    def __init__(self, engine: Engine, clock: FakeClock, **ports: Any) -> None:
        self.engine = engine
        self.clock = clock
        url = engine.url.render_as_string(hide_password=False)
        settings = composition.load_settings(("intake",))
        settings = {"intake": settings["intake"].model_copy(update={"database_url": url})}
        self.process = composition.build_process("intake", clock, settings=settings, engines={url: engine},
                                                 policy=RetryPolicy(max_attempts=2, base_delay=0.001),
                                                 start_workers=False, ports={"intake": ports})
        self.runtime = self.process.runtimes["intake"]
        self.bus = self.runtime.bus
        log = self.process.bus
        assert isinstance(log, DbLogBus)
        self.log = log
        self.consumers = [log.consumer(spec) for spec in self.runtime.consumers]
        self.client = TestClient(self.process.app)
        self._routing = uow_factory(SqlUnitOfWork, engine, clock=clock, source="/hechuan/routing")

    def publish(self, *payloads: ev.EventPayload) -> None:
        """Events as routing would write them (one transaction), for intake's consumer to read."""
        with self._routing() as uow:
            for payload in payloads:
                uow.publish(payload)
            uow.commit()

    def drain(self) -> int:
        total = 0
        while handled := sum(consumer.poll_once() for consumer in self.consumers):
            total += handled
        return total

    def deliver(self, *payloads: ev.EventPayload) -> None:
        self.publish(*payloads)
        self.drain()

    def report(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        body = {**EXAMPLE, **body}
        response = self.client.post("/api/v1/complaints", json=body, headers=headers or {})
        assert response.status_code == 201, response.text
        return response.json()

    def view(self, tracking_code: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/complaints/{tracking_code}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def intake(engine: Engine, clock: FakeClock) -> Iterator[Intake]:
    embedded = Intake(engine, clock)
    yield embedded
    embedded.client.close()
