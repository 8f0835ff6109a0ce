"""Intake's HTTP routes: parse, build a command, `bus.handle(...)`, shape the JSON."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.security import OAuth2PasswordRequestForm

from services.intake.domain.commands import (
    Authenticate,
    GetCitizenView,
    RateComplaint,
    ReceiveComplaint,
    Reporter,
)
from services.intake.domain.complaint import CitizenView, Complaint
from services.intake.entrypoints.schemas import ComplaintAccepted, ComplaintIn, RatingIn, TokenOut
from services.intake.service_layer.handlers import Received
from shared.auth import TOKEN_URL, Principal, issue_token
from shared.clock import SystemClock
from shared.messagebus import MessageBus

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
ApiKey = Annotated[str | None, Header(alias="X-API-Key", description="client key of the app (channel app)")]


def build_router(bus: MessageBus[Any], *, jwt_key: str, token_ttl: timedelta) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["intake"])

    @router.post("/complaints", status_code=201, response_model=ComplaintAccepted,
                 summary="提交投诉 / report a complaint (web; app with X-API-Key)")
    def post_complaint(body: ComplaintIn, response: Response, idempotency_key: IdempotencyKey = None,
                       api_key: ApiKey = None) -> ComplaintAccepted:
        reporter = body.reporter
        received: Received = bus.handle(ReceiveComplaint(
            channel=body.channel, content=body.content, category=body.category, subcategory=body.subcategory,
            town=body.town, address=body.address, lat=body.lat, lon=body.lon, occurred_at=body.occurred_at,
            urgent=body.urgent,
            reporter=Reporter(reporter.name, reporter.phone, reporter.anonymous) if reporter else Reporter(),
            idempotency_key=idempotency_key.strip() if idempotency_key else None,
            request_fingerprint=hashlib.sha256(body.model_dump_json().encode()).hexdigest(),
            api_key=api_key.strip() if api_key else None,
        ))
        if received.replayed:
            response.status_code = 200
        return ComplaintAccepted(id=received.id, tracking_code=received.tracking_code, status=received.status,
                                 received_at=received.received_at)

    @router.get("/complaints/{tracking_code}", summary="查询投诉进度 / the citizen's view of a complaint")
    def get_complaint(tracking_code: str,
                      phone_last4: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None) -> dict[str, Any]:
        view: CitizenView = bus.handle(GetCitizenView(tracking_code, phone_last4))
        return {
            "tracking_code": view.tracking_code,
            "status": view.status.value,
            "status_label": view.status_label,
            "received_at": view.received_at,
            "channel": view.channel,
            "content": view.content,
            "category": view.category,
            "subcategory": view.subcategory,
            "type_label": view.type_label,
            "town": view.town,
            "town_name": view.town_name,
            "department": view.department,
            "department_name": view.department_name,
            "reply": view.reply,
            "replied_at": view.replied_at,
            "reply_round": view.reply_round,
            "rating": view.rating,
            "can_rate": view.can_rate,
            "timeline": [{"at": t.at, "status": t.status, "text": t.text} for t in view.timeline],
        }

    @router.post("/complaints/{tracking_code}/rating", status_code=201, summary="评价回复 / rate the reply")
    def post_rating(tracking_code: str, body: RatingIn) -> dict[str, Any]:
        rated: Complaint = bus.handle(RateComplaint(tracking_code=tracking_code, rating=body.rating,
                                                    comment=body.comment, phone_last4=body.phone_last4))
        return {"tracking_code": rated.tracking_code, "rating": rated.rating.value if rated.rating else None,
                "reply_round": rated.reply_round, "status": rated.status.value}

    @router.post(TOKEN_URL.removeprefix("/api/v1"), response_model=TokenOut, tags=["auth"],
                 summary="登录 / OAuth2 password flow")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
        principal: Principal = bus.handle(Authenticate(form.username, form.password))
        # Token lifetimes are security, measured on the wall clock, not the (injectable) business clock.
        access = issue_token(principal, key=jwt_key, now=SystemClock().now(), ttl=token_ttl)
        return TokenOut(access_token=access, expires_in=int(token_ttl.total_seconds()), role=principal.role,
                        department=principal.department)

    return router
