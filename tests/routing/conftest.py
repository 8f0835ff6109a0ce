"""routing's test fixtures: a seeded runtime on the test database, a way to feed it complaints,
an API client and staff tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.app import create_app
from services.routing import bootstrap as routing
from services.routing.settings import RoutingSettings
from shared.auth import Principal, issue_token
from shared.clock import SystemClock
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import ComplaintReceivedV1
from shared.eventbus.dblog import DbLogBus
from shared.eventbus.tables import OutboxRecord
from shared.runtime import ServiceRuntime

EXAMPLE = "合阳城街道某工地凌晨两点还在打桩，噪音太大"


@pytest.fixture
def settings() -> RoutingSettings:
    return RoutingSettings(demo_mode=True)


@pytest.fixture
def runtime(engine, clock, settings) -> ServiceRuntime:
    routing.seed(engine, settings, clock)
    return routing.bootstrap(settings, engine, clock=clock)


def complaint(clock, **fields: Any) -> ComplaintReceivedV1:
    """A received complaint as intake publishes it (fresh ids every time)."""
    values: dict[str, Any] = {
        "complaint_id": str(uuid.uuid4()), "tracking_code": "HC" + uuid.uuid4().hex[:8].upper(),
        "channel": "web", "content": EXAMPLE, "town": "heyangcheng", "received_at": clock.now(),
        "reporter_phone_masked": "138****1234",
    }
    values.update(fields)
    return ComplaintReceivedV1(**values)


@pytest.fixture
def receive(runtime, clock) -> Callable[..., CloudEvent]:
    """Deliver a complaint to routing's consumer as the bus would; returns the envelope."""
    spec = runtime.consumers[0]

    def deliver(payload: ComplaintReceivedV1 | CloudEvent | None = None, **fields: Any) -> CloudEvent:
        if payload is None:
            payload = complaint(clock, **fields)
        event = payload if isinstance(payload, CloudEvent) else \
            payload.to_event(source="/hechuan/intake", time=clock.now())
        spec.handle(event)
        return event

    return deliver


@pytest.fixture
def outbox(engine) -> Callable[..., list[OutboxRecord]]:
    """The events written to the outbox, in order (optionally only one complaint's)."""
    def read(complaint_id: str | None = None) -> list[OutboxRecord]:
        with Session(engine) as session:
            query = select(OutboxRecord).order_by(OutboxRecord.position)
            if complaint_id:
                query = query.where(OutboxRecord.key == complaint_id)
            return list(session.scalars(query))

    return read


@pytest.fixture
def client(runtime, engine, clock) -> Iterator[TestClient]:
    app = create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth(settings) -> Callable[..., dict[str, str]]:
    """Authorization headers for a user of a role (and, for dispatchers, a department)."""
    def headers(role: str, department: str | None = None, username: str | None = None) -> dict[str, str]:
        principal = Principal(username=username or f"{role}-{department or 'x'}", role=role, department=department)
        # Real time, not the fake clock: PyJWT checks expiry against the system clock.
        token = issue_token(principal, key=settings.jwt_key, now=SystemClock().now(), ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return headers

