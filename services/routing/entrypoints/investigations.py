"""HTTP routes of investigations (调查处理, docs/investigations.md): the department that has the case records its
on-site checks (with photos uploaded first), finding, actions and re-checks; a supervisor signs it off (销号).
Dispatchers of other departments get 404, as everywhere on the desk. Each route builds a command or query for
the bus; domain errors become their status at the edge (shared.http)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.routing.domain.investigation_commands import (
    AddInvestigationPhoto,
    GetInvestigationPhoto,
    InvestigationFile,
    RecordAction,
    RecordCheck,
    RecordFinding,
    RecordRecheck,
    SignOff,
)
from services.routing.domain.investigations import (
    MAX_PHOTOS,
    MAX_READINGS,
    ActionKind,
    Finding,
    Location,
    Reading,
    RecheckResult,
)
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from services.routing.service_layer.investigations import PHOTO_MAX_BYTES
from shared.auth import Principal
from shared.filestore import IMAGE_TYPES
from shared.http import auth_deps, read_upload
from shared.messagebus import MessageBus

INVESTIGATION_PHOTO_PATH = "/cases/{complaint_id}/investigation/photos"


Who = Annotated[str, *_text(1, 100)]  # who went: 张三、李四
Note = Annotated[str, *_text(2, 2000)]
Short = Annotated[str, *_text(1, 64)]
Body = Annotated[str, *_text(2, 100)]  # a receiving body: 区公安分局
PhotoId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Measured = Annotated[float, Field(ge=-1_000_000, le=1_000_000, strict=True, allow_inf_nan=False)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadingBody(_Body):
    parameter: Annotated[str, *_text(1, 32)] = Field(description="监测项目，如 噪声、pH、COD")
    value: Measured = Field(description="监测值")
    unit: Annotated[str, StringConstraints(max_length=16)] = Field("", description="单位，如 dB(A)、mg/L")
    limit: Measured | None = Field(None, description="标准限值（选填）")

    def reading(self) -> Reading:
        return Reading(self.parameter, self.value, self.unit, self.limit)


class LocationBody(_Body):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="纬度（手机定位或手填）")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="经度")
    accuracy_m: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False, description="定位精度（米）")


Readings = Annotated[list[ReadingBody], Field(max_length=MAX_READINGS)]
Photos = Annotated[list[PhotoId], Field(max_length=MAX_PHOTOS, description="先上传的照片的 id")]


class CheckBody(_Body):
    checked_at: datetime = Field(description="核查时间（不晚于现在；不带时区时按北京时间）")
    by: Who = Field(description="核查人员")
    location: LocationBody | None = None
    address_note: Annotated[str, *_text(1, 500)] | None = Field(None, description="地点说明")
    readings: Readings = []
    photos: Photos = []
    note: Note | None = Field(None, description="核查情况")


class FindingBody(_Body):
    finding: Finding = Field(description="true 属实 | partly 部分属实 | false 不属实")
    note: Note | None = Field(None, description="调查结论说明")


class ActionBody(_Body):
    kind: ActionKind = Field(description="rectify 责令整改 | penalty 立案处罚 | transfer 移送")
    deadline: date | None = Field(None, description="责令整改：整改期限（YYYY-MM-DD）")
    amount_yuan: Decimal | None = Field(None, ge=0, le=100_000_000, max_digits=11, decimal_places=2,
                                        description="立案处罚：罚款金额（元，最多两位小数）")
    case_number: Short | None = Field(None, description="立案处罚：立案编号")
    body: Body | None = Field(None, description="移送：接收单位")
    note: Note | None = None


class RecheckBody(_Body):
    checked_at: datetime = Field(description="复查时间（不晚于现在）")
    by: Who = Field(description="复查人员")
    result: RecheckResult = Field(description="rectified 已整改 | not_rectified 未整改")
    photos: Photos = []
    readings: Readings = []
    note: Note | None = None


class SignOffBody(_Body):
    note: Note | None = Field(None, description="销号意见")


def build_investigations_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    desk = deps.role("dispatcher", "supervisor")  # reads: the own department's dispatchers, supervisors all
    department = deps.role("dispatcher")  # records: the department that has the case (and admins)
    supervisor = deps.role("supervisor")  # signs off
    router = APIRouter(prefix="/api/v1", tags=["routing", "investigations"])

    @router.get("/cases/{complaint_id}/investigation",
                summary="调查处理 / the case's checks, finding, actions, re-checks and sign-off")
    def investigation(complaint_id: CaseId, principal: Principal = Depends(desk)) -> dict[str, Any]:
        return bus.handle(InvestigationFile(complaint_id, _acting_for(principal)))  # type: ignore[no-any-return]

    @router.post(INVESTIGATION_PHOTO_PATH, status_code=201,
                 summary="上传现场或复查照片 / a photo for a check or re-check (multipart/form-data, one file)")
    def add_photo(complaint_id: CaseId, file: Annotated[UploadFile, File(description="JPEG/PNG/WebP ≤ 10 MB")],
                  principal: Principal = Depends(department)) -> dict[str, Any]:
        data = read_upload(file, PHOTO_MAX_BYTES)
        return bus.handle(AddInvestigationPhoto(  # type: ignore[no-any-return]
            complaint_id, data, principal.username, _acting_for(principal)))

    @router.get(INVESTIGATION_PHOTO_PATH + "/{photo_id}", response_class=Response,
                summary="查看现场或复查照片 / an investigation photo's bytes",
                responses={200: {"content": {kind: {} for kind in IMAGE_TYPES}}})
    def photo(complaint_id: CaseId, photo_id: Annotated[str, Path(max_length=36)],
              principal: Principal = Depends(desk)) -> Response:
        content_type, data = bus.handle(GetInvestigationPhoto(complaint_id, photo_id, _acting_for(principal)))
        return Response(data, media_type=content_type, headers={
            "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
            "Cache-Control": "private, max-age=3600"})

    @router.post("/cases/{complaint_id}/investigation/checks", status_code=201,
                 summary="记录现场核查 / an on-site check (time, place, readings, photos)")
    def check(complaint_id: CaseId, body: CheckBody, principal: Principal = Depends(department)) -> dict[str, Any]:
        where = body.location
        return bus.handle(RecordCheck(  # type: ignore[no-any-return]
            complaint_id, principal.username, _acting_for(principal), body.checked_at, body.by,
            Location(where.lat, where.lon, where.accuracy_m) if where else None, body.address_note,
            tuple(r.reading() for r in body.readings), tuple(body.photos), body.note))

    @router.post("/cases/{complaint_id}/investigation/finding", summary="记录调查结论 / the finding")
    def finding(complaint_id: CaseId, body: FindingBody, principal: Principal = Depends(department)
                ) -> dict[str, Any]:
        return bus.handle(RecordFinding(  # type: ignore[no-any-return]
            complaint_id, principal.username, _acting_for(principal), body.finding, body.note))

    @router.post("/cases/{complaint_id}/investigation/actions", status_code=201,
                 summary="记录处理措施 / an action: 责令整改, 立案处罚 or 移送")
    def action(complaint_id: CaseId, body: ActionBody, principal: Principal = Depends(department)) -> dict[str, Any]:
        return bus.handle(RecordAction(  # type: ignore[no-any-return]
            complaint_id, principal.username, _acting_for(principal), body.kind, body.deadline, body.amount_yuan,
            body.case_number, body.body, body.note))

    @router.post("/cases/{complaint_id}/investigation/rechecks", status_code=201,
                 summary="记录复查 / a re-check: rectified or not, with evidence photos")
    def recheck(complaint_id: CaseId, body: RecheckBody, principal: Principal = Depends(department)
                ) -> dict[str, Any]:
        return bus.handle(RecordRecheck(  # type: ignore[no-any-return]
            complaint_id, principal.username, _acting_for(principal), body.checked_at, body.by, body.result,
            tuple(body.photos), tuple(r.reading() for r in body.readings), body.note))

    @router.post("/cases/{complaint_id}/investigation/sign-off",
                 summary="销号 / sign the investigation off (supervisor)")
    def sign_off(complaint_id: CaseId, body: SignOffBody, principal: Principal = Depends(supervisor)
                 ) -> dict[str, Any]:
        return bus.handle(SignOff(complaint_id, principal.username, body.note))  # type: ignore[no-any-return]

    return router
