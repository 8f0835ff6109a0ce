"""Open311 GeoReport v2 as intake speaks it: our complaint types as services, complaints as service requests.

Pure Python. A service is a category (`noise`) or a category and subcategory (`noise.construction`);
a service request is a complaint, identified by its tracking code, shown without any personal data
(no name, no phone: phone numbers a citizen typed into the text are masked too). The spec's two
states are ours folded: closed = replied and rated, or rejected; the fine state is in `status_notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.intake.domain.departments import DepartmentDirectory
from services.intake.domain.status import STATUS_LABELS, Status
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, TOWNS, Channel
from shared.errors import InvalidInput, NotFound

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30 00:00"  # the service list's last change: clients refresh cached services after it
MAX_WINDOW = timedelta(days=90)  # the spec's default and largest start_date..end_date span
MAX_RESULTS = 1000  # the spec's default response volume
MAX_IDS = 100  # service_request_id values in one query
DESCRIPTION_MAX = 4000  # the spec limits a description to 4,000 characters

CLOSED = frozenset({Status.closed, Status.rejected})
OPEN = frozenset(Status) - CLOSED
STATES = {"open": OPEN, "closed": CLOSED}

NOTICES = {
    Status.received: "已受理，正在分拨至承办单位",
    Status.triage: "正在确定承办单位",
    Status.assigned: "已交办承办单位，将在答复期限内办理并答复",
    Status.accepted: "承办单位已签收，正在办理",
    Status.replied: "承办单位已答复，等待投诉人评价",
    Status.closed: "已办结",
    Status.rejected: "不予受理",
}
RECEIVED_NOTICE = ("合川区生态环境局已受理，将交办承办单位办理并在期限内答复；"
                   "可凭查询码在本平台或 Open311 接口查询进度")


# --- errors (intake's HTTP edge maps the kinds; the Open311 router maps them to the spec's format) ----------


class UnknownServiceCode(NotFound):
    code = "unknown_service_code"

    def __init__(self, service_code: str) -> None:
        super().__init__(f"未知的服务类型 {service_code!r} / service_code {service_code!r} not found "
                         "(see services.json)")


class UnknownServiceFilter(InvalidInput):
    code = "unknown_service_code"

    def __init__(self, service_code: str) -> None:
        super().__init__(f"未知的服务类型 {service_code!r} / no service_code {service_code!r} to filter by "
                         "(see services.json)")


class ServiceRequestNotFound(NotFound):
    code = "service_request_not_found"

    def __init__(self, service_request_id: str) -> None:
        super().__init__(f"未找到诉求 {service_request_id!r} / service_request_id {service_request_id!r} not found")


class InvalidDateTime(InvalidInput):
    code = "invalid_datetime"

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name} 须为带时区的 W3C 日期时间，如 2026-11-01T00:00:00+08:00 / {name} {value!r} "
                         "is not a w3c datetime with a time zone (e.g. 2026-11-01T00:00:00Z)")


class WindowTooLong(InvalidInput):
    code = "window_too_long"

    def __init__(self) -> None:
        super().__init__(f"查询时间段不能超过 {MAX_WINDOW.days} 天 / start_date..end_date may not span more than "
                         f"{MAX_WINDOW.days} days")


class DateOutOfRange(InvalidInput):
    code = "date_out_of_range"

    def __init__(self) -> None:
        super().__init__("日期超出范围 / a date out of range")


class WindowReversed(InvalidInput):
    code = "window_reversed"

    def __init__(self) -> None:
        super().__init__("end_date 不能早于 start_date / end_date is before start_date")


class UnknownStatus(InvalidInput):
    code = "unknown_status"

    def __init__(self, value: str) -> None:
        super().__init__(f"status 须为 open 或 closed / status {value!r}: one of open, closed")


class TooManyIds(InvalidInput):
    code = "too_many_ids"

    def __init__(self) -> None:
        super().__init__(f"一次最多查询 {MAX_IDS} 个诉求 / at most {MAX_IDS} service_request_id values at once")


# --- services ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    service_code: str
    service_name: str
    description: str
    group: str
    keywords: str  # comma separated, as the spec has it
    category: str
    subcategory: str | None = None
    metadata: bool = False  # no extra attributes: a description and a location are all we need
    type: str = "realtime"  # the service_request_id (tracking code) is returned at once


def service_code(category: str | None, subcategory: str | None) -> str | None:
    if not category:
        return None
    return f"{category}.{subcategory}" if subcategory else category


def services() -> list[Service]:
    """Every type a citizen can report: each category (not yet narrowed down), then its subcategories."""
    listed = []
    for category, group in CATEGORY_NAMES.items():
        listed.append(Service(
            service_code=category, service_name=group, group=group, category=category,
            description=f"{group}（细类由受理人员确定）/ {category}, subcategory left to the bureau",
            keywords=", ".join([group, category]),
        ))
        for subcategory, name in SUBCATEGORIES.get(category, {}).items():
            listed.append(Service(
                service_code=f"{category}.{subcategory}", service_name=name, group=group, category=category,
                subcategory=subcategory, description=f"{group} / {name}",
                keywords=", ".join([name, group, category, subcategory]),
            ))
    return listed


def find_service(code: str) -> Service:
    for service in services():
        if service.service_code == code.strip():
            return service
    raise UnknownServiceCode(code)


def service_name(category: str | None, subcategory: str | None) -> str | None:
    if not category:
        return None
    if subcategory:
        return SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)
    return CATEGORY_NAMES.get(category, category)


# --- dates ------------------------------------------------------------------------------------------

# W3C-DTF: a complete date, or a date and time with a time zone designator (Z or ±hh:mm).
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def parse_w3c(name: str, value: str) -> datetime:
    """A w3c datetime as the spec asks for it; a bare date is midnight in Chongqing."""
    text = value.strip()
    if not _W3C.match(text):
        raise InvalidDateTime(name, value)
    try:
        if len(text) == 10:
            parsed = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDateTime(name, value) from None
    try:
        parsed.astimezone(UTC), parsed.astimezone(SHANGHAI)  # stored as UTC, shown in Chongqing
    except OverflowError:
        raise DateOutOfRange() from None
    return parsed


def w3c(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value is not None else None


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: datetime | None, end: datetime | None, *, now: datetime) -> Window:
        """The spec's window: the last 90 days by default; one end given, 90 days from it; never longer."""
        if start is None and end is None:
            end = now
        try:
            if start is None:
                assert end is not None
                start = end - MAX_WINDOW
            if end is None:
                end = start + MAX_WINDOW
        except OverflowError:  # 90 days after 9999-12-31 or before 0001-03-31
            raise DateOutOfRange() from None
        if end < start:
            raise WindowReversed()
        if end - start > MAX_WINDOW:
            raise WindowTooLong()
        return cls(start, end)


# --- queries (answered by service_layer/open311.py) -------------------------------------------------------


@dataclass(frozen=True)
class ListServices:
    """Query: GET services — every service."""


@dataclass(frozen=True)
class GetServiceDefinition:
    """Query: GET services/{code} — the service (NotFound for an unknown code)."""

    service_code: str


@dataclass(frozen=True)
class ListServiceRequests:
    """Query: GET requests. `service_request_ids`, when given, override every other filter (the spec's rule)."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open", "closed"


@dataclass(frozen=True)
class GetServiceRequest:
    """Query: GET requests/{id} — one complaint by its tracking code."""

    service_request_id: str


# --- service requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    """What the repository selects: by tracking codes (when not None: () selects nothing), or by window, types
    and states."""

    tracking_codes: tuple[str, ...] | None = None
    types: tuple[tuple[str, str | None], ...] = ()  # (category, subcategory or None)
    # Only what came in through Open311 is published: other channels' complaints (and their codes) never are.
    channels: tuple[Channel, ...] = (Channel.open311,)
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[Status] = frozenset()
    limit: int = MAX_RESULTS


@dataclass(frozen=True)
class RequestRecord:
    """What the repository reads of a complaint for the public feed: no reporter field at all."""

    tracking_code: str
    status: Status
    content: str
    category: str | None
    subcategory: str | None
    town: str | None
    address: str | None
    lat: float | None
    lon: float | None
    department: str | None
    received_at: datetime
    updated_at: datetime
    reply_due: datetime | None


@dataclass(frozen=True)
class ServiceRequest:
    """One service request as the spec shows it (field names are the spec's; `long` is `lon` here)."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    lat: float | None
    lon: float | None

    @classmethod
    def of(cls, record: RequestRecord, directory: DepartmentDirectory) -> ServiceRequest:
        town = TOWNS.get(record.town) if record.town else None
        return cls(
            service_request_id=record.tracking_code,
            status="closed" if record.status in CLOSED else "open",
            status_notes=STATUS_LABELS[record.status],
            service_name=service_name(record.category, record.subcategory),
            service_code=service_code(record.category, record.subcategory),
            description=redact(record.content),
            agency_responsible=directory.name_of(record.department),
            service_notice=NOTICES[record.status],
            requested_datetime=w3c(record.received_at) or "",
            updated_datetime=w3c(record.updated_at) or "",
            # The reply deadline, once a department has it (an extension moves it; a return clears it).
            expected_datetime=w3c(record.reply_due) if record.department else None,
            address=redact(record.address) if record.address else (town.name if town else None),
            lat=record.lat,
            lon=record.lon,
        )


def _filtered_service(code: str) -> Service:
    """A filter naming no service is a bad request (400), not a missing resource (404)."""
    try:
        return find_service(code)
    except UnknownServiceCode:
        raise UnknownServiceFilter(code) from None


# What a tracking code can look like (HC261130-7KQ2XM4P): anything else names no request, and is not looked up.
_REQUEST_ID = re.compile(r"^[0-9A-Z-]{1,40}$")


def request_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    """Tracking codes as citizens type them (blanks and lower case forgiven); others can match nothing."""
    codes = (value.strip().upper() for value in values)
    return tuple(dict.fromkeys(code for code in codes if _REQUEST_ID.match(code)))


def request_filter(query: ListServiceRequests, *, now: datetime) -> RequestFilter:
    """The query checked (unknown codes and states, a window too long) and turned into the repository's filter."""
    if query.service_request_ids:
        if len(query.service_request_ids) > MAX_IDS:
            raise TooManyIds()
        return RequestFilter(tracking_codes=request_ids(query.service_request_ids))
    unknown = [status for status in query.statuses if status not in STATES]
    if unknown:
        raise UnknownStatus(unknown[0])
    types = tuple((s.category, s.subcategory) for s in map(_filtered_service, dict.fromkeys(query.service_codes)))
    window = Window.of(query.start, query.end, now=now)
    statuses: frozenset[Status] = frozenset().union(*(STATES[s] for s in query.statuses))
    return RequestFilter(types=types, start=window.start, end=window.end, statuses=statuses)


# --- personal data in free text -----------------------------------------------------------------------------

# Mainland mobile numbers (optionally +86), landlines with an area code, and 18-digit resident ID numbers,
# not inside a longer run of digits.
_PHONE_OR_ID = re.compile(
    r"(?<!\d)(?:(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}|0\d{2,3}-?\d{7,8}|\d{17}[\dXx])(?!\d)")


def redact(text: str) -> str:
    """Phone and ID numbers a citizen typed into public text, masked but for the last four characters."""
    return _PHONE_OR_ID.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)
