"""Intake's HTTP routes: parse, build a command, `bus.handle(...)`, shape the JSON."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from fastapi.security import OAuth2PasswordRequestForm

from services.intake.domain.attachments import Attachment, AttachmentLimits
from services.intake.domain.commands import (
    AddAttachment,
    Authenticate,
    EndSessions,
    GetAttachment,
    GetCallbackContact,
    GetCitizenView,
    GetCitizenViewByToken,
    GetReference,
    ListAttachments,
    ListContactViews,
    RateComplaint,
    ReceiveComplaint,
    RenewToken,
    Reporter,
)
from services.intake.domain.complaint import Complaint
from services.intake.domain.contact import REASON_MAX, ContactPurpose
from services.intake.domain.reference import Reference
from services.intake.domain.views import CitizenView
from services.intake.entrypoints.schemas import CodeRatingIn, ComplaintAccepted, ComplaintIn, RatingIn, TokenOut
from services.intake.service_layer.handlers import AttachmentContent, Received
from shared.auth import TOKEN_URL, Principal, issue_token
from shared.clock import SystemClock
from shared.filestore import IMAGE_TYPES, VIDEO_TYPES
from shared.http import MULTIPART_OVERHEAD, auth_deps, error_responses, read_upload
from shared.messagebus import MessageBus

UPLOAD_PATH = "/api/v1/r/{token}/attachments"
def upload_body_limit(limits: AttachmentLimits) -> int:
    """The upload route's own body limit (the body guard's): the largest file and its form around it."""
    return limits.largest + MULTIPART_OVERHEAD


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
ApiKey = Annotated[str | None, Header(alias="X-API-Key", description="client key of the app (channel app)")]
PrivateToken = Annotated[str, Path(max_length=200, description="受理时给您的专属凭证 / your private token")]
# A tracking code or private token can be guessed: too many wrong ones from a client, or for a code, get 429.
GUESSED = error_responses(429)


def client_of(request: Request) -> str | None:
    """The request's address, as the server sees it: wrong guesses are counted per client."""
    return request.client.host if request.client else None


def private_link(token: str | None) -> str | None:
    return f"/r/{token}" if token else None


def citizen_json(view: CitizenView) -> dict[str, Any]:
    """The citizen's view as JSON: the same by tracking code and by private link."""
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
        "attachments": [{"id": a.id, "content_type": a.content_type, "size": a.size} for a in view.attachments],
        "can_attach": view.can_attach,
        "merged_with": view.merged_with,
        # the department's photos sent with its reply: their random ids are what opens them (routing's route)
        "reply_photos": [f"/api/v1/reply-photos/{photo}" for photo in view.reply_photos],
    }


def rated_json(rated: Complaint) -> dict[str, Any]:
    given = rated.ratings[-1] if rated.ratings else None
    return {"tracking_code": rated.tracking_code, "rating": rated.rating.value if rated.rating else None,
            "resolution": given.resolution.value if given and given.resolution else None,
            "reply_round": rated.reply_round, "status": rated.status.value}


def build_router(bus: MessageBus[Any], *, jwt_key: str, token_ttl: timedelta,
                 attachment_limits: AttachmentLimits | None = None) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["intake"])
    limits = attachment_limits or AttachmentLimits()
    signed_in = auth_deps(jwt_key).optional
    signed_in_user = auth_deps(jwt_key).principal
    attachment_readers = auth_deps(jwt_key).role("operator", "dispatcher", "supervisor")
    callers = auth_deps(jwt_key).role("operator", "supervisor")  # (and admin) who call citizens back
    overseers = auth_deps(jwt_key).role("supervisor")  # (and admin) who review the reads of contacts

    @router.post("/complaints", status_code=201, response_model=ComplaintAccepted,
                 responses={200: {"model": ComplaintAccepted, "description": "同一 Idempotency-Key 再次提交 / "
                                                                            "the same Idempotency-Key again"}},
                 summary="提交投诉 / report a complaint (web; app with X-API-Key)")
    def post_complaint(body: ComplaintIn, idempotency_key: IdempotencyKey = None,
                       api_key: ApiKey = None) -> Response:
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
        accepted = ComplaintAccepted(id=received.id, tracking_code=received.tracking_code, status=received.status,
                                     received_at=received.received_at, citizen_token=received.citizen_token,
                                     private_link=private_link(received.citizen_token))
        # The answer as it is (response_model documents it): FastAPI would validate it again, in a thread
        # of its pool for a sync route, a second hop per request on the busiest path.
        return Response(accepted.model_dump_json(), status_code=200 if received.replayed else 201,
                        media_type="application/json")

    @router.get("/complaints/{tracking_code}", summary="查询投诉进度 / the citizen's view of a complaint",
                responses=GUESSED)
    def get_complaint(tracking_code: Annotated[str, Path(max_length=100)], request: Request,
                      phone_last4: Annotated[str | None, Query(pattern=r"^\d{4}$",
                                                               description="报告时所留手机号后四位（留了手机号时必填）")]
                      = None) -> dict[str, Any]:
        """Needs the last four phone digits when the reporter gave a phone. An unknown code and wrong
        digits get the same 404; too many failures for a code or from a client get 429."""
        return citizen_json(bus.handle(GetCitizenView(tracking_code, phone_last4, client_of(request))))

    @router.get("/complaints/{complaint_id}/contact", summary="回访联系方式 / the number to call back (staff)")
    def get_contact(complaint_id: Annotated[str, Path(max_length=64)],
                    purpose: Annotated[ContactPurpose, Query(description="why: callback (满意度回访), verification "
                                                             "(核实情况), petition (信访件处理), other (须写理由)")],
                    reason: Annotated[str | None, Query(max_length=REASON_MAX)] = None,
                    principal: Principal = Depends(callers)) -> dict[str, Any]:
        """For operators and supervisors who call citizens: the reporter's name and number in clear. Each
        read is kept with the reader, the time and the purpose (supervisors see them at .../contact/views);
        anonymous reporters and patrol findings have none (404)."""
        contact = bus.handle(GetCallbackContact(complaint_id, principal.username, purpose.value, reason))
        return {"tracking_code": contact.tracking_code, "name": contact.name, "phone": contact.phone}

    @router.get("/complaints/{complaint_id}/contact/views", summary="联系方式查看记录 / who read the contact, and why")
    def get_contact_views(complaint_id: Annotated[str, Path(max_length=64)],
                          principal: Principal = Depends(overseers)) -> dict[str, Any]:
        """Every read of the reporter's contact in clear, the latest first (at most 100)."""
        views = bus.handle(ListContactViews(complaint_id))
        return {"complaint_id": complaint_id, "views": [
            {"read_by": v.read_by, "read_at": v.read_at, "purpose": v.purpose.value, "purpose_label": v.purpose_label,
             "reason": v.reason} for v in views]}

    @router.post("/complaints/{tracking_code}/rating", status_code=201, summary="评价回复 / rate the reply",
                 responses=GUESSED)
    def post_rating(tracking_code: Annotated[str, Path(max_length=100)], body: CodeRatingIn,
                    request: Request) -> dict[str, Any]:
        """Needs the citizen's private token (given with the tracking code when the complaint was reported)."""
        rated: Complaint = bus.handle(RateComplaint(tracking_code=tracking_code, rating=body.rating,
                                                    comment=body.comment, token=body.token,
                                                    client=client_of(request), resolution=body.resolution))
        return rated_json(rated)

    @router.get("/r/{token}", summary="专属链接查看投诉 / the citizen's view by their private link",
                responses=GUESSED)
    def get_by_token(token: PrivateToken, request: Request) -> dict[str, Any]:
        return citizen_json(bus.handle(GetCitizenViewByToken(token, client_of(request))))

    @router.post("/r/{token}/rating", status_code=201, summary="专属链接评价 / rate the reply by private link",
                 responses=GUESSED)
    def post_rating_by_token(token: PrivateToken, body: RatingIn, request: Request) -> dict[str, Any]:
        rated: Complaint = bus.handle(RateComplaint(tracking_code=None, rating=body.rating, comment=body.comment,
                                                    token=token, client=client_of(request),
                                                    resolution=body.resolution))
        return rated_json(rated)

    @router.post("/r/{token}/attachments", status_code=201, responses=GUESSED,
                 summary="上传照片或视频 / attach a photo or short video (multipart/form-data, one file)")
    def post_attachment(token: PrivateToken, request: Request,
                        file: Annotated[UploadFile, File(description="JPEG/PNG/WebP ≤ 10 MB, MP4 ≤ 30 MB")],
                        use_location: Annotated[bool, Form(description="照片拍摄地即问题地点 / the photo "
                                                                       "shows the place: use its GPS")] = False
                        ) -> dict[str, Any]:
        """The kind is judged from the file's bytes, never its name or Content-Type; at most 6 files per
        complaint, and only while it is open. Photos are stored without their EXIF data (GPS included)."""
        data = read_upload(file, limits.largest)
        attachment: Attachment = bus.handle(AddAttachment(token=token, data=data, use_location=use_location,
                                                          client=client_of(request)))
        return {"id": attachment.id, "content_type": attachment.content_type, "size": attachment.size}

    @router.get("/attachments/{attachment_id}", response_class=StreamingResponse,
                responses={**GUESSED, 200: {"content": {kind: {} for kind in IMAGE_TYPES + VIDEO_TYPES}}},
                summary="查看附件 / an attachment's bytes (the citizen's ?token=, or staff who may see the case)")
    def get_attachment(attachment_id: Annotated[str, Path(max_length=36)], request: Request,
                       token: Annotated[str | None, Query(max_length=200, description="专属凭证 / private token")]
                       = None, principal: Principal | None = Depends(signed_in)) -> StreamingResponse:
        content: AttachmentContent = bus.handle(GetAttachment(
            attachment_id, token=token, role=principal.role if principal and token is None else None,
            department=principal.department if principal and token is None else None, client=client_of(request)))
        return StreamingResponse(content.chunks, media_type=content.content_type, headers={
            "Content-Length": str(content.size), "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline", "Cache-Control": "private, max-age=3600",
            "Referrer-Policy": "no-referrer"})

    @router.get("/complaints/{complaint_id}/attachments",
                summary="投诉人上传的照片和视频 / what the citizen attached (staff)")
    def list_attachments(complaint_id: Annotated[str, Path(max_length=64)],
                         principal: Principal = Depends(attachment_readers)) -> dict[str, Any]:
        """For the desk: each attachment's id, kind and size, oldest first; the bytes are at
        `/api/v1/attachments/{id}`. A dispatcher sees those of the own department's complaints."""
        listed = bus.handle(ListAttachments(complaint_id, principal.role, principal.department))
        return {"complaint_id": complaint_id, "attachments": [
            {"id": a.id, "content_type": a.content_type, "size": a.size,
             "url": f"/api/v1/attachments/{a.id}"} for a in listed]}

    @router.get("/reference", summary="镇街与投诉类型 / towns and complaint types for forms")
    def get_reference() -> dict[str, Any]:
        """Towns `[{code, name, kind}]` and categories `[{code, name, subcategories: [{code, name}]}]`."""
        reference: Reference = bus.handle(GetReference())
        return dict(reference)

    def token_out(principal: Principal) -> TokenOut:
        # Token lifetimes are security, measured on the wall clock, not the (injectable) business clock.
        access = issue_token(principal, key=jwt_key, now=SystemClock().now(), ttl=token_ttl)
        return TokenOut(access_token=access, expires_in=int(token_ttl.total_seconds()), role=principal.role,
                        department=principal.department, town=principal.town)

    @router.post(TOKEN_URL.removeprefix("/api/v1"), response_model=TokenOut, tags=["auth"],
                 summary="登录 / OAuth2 password flow")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> TokenOut:
        """5 wrong passwords for a username, or 20 from one address, within 15 minutes lock it for the rest
        of the window (429 with Retry-After)."""
        return token_out(bus.handle(Authenticate(form.username, form.password, client_of(request))))

    @router.post("/auth/refresh", response_model=TokenOut, tags=["auth"], summary="续期 / a fresh token")
    def refresh(principal: Principal = Depends(signed_in_user)) -> TokenOut:
        """A new token for a signed-in user whose session goes on (401 once deactivated or signed out)."""
        return token_out(bus.handle(RenewToken(principal.username, principal.version)))

    @router.post("/auth/logout", status_code=204, tags=["auth"], summary="退出登录 / sign out")
    def logout(principal: Principal = Depends(signed_in_user)) -> Response:
        """Ends the user's sessions: every token of theirs is refused from now on, in every service."""
        bus.handle(EndSessions(principal.username, principal.version))
        return Response(status_code=204)

    return router
