"""HTTP routes of the register of reported firms (被举报企业, docs/firms.md): dispatchers, supervisors and
administrators search, register and edit firms and read a firm's history; the department that has a case (or
a supervisor) links it to a firm or removes the link. Dispatchers of other departments get 404 for a case, as
everywhere on the desk. Each route builds a command or query for the bus; domain errors become their status at
the edge (shared.http)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.routing.domain.firm_commands import (
    CaseFirm,
    EditFirm,
    FirmDetail,
    LinkCaseFirm,
    RegisterFirm,
    SearchFirms,
    UnlinkCaseFirm,
)
from services.routing.domain.firms import FirmStatus
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

MAX_PAGE, MAX_OFFSET = 100, 100_000


Name = Annotated[str, *_text(2, 200)]
CreditCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]  # spaces allowed: checked in the domain
Permit = Annotated[str, StringConstraints(max_length=60)]
Address = Annotated[str, *_text(2, 500)]
Industry = Annotated[str, *_text(1, 100)]
TownCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
FirmId = Annotated[str, Path(min_length=1, max_length=36)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FirmBody(_Body):
    name: Name = Field(description="企业名称")
    credit_code: CreditCode = Field(description="统一社会信用代码（18位，含校验位，GB 32100-2015）")
    permit_number: Permit | None = Field(None, description="排污许可证编号（选填）")
    address: Address = Field(description="地址")
    town: TownCode = Field(description="所在镇街的代码（全区30个之一，如 taihe）")
    industry: Industry = Field(description="行业")
    status: FirmStatus = Field(FirmStatus.operating, description="operating 正常生产 | suspended 停产整治 | "
                                                                  "closed 已关停")


class FirmPatch(_Body):
    name: Name | None = None
    credit_code: CreditCode | None = None
    permit_number: Permit | None = Field(None, description="空字符串：清除")
    address: Address | None = None
    town: TownCode | None = None
    industry: Industry | None = None
    status: FirmStatus | None = None


class LinkBody(_Body):
    firm_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] = Field(description="企业 id")


def build_firms_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    desk = deps.role("dispatcher", "supervisor")  # and administrators
    router = APIRouter(prefix="/api/v1", tags=["routing", "firms"])

    @router.get("/firms", summary="被举报企业名录 / search the register of reported firms (name or credit code)")
    def firms(q: Annotated[str, Query(max_length=100, description="名称（包含）或统一社会信用代码（前缀）")] = "",
              repeated: Annotated[bool, Query(description="只看重复被举报的企业")] = False,
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
              _principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(SearchFirms(q, offset, limit, repeated))  # type: ignore[no-any-return]

    @router.post("/firms", status_code=201, summary="登记被举报企业 / register a firm",
                 responses=error_responses(409))
    def register(body: FirmBody, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(RegisterFirm(  # type: ignore[no-any-return]
            principal.username, body.name, body.credit_code, body.town, body.address, body.industry,
            body.permit_number, body.status))

    @router.get("/firms/{firm_id}", summary="企业详情与被举报记录 / a firm with its cases and the repeat flag",
                responses=error_responses(404))
    def firm(firm_id: FirmId, _principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(FirmDetail(firm_id))  # type: ignore[no-any-return]

    @router.patch("/firms/{firm_id}", summary="修改企业信息 / edit a firm", responses=error_responses(404, 409))
    def edit(firm_id: FirmId, body: FirmPatch, principal: Principal = Depends(desk)) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)  # only what was sent (null: clear, the permit only)
        return bus.handle(EditFirm(firm_id, principal.username, changes))  # type: ignore[no-any-return]

    @router.get("/cases/{complaint_id}/firm", summary="案件关联的被举报企业 / the firm a case is linked to")
    def case_firm(complaint_id: CaseId, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(CaseFirm(complaint_id, _acting_for(principal)))  # type: ignore[no-any-return]

    @router.put("/cases/{complaint_id}/firm", summary="关联被举报企业 / link the case to a firm",
                responses=error_responses(404, 409))
    def link(complaint_id: CaseId, body: LinkBody, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(LinkCaseFirm(  # type: ignore[no-any-return]
            complaint_id, body.firm_id, principal.username, _acting_for(principal)))

    @router.delete("/cases/{complaint_id}/firm", summary="取消关联企业 / remove the case's link to a firm",
                   responses=error_responses(404, 409))
    def unlink(complaint_id: CaseId, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(UnlinkCaseFirm(  # type: ignore[no-any-return]
            complaint_id, principal.username, _acting_for(principal)))

    return router
