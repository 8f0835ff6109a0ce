"""HTTP routes of a case's follow-ups (domain/followups.py, docs/metrics.md 督办 clocks): 已联系群众 and 阶段性进展, by
the case's department (its dispatchers) or a supervisor. Dispatchers of other departments get 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.routing.domain.followups import ContactMethod, NoteProgress, RecordContact
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps
from shared.messagebus import MessageBus

CaseId = Annotated[str, Path(min_length=1, max_length=64)]
Note = Annotated[str, *_text(2, 500)]


class ContactBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: ContactMethod  # phone (电话) | sms (短信) | onsite (现场)
    contacted_at: AwareDatetime | None = None  # when, with its time zone (absent: now); not later than now


class ProgressBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note  # 阶段性进展: what was done, what comes next (2 to 500 characters)


def build_followups_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    desk = deps.role("dispatcher", "supervisor")  # (and admins)
    router = APIRouter(prefix="/api/v1", tags=["routing", "cases"])

    @router.post("/cases/{complaint_id}/contact", summary="已联系群众 / record a contact with the citizen")
    def contact(complaint_id: CaseId, body: ContactBody, principal: Principal = Depends(desk)) -> dict[str, Any]:
        contacted_at: datetime | None = body.contacted_at
        return bus.handle(RecordContact(  # type: ignore[no-any-return]
            complaint_id, body.method, contacted_at, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/progress", summary="记录阶段性进展 / note a long case's progress")
    def progress(complaint_id: CaseId, body: ProgressBody, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(NoteProgress(  # type: ignore[no-any-return]
            complaint_id, body.note, principal.username, _acting_for(principal)))

    return router
