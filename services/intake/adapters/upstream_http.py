"""The upstream platforms' HTTP adapter (httpx, with timeouts): one class, configured once per platform.

The platforms' APIs are not public; this speaks the JSON contract of docs/upstream.md, which a deployment
maps onto each platform's real interface (or a thin bridge does). Every request is signed with the
platform's secret: `X-App-Id`, `X-Timestamp` (Unix seconds), `X-Nonce` and `X-Signature` =
hex(HMAC-SHA256(secret, "<METHOD>\\n<path?query>\\n<X-Timestamp>\\n<X-Nonce>\\n<body>")).

Retries are not made here: the puller tries again at its next round, and the push sender
(shared/outbound.py) with backoff; an adapter makes one try and says whether another is worth it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from services.intake.domain.upstream import LedgerEntry, UpstreamUnavailable
from shared.outbound import DeliveryFailed

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def canonical(method: str, path_and_query: bytes, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: the method, the path with its query as sent, the timestamp, the nonce and the body."""
    return b"\n".join([method.upper().encode(), path_and_query, timestamp.encode(), nonce.encode(), body])


def upstream_signature(secret: str, method: str, path_and_query: bytes, timestamp: str, nonce: str,
                       body: bytes) -> str:
    return hmac.new(secret.encode(), canonical(method, path_and_query, timestamp, nonce, body),
                    hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class UpstreamPage:
    cases: list[dict[str, Any]]  # as the platform sent them: entrypoints/upstream.py checks each
    next_cursor: str | None
    has_more: bool


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"a time without its zone: {value!r}")
    return parsed


class HttpUpstreamPlatform:
    """One platform (12345, the national platform) at `base_url`, signing with `secret` as `app_id`."""

    def __init__(self, platform: str, base_url: str, app_id: str, secret: str, *,
                 client: httpx.Client | None = None) -> None:
        self.platform, self.base_url = platform, base_url.rstrip("/")
        self.app_id, self._secret = app_id, secret
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: bytes = b"") -> httpx.Response:
        request = self.client.build_request(method, f"{self.base_url}{path}", params=params, content=body or None)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        request.headers.update({
            "X-App-Id": self.app_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
            "X-Signature": upstream_signature(self._secret, method, request.url.raw_path, timestamp, nonce, body)})
        if body:
            request.headers["Content-Type"] = "application/json; charset=utf-8"
        return self.client.send(request)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        """A read (pull, ledger): the answer's JSON, or UpstreamUnavailable."""
        try:
            response = self._send(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"{self.platform}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise UpstreamUnavailable(f"{self.platform}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamUnavailable(f"{self.platform}: the answer is no JSON: {response.text[:200]}") from exc

    def fetch(self, cursor: str | None, limit: int) -> UpstreamPage:
        """The cases transferred to us after `cursor` (None: from the start), oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        answer = self._json("GET", "/cases", params=params)
        cases = answer.get("cases") if isinstance(answer, dict) else None
        if not isinstance(cases, list) or not all(isinstance(case, dict) for case in cases):
            raise UpstreamUnavailable(f"{self.platform}: the answer has no list of cases")
        next_cursor = answer.get("next_cursor")
        return UpstreamPage(cases, str(next_cursor) if next_cursor is not None else cursor,
                            bool(answer.get("has_more", False)))

    def push(self, key: str, body: str) -> None:
        """One action (its JSON as written); DeliveryFailed says whether to try again."""
        data = json.loads(body)
        case_no = str(data["case_no"])
        payload = body.encode()
        try:
            response = self._send("POST", f"/cases/{quote(case_no, safe='')}/actions", body=payload)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            # 429 and 5xx: busy or broken, try later; another 4xx (a bad signature, an unknown case, an action
            # the case's state refuses) will never pass as it is.
            retry = response.status_code == 429 or response.status_code >= 500
            raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}", retry=retry)
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryFailed(f"the platform answered no JSON: {response.text[:200]}") from exc
        if not isinstance(answer, dict) or answer.get("code") != "OK":
            code = answer.get("code") if isinstance(answer, dict) else None
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise DeliveryFailed(f"the platform refused: {code} {message}".rstrip(),
                                 retry=isinstance(answer, dict) and bool(answer.get("retry", False)))

    def ledger(self, start: date, end: date) -> list[LedgerEntry]:
        """The platform's ledger of the cases it transferred to us from `start` to `end` (days, inclusive)."""
        answer = self._json("GET", "/ledger", params={"from": start.isoformat(), "to": end.isoformat()})
        cases = answer.get("cases") if isinstance(answer, dict) else None
        if not isinstance(cases, list):
            raise UpstreamUnavailable(f"{self.platform}: the ledger has no list of cases")
        try:
            return [LedgerEntry(case_no=str(case["case_no"]), status=str(case["status"]),
                                transferred_at=_parse_time(case.get("transferred_at")),
                                reply_due=_parse_time(case.get("reply_due")),
                                acknowledged=frozenset(str(a) for a in case.get("acknowledged") or ()))
                    for case in cases]
        except (KeyError, TypeError, ValueError) as exc:
            raise UpstreamUnavailable(f"{self.platform}: a ledger entry cannot be read: {exc}") from exc


class UpstreamPushSender:
    """The push channel's port for the sender (shared/outbound.py): the recipient names the platform."""

    def __init__(self, platforms: Mapping[str, HttpUpstreamPlatform]) -> None:
        self.platforms = dict(platforms)

    def send(self, key: str, recipient: str, body: str) -> None:
        platform = self.platforms.get(recipient)
        if platform is None:
            raise DeliveryFailed(f"the platform {recipient!r} is not configured (UPSTREAM_{recipient.upper()}_URL)",
                                 retry=False)
        platform.push(key, body)
