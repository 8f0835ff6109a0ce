"""The WeChat official account's server callback: `GET|POST /api/v1/channels/wechat`.

GET is WeChat's URL check (echo `echostr` when signed with WECHAT_TOKEN). POST carries one message
(XML, plaintext or safe mode); the route verifies and parses it (adapters/wechat.py), hands it to the
bus as `HandleWechatMessage`, and answers within WeChat's 5 seconds with a passive text reply.
Errors are the domain's (shared.http maps them); only the body's size is answered here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse

from services.intake.adapters.wechat import MAX_BODY_BYTES, WechatConfig, WechatNotConfigured, WechatServer
from services.intake.domain.wechat import HandleWechatMessage
from services.intake.service_layer.wechat import WechatAnswer
from services.intake.settings import IntakeSettings
from shared.http import error_responses
from shared.messagebus import MessageBus

PATH = "/api/v1/channels/wechat"
XML_TYPES = ("text/xml", "application/xml", "text/plain")  # what WeChat posts (text/xml); the body guard lets these in
Param = Annotated[str, Query(max_length=256)]
# The channel off (no WECHAT_TOKEN): 404; a signature that does not verify: 403.
WECHAT_ERRORS = error_responses(403, 404)


def wechat_config(settings: IntakeSettings) -> WechatConfig | None:
    """The channel is on when WECHAT_TOKEN is set; safe mode when the EncodingAESKey and AppID are too."""
    if not settings.wechat_token:
        return None
    return WechatConfig(token=settings.wechat_token.get_secret_value(), app_id=settings.wechat_app_id,
                        encoding_aes_key=settings.wechat_encoding_aes_key.get_secret_value()
                        if settings.wechat_encoding_aes_key else None)


async def _body(request: Request) -> bytes:
    """The raw body, refused (413) once it passes MAX_BODY_BYTES: WeChat's messages are a few KiB."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, f"请求体过大 / the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def build_wechat_router(bus: MessageBus[Any], settings: IntakeSettings) -> APIRouter:
    router = APIRouter(prefix="/api/v1/channels", tags=["channels"])
    config = wechat_config(settings)
    server = WechatServer(config) if config is not None else None

    def _server() -> WechatServer:
        if server is None:
            raise WechatNotConfigured()
        return server

    @router.get("/wechat", response_class=PlainTextResponse, responses=WECHAT_ERRORS,
                summary="微信公众号服务器地址校验 / WeChat's URL verification")
    def verify(signature: Param = "", timestamp: Param = "", nonce: Param = "",
               echostr: Param = "") -> PlainTextResponse:
        return PlainTextResponse(_server().verify_url(signature=signature, timestamp=timestamp, nonce=nonce,
                                                      echostr=echostr))

    @router.post("/wechat", response_class=Response,
                 responses={**WECHAT_ERRORS, 200: {"content": {"text/plain": {}, "application/xml": {}}}},
                 summary="微信公众号消息回调 / WeChat official-account messages (passive text reply)",
                 openapi_extra={"requestBody": {"content": {t: {"schema": {"type": "string"}} for t in XML_TYPES}}})
    def receive(request: Request, body: Annotated[bytes, Depends(_body)], signature: Param = "",
                timestamp: Param = "", nonce: Param = "", encrypt_type: Param = "",
                msg_signature: Param = "", openid: Param = "") -> Response:
        # `openid` in the query string is WeChat's copy of FromUserName; the signed body is what counts.
        wechat = _server()
        inbound = wechat.open(body, signature=signature, timestamp=timestamp, nonce=nonce,
                              encrypt_type=encrypt_type or None, msg_signature=msg_signature or None)
        link_base = settings.public_base_url or str(request.base_url)
        answer: WechatAnswer = bus.handle(HandleWechatMessage(openid=inbound.openid, msg_id=inbound.msg_id,
                                                              body=inbound.body, link_base=link_base))
        if answer.text is None:
            return PlainTextResponse("success")  # WeChat's "nothing to say"
        return Response(wechat.reply(inbound, answer.text, nonce=nonce, timestamp=timestamp),
                        media_type="application/xml")

    return router
