"""Routing's HTTP routes: the dispatcher desk, the supervisor's triage, the classifier for operators and
the department directory for administrators.

Routes are a few lines: parse, build a command or query, hand it to the bus, return its view. Domain
errors are mapped to statuses at the edge (`shared.http`), not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from services.routing.domain.case import OPEN, AssistStatus, Status
from services.routing.domain.commands import (
    MAX_PAGE,
    AcceptCase,
    AddReplyPhoto,
    AssignCase,
    AssistQueue,
    AssistQueueVersion,
    Backlog,
    BacklogVersion,
    CaseDetail,
    Classify,
    DecideExtension,
    DefineDepartment,
    DepartmentQueue,
    Due,
    DuplicateCandidates,
    ForwardCase,
    GetPublishedPhoto,
    GetReplyPhoto,
    GiveToLeader,
    ListDepartments,
    MergeCase,
    PendingExtensions,
    PendingExtensionsVersion,
    QueueVersion,
    RejectCase,
    ReplyAssist,
    ReplyCase,
    RequestAssist,
    RequestExtension,
    ReturnCase,
    TransferCase,
    TriageList,
    UpdateDepartment,
)
from services.routing.entrypoints.fields import acting_for as _acting_for
from services.routing.entrypoints.fields import text as _text
from services.routing.service_layer.handlers import PHOTO_MAX_BYTES
from shared.auth import Principal
from shared.contracts.codes import Category
from shared.filestore import IMAGE_TYPES
from shared.http import auth_deps, error_responses, read_upload
from shared.messagebus import MessageBus

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


class RejectBody(_Body):
    reason: Reason  # the citizen reads it


class ForwardBody(_Body):
    body: Annotated[str, *_text(2, 100)]  # the receiving body, e.g. 区人力社保局
    note: Reason | None = None


class TransferBody(_Body):
    department: Code
    reason: Reason


class MergeBody(_Body):
    master_id: Code
    reason: Reason | None = None


class AssistBody(_Body):
    departments: list[Code] = Field(min_length=1, max_length=5)
    note: Reason | None = None


class AssistReplyBody(_Body):
    reply: ReplyText
    department: Code | None = None  # a supervisor answers for a named assisting department


class LeaderBody(_Body):
    leader: Annotated[str, *_text(1, 40)]  # the leader's name and post, e.g. 张三（副局长）
    plan: Reason  # 包案方案: what will be done, by when


class DepartmentBody(_Body):
    code: Code  # checked by the domain: [a-z0-9_]+, a valid part of a topic name
    name: Annotated[str, *_text(1, 100)]
    kind: Literal["district", "town"] = "district"


class DepartmentChange(_Body):
    name: Annotated[str, *_text(1, 100)] | None = None
    active: bool | None = None


class Decision(StrEnum):
    approve = "approve"
    refuse = "refuse"


CaseId = Annotated[str, Path(min_length=1, max_length=64)]
PHOTO_PATH = "/cases/{complaint_id}/photos"
CodeQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
MAX_OFFSET = 100_000


def _etag(version: dict[str, Any]) -> str:
    return f'W/"{version["version"]}"'


def _unchanged(request: Request, etag: str) -> bool:
    """The client already holds this version of the list (`If-None-Match`)."""
    held = request.headers.get("if-none-match", "")
    return etag in (tag.strip() for tag in held.split(","))


def _not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})


def build_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    deps = auth_deps(jwt_key)
    staff = deps.role("dispatcher", "supervisor")
    supervisor = deps.role("supervisor")
    operators = deps.role("operator", "dispatcher", "supervisor")
    admin = deps.role("admin")
    router = APIRouter(prefix="/api/v1", tags=["routing"])

    @router.get("/queues/{department}", response_model=None)
    def department_queue(request: Request, response: Response, department: Annotated[str, Path(max_length=64)],
                         status: Literal["assigned", "accepted", "replied"] | None = None,
                         category: Category | None = None, subcategory: CodeQuery = None, town: CodeQuery = None,
                         due: Due | None = None, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                         offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                         principal: Principal = Depends(staff)) -> dict[str, Any] | Response:
        """The department's cases, the nearest deadline first, a page at a time. Poll it with the ETag
        it answered (`If-None-Match`): 304 while nothing in the queue changed (at most a minute)."""
        statuses = (Status(status),) if status else OPEN
        acting_for = _acting_for(principal)
        filters = (status, category, subcategory, town, due, str(limit), str(offset))
        # the replied cases are a long list: its fingerprint is the page's (open queues are short)
        long = status == "replied"
        etag = _etag(bus.handle(QueueVersion(department, acting_for, statuses, filters,
                                             page=(offset, limit) if long else None,
                                             where=(category, subcategory, town) if long else (None, None, None))))
        if _unchanged(request, etag):
            return _not_modified(etag)
        view = bus.handle(DepartmentQueue(department, acting_for, statuses, category, subcategory, town,
                                          Due(due) if due else None, limit, offset))
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return view

    @router.get("/cases/{complaint_id}")
    def case_detail(complaint_id: CaseId, principal: Principal = Depends(operators)) -> dict[str, Any]:
        # Operators read any case (read only) to call the citizen back (回访) with the reply in front of them.
        return bus.handle(CaseDetail(complaint_id, None if principal.role == "operator" else _acting_for(principal)))

    @router.post("/cases/{complaint_id}/accept")
    def accept(complaint_id: CaseId, principal: Principal = Depends(staff)) -> dict[str, Any]:
        return bus.handle(AcceptCase(complaint_id, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/reply")
    def reply(complaint_id: CaseId, body: ReplyBody, principal: Principal = Depends(staff)) -> dict[str, Any]:
        return bus.handle(ReplyCase(complaint_id, body.reply, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/return")
    def return_case(complaint_id: CaseId, body: ReturnBody, principal: Principal = Depends(staff)
                    ) -> dict[str, Any]:
        return bus.handle(ReturnCase(complaint_id, body.reason, principal.username, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/extension")
    def request_extension(complaint_id: CaseId, body: ExtensionBody, principal: Principal = Depends(staff)
                          ) -> dict[str, Any]:
        return bus.handle(RequestExtension(complaint_id, body.working_days, body.reason, principal.username,
                                           _acting_for(principal)))

    @router.post("/cases/{complaint_id}/extension/{decision}")
    def decide_extension(complaint_id: CaseId, decision: Decision, principal: Principal = Depends(supervisor)
                         ) -> dict[str, Any]:
        return bus.handle(DecideExtension(complaint_id, decision == Decision.approve, principal.username))

    @router.get("/triage", response_model=None)
    def triage(request: Request, response: Response, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
               offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0, principal: Principal = Depends(supervisor)
               ) -> dict[str, Any] | Response:
        """Cases waiting for a person to route them, a page at a time; polled like a queue (ETag, 304)."""
        etag = _etag(bus.handle(QueueVersion(None, None, (Status.triage,), (str(limit), str(offset)))))
        if _unchanged(request, etag):
            return _not_modified(etag)
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return bus.handle(TriageList(limit, offset))

    @router.get("/extensions", response_model=None)
    def pending_extensions(request: Request, response: Response,
                           limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                           offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                           principal: Principal = Depends(supervisor)) -> dict[str, Any] | Response:
        """延期待审批: extension requests waiting for a decision, oldest first, a page at a time; polled the
        same way (ETag, 304)."""
        etag = _etag(bus.handle(PendingExtensionsVersion(limit, offset)))
        if _unchanged(request, etag):
            return _not_modified(etag)
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return bus.handle(PendingExtensions(limit, offset))

    @router.post("/cases/{complaint_id}/assign")
    def assign(complaint_id: CaseId, body: AssignBody, principal: Principal = Depends(supervisor)
               ) -> dict[str, Any]:
        return bus.handle(AssignCase(complaint_id, body.department, principal.username, body.category,
                                     body.subcategory))

    @router.post("/cases/{complaint_id}/reject")
    def reject(complaint_id: CaseId, body: RejectBody, principal: Principal = Depends(supervisor)
               ) -> dict[str, Any]:
        """不予受理 (a triaged case): the reason is shown to the citizen; the case leaves the targets."""
        return bus.handle(RejectCase(complaint_id, body.reason, principal.username))

    @router.post("/cases/{complaint_id}/forward")
    def forward(complaint_id: CaseId, body: ForwardBody, principal: Principal = Depends(supervisor)
                ) -> dict[str, Any]:
        """转办 (a triaged case that is not an environmental matter) to the body that handles it."""
        return bus.handle(ForwardCase(complaint_id, body.body, principal.username, body.note))

    @router.post("/cases/{complaint_id}/transfer")
    def transfer(complaint_id: CaseId, body: TransferBody, principal: Principal = Depends(supervisor)
                 ) -> dict[str, Any]:
        """改派: move a case a department is working on to another department (fresh deadlines)."""
        return bus.handle(TransferCase(complaint_id, body.department, body.reason, principal.username))

    @router.get("/cases/{complaint_id}/duplicates")
    def duplicates(complaint_id: CaseId, principal: Principal = Depends(staff)) -> dict[str, Any]:
        """疑似重复: open cases of the same type and place with similar text, best first."""
        return bus.handle(DuplicateCandidates(complaint_id, _acting_for(principal)))

    @router.post("/cases/{complaint_id}/merge")
    def merge(complaint_id: CaseId, body: MergeBody, principal: Principal = Depends(staff)) -> dict[str, Any]:
        """并单: this case is a duplicate of `master_id` (a dispatcher: both in the own department)."""
        return bus.handle(MergeCase(complaint_id, body.master_id, principal.username, _acting_for(principal),
                                    body.reason))

    @router.post("/cases/{complaint_id}/assists")
    def request_assist(complaint_id: CaseId, body: AssistBody, principal: Principal = Depends(staff)
                       ) -> dict[str, Any]:
        """协办: the lead department (or a supervisor) asks other departments for their part; each answers
        the lead by its own deadline (`ROUTING_ASSIST_WORKING_DAYS`, never after the lead's)."""
        return bus.handle(RequestAssist(complaint_id, tuple(body.departments), principal.username,
                                        _acting_for(principal), body.note))

    @router.post("/cases/{complaint_id}/assist/reply")
    def reply_assist(complaint_id: CaseId, body: AssistReplyBody, principal: Principal = Depends(staff)
                     ) -> dict[str, Any]:
        """协办意见: an assisting department's answer to the lead (the lead's reply closes the case)."""
        acting_for = _acting_for(principal)
        department = acting_for if acting_for is not None else body.department
        return bus.handle(ReplyAssist(complaint_id, department, body.reply, principal.username, acting_for))

    @router.get("/assists/{department}", response_model=None)
    def assist_queue(request: Request, response: Response, department: Annotated[str, Path(max_length=64)],
                     status: Literal["requested", "replied", "closed"] = "requested",
                     limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                     offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                     principal: Principal = Depends(staff)) -> dict[str, Any] | Response:
        """The cases the department is asked to assist (协办), the nearest assist deadline first; polled like a
        queue (ETag, 304)."""
        acting_for, statuses = _acting_for(principal), (AssistStatus(status),)
        etag = _etag(bus.handle(AssistQueueVersion(department, acting_for, statuses, limit, offset)))
        if _unchanged(request, etag):
            return _not_modified(etag)
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return bus.handle(AssistQueue(department, acting_for, statuses, limit, offset))

    @router.get("/backlog", response_model=None)
    def backlog(request: Request, response: Response, leader: bool | None = None,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                principal: Principal = Depends(supervisor)) -> dict[str, Any] | Response:
        """积案: open cases received more than `ROUTING_BACKLOG_DAYS` ago, past their deadline, or reopened
        twice, the oldest first; `leader=true|false` for those given to a leader or not yet. Polled like a
        queue (ETag, 304)."""
        etag = _etag(bus.handle(BacklogVersion(leader, limit, offset)))
        if _unchanged(request, etag):
            return _not_modified(etag)
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return bus.handle(Backlog(leader, limit, offset))

    @router.post("/cases/{complaint_id}/leader")
    def give_to_leader(complaint_id: CaseId, body: LeaderBody, principal: Principal = Depends(supervisor)
                       ) -> dict[str, Any]:
        """领导包案: a named leader owns the case to closure (a later call hands it to another)."""
        return bus.handle(GiveToLeader(complaint_id, body.leader, body.plan, principal.username))

    @router.post(PHOTO_PATH, status_code=201,
                 summary="上传办理照片 / a photo for the reply (multipart/form-data, one file)")
    def add_photo(complaint_id: CaseId, file: Annotated[UploadFile, File(description="JPEG/PNG/WebP ≤ 10 MB")],
                  principal: Principal = Depends(staff)) -> dict[str, Any]:
        """办理照片 for the current round's reply, while the department has the case open (at most 9 per
        round); the kind is judged from the bytes. The reply that follows carries them as its evidence."""
        data = read_upload(file, PHOTO_MAX_BYTES)
        return bus.handle(AddReplyPhoto(complaint_id, data, principal.username, _acting_for(principal)))

    @router.get("/reply-photos/{photo_id}", response_class=Response,
                summary="回复附带的办理照片（市民查看）/ a reply photo, as the citizen sees it with the reply",
                responses={200: {"content": {kind: {} for kind in IMAGE_TYPES}}, **error_responses(404)})
    def published_photo(photo_id: Annotated[str, Path(min_length=36, max_length=36)]) -> Response:
        """No sign-in: the photo's id is random (122 bits) and reaches only those who read the reply (the
        citizen's tracking page, staff). A photo of a reply not sent yet is 404, like an unknown one."""
        content_type, data = bus.handle(GetPublishedPhoto(photo_id))
        return Response(data, media_type=content_type, headers={
            "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
            "Cache-Control": "private, max-age=86400"})

    @router.get("/cases/{complaint_id}/photos/{photo_id}", response_class=Response,
                summary="查看办理照片 / a reply photo's bytes",
                responses={200: {"content": {kind: {} for kind in IMAGE_TYPES}}})
    def get_photo(complaint_id: CaseId, photo_id: Annotated[str, Path(max_length=36)],
                  principal: Principal = Depends(operators)) -> Response:
        acting_for = None if principal.role == "operator" else _acting_for(principal)
        content_type, data = bus.handle(GetReplyPhoto(complaint_id, photo_id, acting_for))
        return Response(data, media_type=content_type, headers={
            "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
            "Cache-Control": "private, max-age=3600"})

    @router.post("/classify")
    def classify(body: ClassifyBody) -> dict[str, Any]:
        """What routing would do with this text: the citizen's form and the operator's page show it while
        they type. Open to anyone: it holds no personal data and changes nothing."""
        return bus.handle(Classify(body.content, body.address or None))

    @router.get("/departments")
    def departments(principal: Principal = Depends(operators)) -> dict[str, Any]:
        return bus.handle(ListDepartments())

    @router.post("/departments", status_code=201)
    def define_department(body: DepartmentBody, principal: Principal = Depends(admin)) -> dict[str, Any]:
        return bus.handle(DefineDepartment(body.code, body.name, body.kind, principal.username))

    @router.patch("/departments/{code}")
    def update_department(code: Annotated[str, Path(max_length=64)], body: DepartmentChange,
                          principal: Principal = Depends(admin)) -> dict[str, Any]:
        return bus.handle(UpdateDepartment(code, principal.username, body.name, body.active))

    return router
