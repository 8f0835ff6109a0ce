"""A fake SMS gateway and group-robot server, speaking the contracts of shared/outbound_http.py.

`complaints fake-gateway --port 9100 --secret S` runs it; tests run it in a thread. It checks the SMS
signature, drops a repeated `out_id` (as a real gateway does with a client message id), keeps what it
received for `GET /messages`, and can be told to fail the next N requests (`POST /control/fail`) to
exercise the sender's retries. A robot given a secret (`robot_secrets`) is a DingTalk robot with 加签:
it refuses, as DingTalk does (HTTP 200, errcode 310000), a request whose `timestamp` is missing or more
than an hour off or whose `sign` is not base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")). A fake of
WeChat's API (services/fakes/wechat.py) is served under `/wechat`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.fakes.wechat import build_wechat_api
from shared.outbound_http import sign

SIGN_WINDOW_MS = 3600 * 1000  # DingTalk refuses a timestamp more than an hour from its own clock


@dataclass
class Received:
    channel: str  # sms | robot
    to: str  # phone, or the robot's group
    content: str
    out_id: str | None = None
    signed: bool = False  # a robot's request carried a valid DingTalk signature


@dataclass
class GatewayState:
    secret: str
    robot_secrets: dict[str, str] = field(default_factory=dict)
    messages: list[Received] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    fail_next: int = 0
    fail_status: int = 503
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failing(self) -> bool:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
            return False


def signature_holds(secret: str, timestamp: str | None, signature: str | None, *, now: float | None = None) -> bool:
    """A DingTalk robot's check of a signed webhook request (the query's `timestamp` and `sign`)."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) * 1000 - int(timestamp)) > SIGN_WINDOW_MS:
        return False
    # As DingTalk documents it (written out here, not borrowed from the adapter the fake checks).
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(signature, base64.b64encode(digest).decode())


def build_gateway(secret: str, *, robot_secrets: Mapping[str, str] | None = None) -> FastAPI:
    app = FastAPI(title="fake SMS gateway and group robots")
    state = GatewayState(secret, robot_secrets=dict(robot_secrets or {}))
    app.state.gateway = state
    app.mount("/wechat", build_wechat_api(secret))  # any AppID; the gateway's secret is the AppSecret

    @app.post("/sms")
    async def sms(request: Request) -> JSONResponse:
        body = await request.body()
        expected = sign(state.secret, request.headers.get("X-Timestamp", ""), body)
        if request.headers.get("X-Signature") != expected:
            return JSONResponse({"code": "BAD_SIGNATURE", "message": "signature mismatch"}, status_code=401)
        if state.failing():
            return JSONResponse({"code": "BUSY"}, status_code=state.fail_status)
        data = json.loads(body)
        phone, content, out_id = data.get("phone"), data.get("content"), data.get("out_id")
        if not isinstance(phone, str) or not phone.isdigit() or not isinstance(content, str) or not content:
            return JSONResponse({"code": "INVALID", "message": "phone and content are needed"}, status_code=400)
        with state.lock:
            if out_id not in state.seen_ids:  # a repeated out_id is acknowledged, not sent twice
                state.seen_ids.add(out_id)
                state.messages.append(Received("sms", phone, content, out_id))
        return JSONResponse({"code": "OK"})

    @app.post("/robot/{group}")
    async def robot(group: str, request: Request, timestamp: str | None = None,
                    sign: str | None = None) -> JSONResponse:
        robot_secret = state.robot_secrets.get(group)
        if robot_secret is not None and not signature_holds(robot_secret, timestamp, sign):
            return JSONResponse({"errcode": 310000, "errmsg": "sign not match"})
        if state.failing():
            return JSONResponse({"errcode": -1, "errmsg": "busy"}, status_code=state.fail_status)
        data = await request.json()
        content = (data.get("text") or {}).get("content") if data.get("msgtype") == "text" else None
        if not content:
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        with state.lock:
            state.messages.append(Received("robot", group, content, signed=robot_secret is not None))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    @app.get("/messages")
    def messages() -> list[dict[str, Any]]:
        with state.lock:
            return [asdict(m) for m in state.messages]

    @app.post("/control/fail")
    def fail(count: int, status: int = 503) -> dict[str, int]:
        """The next `count` requests fail with HTTP `status` (a robot's with errcode -1, busy; 200 is
        then a refusal in the JSON alone)."""
        with state.lock:
            state.fail_next, state.fail_status = count, status
        return {"fail_next": count}

    @app.post("/control/reset")
    def reset() -> dict[str, bool]:
        with state.lock:
            state.messages.clear()
            state.seen_ids.clear()
            state.fail_next = 0
        return {"reset": True}

    return app
