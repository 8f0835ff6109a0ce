"""HTTP routes of 突发环境事件 (domain/incidents.py, docs/incidents.md): declare (宣布突发: the case's department
dispatcher, a supervisor, a hotline operator), clear a false alarm (解除) and record a referral to 110 / 119 / 120 /
another body (the department's dispatcher or a supervisor). Dispatchers of other departments get 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from services.routing.domain.incident_commands import ClearIncident, DeclareIncident, RecordReferral
from services.routing.domain.incidents import ReferralTarget
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps
from shared.messagebus import MessageBus

Reason = Annotated[str, *_text(2, 500)]
Name = Annotated[str, *_text(1, 100)]
Reference = Annotated[str, *_text(1, 64)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonBody(_Body):
    reason: Reason  # 理由 (required, 2 to 500 characters)


class ReferralBody(_Body):
    target: ReferralTarget  # "110" | "119" | "120" | "other"
    other_body: Name | None = None  # the body called, with `other` (required then)
    called_at: AwareDatetime  # when it was called, with its time zone (e.g. 2026-12-01T10:30:00+08:00)
    by: Name  # who made the call
    reference: Reference | None = None  # the body's reference number (接警编号), when given
    note: Reason | None = None

    @model_validator(mode="after")
    def _other_named(self) -> ReferralBody:
        if self.target == ReferralTarget.other and not self.other_body:
            raise ValueError("target 为 other 时请填写 other_body（单位名称）/ name the body called in other_body")
        if self.target != ReferralTarget.other and self.other_body:
            raise ValueError("only target other takes other_body / 只有“其他单位”需要填写单位名称")
        return self


def _acting_for(principal: Principal) -> str | None:
    """A dispatcher acts for the own department only; operators, supervisors and admins for any case."""
    return principal.department or "" if principal.role == "dispatcher" else None


def build_incidents_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    declarers = deps.role("dispatcher", "supervisor", "operator")  # (and admins)
    handlers = deps.role("dispatcher", "supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing", "incidents"])

    @router.post("/cases/{complaint_id}/incident", summary="宣布突发环境事件 / declare a sudden environmental incident")
    def declare(complaint_id: CaseId, body: ReasonBody, principal: Principal = Depends(declarers)) -> dict[str, Any]:
        return bus.handle(DeclareIncident(  # type: ignore[no-any-return]
            complaint_id, body.reason, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/incident/clear", summary="解除突发环境事件 / clear a false alarm")
    def clear(complaint_id: CaseId, body: ReasonBody, principal: Principal = Depends(handlers)) -> dict[str, Any]:
        return bus.handle(ClearIncident(  # type: ignore[no-any-return]
            complaint_id, body.reason, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/incident/referrals",
                 summary="登记联动 110/119/120 / record a referral to an emergency body")
    def referral(complaint_id: CaseId, body: ReferralBody, principal: Principal = Depends(handlers)
                 ) -> dict[str, Any]:
        called_at: datetime = body.called_at
        return bus.handle(RecordReferral(  # type: ignore[no-any-return]
            complaint_id, body.target, called_at, body.by, principal.username, _acting_for(principal),
            body.other_body, body.reference, body.note))

    return router
