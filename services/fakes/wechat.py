"""A fake of WeChat's API server for an official account: the stable access token and template messages.

Speaks what `shared.outbound_http.WechatTemplates` (through wechatpy) calls, as WeChat documents it:

- `POST /cgi-bin/stable_token` {grant_type, appid, secret, force_refresh} → {access_token, expires_in}; the
  same token until it expires (normal mode) or a forced refresh; a wrong AppID 40013, a wrong secret 40125.
- `POST /cgi-bin/message/template/send?access_token=…` {touser, template_id, url?, data, client_msg_id?} →
  {errcode: 0, errmsg: "ok", msgid}; no token 41001, a wrong one 40001, an expired one 42001, an unknown
  template 40037, a user who does not follow the account 43004, a value too long for its keyword's type
  (thing ≤ 20, phrase ≤ 5, character_string ≤ 32 without Chinese, time) 47003. A repeated client_msg_id
  for the same user is acknowledged and not delivered twice.

Tests read what arrived (`GET /messages`), count token fetches (`GET /control/stats`), expire the token
(`POST /control/expire-token`), make users unfollow (`POST /control/unfollow`) and make the next
requests fail (`POST /control/fail`, with an errcode or an HTTP status). `complaints fake-gateway` serves
it under `/wechat` (any AppID, the gateway's secret as AppSecret).
"""

from __future__ import annotations

import hmac
import itertools
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

EXPIRES_IN = 7200
_CJK = re.compile(r"[\u3400-\u9fff]")
_TIME = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?$")


@dataclass
class WechatApiState:
    app_secret: str
    app_id: str | None = None  # None: any AppID (the demo)
    templates: set[str] | None = None  # None: any template id
    followers: set[str] | None = None  # None: every user follows the account
    token: str | None = None
    token_expired: bool = False
    token_fetches: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    fail_next: int = 0
    fail_errcode: int = -1
    fail_status: int = 200
    unfollowed: set[str] = field(default_factory=set)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2_000_000_001))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def follows(self, openid: str) -> bool:
        return openid not in self.unfollowed and (self.followers is None or openid in self.followers)


def _error(errcode: int, errmsg: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: fake"}, status_code=status)


def _refused_value(keyword: str, value: Any) -> bool:
    """Whether WeChat would refuse this value for a keyword of this type (the type is the name's prefix)."""
    if not isinstance(value, str) or not value:
        return True
    if keyword.startswith("thing"):
        return len(value) > 20
    if keyword.startswith("phrase"):
        return len(value) > 5
    if keyword.startswith("character_string"):
        return len(value) > 32 or bool(_CJK.search(value))
    if keyword.startswith("time"):
        return not _TIME.match(value)
    return len(value) > 200


def build_wechat_api(app_secret: str, *, app_id: str | None = None, templates: set[str] | None = None,
                     followers: set[str] | None = None) -> FastAPI:
    app = FastAPI(title="fake WeChat API (official account)")
    state = WechatApiState(app_secret=app_secret, app_id=app_id, templates=templates, followers=followers)
    app.state.wechat = state

    @app.post("/cgi-bin/stable_token")
    async def stable_token(request: Request) -> JSONResponse:
        data = await request.json()
        if data.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if state.app_id is not None and data.get("appid") != state.app_id:
            return _error(40013, "invalid appid")
        if not hmac.compare_digest(str(data.get("secret", "")), state.app_secret):
            return _error(40125, "invalid appsecret")
        with state.lock:
            state.token_fetches += 1
            if state.token is None or state.token_expired or data.get("force_refresh") is True:
                state.token, state.token_expired = secrets.token_urlsafe(32), False
            return JSONResponse({"access_token": state.token, "expires_in": EXPIRES_IN})

    @app.post("/cgi-bin/message/template/send")
    async def template_send(request: Request, access_token: str | None = None) -> JSONResponse:
        with state.lock:
            if not access_token:
                return _error(41001, "access_token missing")
            if access_token != state.token:
                return _error(40001, "invalid credential, access_token is invalid or not latest")
            if state.token_expired:
                return _error(42001, "access_token expired")
            if state.fail_next > 0:
                state.fail_next -= 1
                return _error(state.fail_errcode, "system error", state.fail_status)
        data = await request.json()
        touser, template_id, values = data.get("touser"), data.get("template_id"), data.get("data")
        if not isinstance(touser, str) or not isinstance(template_id, str) or not isinstance(values, dict):
            return _error(47001, "data format error")
        if state.templates is not None and template_id not in state.templates:
            return _error(40037, "invalid template_id")
        for keyword, item in values.items():
            if not isinstance(item, dict) or _refused_value(keyword, item.get("value")):
                return _error(47003, f"argument invalid! data.{keyword}.value invalid")
        with state.lock:
            if not state.follows(touser):
                return _error(43004, "require subscribe")
            client_msg_id = data.get("client_msg_id")
            if client_msg_id and (touser, client_msg_id) in state.seen:
                return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": state.seen[(touser, client_msg_id)]})
            msgid = next(state.ids)
            if client_msg_id:
                state.seen[(touser, client_msg_id)] = msgid
            state.sent.append({"msgid": msgid, "touser": touser, "template_id": template_id, "url": data.get("url"),
                               "data": {k: v["value"] for k, v in values.items()}, "client_msg_id": client_msg_id})
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.get("/messages")
    def messages() -> list[dict[str, Any]]:
        with state.lock:
            return list(state.sent)

    @app.get("/control/stats")
    def stats() -> dict[str, int]:
        with state.lock:
            return {"token_fetches": state.token_fetches, "sent": len(state.sent)}

    @app.post("/control/expire-token")
    def expire_token() -> dict[str, bool]:
        with state.lock:
            state.token_expired = True
        return {"expired": True}

    @app.post("/control/unfollow")
    def unfollow(openid: str) -> dict[str, bool]:
        with state.lock:
            state.unfollowed.add(openid)
        return {"unfollowed": True}

    @app.post("/control/fail")
    def fail(count: int, errcode: int = -1, status: int = 200) -> dict[str, int]:
        with state.lock:
            state.fail_next, state.fail_errcode, state.fail_status = count, errcode, status
        return {"fail_next": count}

    @app.post("/control/reset")
    def reset() -> dict[str, bool]:
        with state.lock:
            state.sent.clear()
            state.seen.clear()
            state.unfollowed.clear()
            state.fail_next, state.token, state.token_expired, state.token_fetches = 0, None, False, 0
        return {"reset": True}

    return app
