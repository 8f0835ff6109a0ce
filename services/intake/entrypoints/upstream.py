"""The upstream platforms' entry points: the puller (a periodic worker) and the staff's routes.

The puller asks a platform for the cases transferred since its cursor, page by page; each case is checked
and translated here (the platform's words → our codes), then received by the bus (`ReceiveUpstreamCase`: one
complaint per case number, however often it comes), and the cursor moves after the page. A crash between
the two leaves the cursor behind: the page comes again and its cases are replays, so nothing is lost or
doubled. A case that cannot be read at all is logged and left to the reconciliation (upstream_only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.intake.domain.complaint import normalize_phone
from services.intake.domain.upstream import (
    CASE_NO_MAX,
    AdvanceUpstreamCursor,
    GetUpstreamCursor,
    ListUpstreamCases,
    ListUpstreamReconciliations,
    ReceiveUpstreamCase,
    UpstreamCase,
    UpstreamReporter,
    platform_name,
)
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, find_town
from shared.errors import DomainError
from shared.http import auth_deps
from shared.messagebus import MessageBus
from shared.text import visible, visible_text

log = logging.getLogger(__name__)

def _case_no(value: str) -> str:
    if not all(ch.isprintable() and not ch.isspace() and ch != "/" for ch in value):
        raise ValueError("case_no takes visible characters only (no blanks, controls or '/')")
    return value


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    anonymous: bool = False


class UpstreamCaseIn(BaseModel):
    """A case as the contract carries it (docs/upstream.md, "Pulling"). Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    case_no: Annotated[str, Field(min_length=1, max_length=CASE_NO_MAX), AfterValidator(_case_no)]
    title: str | None = Field(default=None, max_length=200)
    content: Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(visible(1))]
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    town: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=450)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    reporter: ReporterIn | None = None
    urgent: bool = False
    registered_at: datetime | None = None
    transferred_at: datetime
    sign_due: datetime | None = None
    reply_due: datetime | None = None

    @field_validator("registered_at", "transferred_at", "sign_due", "reply_due")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # The platforms are in China: a time without a zone is Beijing time.
        return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value

    def to_case(self) -> UpstreamCase:
        """Our codes where the platform's words are ours (a type by code or Chinese name, one of the 30
        towns); otherwise nothing is guessed: the classifier and a person decide, and the town's text
        stays in the address."""
        category = _category(self.category)
        subcategory = _subcategory(category, self.subcategory)
        town = find_town(self.town)
        address = visible_text(self.address or "") or None
        if self.town and town is None:
            address = f"{self.town}{address or ''}"
        reporter = self.reporter or ReporterIn()
        phone = normalize_phone(reporter.phone)  # anything else is no number we could call
        name = visible_text(reporter.name or "") or None
        return UpstreamCase(
            case_no=self.case_no, content=self.content, title=visible_text(self.title or "") or None,
            transferred_at=self.transferred_at, category=category, subcategory=subcategory,
            town=town.code if town else None, address=address,
            lat=self.lat if self.lon is not None else None, lon=self.lon if self.lat is not None else None,
            reporter=UpstreamReporter(None if reporter.anonymous else name, phone, reporter.anonymous),
            urgent=self.urgent, registered_at=self.registered_at, sign_due=self.sign_due, reply_due=self.reply_due)


def _category(value: str | None) -> str | None:
    if not value:
        return None
    if value in CATEGORY_NAMES:
        return value
    return next((code for code, name in CATEGORY_NAMES.items() if value in (name, name.removesuffix("污染"))), None)


def _subcategory(category: str | None, value: str | None) -> str | None:
    if not category or not value:
        return None
    names = SUBCATEGORIES.get(category, {})
    if value in names:
        return value
    return next((code for code, name in names.items() if value == name), None)


def refusal(exc: ValidationError) -> str:
    """What is wrong with a case, field by field, never its values (they hold the reporter's contact)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                     for e in exc.errors(include_input=False, include_url=False))


class CaseSource(Protocol):
    """A platform's transferred cases (adapters/upstream_http.py: HttpUpstreamPlatform.fetch)."""

    def fetch(self, cursor: str | None, limit: int) -> Any: ...


class UpstreamPuller:
    """One platform's pull: `run_once()` takes every page there is (renewing the lease with `keep()` before
    each further page, and stopping when it is lost)."""

    def __init__(self, bus: MessageBus[Any], platform: str, source: CaseSource, *, page_size: int = 50,
                 keep: Callable[[], bool] = lambda: True, max_pages: int = 200) -> None:
        self.bus, self.platform, self.source = bus, platform, source
        self.page_size, self.keep, self.max_pages = page_size, keep, max_pages

    def run_once(self) -> int:
        """Pull what is new; returns the cases received (replays included). A failure of the platform or
        the database stops the run where it is (the worker logs it and tries again next round)."""
        cursor: str | None = self.bus.handle(GetUpstreamCursor(self.platform))
        received = 0
        for page_number in range(self.max_pages):
            if page_number and not self.keep():
                break  # another replica holds the platform now
            page = self.source.fetch(cursor, self.page_size)
            for raw in page.cases:
                received += self._receive(raw)
            if page.next_cursor != cursor:
                if not self.bus.handle(AdvanceUpstreamCursor(self.platform, cursor, page.next_cursor, len(page.cases))):
                    log.warning("upstream %s: the cursor was moved by another puller; this run stops", self.platform)
                    break
                cursor = page.next_cursor
            elif page.has_more:
                log.warning("upstream %s: more cases announced but the cursor did not move; this run stops",
                            self.platform)
                break
            if not page.has_more:
                break
        return received

    def _receive(self, raw: dict[str, Any]) -> int:
        number = str(raw.get("case_no", "?"))[:CASE_NO_MAX]
        try:
            case = UpstreamCaseIn.model_validate(raw).to_case()
        except ValidationError as exc:
            log.error("upstream %s: case %s cannot be received: %s", self.platform, number, refusal(exc))
            return 0
        try:
            self.bus.handle(ReceiveUpstreamCase(self.platform, case))
        except DomainError as exc:  # refused on purpose (e.g. a time far in the future): never received
            log.error("upstream %s: case %s refused: %s", self.platform, number, exc.message)
            return 0
        return 1


# --- the staff's routes --------------------------------------------------------------------------------

Platform = Literal["12345", "national"]


def _when(value: datetime | None) -> datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None


def build_upstream_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1/upstream", tags=["upstream"])
    supervisors = auth_deps(jwt_key).role("supervisor")  # and admin

    @router.get("/cases", summary="上级平台转办件 / cases transferred by the upstream platforms")
    def cases(platform: Platform | None = None, open_only: Annotated[bool, Query(alias="open")] = False,
              limit: Annotated[int, Query(ge=1, le=500)] = 100,
              _principal: Principal = Depends(supervisors)) -> dict[str, Any]:
        """Each case with the platform's deadlines beside ours (`upstream_earlier`: the platform's reply
        deadline comes first, and is the one to keep); `open=true`: the open ones, soonest upstream deadline first."""
        found = bus.handle(ListUpstreamCases(platform, open_only=open_only, limit=limit)).cases
        return {"cases": [{
            "platform": c.platform, "platform_name": platform_name(c.platform), "case_no": c.case_no,
            "complaint_id": c.complaint_id, "tracking_code": c.tracking_code, "status": c.status,
            "department": c.department, "told": c.state.value, "urgent": c.urgent,
            "transferred_at": _when(c.transferred_at), "received_at": _when(c.received_at),
            "upstream_sign_due": _when(c.sign_due), "upstream_reply_due": _when(c.upstream_reply_due),
            "our_reply_due": _when(c.our_reply_due), "upstream_earlier": c.upstream_earlier,
        } for c in found]}

    @router.get("/reconciliations", summary="对账结果 / the stored reconciliation reports")
    def reports(platform: Platform | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 30,
                _principal: Principal = Depends(supervisors)) -> dict[str, Any]:
        return {"reports": bus.handle(ListUpstreamReconciliations(platform, limit))}

    return router
