"""The whole system embedded in the test process: three services on one database and the event log.

Consumers are driven by hand (`drain()`), so a test decides when events flow and time never sleeps.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services import composition
from services.app import create_app
from shared.clock import FakeClock
from shared.eventbus.consumer import RetryPolicy
from shared.eventbus.dblog import DbLogBus, DbLogConsumer


class EmbeddedSystem:
    def __init__(self, engine: Engine, clock: FakeClock) -> None:
        self.engine = engine
        self.clock = clock
        self.bus = DbLogBus(engine, clock, policy=RetryPolicy(max_attempts=3, base_delay=0.001))
        self.settings = {name: composition.service(name).load_settings() for name in composition.SERVICE_NAMES}
        self.runtimes = [
            composition.service(name).bootstrap(self.settings[name], engine, clock=clock)
            for name in composition.SERVICE_NAMES
        ]
        self.consumers: list[DbLogConsumer] = [self.bus.consumer(spec) for rt in self.runtimes for spec in rt.consumers]
        self.app = create_app(self.runtimes, self.bus, [engine], start_workers=False)
        self.client = TestClient(self.app)

    def drain(self, max_rounds: int = 50) -> int:
        """Deliver every pending event to every group until nothing is left; returns events read."""
        total = 0
        for _ in range(max_rounds):
            handled = sum(consumer.poll_once() for consumer in self.consumers)
            total += handled
            if handled == 0:
                return total
        raise AssertionError(f"events kept flowing after {max_rounds} rounds")

    def login(self, username: str, password: str = "demo") -> dict[str, str]:
        response = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def report(self, **body: Any) -> dict[str, Any]:
        body.setdefault("channel", "web")
        response = self.client.post("/api/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        return response.json()
