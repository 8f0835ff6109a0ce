"""The fake upstream platforms (services/fakes/upstream.py) served over real HTTP on loopback."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx

from services.fakes.upstream import build_fake_upstream
from tests.processes import serve_in_thread

SECRET = "upstream-test-secret"
APP_ID = "hechuan-eeb"


class FakeUpstreamServer:
    def __init__(self, secret: str = SECRET, app_id: str = APP_ID) -> None:
        self.secret, self.app_id = secret, app_id
        self.app = build_fake_upstream(secret, app_id=app_id)
        self._stack = ExitStack()
        self.url = ""

    def __enter__(self) -> FakeUpstreamServer:
        self.url = self._stack.enter_context(serve_in_thread(self.app))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def env(self, platform: str = "12345", **more: str) -> dict[str, str]:
        """The intake settings that point a platform at this fake."""
        name = f"UPSTREAM_{platform.upper()}"
        return {f"{name}_URL": f"{self.url}/{platform}", f"{name}_APP_ID": self.app_id, f"{name}_SECRET": self.secret,
                **more}

    def transfer(self, platform: str = "12345", **case: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/control/{platform}/transfer", json=case)
        response.raise_for_status()
        return response.json()["cases"][0]  # type: ignore[no-any-return]

    def transfer_many(self, count: int, platform: str = "12345") -> list[dict[str, Any]]:
        response = httpx.post(f"{self.url}/control/{platform}/transfer", json={"count": count})
        response.raise_for_status()
        return response.json()["cases"]  # type: ignore[no-any-return]

    def cases(self, platform: str = "12345") -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/control/{platform}/cases").json()  # type: ignore[no-any-return]

    def actions(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/control/actions").json()  # type: ignore[no-any-return]

    def fail_next(self, count: int, status: int = 503, what: str = "any") -> None:
        httpx.post(f"{self.url}/control/fail", params={"count": count, "status": status, "what": what}
                   ).raise_for_status()

    def delay(self, seconds: float) -> None:
        httpx.post(f"{self.url}/control/delay", params={"seconds": seconds}).raise_for_status()

    def control(self, path: str, **params: Any) -> None:
        httpx.post(f"{self.url}/control/{path}", params=params).raise_for_status()

    def stats(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/control/stats").json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        httpx.post(f"{self.url}/control/reset").raise_for_status()
