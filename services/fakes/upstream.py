"""A fake of the upstream platforms (the city's 12345 platform, the national ecology-environment complaint
platform), speaking the JSON contract of docs/upstream.md, for tests and the demo.

`complaints fake-upstream --port 9200 --secret S --transfer 5` runs it (both platforms: `/12345` and
`/national`); tests run it in a thread. It keeps its own state per platform: the cases it transferred (each
with a change sequence, the cursor of `GET /cases`), their status, and the actions it received. It checks
every request's signature (the app id, a timestamp within 5 minutes, a nonce not seen before, the HMAC),
applies actions as a platform would (a reply needs the case signed; a repeated `action_id` is acknowledged
and changes nothing), keeps its ledger for the reconciliation, and can be told to fail on purpose.

Control routes (not signed; the demo's and the tests' own): `POST /control/{platform}/transfer` (a case, or
`{"count": n}` made up), `GET /control/{platform}/cases`, `GET /control/actions`, `POST /control/fail`
(the next N requests answer an HTTP error), `POST /control/delay` (each page of cases takes this long),
`POST /control/{platform}/cases/{case_no}/status` and `.../forget` (plant a difference for the
reconciliation), `.../redue` (new deadlines: the case is sent again), `POST /control/reset`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.clock import SHANGHAI

PLATFORMS = ("12345", "national")
PREFIXES = {"12345": "CQ12345", "national": "HBXF"}
SIGN_WINDOW_SECONDS = 300
ACTIONS = ("sign", "reply", "extend", "return", "progress")

# Made-up reports for the demo, as a 12345 operator or the national platform would register them.
SAMPLES = (
    ("工地夜间施工噪音扰民", "合阳城街道学士路某工地每天晚上十一点后还在打桩，噪音很大，严重影响休息。",
     "合阳城街道", "学士路18号"),
    ("餐馆油烟直排", "南津街一家火锅店油烟没有经过净化直接排放，熏得楼上住户没法开窗。", "南津街街道", "南津街128号"),
    ("养殖场臭味", "太和镇一处养猪场臭味很重，污水还流进了旁边的小河。", "太和镇", "太和镇黄桷村三组"),
    ("河道发黑发臭", "钓鱼城街道一段河道水体发黑发臭，疑似有污水偷排。", "钓鱼城街道", "钓鱼城大道旁小河"),
    ("露天焚烧垃圾", "草街街道有人在空地上焚烧垃圾和塑料，烟很大，气味刺鼻。", "草街街道", None),
)


def signature(secret: str, method: str, path_and_query: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    """As the contract defines it (written out here, not borrowed from the adapter the fake checks)."""
    message = b"\n".join([method.upper().encode(), path_and_query, timestamp.encode(), nonce.encode(), body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class FakeCase:
    platform: str
    case_no: str
    data: dict[str, Any]  # the case as `GET /cases` gives it
    transferred_at: datetime
    status: str = "transferred"  # transferred | signed | replied | returned | closed
    actions: list[dict[str, Any]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    def ledger(self) -> dict[str, Any]:
        return {"case_no": self.case_no, "status": self.status, "transferred_at": self.data["transferred_at"],
                "sign_due": self.data.get("sign_due"), "reply_due": self.data.get("reply_due"),
                "acknowledged": list(self.acknowledged)}


@dataclass
class Platform:
    cases: dict[str, FakeCase] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)  # case numbers in the order they were (re)sent: the cursor
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


@dataclass
class UpstreamState:
    secret: str
    app_id: str
    now: Callable[[], float] = time.time
    platforms: dict[str, Platform] = field(default_factory=lambda: {p: Platform() for p in PLATFORMS})
    nonces: dict[str, float] = field(default_factory=dict)
    fail_next: int = 0
    fail_status: int = 503
    fail_what: str = "any"  # any | pull | push | ledger
    delay: float = 0.0
    refused: int = 0  # requests whose signature did not hold
    pulls: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def failing(self, what: str) -> bool:
        with self.lock:
            if self.fail_next > 0 and self.fail_what in ("any", what):
                self.fail_next -= 1
                return True
            return False

    def transfer(self, platform: str, given: dict[str, Any] | None = None, *, at: datetime | None = None) -> FakeCase:
        """A case transferred to the bureau now (or `at`): the given fields, the rest made up."""
        with self.lock:
            state = self.platforms[platform]
            n = next(state.numbers)
            when = at or datetime.now(SHANGHAI)
            title, content, town, address = SAMPLES[(n - 1) % len(SAMPLES)]
            data: dict[str, Any] = {
                "case_no": f"{PREFIXES[platform]}-{when:%Y%m%d}-{n:06d}", "title": title, "content": content,
                "town": town, "address": address, "category": None,
                "reporter": {"name": "市民", "phone": f"1390000{n:04d}", "anonymous": False}, "urgent": False,
                "registered_at": (when - timedelta(minutes=20)).isoformat(), "transferred_at": when.isoformat(),
                "sign_due": (when + timedelta(days=1)).isoformat(), "reply_due": (when + timedelta(days=5)).isoformat(),
            }
            data.update(given or {})
            case = FakeCase(platform, str(data["case_no"]), data, datetime.fromisoformat(str(data["transferred_at"])))
            state.cases[case.case_no] = case
            state.changes.append(case.case_no)
            return case

    def verify(self, request: Request, body: bytes) -> bool:
        headers = request.headers
        timestamp, nonce = headers.get("X-Timestamp", ""), headers.get("X-Nonce", "")
        if headers.get("X-App-Id") != self.app_id or not timestamp.isdigit() or not nonce:
            return False
        now = self.now()
        if abs(now - int(timestamp)) > SIGN_WINDOW_SECONDS:
            return False
        raw = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string", b"")
        expected = signature(self.secret, request.method, raw + (b"?" + query if query else b""), timestamp, nonce,
                             body)
        if not hmac.compare_digest(expected, headers.get("X-Signature", "")):
            return False
        with self.lock:
            for seen, at in list(self.nonces.items()):  # forget nonces older than the window
                if now - at > 2 * SIGN_WINDOW_SECONDS:
                    del self.nonces[seen]
            if nonce in self.nonces:
                return False  # a replayed request
            self.nonces[nonce] = now
        return True


def _error(status: int, code: str, message: str = "") -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _apply(case: FakeCase, action: dict[str, Any]) -> JSONResponse | None:
    """A platform's rules for an action on the case; None when it is taken (the case changed)."""
    kind = action["action"]
    if case.status in ("returned", "closed"):
        return _error(409, "INVALID_STATE", f"the case is {case.status}")
    if kind == "sign":
        if case.status == "transferred":
            case.status = "signed"
    elif kind == "reply":
        if case.status == "transferred":
            return _error(409, "NOT_SIGNED", "a reply needs the case signed first")
        if not str(action.get("reply") or "").strip():
            return _error(400, "INVALID", "a reply needs its text")
        case.status = "replied"
    elif kind == "extend":
        if not action.get("reply_due"):
            return _error(400, "INVALID", "an extension needs the new reply_due")
        case.data["reply_due"] = action["reply_due"]
    elif kind == "return":
        if case.status == "replied":
            return _error(409, "INVALID_STATE", "a replied case cannot be returned")
        if not str(action.get("reason") or "").strip():
            return _error(400, "INVALID", "a return needs its reason")
        case.status = "returned"
    return None


def build_fake_upstream(secret: str, *, app_id: str = "hechuan-eeb", transferred: int = 0,
                        now: Callable[[], float] = time.time) -> FastAPI:
    app = FastAPI(title="fake upstream platforms (12345, the national platform)")
    state = UpstreamState(secret, app_id, now=now)
    app.state.upstream = state
    for platform in PLATFORMS:
        for _ in range(transferred):
            state.transfer(platform)

    def known(platform: str) -> Platform | None:
        return state.platforms.get(platform)

    @app.get("/{platform}/cases")
    def cases(platform: str, request: Request, limit: int = 50, cursor: str | None = None) -> JSONResponse:
        if not state.verify(request, b""):
            state.refused += 1
            return _error(401, "BAD_SIGNATURE", "signature, app id, timestamp or nonce refused")
        if (found := known(platform)) is None:
            return _error(404, "UNKNOWN_PLATFORM")
        if state.failing("pull"):
            return _error(state.fail_status, "BUSY")
        if state.delay:
            time.sleep(state.delay)  # a slow platform (a worker thread: the fake serves others meanwhile)
        start = int(cursor) if cursor and cursor.isdigit() else 0
        limit = max(1, min(limit, 500))
        with state.lock:
            state.pulls += 1
            page = found.changes[start:start + limit]
            answer = {"cases": [found.cases[number].data for number in page], "next_cursor": str(start + len(page)),
                      "has_more": start + len(page) < len(found.changes)}
        return JSONResponse(answer)

    @app.post("/{platform}/cases/{case_no}/actions")
    async def actions(platform: str, case_no: str, request: Request) -> JSONResponse:
        body = await request.body()
        if not state.verify(request, body):
            state.refused += 1
            return _error(401, "BAD_SIGNATURE", "signature, app id, timestamp or nonce refused")
        if (found := known(platform)) is None:
            return _error(404, "UNKNOWN_PLATFORM")
        if state.failing("push"):
            return _error(state.fail_status, "BUSY")
        try:
            action = json.loads(body)
        except ValueError:
            return _error(400, "INVALID", "no JSON")
        if not isinstance(action, dict) or action.get("action") not in ACTIONS or not action.get("action_id") \
                or action.get("case_no") != case_no:
            return _error(400, "INVALID", f"action_id, case_no and an action of {ACTIONS} are needed")
        with state.lock:
            case = found.cases.get(case_no)
            if case is None:
                return _error(404, "UNKNOWN_CASE", case_no)
            if action["action_id"] in {a["action_id"] for a in case.actions}:
                return JSONResponse({"code": "OK", "duplicate": True})  # a repeat: acknowledged, not applied again
            refused = _apply(case, action)
            if refused is not None:
                return refused
            case.actions.append(action)
            case.acknowledged.append(action["action_id"])
        return JSONResponse({"code": "OK"})

    @app.get("/{platform}/ledger")
    def ledger(platform: str, request: Request) -> JSONResponse:
        if not state.verify(request, b""):
            state.refused += 1
            return _error(401, "BAD_SIGNATURE", "signature, app id, timestamp or nonce refused")
        if (found := known(platform)) is None:
            return _error(404, "UNKNOWN_PLATFORM")
        if state.failing("ledger"):
            return _error(state.fail_status, "BUSY")
        try:
            start = date.fromisoformat(request.query_params["from"])
            end = date.fromisoformat(request.query_params["to"])
        except (KeyError, ValueError):
            return _error(400, "INVALID", "from and to are days (YYYY-MM-DD)")
        with state.lock:
            entries = [case.ledger() for case in found.cases.values()
                       if start <= case.transferred_at.astimezone(SHANGHAI).date() <= end]
        return JSONResponse({"from": start.isoformat(), "to": end.isoformat(), "cases": entries})

    # --- control (the demo's and the tests' own; no signature) ------------------------------------------

    @app.post("/control/{platform}/transfer")
    async def transfer(platform: str, request: Request) -> JSONResponse:
        if known(platform) is None:
            return _error(404, "UNKNOWN_PLATFORM")
        given = await request.json() if await request.body() else {}
        count = int(given.pop("count", 1)) if "case_no" not in given else 1
        made = [state.transfer(platform, given if "case_no" in given else None) for _ in range(count)]
        return JSONResponse({"cases": [case.data for case in made]})

    @app.get("/control/{platform}/cases")
    def all_cases(platform: str) -> list[dict[str, Any]]:
        found = known(platform)
        with state.lock:
            return [{**case.ledger(), "actions": list(case.actions), "data": case.data}
                    for case in (found.cases.values() if found else ())]

    @app.get("/control/actions")
    def every_action() -> list[dict[str, Any]]:
        with state.lock:
            return [{"platform": p, **action} for p, found in state.platforms.items()
                    for case in found.cases.values() for action in case.actions]

    @app.post("/control/{platform}/cases/{case_no}/status")
    def set_status(platform: str, case_no: str, status: str) -> dict[str, str]:
        with state.lock:
            state.platforms[platform].cases[case_no].status = status
        return {"status": status}

    @app.post("/control/{platform}/cases/{case_no}/forget")
    def forget(platform: str, case_no: str, action_id: str) -> dict[str, bool]:
        """The platform lost an action it had acknowledged (a planted difference)."""
        with state.lock:
            case = state.platforms[platform].cases[case_no]
            case.acknowledged = [a for a in case.acknowledged if a != action_id]
        return {"forgotten": True}

    @app.post("/control/{platform}/cases/{case_no}/redue")
    def redue(platform: str, case_no: str, reply_due: str) -> dict[str, str]:
        """New deadlines (an extension granted, a hurry): the case is sent again at the next pull."""
        with state.lock:
            found = state.platforms[platform]
            found.cases[case_no].data["reply_due"] = reply_due
            found.changes.append(case_no)
        return {"reply_due": reply_due}

    @app.post("/control/fail")
    def fail(count: int, status: int = 503, what: str = "any") -> dict[str, int]:
        """The next `count` requests of a kind (pull, push, ledger or any) answer HTTP `status`."""
        with state.lock:
            state.fail_next, state.fail_status, state.fail_what = count, status, what
        return {"fail_next": count}

    @app.post("/control/delay")
    def delay(seconds: float) -> dict[str, float]:
        state.delay = max(0.0, seconds)
        return {"delay": state.delay}

    @app.get("/control/stats")
    def stats() -> dict[str, int]:
        return {"pulls": state.pulls, "refused_signatures": state.refused}

    @app.post("/control/reset")
    def reset() -> dict[str, bool]:
        with state.lock:
            state.platforms = {p: Platform() for p in PLATFORMS}
            state.nonces.clear()
            state.fail_next, state.delay, state.refused, state.pulls = 0, 0.0, 0, 0
        return {"reset": True}

    return app

