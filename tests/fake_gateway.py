"""The fake SMS gateway and group robots (services/fakes/gateway.py) served over real HTTP on loopback."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx

from services.fakes.gateway import build_gateway
from tests.processes import serve_in_thread

SECRET = "gateway-test-secret"


class FakeGatewayServer:
    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.app = build_gateway(secret)
        self._stack = ExitStack()
        self.url = ""

    def __enter__(self) -> FakeGatewayServer:
        self.url = self._stack.enter_context(serve_in_thread(self.app))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        got = httpx.get(f"{self.url}/messages", timeout=30).json()
        return [m for m in got if channel is None or m["channel"] == channel]

    def fail_next(self, count: int, status: int = 503) -> None:
        httpx.post(f"{self.url}/control/fail", params={"count": count, "status": status}, timeout=30).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/control/reset", timeout=30).raise_for_status()
