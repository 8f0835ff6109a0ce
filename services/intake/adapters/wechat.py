"""WeChat's server protocol (公众号服务器配置), through the maintained SDK wechatpy.

- URL verification and plaintext messages: `signature` = sha1 of the sorted token, timestamp, nonce
  (`wechatpy.utils.check_signature`).
- Safe mode (安全模式, `encrypt_type=aes`): the body's `Encrypt` is AES-CBC with EncodingAESKey and is
  signed by `msg_signature`; the passive reply is encrypted the same way (`wechatpy.crypto.WeChatCrypto`).
- Messages are parsed by `wechatpy.parse_message` and handed on as the domain's message types.

Before any parser sees a body: its size is bounded and a DOCTYPE or ENTITY declaration is refused
(entity expansion, external entities); WeChat's XML never has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from services.intake.domain.wechat import Body, Event, Image, Location, Other, Text, Voice
from shared.errors import DomainError, Forbidden, NotFound

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few KiB; anything near this is not WeChat
_HOSTILE = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenIDs (28 characters) and the account's id (gh_...)
_MAX_FIELD = 2048  # characters of any text field kept (WeChat's own limit for a text message)


class WechatNotConfigured(NotFound):
    def __init__(self) -> None:
        super().__init__("微信公众号渠道未启用（未设置 WECHAT_TOKEN） / the WeChat channel is not configured")


class BadSignature(Forbidden):
    code = "bad_signature"

    def __init__(self) -> None:
        super().__init__("微信签名校验失败 / the WeChat signature does not match")


class SafeModeNotConfigured(DomainError):
    """An encrypted message, but no EncodingAESKey/AppID to read it with (a configuration mismatch): 400."""

    code = "wechat_safe_mode_off"

    def __init__(self) -> None:
        super().__init__("收到加密消息，但未配置 WECHAT_ENCODING_AES_KEY 和 WECHAT_APP_ID / "
                         "an encrypted message, but safe mode is not configured")


class HostileXml(DomainError):
    code = "xml_refused"

    def __init__(self) -> None:
        super().__init__("XML 不得包含 DOCTYPE 或 ENTITY 声明 / XML with a DOCTYPE or ENTITY declaration is refused")


class MalformedMessage(DomainError):
    code = "bad_xml"

    def __init__(self, why: str) -> None:
        super().__init__(f"不是有效的微信消息 / not a valid WeChat message: {why}")


@dataclass(frozen=True)
class WechatConfig:
    token: str
    app_id: str | None = None
    encoding_aes_key: str | None = None

    @property
    def safe_mode(self) -> bool:
        return bool(self.encoding_aes_key and self.app_id)


@dataclass(frozen=True)
class Inbound:
    """One verified message: who sent it to which account, its MsgId, what it says, and how it came."""

    openid: str
    account: str  # ToUserName: the official account's own id, the reply's sender
    msg_id: str | None
    body: Body
    encrypted: bool


class WechatServer:
    """The official account's server side: verify, decrypt and parse what WeChat sends; sign replies."""

    def __init__(self, config: WechatConfig) -> None:
        self.config = config
        self._crypto = (WeChatCrypto(config.token, config.encoding_aes_key, config.app_id)
                        if config.safe_mode else None)

    def verify_url(self, *, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The URL check WeChat makes when the server address is saved: echo `echostr` if signed by us."""
        self._check(signature, timestamp, nonce)
        return echostr

    def open(self, body: bytes, *, signature: str, timestamp: str, nonce: str, encrypt_type: str | None,
             msg_signature: str | None) -> Inbound:
        """The message in `body`, once its signature (and in safe mode its decryption) holds."""
        _guard(body)
        encrypted = (encrypt_type or "raw").lower() == "aes"
        if not encrypted:
            self._check(signature, timestamp, nonce)
            xml = _text(body)
        else:
            if self._crypto is None:
                raise SafeModeNotConfigured()
            try:
                xml = self._crypto.decrypt_message(_text(body), msg_signature or "", timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                raise BadSignature() from None
            except ExpatError as exc:
                raise MalformedMessage(str(exc)) from None
            except (KeyError, TypeError, ValueError) as exc:  # no <Encrypt>, bad base64, padding, length
                raise MalformedMessage(f"cannot decrypt ({type(exc).__name__})") from None
            _guard(xml.encode())
        return _parse(xml, encrypted)

    def reply(self, inbound: Inbound, text: str, *, nonce: str, timestamp: str) -> str:
        """The passive reply (a text message), encrypted when the message was."""
        reply = TextReply(source=inbound.account, target=inbound.openid, content=_cdata(text)).render()
        if inbound.encrypted and self._crypto is not None:
            return str(self._crypto.encrypt_message(reply, nonce, timestamp))
        return str(reply)

    def _check(self, signature: str, timestamp: str, nonce: str) -> None:
        try:
            check_signature(self.config.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise BadSignature() from None


def _guard(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise MalformedMessage(f"larger than {MAX_BODY_BYTES} bytes")
    if _HOSTILE.search(body):
        raise HostileXml()


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("not UTF-8") from None


def _parse(xml: str, encrypted: bool) -> Inbound:
    try:
        message = parse_message(xml)
    except ExpatError as exc:
        raise MalformedMessage(str(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:  # no <xml> root, no MsgType
        raise MalformedMessage(f"missing {exc}") from None
    if message is None:
        raise MalformedMessage("empty body")
    try:
        openid, account = str(message.source or ""), str(message.target or "")
        if not _ID.match(openid) or not _ID.match(account):
            raise MalformedMessage("FromUserName/ToUserName")
        msg_id = str(message.id) if message.id else None
        return Inbound(openid=openid, account=account, msg_id=msg_id, body=_body(message), encrypted=encrypted)
    except (ValueError, TypeError) as exc:  # a MsgId or a coordinate that is not a number
        raise MalformedMessage(str(exc)) from None


def _body(message: object) -> Body:
    kind = getattr(message, "type", "unknown")
    if kind == "text":
        return Text(_field(message, "content") or "")
    if kind == "voice":
        return Voice(_field(message, "recognition"), _field(message, "media_id"))
    if kind == "image":
        return Image(_field(message, "image"), _field(message, "media_id"))
    if kind == "location":
        lat, lon = float(message.location_x), float(message.location_y)  # type: ignore[attr-defined]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("a location outside the globe")
        return Location(lat=lat, lon=lon, label=(_field(message, "label") or "")[:200] or None)
    event = getattr(message, "event", None)
    if event:
        return Event(str(event).lower())
    return Other(str(kind))


def _field(message: object, name: str) -> str | None:
    value = getattr(message, name, None)
    if value is None:
        return None
    if not isinstance(value, str):  # xmltodict gives a dict for an element with attributes or children
        raise ValueError(f"{name} is not text")
    return value[:_MAX_FIELD]


def _cdata(text: str) -> str:
    """wechatpy puts the text in CDATA as it is: a "]]>" in it must be split across two sections."""
    return text.replace("]]>", "]]]]><![CDATA[>")
