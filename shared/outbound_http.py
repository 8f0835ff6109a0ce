"""The outbound ports' HTTP adapters (with timeouts): an SMS gateway, group robots, WeChat template messages.

Real gateways differ (Aliyun, Tencent Cloud, a carrier's CMPP bridge, the district's own message
platform); `HttpSmsGateway` speaks one small documented JSON contract (docs/notifications.md) that a
deployment points at its gateway or at a thin bridge to it. Group robots (企业微信/钉钉群机器人) take the
same text message JSON and answer `{"errcode": 0}`; a DingTalk robot with a secret (加签) takes signed
URLs. `WechatTemplates` sends the official account's template messages through wechatpy's client.
Retries are the sender's (shared/outbound.py): an adapter makes one try and says whether another is
worth it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import httpx
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

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


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """A DingTalk robot's signature (加签): base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")), the
    timestamp in milliseconds; it goes urlencoded in the webhook URL with the timestamp."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_webhook(url: str, secret: str, *, now: float | None = None) -> str:
    """The webhook URL with `timestamp` and `sign` (DingTalk refuses a timestamp an hour off its clock)."""
    timestamp = str(int((time.time() if now is None else now) * 1000))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={quote_plus(dingtalk_sign(secret, timestamp))}"


# A robot's errcodes worth another try: WeCom's rate limit (45009: 20 a minute per robot), DingTalk's
# (130101: 20 a minute), and either's "system busy" (-1). Others (bad key, bad signature, a keyword
# missing, an address not allowed: 310000...) will never pass.
ROBOT_RETRY_ERRCODES = frozenset({45009, 130101, -1})


class GroupRobot:
    """A group robot per recipient (department code, "supervisors"): WeCom or DingTalk webhook URLs; a
    DingTalk robot with a secret in `secrets` gets signed URLs. Its JSON answer decides: errcode 0 is sent."""

    def __init__(self, webhooks: Mapping[str, str], *, secrets: Mapping[str, str] | None = None,
                 client: httpx.Client | None = None) -> None:
        self.webhooks = dict(webhooks)
        self.secrets = dict(secrets or {})
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def send(self, key: str, recipient: str, body: str) -> None:
        url = self.webhooks.get(recipient)
        if url is None:
            raise DeliveryFailed(f"no robot webhook configured for {recipient!r} (ROBOT_WEBHOOKS)", retry=False)
        if (secret := self.secrets.get(recipient)) is not None:
            url = signed_webhook(url, secret)
        try:
            response = self.client.post(url, json={"msgtype": "text", "text": {"content": body}})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(_scrub(f"{type(exc).__name__}: {exc}")) from exc
        if response.status_code >= 300:
            raise _failure(response)
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryFailed(f"the robot answered no JSON: {response.text[:200]}") from exc
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        if errcode != 0:
            errmsg = str(answer.get("errmsg", ""))[:200] if isinstance(answer, dict) else ""
            raise DeliveryFailed(f"the robot refused: errcode {errcode} {errmsg}".rstrip(),
                                 retry=errcode in ROBOT_RETRY_ERRCODES)


# --- WeChat template messages (公众号模板消息) ------------------------------------------------------------

WECHAT_API = "https://api.weixin.qq.com/cgi-bin/"
WECHAT_TIMEOUT = (3.0, 5.0)  # requests' (connect, read), as the other adapters' 3 s to connect and 5 s
# The access token was refused (40001 invalid credential, 40014 invalid token, 42001 expired): fetch it
# again and try once more. Busy (-1) or over the rate limit (45009): the sender tries later.
_TOKEN_REFUSED = frozenset({40001, 40014, 42001})
_WECHAT_RETRY = frozenset({-1, 45009})
_SECRETS_IN_URLS = re.compile(r"(access_token|secret|key)=[^&\s'\"]+")


def _scrub(text: str) -> str:
    """An error text without the credentials a URL may carry (access_token=..., a webhook's key=...)."""
    return _SECRETS_IN_URLS.sub(r"\1=…", text)


class _TimedSession(requests.Session):
    """wechatpy's HTTP session, with the senders' timeouts on every request (its token fetch gives none)."""

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = WECHAT_TIMEOUT
        return super().request(method, url, *args, **kwargs)


class WechatApiClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's `WeChatClient` on a configurable API address (WeChat's own, an egress proxy, the fake),
    taking the stable access token (`POST stable_token`, getStableAccessToken, normal mode): several
    intake replicas get the same token and never invalidate each other's, as the classic `token` call does."""

    def __init__(self, app_id: str, app_secret: str, *, api_base_url: str = WECHAT_API) -> None:
        super().__init__(app_id, app_secret, timeout=WECHAT_TIMEOUT, auto_retry=False)
        self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self._http = _TimedSession()

    def fetch_access_token(self) -> dict[str, Any]:
        response = self._http.post(f"{self.API_BASE_URL}stable_token", json={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": False})
        try:
            response.raise_for_status()
        except requests.RequestException as exc:
            raise WeChatClientException(None, None, client=self, request=exc.request, response=exc.response) from exc
        try:
            result: dict[str, Any] = response.json()
        except ValueError as exc:
            raise WeChatClientException(None, "the token endpoint answered no JSON", client=self,
                                        response=response) from exc
        if result.get("errcode") or not result.get("access_token"):
            raise WeChatClientException(result.get("errcode"), result.get("errmsg"), client=self,
                                        request=response.request, response=response)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result

    def forget_token(self) -> None:
        self.session.delete(self.access_token_key)
        self.expires_at = 0  # wechatpy reads a falsy expiry as "a token given by hand": none is kept now


def client_msg_id(key: str) -> str:
    """WeChat's 防重入 id for a message: the outbound key (a repeat of one key within WeChat's window is
    dropped by WeChat), or its digest if the key is longer than WeChat takes."""
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()[:64]


class WechatTemplates:
    """Template messages to a citizen's OpenID: the body is intake's card (JSON: kind, fields, url); the
    template of its kind (WECHAT_TEMPLATE_IDS) and the keywords of its fields (WECHAT_TEMPLATE_FIELDS) are
    looked up at send time, so that a dead message replayed after the configuration is fixed goes out.

    Sent with wechatpy's client (`client.post("message/template/send")`: `message.send_template` of
    wechatpy 1.8 has no `client_msg_id`, which makes WeChat drop a repeat after a sender died between
    sending and recording). One try per round, as the other adapters; a refused access token is fetched
    again once within it."""

    def __init__(self, template_ids: Mapping[str, str], fields: Mapping[str, str], *,
                 client: WechatApiClient) -> None:
        self.template_ids, self.fields, self.client = dict(template_ids), dict(fields), client

    def send(self, key: str, recipient: str, body: str) -> None:
        card = json.loads(body)
        template_id = self.template_ids.get(card["kind"])
        if template_id is None:
            raise DeliveryFailed(f"no WeChat template for {card['kind']!r} (WECHAT_TEMPLATE_IDS)", retry=False)
        data = {keyword: {"value": card["fields"][name]} for name, keyword in self.fields.items()
                if card["fields"].get(name)}
        payload: dict[str, Any] = {"touser": recipient, "template_id": template_id, "data": data,
                                   "client_msg_id": client_msg_id(key)}
        if card.get("url"):
            payload["url"] = card["url"]
        try:
            try:
                answer = self.client.post("message/template/send", data=payload)
            except WeChatClientException as exc:
                if exc.errcode not in _TOKEN_REFUSED:
                    raise
                self.client.forget_token()  # expired or replaced: a fresh one, and once more
                answer = self.client.post("message/template/send", data=payload)
        except WeChatClientException as exc:
            raise _wechat_failure(exc) from None
        except requests.RequestException as exc:  # timeouts, refused connections (the URL's token scrubbed)
            raise DeliveryFailed(_scrub(f"{type(exc).__name__}: {exc}")) from None
        if not isinstance(answer, dict):  # wechatpy hands back a response it could not read as JSON
            raise DeliveryFailed("WeChat answered no JSON")


def _wechat_failure(exc: WeChatClientException) -> DeliveryFailed:
    if exc.errcode is None:  # an HTTP error (wechatpy raised for the status) or no JSON
        status = exc.response.status_code if exc.response is not None else None
        text = exc.response.text[:200] if exc.response is not None else str(exc.errmsg or "")
        retry = status is None or status == 429 or status >= 500
        return DeliveryFailed(_scrub(f"WeChat HTTP {status}: {text}"), retry=retry)
    # 43004 not following the account, 40003 a wrong OpenID, 40037 a wrong template id, 47003 a field
    # the template refuses, 40125/40013 a wrong secret or AppID, 40164 an address not allowed: never.
    retry = exc.errcode in _WECHAT_RETRY or exc.errcode in _TOKEN_REFUSED
    return DeliveryFailed(_scrub(f"WeChat refused: errcode {exc.errcode} {str(exc.errmsg or '')[:200]}".rstrip()),
                          retry=retry)


class LoggingSender:
    """No gateway configured (the embedded demo): the message counts as sent and is kept in the table
    for `complaints outbound list`; the log says that it went nowhere, without its content."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, key: str, recipient: str, body: str) -> None:
        log.info("%s message %s kept, not sent: no gateway configured", self.channel, key)
