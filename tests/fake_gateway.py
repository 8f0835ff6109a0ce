"""The fake SMS gateway and group robots (services/fakes/gateway.py) served over real HTTP on loopback."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn

from services.fakes.gateway import build_gateway
from tests.pg import free_port

SECRET = "gateway-test-secret"


class FakeGatewayServer:
    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.port = free_port()
        self.app = build_gateway(secret)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeGatewayServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake gateway did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        got = httpx.get(f"{self.url}/messages").json()
        return [m for m in got if channel is None or m["channel"] == channel]

    def fail_next(self, count: int, status: int = 503) -> None:
        httpx.post(f"{self.url}/control/fail", params={"count": count, "status": status}).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/control/reset").raise_for_status()
