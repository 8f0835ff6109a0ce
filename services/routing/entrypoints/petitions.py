"""HTTP routes of petitions (信访件, docs/petitions.md): a supervisor registers a case as a petition and
records each step; the file and its documents (.docx) are read by supervisors and by dispatchers of the
case's department; the list by nearest deadline is the supervisors'. Each route builds a command or query
for the bus; domain errors become their status at the edge (shared.http)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.routing.adapters.petition_documents import MEDIA_TYPE, render
from services.routing.domain.petition_commands import (
    DecidePetitionAcceptance,
    ExtendPetition,
    PetitionDocumentOf,
    PetitionDue,
    PetitionFile,
    PetitionList,
    RegisterPetition,
    ReplyPetition,
    RequestPetitionRereview,
    RequestPetitionReview,
    RereviewPetition,
    ReviewPetition,
)
from services.routing.domain.petitions import PetitionDocument, PetitionStatus
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from shared.auth import Principal
from shared.http import auth_deps
from shared.messagebus import MessageBus

Text = Annotated[str, *_text(2, 5000)]  # a decision, reply, opinion or the petitioner's request
Reason = Annotated[str, *_text(2, 2000)]
Note = Annotated[str, *_text(1, 500)]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]
MAX_PAGE, MAX_OFFSET = 100, 100_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterBody(_Body):
    received_at: date | None = Field(None, description="收到信访事项的日期（YYYY-MM-DD，默认今天）")
    petitioner_note: Note | None = Field(None, description="登记备注（仅工作人员可见，不写入文书）")


class AcceptanceBody(_Body):
    accepted: bool = Field(strict=True, description="true 受理；false 不予受理")
    reason: Reason | None = Field(None, description="决定的说明；不予受理时必填，为告知书中的理由")


class ExtensionBody(_Body):
    days: int = Field(ge=1, le=366, strict=True, description="延长的日数（1–30，ROUTING_PETITION_MAX_EXTENSION_DAYS）")
    reason: Reason = Field(description="延期理由，写入延期告知书")


class TextBody(_Body):
    text: Text


def docx_response(doc: PetitionDocument) -> Response:
    return Response(render(doc), media_type=MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{doc.ascii_filename}\"; "
                               f"filename*=UTF-8''{quote(doc.filename)}",
        "Cache-Control": "no-store",
    })


def build_petitions_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    """Paths relative to routing's /api/v1 router, which includes this one."""
    deps = auth_deps(jwt_key)
    supervisor, readers = deps.role("supervisor"), deps.role("dispatcher", "supervisor")
    router = APIRouter(prefix="/api/v1", tags=["routing", "petitions"])

    @router.post("/cases/{complaint_id}/petition", status_code=201,
                 summary="登记为信访件 / register the case as a petition (supervisor)")
    def register(complaint_id: CaseId, body: RegisterBody | None = None,
                 principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        received, note = (body.received_at, body.petitioner_note) if body is not None else (None, None)
        return bus.handle(RegisterPetition(complaint_id, principal.username, received, note))  # type: ignore[no-any-return]

    @router.get("/cases/{complaint_id}/petition",
                summary="信访件：办理步骤、期限、下一步 / the petition with its steps, deadlines and next steps")
    def petition(complaint_id: CaseId, principal: Principal = Depends(readers)) -> dict[str, Any]:
        return bus.handle(PetitionFile(complaint_id, _acting_for(principal)))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/petition/acceptance", summary="受理 / 不予受理告知 (supervisor)")
    def acceptance(complaint_id: CaseId, body: AcceptanceBody,
                   principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(DecidePetitionAcceptance(complaint_id, body.accepted,  # type: ignore[no-any-return]
                                                   body.reason, principal.username))

    @router.post("/cases/{complaint_id}/petition/extension", summary="延期办理，告知理由 / extend once (supervisor)")
    def extension(complaint_id: CaseId, body: ExtensionBody,
                  principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(ExtendPetition(complaint_id, body.days, body.reason,  # type: ignore[no-any-return]
                                         principal.username))

    @router.post("/cases/{complaint_id}/petition/reply", summary="处理意见书 / the written reply (supervisor)")
    def reply(complaint_id: CaseId, body: TextBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(ReplyPetition(complaint_id, body.text, principal.username))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/petition/review-request",
                 summary="信访人请求复查（期限内）/ the petitioner asks for a review (supervisor records it)")
    def review_request(complaint_id: CaseId, body: TextBody,
                       principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RequestPetitionReview(complaint_id, body.text,  # type: ignore[no-any-return]
                                                principal.username))

    @router.post("/cases/{complaint_id}/petition/review", summary="复查意见书 / the review opinion (supervisor)")
    def review(complaint_id: CaseId, body: TextBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(ReviewPetition(complaint_id, body.text, principal.username))  # type: ignore[no-any-return]

    @router.post("/cases/{complaint_id}/petition/rereview-request",
                 summary="信访人请求复核（期限内）/ the petitioner asks for a re-review (supervisor records it)")
    def rereview_request(complaint_id: CaseId, body: TextBody,
                         principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RequestPetitionRereview(complaint_id, body.text,  # type: ignore[no-any-return]
                                                  principal.username))

    @router.post("/cases/{complaint_id}/petition/rereview",
                 summary="复核意见书，终结 / the re-review opinion: closed (supervisor)")
    def rereview(complaint_id: CaseId, body: TextBody, principal: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(RereviewPetition(complaint_id, body.text, principal.username))  # type: ignore[no-any-return]

    @router.get("/cases/{complaint_id}/petition/documents/{step_id}.docx", response_class=Response,
                summary="办理步骤的文书 (.docx) / a step's document", responses={200: {"content": {MEDIA_TYPE: {}}}})
    def petition_document(complaint_id: CaseId, step_id: Annotated[int, Path(ge=1, le=1000)],
                          principal: Principal = Depends(readers)) -> Response:
        return docx_response(bus.handle(PetitionDocumentOf(complaint_id, step_id, _acting_for(principal))))

    @router.get("/petitions", summary="信访件列表，按最近期限排序 / petitions by nearest deadline (supervisor)")
    def petitions(status: PetitionStatus | None = None,
                  due: PetitionDue | None = Query(None, description="overdue 超期 | soon 临期"),
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                  offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                  _user: Principal = Depends(supervisor)) -> dict[str, Any]:
        return bus.handle(PetitionList(status, due, limit, offset))  # type: ignore[no-any-return]

    return router
