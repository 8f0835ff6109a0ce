"""HTTP routes of inspection cases (督察交办件, docs/inspections.md): a supervisor registers a case as one an
inspection transferred, records its progress and publishes a batch; the public 边督边改 table (JSON and .xlsx)
needs no sign-in and shows only published batches. Each route builds a command or query for the bus; domain
errors become their status at the edge (shared.http)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.routing.adapters.inspection_workbook import MEDIA_TYPE, filename, public_workbook, title
from services.routing.domain.inspection_commands import (
    InspectionBatches,
    InspectionFile,
    InspectionList,
    PublicInspectionTable,
    PublishInspectionBatch,
    RegisterInspection,
    UpdateInspection,
)
from services.routing.domain.inspections import Finding, InspectionKind, Progress
from services.routing.entrypoints.fields import text as _text
from services.routing.service_layer.inspections import PublicTable
from shared.auth import Principal
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

Text = Annotated[str, *_text(2, 5000)]
Who = Annotated[str, *_text(1, 500)]
RoundName = Annotated[str, *_text(2, 100)]
Number = Annotated[str, *_text(1, 64)]
# the round as a filter: cleaned like the stored name (a control character in it once reached the workbook's title)
RoundQuery = Annotated[RoundName | None, Query(alias="round")]
Count = Annotated[int, Field(ge=0, le=10_000, strict=True)]
Batch = Annotated[int, Field(ge=1, le=1000)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]
MAX_PAGE, MAX_OFFSET = 100, 100_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterBody(_Body):
    kind: InspectionKind = Field(description="central 中央生态环境保护督察 | municipal 市级督察")
    round_name: RoundName = Field(description="督察轮次，如 第三轮中央生态环境保护督察")
    batch: Batch = Field(description="第N批")
    number: Number = Field(description="督察组的交办编号")
    key_case: bool = Field(False, strict=True, description="重点件")
    received_at: date | None = Field(None, description="交办日期（YYYY-MM-DD，默认今天）")
    report_due: date = Field(description="报送办理情况的期限（YYYY-MM-DD）")


class ProgressBody(_Body):
    finding: Finding | None = Field(None, description="true 属实 | partly 部分属实 | false 不属实")
    progress: Progress | None = Field(None, description="in_progress 办理中 | staged 阶段性办结 | done 已办结")
    investigation: Text | None = Field(None, description="调查核实情况")
    measures: Text | None = Field(None, description="处理和整改情况")
    penalty_cases: Count | None = Field(None, description="立案（起）")
    fine_yuan: Decimal | None = Field(None, ge=0, le=100_000_000, max_digits=11, decimal_places=2,
                                      description="罚款（元，最多两位小数）")
    interviews: Count | None = Field(None, description="约谈（人次）")
    interviewed: Who | None = Field(None, description="约谈对象（仅工作人员可见）")
    accountability: Count | None = Field(None, description="问责（人）")
    accountable: Who | None = Field(None, description="问责对象（仅工作人员可见）")


class PublishBody(_Body):
    round_name: RoundName
    batch: Batch
    published: bool = Field(True, strict=True, description="true 公开；false 撤回")


def xlsx_response(table: PublicTable) -> Response:
    name = f"{title(table)}.xlsx"
    return Response(public_workbook(table), media_type=MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{filename(table)}\"; filename*=UTF-8''{quote(name)}",
    })


def _public_view(table: PublicTable) -> dict[str, Any]:
    return {"title": title(table), "batch": table.batch, "round_name": table.round_name,
            "columns": [{"key": key, "label": label} for key, label in table.columns], "rows": table.rows}


def build_inspections_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one. The public table's and the
    batches' paths come before /inspections/{complaint_id}, which would otherwise take them for an id."""
    supervisor = auth_deps(jwt_key).role("supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing", "inspections"])

    @router.get("/inspections/public", summary="边督边改公开信息表 / the public table of published batches")
    def public(batch: Annotated[int | None, Query(ge=1, le=1000)] = None,
               round_name: RoundQuery = None,
               ) -> dict[str, Any]:
        return _public_view(bus.handle(PublicInspectionTable(batch, round_name)))

    @router.get("/inspections/public.xlsx", response_class=Response,
                summary="边督边改公开信息表 (.xlsx)", responses={200: {"content": {MEDIA_TYPE: {}}}})
    def public_xlsx(batch: Annotated[int | None, Query(ge=1, le=1000)] = None,
                    round_name: RoundQuery = None,
                    ) -> Response:
        return xlsx_response(bus.handle(PublicInspectionTable(batch, round_name)))

    @router.post("/inspections/batches/publish",
                 summary="公开或撤回一批交办件 / publish or withdraw a batch (supervisor)",
                 responses=error_responses(404))  # a batch with no cases
    def publish(body: PublishBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(PublishInspectionBatch(body.round_name, body.batch,  # type: ignore[no-any-return]
                                                 body.published, principal.username))

    @router.get("/inspections", summary="督察交办件列表 / inspection cases (supervisor)")
    def inspections(batch: Annotated[int | None, Query(ge=1, le=1000)] = None,
                    key: bool | None = Query(None, description="true 只看重点件"),
                    round_name: RoundQuery = None,
                    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                    _user: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(InspectionList(batch, key, round_name, limit, offset))  # type: ignore[no-any-return]

    @router.get("/inspections/batches",  # before /inspections/{complaint_id}, which would take "batches" for an id
                summary="督察交办批次 / every batch with its counts and whether it is published (supervisor)")
    def batches(_user: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(InspectionBatches())  # type: ignore[no-any-return]

    @router.get("/inspections/{complaint_id}", summary="督察交办件 / an inspection case with its updates (supervisor)")
    def inspection(complaint_id: CaseId, _user: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(InspectionFile(complaint_id))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/inspection", status_code=201,
                 summary="登记为督察交办件 / register the case as an inspection case (supervisor)")
    def register(complaint_id: CaseId, body: RegisterBody,
                 principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RegisterInspection(  # type: ignore[no-any-return]
            complaint_id, principal.username, body.kind, body.round_name, body.batch, body.number, body.key_case,
            body.report_due, body.received_at))

    @router.post("/inspections/{complaint_id}/progress",
                 summary="更新办理情况 / record the finding, progress, penalties, interviews, accountability")
    def progress(complaint_id: CaseId, body: ProgressBody,
                 principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        return bus.handle(UpdateInspection(complaint_id, principal.username, changes))  # type: ignore[no-any-return]

    return router
