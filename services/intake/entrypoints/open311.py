"""Open311 GeoReport v2 at /open311/v2: parse, build a command or query, `bus.handle(...)`, shape JSON or XML.

The spec has its own error format, `[{"code": 400, "description": "..."}]` (XML: `<errors><error>...`),
with 403 for a missing or wrong api_key, 404 for what does not exist and 400 for anything else; this
router alone answers that way (`Open311Route`), every other route keeps intake's error contract.
XML follows the spec's Spark convention: a list is an element of its plural name holding one element
per item (`services/service`, `service_requests/request`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from xml.etree import ElementTree

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.intake.domain import open311 as o
from services.intake.domain.commands import ReceiveComplaint, Reporter
from services.intake.domain.complaint import PHONE
from services.intake.domain.errors import ApiKeyMissing, ApiKeyRefused
from services.intake.service_layer.handlers import Received
from shared.contracts.codes import Channel
from shared.errors import DomainError, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from shared.messagebus import MessageBus
from shared.text import seen_length, visible_text

PREFIX = "/open311/v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Spark convention: the element of each item of a list, by the list's name.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
         "formats": "format", "attributes": "attribute", "values": "value"}


class _AnyPath(PathConvertor):
    """A path that may hold any character, a decoded newline too (`path` stops at one)."""

    regex = r"[\s\S]*"


register_url_convertor("open311_rest", _AnyPath())


# --- the spec's format: JSON or XML by the resource's suffix, errors as the spec has them ------------------


def _element(name: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(name)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEMS.get(name, "item"), item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def to_xml(root: str, body: Any) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(_element(root, body), encoding="utf-8")


def respond(fmt: str, root: str, body: Any, status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status_code, media_type=FORMATS["xml"])
    return JSONResponse(body, status_code=status_code, media_type=FORMATS["json"])


def _format_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def errors(request: Request, status_code: int, *descriptions: str) -> Response:
    return respond(_format_of(request), "errors", [{"code": status_code, "description": d} for d in descriptions],
                   status_code)


XML = FORMATS["xml"].split(";")[0]


class Open311Error(BaseModel):
    code: int
    description: str


def _documented(description: str) -> dict[str, Any]:
    return {"model": list[Open311Error], "description": description, "content": {XML: {}}}


# The spec's errors, as JSON or XML (`<errors><error>`); the body guard's 413 and 415 keep the error contract.
OPEN311_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _documented("请求有误 / anything wrong with the request"),
    404: _documented("不存在，或格式不是 json / xml / no such resource, or a format other than json and xml"),
}
API_KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _documented("缺少 api_key 或无效 / the api_key is missing or not valid"),
}


def answers(status: int) -> dict[int | str, dict[str, Any]]:
    """A route's success answer: JSON or XML by the resource's suffix."""
    return {status: {"content": {XML: {}}}}


def open311_status(exc: DomainError) -> int:
    """The spec's statuses: 403 for the api_key, 404 for what does not exist, 400 for the rest."""
    if isinstance(exc, Unauthorized | Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, TooManyRequests):
        return 429
    return 400


def describe(exc: DomainError) -> str:
    if isinstance(exc, ApiKeyMissing):
        return "缺少 api_key / api_key is missing"
    if isinstance(exc, ApiKeyRefused):
        return "api_key 无效或已停用 / invalid api_key received"
    return exc.message


class Open311Route(APIRoute):
    """Errors of this router in the spec's format, whatever raised them (the bus, validation, a bad suffix)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handle(request)
            except DomainError as exc:
                return errors(request, open311_status(exc), describe(exc))
            except RequestValidationError as exc:
                problems = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
                            for e in exc.errors()]
                return errors(request, 400, *problems)
            except StarletteHTTPException as exc:
                return errors(request, exc.status_code, str(exc.detail))

        return guarded


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise StarletteHTTPException(404, f"格式须为 json 或 xml / no format {fmt!r}: json or xml")
    return fmt


def _values(params: list[str] | None) -> tuple[str, ...]:
    """A parameter declared several times, or once with comma-separated values (the spec allows both)."""
    return tuple(v.strip() for param in params or [] for v in param.split(",") if v.strip())


# --- shaping -----------------------------------------------------------------------------------------------


def service_json(service: o.Service) -> dict[str, Any]:
    return {"service_code": service.service_code, "service_name": service.service_name,
            "description": service.description, "metadata": service.metadata, "type": service.type,
            "keywords": service.keywords, "group": service.group}


def request_json(request: o.ServiceRequest) -> dict[str, Any]:
    return {
        "service_request_id": request.service_request_id,
        "status": request.status,
        "status_notes": request.status_notes,
        "service_name": request.service_name,
        "service_code": request.service_code,
        "description": request.description,
        "agency_responsible": request.agency_responsible,
        "service_notice": request.service_notice,
        "requested_datetime": request.requested_datetime,
        "updated_datetime": request.updated_datetime,
        "expected_datetime": request.expected_datetime,
        "address": request.address,
        "address_id": None,
        "zipcode": None,
        "lat": request.lat,
        "long": request.lon,
        "media_url": None,
    }


# --- parsing a POSTed report -------------------------------------------------------------------------------

FormText = Annotated[str | None, Form()]


def _number(name: str, value: str | None, low: float, high: float) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{name} 须为数字 / {name} {value!r} is not a number") from None
    if not low <= number <= high:
        raise InvalidInput(f"{name} 须在 {low} 与 {high} 之间 / {name} must be between {low} and {high}")
    return number


def _text(name: str, value: str | None, maximum: int, minimum: int = 1) -> str | None:
    if value is None:
        return None
    cleaned = visible_text(value)
    if not seen_length(cleaned):
        return None
    if seen_length(cleaned) < minimum:
        raise InvalidInput(f"{name} 至少 {minimum} 个字 / {name} needs at least {minimum} characters")
    if len(cleaned) > maximum:
        raise InvalidInput(f"{name} 最多 {maximum} 个字 / {name} is longer than {maximum} characters")
    return cleaned


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    phone = "".join(value.split())
    for prefix in ("+86", "0086"):
        phone = phone.removeprefix(prefix)
    if not PHONE.match(phone):
        raise InvalidInput(f"phone 须为手机号或带区号的固定电话 / phone {value!r} is not a Chinese mobile or landline "
                           "number")
    return phone


def _name(first_name: str | None, last_name: str | None) -> str | None:
    """A Chinese name is written family name first and unspaced (张 + 三 = 张三); a latin one "John Smith"."""
    first, last = _text("first_name", first_name, 25), _text("last_name", last_name, 25)
    parts = [part for part in (first, last) if part]
    if not parts:
        return None
    if all(part.isascii() for part in parts):
        return " ".join(parts)
    return "".join(part for part in (last, first) if part)


# --- routes ------------------------------------------------------------------------------------------------


def build_open311_router(bus: MessageBus[Any]) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route, responses=OPEN311_ERRORS)

    @router.get("/discovery.{fmt}", responses=answers(200), summary="Open311 服务发现 / GeoReport v2 service discovery")
    def discovery(request: Request, fmt: str) -> Response:
        url = str(request.base_url).rstrip("/") + PREFIX
        body = {
            "changeset": o.CHANGESET,
            "contact": "重庆市合川区生态环境局 生态环境投诉受理平台 / Hechuan District Ecology and Environment Bureau, "
                       "Chongqing: environmental complaints",
            "key_service": "提交诉求须有客户端密钥（api_key），请向平台管理员申请 / POSTing requests needs an api_key: "
                           "ask the platform's administrators for one",
            "endpoints": [{"specification": o.SPECIFICATION, "url": url, "changeset": o.CHANGESET,
                           "type": "production", "formats": ["application/json", "text/xml"]}],
        }
        return respond(_format(fmt), "discovery", body)

    @router.get("/services.{fmt}", responses=answers(200), summary="服务类型列表 / GET service list")
    def services(fmt: str) -> Response:
        listed: list[o.Service] = bus.handle(o.ListServices())
        return respond(_format(fmt), "services", [service_json(service) for service in listed])

    @router.get("/services/{service_code}.{fmt}", responses=answers(200),
                summary="服务类型定义 / GET service definition")
    def service_definition(service_code: str, fmt: str) -> Response:
        fmt = _format(fmt)
        service: o.Service = bus.handle(o.GetServiceDefinition(service_code))
        # metadata is false for every service: no attributes to fill in, a description and a location suffice.
        return respond(fmt, "service_definition", {"service_code": service.service_code, "attributes": []})

    @router.post("/requests.{fmt}", status_code=201, responses={**answers(201), **API_KEY_ERRORS},
                 summary="提交诉求 / POST service request (form-encoded)")
    def post_request(fmt: str, api_key: FormText = None, service_code: FormText = None,
                     description: FormText = None, lat: FormText = None,
                     long: FormText = None,
                     address_string: FormText = None, address_id: FormText = None, email: FormText = None,
                     device_id: FormText = None, account_id: FormText = None, first_name: FormText = None,
                     last_name: FormText = None, phone: FormText = None, media_url: FormText = None) -> Response:
        # email, device_id, account_id and media_url are not kept (no use for them; PIPL: keep no more than needed);
        # attribute[...] is ignored: no service has attributes (metadata false).
        fmt = _format(fmt)
        if not api_key or not api_key.strip():
            raise ApiKeyMissing("open311")
        if not service_code or not service_code.strip():
            raise InvalidInput("缺少 service_code / service_code was not provided (see services.json)")
        service = o.find_service(service_code)
        content = _text("description", description, o.DESCRIPTION_MAX, minimum=5)
        if content is None:
            raise InvalidInput("缺少 description（投诉内容）/ description was not provided")
        latitude, longitude = _number("lat", lat, -90, 90), _number("long", long, -180, 180)
        if (latitude is None) != (longitude is None):
            raise InvalidInput("lat 与 long 须同时提供 / lat and long go together")
        address = _text("address_string", address_string, 500)
        if latitude is None and address is None:
            why = " (address_id is not supported here)" if address_id and address_id.strip() else ""
            raise InvalidInput(f"须提供位置：lat 与 long，或 address_string / a location is required: lat & long, "
                               f"or address_string{why}")
        received: Received = bus.handle(ReceiveComplaint(
            channel=Channel.open311, content=content, category=service.category, subcategory=service.subcategory,
            address=address, lat=latitude, lon=longitude,
            reporter=Reporter(name=_name(first_name, last_name), phone=_phone(phone)),
            api_key=api_key.strip(),
        ))
        # No citizen token: it is the citizen's own key, and this is a third party's system.
        return respond(fmt, "service_requests", [{"service_request_id": received.tracking_code,
                                                   "service_notice": o.RECEIVED_NOTICE, "account_id": None}],
                       status_code=201)

    @router.get("/requests.{fmt}", responses=answers(200),
                summary="诉求列表 / GET service requests (those made through Open311)")
    def list_requests(fmt: str,
                      service_request_id: Annotated[list[str] | None, Query()] = None,
                      service_code: Annotated[list[str] | None, Query()] = None,
                      start_date: str | None = None, end_date: str | None = None,
                      status: Annotated[list[str] | None, Query()] = None) -> Response:
        fmt = _format(fmt)
        query = o.ListServiceRequests(
            service_request_ids=_values(service_request_id), service_codes=_values(service_code),
            start=o.parse_w3c("start_date", start_date) if start_date and start_date.strip() else None,
            end=o.parse_w3c("end_date", end_date) if end_date and end_date.strip() else None,
            statuses=_values(status),
        )
        found: list[o.ServiceRequest] = bus.handle(query)
        return respond(fmt, "service_requests", [request_json(r) for r in found])

    @router.get("/requests/{service_request_id}.{fmt}", responses=answers(200),
                summary="单个诉求 / GET service request")
    def get_request(service_request_id: str, fmt: str) -> Response:
        fmt = _format(fmt)
        found: o.ServiceRequest = bus.handle(o.GetServiceRequest(service_request_id))
        return respond(fmt, "service_requests", [request_json(found)])

    @router.api_route("/{rest:open311_rest}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                      include_in_schema=False)
    def elsewhere(rest: str) -> Response:
        """Any other path under /open311/v2 (an empty id, a typo) is not found, in the spec's format too."""
        raise StarletteHTTPException(404, f"没有这个资源 / no resource {PREFIX}/{rest}")

    return router
