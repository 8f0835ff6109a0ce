"""HTTP routes of paused clocks (domain/pauses.py, docs/metrics.md): 派单异议 — the department contests an
assignment before signing, a supervisor upholds (维持) or reassigns (改派) it — and 挂起 / 恢复 — the department
that signed waits for the citizen. Dispatchers of other departments get 404, as everywhere on the desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict

from services.routing.domain.pause_commands import (
    DisputeAssignment,
    OpenDisputes,
    ReassignDispute,
    ResumeCase,
    SuspendCase,
    UpholdDispute,
)
from services.routing.domain.pauses import SuspendReason
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps
from shared.messagebus import MessageBus

Reason = Annotated[str, *_text(2, 500)]
Code = Annotated[str, *_text(1, 64)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisputeBody(_Body):
    reason: Reason  # 异议理由 (required, at most 500 characters)
    proposed_department: Code | None = None  # the department it thinks is responsible (a code)


class UpholdBody(_Body):
    note: Reason | None = None


class ReassignBody(_Body):
    department: Code
    note: Reason | None = None


class SuspendBody(_Body):
    reason: SuspendReason  # unreachable (无法联系投诉人) | materials (等待投诉人补充材料) | citizen_asked | other
    note: Reason | None = None  # required with `other`


def build_pauses_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    department = deps.role("dispatcher")  # the department that has the case (and admins)
    supervisor = deps.role("supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing", "pauses"])

    @router.post("/cases/{complaint_id}/dispute", summary="派单异议 / contest the assignment before signing")
    def dispute(complaint_id: CaseId, body: DisputeBody, principal: Principal = Depends(department)
                ) -> dict[str, Any]:
        return bus.handle(DisputeAssignment(  # type: ignore[no-any-return]
            complaint_id, body.reason, principal.username, _acting_for(principal), body.proposed_department))

    @router.post("/cases/{complaint_id}/dispute/uphold",
                 summary="维持派单 / uphold the assignment: the department keeps the case (supervisor)")
    def uphold(complaint_id: CaseId, body: UpholdBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(UpholdDispute(complaint_id, principal.username, body.note))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/dispute/reassign",
                 summary="异议改派 / reassign the disputed case to another department (supervisor)")
    def reassign(complaint_id: CaseId, body: ReassignBody, principal: Principal = Depends(supervisor)
                 ) -> dict[str, Any]:
        return bus.handle(ReassignDispute(  # type: ignore[no-any-return]
            complaint_id, body.department, principal.username, body.note))

    @router.get("/triage/disputes", summary="异议待裁定 / disputed assignments waiting for a decision")
    def disputes(limit: Annotated[int, Query(ge=1, le=200)] = 100, principal: Principal = Depends(supervisor)
                 ) -> dict[str, Any]:
        return bus.handle(OpenDisputes(limit))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/suspend", summary="挂起 / wait for the citizen: the reply clock pauses")
    def suspend(complaint_id: CaseId, body: SuspendBody, principal: Principal = Depends(department)
                ) -> dict[str, Any]:
        return bus.handle(SuspendCase(  # type: ignore[no-any-return]
            complaint_id, body.reason, principal.username, _acting_for(principal), body.note))

    @router.post("/cases/{complaint_id}/resume", summary="恢复 / resume a suspended case")
    def resume(complaint_id: CaseId, principal: Principal = Depends(department)) -> dict[str, Any]:
        return bus.handle(ResumeCase(complaint_id, principal.username, _acting_for(principal)))  # type: ignore[no-any-return]

    return router
