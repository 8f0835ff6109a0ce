"""Intake's HTTP routes: parse, build a command, hand it to a handler, map the result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.security import OAuth2PasswordRequestForm

from services.intake.adapters.crypto import FieldCipher
from services.intake.domain import complaint as domain
from services.intake.domain.commands import Authenticate, RateComplaint, ReceiveComplaint, Reporter
from services.intake.entrypoints.schemas import ComplaintAccepted, ComplaintIn, RatingIn, TokenOut
from services.intake.service_layer import handlers
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.auth import TOKEN_URL, issue_token
from shared.clock import Clock, SystemClock
from shared.contracts.codes import TOWNS
from shared.http import InvalidInput

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def build_router(uow_factory: Callable[[], IntakeUnitOfWork], *, cipher: FieldCipher, clock: Clock,
                 jwt_key: str, token_ttl: timedelta) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["intake"])

    @router.post("/complaints", status_code=201, response_model=ComplaintAccepted,
                 summary="提交投诉 / report a complaint (web, app)")
    def post_complaint(body: ComplaintIn, response: Response,
                       idempotency_key: IdempotencyKey = None) -> ComplaintAccepted:
        if body.occurred_at and body.occurred_at > clock.now() + timedelta(minutes=5):
            raise InvalidInput("发生时间不能晚于现在 / occurred_at is in the future")
        reporter = body.reporter or None
        cmd = ReceiveComplaint(
            channel=body.channel, content=body.content, category=body.category, subcategory=body.subcategory,
            town=body.town, address=body.address, lat=body.lat, lon=body.lon, occurred_at=body.occurred_at,
            urgent=body.urgent,
            reporter=Reporter(reporter.name, reporter.phone, reporter.anonymous) if reporter else Reporter(),
            idempotency_key=idempotency_key.strip() if idempotency_key else None,
            request_fingerprint=hashlib.sha256(body.model_dump_json().encode()).hexdigest(),
        )
        with uow_factory() as uow:
            received = handlers.receive_complaint(cmd, uow, cipher=cipher)
        if received.replayed:
            response.status_code = 200
        return ComplaintAccepted(id=received.id, tracking_code=received.tracking_code, status=received.status,
                                 received_at=received.received_at)

    @router.get("/complaints/{tracking_code}", summary="查询投诉进度 / the citizen's view of a complaint")
    def get_complaint(tracking_code: str,
                      phone_last4: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None) -> dict[str, Any]:
        with uow_factory() as uow:
            view = handlers.citizen_view(tracking_code, phone_last4, uow)
        town = TOWNS.get(view.town) if view.town else None
        return {
            "tracking_code": view.tracking_code,
            "status": view.status.value,
            "status_label": domain.STATUS_LABELS[view.status],
            "received_at": view.received_at,
            "channel": view.channel,
            "content": view.content,
            "category": view.category,
            "subcategory": view.subcategory,
            "type_label": domain.type_label(view.category, view.subcategory),
            "town": view.town,
            "town_name": town.name if town else None,
            "department": view.department,
            "department_name": domain.department_label(view.department),
            "reply": view.reply,
            "replied_at": view.replied_at,
            "reply_round": view.reply_round,
            "rating": view.rating,
            "can_rate": view.can_rate,
            "timeline": [{"at": t.at, "status": t.status, "text": t.text} for t in view.timeline],
        }

    @router.post("/complaints/{tracking_code}/rating", status_code=201, summary="评价回复 / rate the reply")
    def post_rating(tracking_code: str, body: RatingIn) -> dict[str, Any]:
        cmd = RateComplaint(tracking_code=tracking_code, rating=body.rating.value, comment=body.comment,
                            phone_last4=body.phone_last4)
        with uow_factory() as uow:
            row = handlers.rate_complaint(cmd, uow)
        return {"tracking_code": row.tracking_code, "rating": row.rating, "reply_round": row.reply_round,
                "status": row.status}

    @router.post(TOKEN_URL.removeprefix("/api/v1"), response_model=TokenOut, tags=["auth"],
                 summary="登录 / OAuth2 password flow")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
        with uow_factory() as uow:
            principal = handlers.authenticate(Authenticate(form.username, form.password), uow)
        # Token lifetimes are security, measured on the wall clock, not the (injectable) business clock.
        access = issue_token(principal, key=jwt_key, now=SystemClock().now(), ttl=token_ttl)
        return TokenOut(access_token=access, expires_in=int(token_ttl.total_seconds()), role=principal.role,
                        department=principal.department)

    return router
