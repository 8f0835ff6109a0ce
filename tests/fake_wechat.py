"""The fake of WeChat's API server (services/fakes/wechat.py) served over real HTTP on loopback."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx

from services.fakes.wechat import build_wechat_api
from tests.processes import serve_in_thread

APP_ID = "wx5f0e5e1f6a7b8c9d"
APP_SECRET = "0123456789abcdef0123456789abcdef"
TEMPLATES = {"receipt": "TPL-receipt-6N3n0h7Qx", "reply": "TPL-reply-1Y0pQw2Lk", "callback": "TPL-callback-8Hh2",
             "reopened": "TPL-reopened-4Zz9"}


class FakeWechatServer:
    def __init__(self, *, app_id: str = APP_ID, app_secret: str = APP_SECRET,
                 templates: set[str] | None = None) -> None:
        self.app = build_wechat_api(app_secret, app_id=app_id,
                                    templates=set(TEMPLATES.values()) if templates is None else templates)
        self._stack = ExitStack()
        self.url = ""

    def __enter__(self) -> FakeWechatServer:
        self.url = self._stack.enter_context(serve_in_thread(self.app))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def api_base_url(self) -> str:
        return f"{self.url}/cgi-bin/"

    def messages(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.url}/messages").json())

    def stats(self) -> dict[str, int]:
        return dict(httpx.get(f"{self.url}/control/stats").json())

    def expire_token(self) -> None:
        httpx.post(f"{self.url}/control/expire-token").raise_for_status()

    def unfollow(self, openid: str) -> None:
        httpx.post(f"{self.url}/control/unfollow", params={"openid": openid}).raise_for_status()

    def fail_next(self, count: int, *, errcode: int = -1, status: int = 200) -> None:
        httpx.post(f"{self.url}/control/fail", params={"count": count, "errcode": errcode,
                                                       "status": status}).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/control/reset").raise_for_status()
