"""The HTTP edge: the error contract `{"error": {"code", "message"}}` with the right status (never a 500 for
bad input), the request-size guard, and sign-in dependencies. Only entry points import this module."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import TOKEN_URL, Principal, read_token
from shared.db import database_unavailable
from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthorized,
    UnsupportedMedia,
)
from shared.logging import describe_exception

log = logging.getLogger(__name__)


# One table: each kind of domain error and the HTTP status it becomes. Subclasses inherit their kind's.
HTTP_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooManyRequests: 429,
    TooLarge: 413, UnsupportedMedia: 415,
}


# The database away (stopped, restarting, unreachable, no pooled connection in time): nothing was stored
# (a transaction that did not commit leaves nothing behind), and the same request later will do.
DATABASE_UNAVAILABLE = "暂时无法受理，请稍后再试 / the database is unavailable, try again shortly"
DATABASE_RETRY_AFTER_SECONDS = 5


def mount(parent: APIRouter | FastAPI, *children: APIRouter) -> None:
    """Add the children's routes to `parent` as they are: each route already carries its router's prefix,
    tags and dependencies, so nothing is analysed again. (`include_router` keeps the child and analyses
    every route once more for each level it is included through, when the first request arrives: with
    ~160 routes that doubled the cost of building an app, which the tests do once per test.) No child
    may have its own lifespan or start-up handlers (none does)."""
    router = parent.router if isinstance(parent, FastAPI) else parent
    if router.prefix or router.tags or router.dependencies or router.responses:
        raise ValueError("mount() adds routes as they are: the parent may have no prefix, tags, dependencies "
                         "or responses of its own (give them to each child)")
    for child in children:
        if getattr(child, "on_startup", None) or getattr(child, "on_shutdown", None):
            raise ValueError("mount() takes routes only: a router with start-up or shut-down handlers needs "
                             "include_router")
        router.routes.extend(child.routes)
    changed = getattr(router, "_mark_routes_changed", None)  # FastAPI >= 0.16x caches its route list
    if changed is not None:
        changed()


def combine(*routers: APIRouter) -> APIRouter:
    """One router of several, each with its own full prefix and tags (see `mount`)."""
    combined = APIRouter()
    mount(combined, *routers)
    return combined


def status_of(exc: DomainError) -> int:
    return next((HTTP_STATUS[kind] for kind in type(exc).__mro__ if kind in HTTP_STATUS), 400)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                 422: "invalid", 429: "too_many_requests", 503: "unavailable"}


def _describe(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        details.append({"field": ".".join(loc) or None, "message": err.get("msg", "")})
    summary = "; ".join(f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details)
    return summary, details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=status_of(exc),
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("bad_json", "请求体不是合法的 JSON / the request body is not valid JSON"),
                                status_code=400)
        summary, details = _describe(errors)
        return JSONResponse(error_body("invalid", f"请求参数有误 / invalid request: {summary}", details),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, ensure_ascii=False)
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (a character or size no validator anticipated): nothing was
        # written (the transaction rolled back), and it is the request's fault, not the server's.
        log.warning("database refused a value: %s", type(exc.orig).__name__)  # its message may quote the value
        return JSONResponse(error_body("invalid", "数据格式不被接受 / a value was not accepted (characters or size)"),
                            status_code=422)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable: %s", type(exc).__name__)  # the message may quote the statement
        return JSONResponse(error_body("unavailable", DATABASE_UNAVAILABLE), status_code=503,
                            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # The type and the frames only: the message may quote the request (see describe_exception).
        log.error("unhandled error %s\n%s", type(exc).__name__, describe_exception(exc))
        return JSONResponse(error_body("internal", "服务内部错误，请稍后再试 / internal error, please retry"),
                            status_code=500)


# --- the error answers, documented: every operation's in the OpenAPI document ------------------------


class ErrorInfo(BaseModel):
    code: str = Field(description="machine-readable: invalid, unauthorized, forbidden, not_found, conflict, ...")
    message: str = Field(description="for people, in Chinese and English")
    details: Any = Field(default=None, description="when there is more to say: for invalid input, a list of "
                                                   "{field, message}")


class ErrorBody(BaseModel):
    """The error contract: every error this edge answers, whatever raised it."""

    error: ErrorInfo


ERROR_DESCRIPTIONS = {
    400: "请求体无法解析 / the body could not be read (not JSON, a broken form)",
    401: "未登录、凭证无效或已过期 / not signed in, or the credentials are wrong or expired",
    403: "无权执行此操作 / this role may not do this",
    404: "不存在，或无权查看 / no such thing, or not one the caller may see",
    409: "当前状态不允许 / the thing's state does not allow this now",
    413: "请求体过大 / the body is too large",
    415: "请求体类型不被接受 / the body is not of an accepted media type",
    422: "请求参数有误 / invalid input",
    429: "尝试过多，请稍后再试 / too many tries: wait (Retry-After), then try again",
    503: "数据库暂时不可用，请稍后再试 / the database is unavailable: nothing was stored, try again (Retry-After)",
}
_CHANGING = {"post", "put", "patch", "delete"}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for statuses only some routes give (429 of a throttled lookup): the rest are added to
    every operation by `document_errors`."""
    return {status: _error_response(status) for status in statuses}


_ERROR_REF = "#/components/schemas/ErrorBody"  # added to the document by `document_errors`
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def _error_response(status: int) -> dict[str, Any]:
    # JSON whatever the route's own answers are (text, a workbook, XML): errors are the edge's.
    return {"description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}}}


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it takes: input can be invalid (422); a body
    can be unreadable (400); a body sent can be too large or of another type (413, 415: the body guard);
    credentials (a bearer token, an X-API-Key) can be wrong (401) and a role refused (403); what a path
    names can be missing (404); a change can meet a state that refuses it (409)."""
    params = operation.get("parameters", [])
    statuses: set[int] = set()
    if params or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)
    if method in {"post", "put", "patch"}:
        statuses |= {413, 415}
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p["in"] == "header" and p["name"].lower() == "x-api-key" for p in params):
        statuses.add(401)
    if path == TOKEN_URL:
        statuses |= {401, 429}  # wrong password; locked after too many (shared/auth.py, intake's accounts)
    if any(p["in"] == "path" for p in params):
        statuses.add(404)
    if method in _CHANGING:
        statuses.add(409)
    statuses.add(503)  # any operation may meet the database away (install_error_handlers)
    return statuses


def document_errors(app: FastAPI) -> None:
    """Every operation of the app's OpenAPI document lists the errors it can answer, in the error contract
    (`ErrorBody`), and its 422 is this edge's body rather than FastAPI's default one.

    Added to the document when it is first built, from what each operation takes (`error_statuses`). An
    operation that documents errors in a schema of its own (Open311's) answers errors its own way: it gets
    only the body guard's 413 and 415, which answer before any route runs, and the database's 503."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_error_responses(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _schema_refs(response: dict[str, Any]) -> set[str | None]:
    return {media.get("schema", {}).get("$ref") for media in response.get("content", {}).values()}


def add_error_responses(document: dict[str, Any]) -> None:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "head", "post", "put", "patch", "delete", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            if _schema_refs(responses.get("422", {})) == {_FASTAPI_422}:
                del responses["422"]  # this edge answers invalid input in the contract (Open311: its own 400)
            own_format = any(status.startswith("4") and _schema_refs(response) - {_ERROR_REF}
                             for status, response in responses.items())
            statuses = error_statuses(method, path, operation)
            if own_format:
                statuses &= {413, 415, 503}
            for status in sorted(statuses):
                responses.setdefault(str(status), _error_response(status))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorBody"] = body


class BodyLimitMiddleware:
    """413 for bodies over the limit, 415 for JSON endpoints sent something that is not JSON.

    `form_paths` take any body (the sign-in form); `media_types` names paths whose bodies are not JSON
    and the media types each takes (a webhook's XML, an upload's multipart form): anything else sent
    there is a 415 too. `limits` gives a path its own size limit instead of `max_bytes` (uploads).
    Paths in `media_types` and `limits` may hold `{parameters}` (`/api/v1/r/{token}/attachments`),
    each matching one path segment.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, form_paths: tuple[str, ...] = (),
                 media_types: Mapping[str, tuple[str, ...]] | None = None,
                 limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.form_paths = form_paths
        self.media_types = [(_path_pattern(path), types) for path, types in (media_types or {}).items()]
        self.limits = [(_path_pattern(path), limit) for path, limit in (limits or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        path = scope["path"]
        limit = _first(self.limits, path)
        max_bytes = self.max_bytes if limit is None else limit
        if length and length.isdigit() and int(length) > max_bytes:
            await _reject(send, 413, f"请求体过大 / the request body is larger than {max_bytes} bytes")
            return
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        media_types = _first(self.media_types, path)
        if media_types is not None:
            if length not in (None, "0") and ctype and ctype not in media_types:
                accepted = ", ".join(media_types)
                await _reject(send, 415, f"请使用 {accepted} / send the body as {accepted}")
                return
        elif path.startswith("/api/") and path not in self.form_paths and length not in (None, "0") and ctype \
                and ctype != "application/json" and not ctype.endswith("+json"):
            await _reject(send, 415, "请使用 application/json / send the body as application/json")
            return
        seen = 0
        too_large = f"请求体过大 / the request body is larger than {max_bytes} bytes"

        async def limited_receive():  # type: ignore[no-untyped-def]
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge(too_large)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:  # read outside a route (a route's reading becomes the 413 answer itself)
            await _reject(send, 413, too_large)


class _TooLarge(StarletteHTTPException):
    """A body (e.g. chunked, without Content-Length) that passes the limit while it is read. An HTTP error,
    so that FastAPI passes it on as it is rather than as "There was an error parsing the body" (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


T = TypeVar("T")


def _path_pattern(path: str) -> re.Pattern[str]:
    """`/api/v1/r/{token}/attachments` → a pattern where each `{parameter}` is one path segment."""
    parts = re.split(r"\{[^/{}]+\}", path)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _first(patterns: list[tuple[re.Pattern[str], T]], path: str) -> T | None:
    """The value of the first pattern matching the whole path, if any."""
    return next((value for pattern, value in patterns if pattern.fullmatch(path)), None)


async def _reject(send: Send, status: int, message: str) -> None:
    body = json.dumps(error_body(_STATUS_CODES[status], message), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# --- sign-in (OAuth2 bearer tokens) -------------------------------------------------------------

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@dataclass(frozen=True)
class AuthDeps:
    """FastAPI dependencies bound to one key: `principal` (any signed-in user) and `role(...)`."""

    principal: Callable[..., Principal]
    optional: Callable[..., Principal | None]

    def role(self, *roles: str) -> Callable[..., Principal]:
        def _check(principal: Principal = Depends(self.principal)) -> Principal:
            if principal.role not in roles and principal.role != "admin":
                raise Forbidden("无权执行此操作 / your role may not do this")
            return principal

        return _check


def auth_deps(key: str) -> AuthDeps:
    """A token is good when its signature is and its session has not ended: the process's session guard
    (`app.state.sessions`, shared/sessions.py) refuses tokens of a deactivated user, after a password
    change or a sign-out."""

    def read(request: Request, token: str) -> Principal:
        principal = read_token(token, key=key)
        guard = getattr(request.app.state, "sessions", None)
        return guard.check(principal) if guard is not None else principal

    def optional(request: Request, token: str | None = Depends(_bearer)) -> Principal | None:
        return read(request, token) if token else None

    def principal(request: Request, token: str | None = Depends(_bearer)) -> Principal:
        if not token:
            raise Unauthorized("请先登录 / sign in first")
        return read(request, token)

    return AuthDeps(principal=principal, optional=optional)


UPLOAD_TYPES = ("multipart/form-data",)  # the body guard lets only this through to an upload route
MULTIPART_OVERHEAD = 64 * 1024  # the form's boundaries and headers around the one file
READ_CHUNK = 256 * 1024


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded file, read in chunks; 413 as soon as it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while block := upload.file.read(READ_CHUNK):
        size += len(block)
        if size > limit:
            raise HTTPException(413, f"文件过大，不能超过 {limit // (1024 * 1024)} MB / "
                                     f"the file is larger than {limit // (1024 * 1024)} MB")
        chunks.append(block)
    return b"".join(chunks)
