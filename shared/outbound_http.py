"""The outbound ports' HTTP adapters (httpx, with timeouts): an SMS gateway and group robots.

Real gateways differ (Aliyun, Tencent Cloud, a carrier's CMPP bridge, the district's own message
platform); `HttpSmsGateway` speaks one small documented JSON contract (docs/notifications.md) that a
deployment points at its gateway or at a thin bridge to it. Group robots (企业微信/钉钉群机器人) take the
same text message JSON and answer `{"errcode": 0}`. Retries are the sender's (shared/outbound.py): an
adapter makes one try and says whether another is worth it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping

import httpx

from shared.outbound import DeliveryFailed

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The gateway contract's signature: hex HMAC-SHA256 over "<timestamp>\\n<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _failure(response: httpx.Response) -> DeliveryFailed:
    # 429 and 5xx: the gateway is busy or broken, try later; other 4xx: this message will never pass.
    retry = response.status_code == 429 or response.status_code >= 500
    return DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}", retry=retry)


class HttpSmsGateway:
    """POST <url> {"out_id", "phone", "content"} signed with the shared secret; 2xx {"code": "OK"} is sent."""

    def __init__(self, url: str, secret: str, *, client: httpx.Client | None = None) -> None:
        self.url, self.secret = url, secret
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def send(self, key: str, recipient: str, body: str) -> None:
        payload = json.dumps({"out_id": key, "phone": recipient, "content": body}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        try:
            response = self.client.post(self.url, content=payload, headers={
                "Content-Type": "application/json; charset=utf-8", "X-Timestamp": timestamp,
                "X-Signature": sign(self.secret, timestamp, payload)})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise _failure(response)
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryFailed(f"the gateway answered no JSON: {response.text[:200]}") from exc
        if answer.get("code") != "OK":
            raise DeliveryFailed(f"the gateway refused: {answer.get('code')} {answer.get('message', '')}",
                                 retry=bool(answer.get("retry", False)))


class GroupRobot:
    """A group robot per recipient (department code, "supervisors"): WeCom or DingTalk webhook URLs."""

    def __init__(self, webhooks: Mapping[str, str], *, client: httpx.Client | None = None) -> None:
        self.webhooks = dict(webhooks)
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def send(self, key: str, recipient: str, body: str) -> None:
        url = self.webhooks.get(recipient)
        if url is None:
            raise DeliveryFailed(f"no robot webhook configured for {recipient!r} (ROBOT_WEBHOOKS)", retry=False)
        try:
            response = self.client.post(url, json={"msgtype": "text", "text": {"content": body}})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 300:
            raise _failure(response)
        try:
            errcode = response.json().get("errcode")
        except ValueError as exc:
            raise DeliveryFailed(f"the robot answered no JSON: {response.text[:200]}") from exc
        if errcode != 0:
            # 45009: WeCom's rate limit (20 a minute per robot): later. Others (bad key...): never.
            raise DeliveryFailed(f"the robot refused: errcode {errcode}", retry=errcode in (45009, 130101))


class LoggingSender:
    """No gateway configured (the embedded demo): the message counts as sent and is kept in the table
    for `complaints outbound list`; the log says that it went nowhere, without its content."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, key: str, recipient: str, body: str) -> None:
        log.info("%s message %s kept, not sent: no gateway configured", self.channel, key)
