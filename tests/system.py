"""The whole system embedded in the test process, built by the composition root like `serve all`.

Consumers are driven by hand (`drain()`), so a test decides when events flow and time never sleeps.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services import composition
from shared.clock import FakeClock
from shared.eventbus.consumer import RetryPolicy
from shared.eventbus.dblog import DbLogBus, DbLogConsumer
from shared.runtime import ServiceContext


class ApiCalls:
    """Signing in and reporting over any httpx-style client (`self.http`): the in-process TestClient of
    the embedded system, or a real client of a served process (tests/web)."""

    http: Any

    def login(self, username: str, password: str = "demo") -> dict[str, str]:
        response = self.http.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def behind(self, figure: dict[str, Any], headers: dict[str, str]) -> tuple[list[str], list[str]]:
        """The ids a figure counted as met and as missed, from the cases its `cases_url` links to (a figure
        carries no ids of its own)."""
        response = self.http.get(figure["cases_url"] + "&limit=100", headers=headers)
        assert response.status_code == 200, response.text
        lines = response.json()["cases"]
        return ([c["complaint_id"] for c in lines if c["met"]], [c["complaint_id"] for c in lines if not c["met"]])

    def report(self, **body: Any) -> dict[str, Any]:
        body.setdefault("channel", "web")
        response = self.http.post("/api/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        return response.json()


class EmbeddedSystem(ApiCalls):
    def __init__(self, engine: Engine, clock: FakeClock, **ports: dict[str, Any]) -> None:
        self.engine = engine
        self.clock = clock
        settings = composition.load_settings(composition.SERVICE_NAMES)
        url = settings["intake"].database_url
        settings = {name: s.model_copy(update={"database_url": url}) for name, s in settings.items()}
        self.process = composition.build_process("all", clock, settings=settings, engines={url: engine},
                                                 policy=RetryPolicy(max_attempts=3, base_delay=0.001),
                                                 start_workers=False, ports=ports)
        self.settings = self.process.settings
        self.runtimes = self.process.runtimes
        bus = self.process.bus
        assert isinstance(bus, DbLogBus)
        self.bus = bus
        self.consumers: list[DbLogConsumer] = [bus.consumer(spec) for rt in self.runtimes.values()
                                               for spec in rt.consumers]
        self.app = self.process.app
        self.client = self.http = TestClient(self.app)

    def drain(self, max_rounds: int = 50) -> int:
        """Deliver every pending event to every group until nothing is left; returns events read."""
        total = 0
        for _ in range(max_rounds):
            handled = sum(consumer.poll_once() for consumer in self.consumers)
            total += handled
            if handled == 0:
                return total
        raise AssertionError(f"events kept flowing after {max_rounds} rounds")



def service_context(settings: Any, engine: Engine, clock: FakeClock) -> ServiceContext[Any]:
    """What a process gives one service, for tests that bootstrap a single service on the embedded log."""
    return ServiceContext(settings, engine, clock, DbLogBus(engine, clock))
