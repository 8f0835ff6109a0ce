"""Routing's HTTP routes: the dispatcher desk, the supervisor's triage, and the classifier for operators.

Routes are a few lines: parse, build a command, hand it to the bus, map domain errors to HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.routing.domain.case import OPEN, Status
from services.routing.domain.commands import (
    AcceptCase,
    AssignCase,
    Command,
    DecideExtension,
    ReplyCase,
    RequestExtension,
    ReturnCase,
)
from services.routing.domain.errors import CaseNotFound, IllegalTransition, InvalidRequest, RoutingError
from services.routing.service_layer import views
from services.routing.service_layer.messagebus import MessageBus
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.auth import Principal, auth_deps, may_act_for
from shared.clock import Clock
from shared.contracts.codes import TRIAGE
from shared.http import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from shared.text import visible

_HTTP_ERRORS: dict[type[RoutingError], type[DomainError]] = {
    CaseNotFound: NotFound, IllegalTransition: Conflict, InvalidRequest: InvalidInput,
}


def _text(low: int, high: int) -> tuple[StringConstraints, AfterValidator]:
    return StringConstraints(min_length=low, max_length=high), AfterValidator(visible(low))


ReplyText = Annotated[str, *_text(2, 5000)]
Reason = Annotated[str, *_text(2, 500)]
Code = Annotated[str, *_text(1, 64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReplyBody(_Body):
    reply: ReplyText


class ReturnBody(_Body):
    reason: Reason


class ExtensionBody(_Body):
    working_days: int = Field(ge=1, le=10, strict=True)
    reason: Reason


class AssignBody(_Body):
    department: Code
    category: Code | None = None
    subcategory: Code | None = None


class ClassifyBody(_Body):
    content: Annotated[str, *_text(1, 5000)]
    address: Annotated[str, *_text(0, 500)] | None = None


class Decision(StrEnum):
    approve = "approve"
    refuse = "refuse"


CaseId = Annotated[str, Path(min_length=1, max_length=64)]


def _acting_for(principal: Principal) -> str | None:
    """The one department a dispatcher acts for; None for supervisors and admins (any department)."""
    return None if may_act_for(principal, TRIAGE) else (principal.department or "")


def build_router(bus: MessageBus, uow_factory: Callable[[], RoutingUnitOfWork], *, jwt_key: str, clock: Clock,
                 min_confidence: float) -> APIRouter:
    deps = auth_deps(jwt_key)
    staff = deps.role("dispatcher", "supervisor")
    supervisor = deps.role("supervisor")
    operators = deps.role("operator", "dispatcher", "supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing"])

    def run(command: Command) -> dict[str, Any]:
        try:
            case = bus.handle(command)
        except RoutingError as exc:
            raise _HTTP_ERRORS.get(type(exc), Conflict)(str(exc)) from exc
        return views.case_summary(case, clock.now())

    @router.get("/queues/{department}")
    def department_queue(department: Annotated[str, Path(max_length=64)],
                         status: Literal["assigned", "accepted", "replied"] | None = None,
                         principal: Principal = Depends(staff)) -> dict[str, Any]:
        if not may_act_for(principal, department):
            raise Forbidden("只能查看本部门的案件 / you may only see your own department's queue")
        with uow_factory() as uow:
            if not uow.departments.exists(department):
                raise NotFound(f"没有这个部门 / no such department: {department}")
            return views.department_queue(uow, department, (Status(status),) if status else OPEN)

    @router.get("/cases/{complaint_id}")
    def case_detail(complaint_id: CaseId, principal: Principal = Depends(staff)) -> dict[str, Any]:
        with uow_factory() as uow:
            case = views.find_case(uow, complaint_id)
            if case is None or not may_act_for(principal, case.department or TRIAGE):
                raise NotFound(f"没有这个案件 / no such case: {complaint_id}")
            return views.case_detail(case, clock.now())

    @router.post("/cases/{complaint_id}/accept")
    def accept(complaint_id: CaseId, principal: Principal = Depends(staff)) -> dict[str, Any]:
        return run(AcceptCase(complaint_id, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/reply")
    def reply(complaint_id: CaseId, body: ReplyBody, principal: Principal = Depends(staff)) -> dict[str, Any]:
        return run(ReplyCase(complaint_id, body.reply, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/return")
    def return_case(complaint_id: CaseId, body: ReturnBody, principal: Principal = Depends(staff)
                    ) -> dict[str, Any]:
        return run(ReturnCase(complaint_id, body.reason, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/extension")
    def request_extension(complaint_id: CaseId, body: ExtensionBody, principal: Principal = Depends(staff)
                          ) -> dict[str, Any]:
        return run(RequestExtension(complaint_id, body.working_days, body.reason, principal.username,
                                    _acting_for(principal)))

    @router.post("/cases/{complaint_id}/extension/{decision}")
    def decide_extension(complaint_id: CaseId, decision: Decision, principal: Principal = Depends(supervisor)
                         ) -> dict[str, Any]:
        return run(DecideExtension(complaint_id, decision == Decision.approve, principal.username))

    @router.get("/triage")
    def triage(principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        with uow_factory() as uow:
            return views.triage_list(uow)

    @router.post("/cases/{complaint_id}/assign")
    def assign(complaint_id: CaseId, body: AssignBody, principal: Principal = Depends(supervisor)
               ) -> dict[str, Any]:
        return run(AssignCase(complaint_id, body.department, principal.username, body.category, body.subcategory))

    @router.post("/classify")
    def classify(body: ClassifyBody, principal: Principal = Depends(operators)) -> dict[str, Any]:
        with uow_factory() as uow:
            return views.classify_text(uow, body.content, body.address or None, min_confidence=min_confidence)

    return router
