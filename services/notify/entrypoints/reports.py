"""HTTP routes of the problem list (问题清单, supervisors), the monthly report (.xlsx, supervisors) and the
public disclosure (主动公开, no sign-in).

Each route parses, builds a command or query, hands it to the bus and shapes the answer; domain errors
become their status in shared.http.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.notify.adapters.workbook import MEDIA_TYPE, assessment_workbook, filename, monthly_workbook
from services.notify.domain.assessment import INDICATOR_NAMES, INDICATORS, LOWER_IS_BETTER, Assessment, Indicator
from services.notify.domain.dashboard import MAX_OFFSET
from services.notify.domain.disclosure import PublicMonthly, ReportMonth
from services.notify.domain.hotspots import OWNER_MAX, TEXT_MAX, ListHotspotCases, ListHotspots, UpdateHotspot
from services.notify.domain.metrics import Figures, Rate
from services.notify.service_layer.assessment import AssessUnits, ListDepartmentNames
from services.notify.service_layer.hotspots import HotspotCaseLine, HotspotCases, HotspotList, HotspotView
from services.notify.service_layer.reports import MonthlyReportView, PublicMonthlyView
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

HotspotKey = Path(min_length=3, max_length=100, description="如 recurring:taihe:noise")
PRIVACY_NOTE = ("公开内容不含投诉人姓名、电话、地址、投诉原文及查询码；"
                "办理情况摘要已去除电话、证件号、人名、门牌号等个人信息。"
                " / No names, phone numbers, addresses, complaint texts or tracking codes; reply summaries are "
                "scrubbed of phone and ID numbers, names and house numbers.")


class HotspotPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str | None = Field(None, max_length=OWNER_MAX, description="包案领导姓名（空字符串：取消）")
    plan: str | None = Field(None, max_length=TEXT_MAX, description="整改方案")
    status: str | None = Field(None, max_length=16, description="open | in_progress | resolved")
    note: str | None = Field(None, max_length=TEXT_MAX, description="办结说明（销号时必填）")


def build_reports_router(jwt_key: str, bus: MessageBus[Any]) -> APIRouter:
    """Paths relative to notify's `/api/v1` router, which includes this one (an included router's own
    prefix would be added to the includer's: /api/v1/api/v1/...)."""
    router = APIRouter(prefix="/api/v1", tags=["notify", "hotspots and reports"])
    deps = auth_deps(jwt_key)

    @router.get("/hotspots", summary="问题清单与预警 / the problem list")
    def hotspots(
        status: str = Query("active", max_length=16, description="active | resolved | all"),
        kind: str | None = Query(None, max_length=16, description="recurring | rising | night_noise | reopened"),
        limit: int = Query(100, ge=1, le=500),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
        _user: Principal = Depends(deps.role("supervisor")),
    ) -> dict[str, Any]:
        """A page of the list, flagged ones first, the largest first; each links to its cases (`cases_url`)."""
        found: HotspotList = bus.handle(ListHotspots(view=status, kind=kind or None, offset=offset, limit=limit))
        rules = found.rules
        following = offset + len(found.hotspots)
        return {"as_of": _at(found.as_of), "total": found.total, "offset": offset, "limit": limit,
                "next_offset": following if following < found.total else None,
                "rules": {"min_cases": rules.min_cases, "window_days": rules.window_days,
                          "rising_factor": rules.rising_factor, "reopen_rounds": rules.reopen_rounds},
                "hotspots": [hotspot_json(v) for v in found.hotspots]}

    @router.get("/hotspots/{key}/cases", summary="问题清单条目的相关案件 / the cases behind a hotspot",
                responses=error_responses(404))
    def hotspot_cases(key: str = HotspotKey, limit: int = Query(50, ge=1, le=500),
                      offset: int = Query(0, ge=0, le=MAX_OFFSET),
                      _user: Principal = Depends(deps.role("supervisor"))) -> dict[str, Any]:
        """The cases behind one hotspot the list shows, newest first, a page at a time."""
        found: HotspotCases = bus.handle(ListHotspotCases(key, offset=offset, limit=limit))
        following = offset + len(found.cases)
        return {"key": key, "title": found.hotspot.title, "total": found.total, "offset": offset, "limit": limit,
                "next_offset": following if following < found.total else None,
                "cases": [hotspot_case_json(line) for line in found.cases]}

    @router.patch("/hotspots/{key}", summary="领导包案、整改方案、销号 / owner, plan, status of a hotspot")
    def update_hotspot(body: HotspotPatch, key: str = HotspotKey,
                       user: Principal = Depends(deps.role("supervisor"))) -> dict[str, Any]:
        command = UpdateHotspot(key=key, by=user.username, owner=body.owner, plan=body.plan, status=body.status,
                                note=body.note)
        return hotspot_json(bus.handle(command))

    @router.get("/reports/monthly", summary="月报 (.xlsx)", response_class=Response,
                responses={200: {"content": {MEDIA_TYPE: {}}}})
    def monthly_report(month_text: str | None = Query(None, alias="month", max_length=16, description="YYYY-MM"),
                       _user: Principal = Depends(deps.role("supervisor"))) -> Response:
        view: MonthlyReportView = bus.handle(ReportMonth(month_text or None))
        content = monthly_workbook(view)
        name = filename(str(view.month))
        return Response(content, media_type=MEDIA_TYPE, headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        })

    @router.get("/assessments", summary="考核：承办单位与镇街的得分、排名和红黑榜 / the assessment of units",
                responses={200: {"content": {MEDIA_TYPE: {}}}})  # JSON, or the workbook (format=xlsx)
    def assessments(month: str | None = Query(None, max_length=16, description="YYYY-MM"),
                    year: str | None = Query(None, max_length=8, description="YYYY"),
                    format: str | None = Query(None, pattern="^(json|xlsx)$", description="xlsx: the workbook"),
                    _user: Principal = Depends(deps.role("supervisor"))) -> Any:
        """Every department and town on seven indicators (签收及时率, 按时回复率, 退单率, 重办率, 满意率, 解决率,
        知识库维护及时率), each with numerator, denominator and the cases behind it; the weighted score, the rank within
        its kind and the red and black lists (docs/assessment.md). `format=xlsx` answers the workbook."""
        found: Assessment = bus.handle(AssessUnits(month or None, year or None))
        names: dict[str, str] = bus.handle(ListDepartmentNames())
        if format == "xlsx":
            name = f"hechuan-assessment-{found.period.first_day}-{found.period.last_day}.xlsx"
            return Response(assessment_workbook(found, names), media_type=MEDIA_TYPE, headers={
                "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store"})
        return assessment_json(found, names)

    @router.get("/public/monthly", summary="主动公开：本区月度投诉办理情况 / public monthly disclosure")
    def public_monthly(month_text: str | None = Query(None, alias="month", max_length=16, description="YYYY-MM"),
                       offset: int = Query(0), limit: int = Query(20)) -> dict[str, Any]:
        return public_json(bus.handle(PublicMonthly(month_text or None, offset=offset, limit=limit)))

    return router


def _at(when: datetime | None) -> str | None:
    return when.astimezone(SHANGHAI).isoformat() if when is not None else None


def hotspot_json(view: HotspotView) -> dict[str, Any]:
    hotspot, state = view.hotspot, view.state
    return {
        "key": hotspot.key, "kind": hotspot.kind, "kind_name": view.kind_name, "title": view.title,
        "town": hotspot.town, "town_name": view.town_name,
        "category": hotspot.category, "category_name": view.category_name,
        "flagged": hotspot.flagged, "reason": hotspot.reason, "count": hotspot.count,
        "figures": hotspot.figures,
        "window": {"from": _at(hotspot.window_start), "to": _at(hotspot.window_end)},
        "status": view.status, "status_name": view.status_name,
        "owner": state.owner if state else None, "plan": state.plan if state else None,
        "note": state.note if state else None,
        "updated_at": _at(state.updated_at) if state else None, "updated_by": state.updated_by if state else None,
        "resolved_at": _at(state.resolved_at) if state else None,
        "resolved_by": state.resolved_by if state else None,
        "since_resolved": view.since_resolved,
        # the cases behind it, a page at a time (a month's noise in a big town is thousands of them)
        "cases_url": f"/api/v1/hotspots/{quote(hotspot.key, safe=':')}/cases",
    }


def hotspot_case_json(line: HotspotCaseLine) -> dict[str, Any]:
    return {"complaint_id": line.case.complaint_id, "tracking_code": line.case.tracking_code,
            "category": line.case.category, "category_name": line.category_name,
            "town": line.case.town, "town_name": line.town_name,
            "department": line.case.department, "department_name": line.department_name,
            "status": line.case.status, "reply_round": line.case.reply_round,
            "received_at": _at(line.case.received_at)}


def _public_rate(rate: Rate) -> dict[str, Any]:
    """A figure without the cases behind it: the public sees counts, never case ids."""
    return {"numerator": rate.numerator, "denominator": rate.denominator,
            "rate": None if rate.rate is None else round(rate.rate, 4), "target": rate.target, "met": rate.met}


def _public_figures(figures: Figures) -> dict[str, Any]:
    return {"assignment_rate": _public_rate(figures.assignment_rate),
            "on_time_reply_rate": _public_rate(figures.on_time_reply_rate),
            "satisfaction_rate": _public_rate(figures.satisfaction_rate)}


def public_json(view: PublicMonthlyView) -> dict[str, Any]:
    query = view.query
    return {
        "month": str(view.month),
        "period": {"from": view.period.first_day.isoformat(), "to": view.period.last_day.isoformat()},
        "as_of": _at(view.now),
        "received": view.received,
        "handled": view.handled,
        "by_type": [{"key": c.key, "name": c.name, "count": c.count} for c in view.by_type],
        "by_town": [{"key": c.key, "name": c.name, "count": c.count} for c in view.by_town],
        **_public_figures(view.overall),
        "cases": [{"received_month": c.received_month, "type_name": c.type_name, "town_name": c.town_name,
                   "department_name": c.department_name, "status_name": c.status_name, "replied_on": c.replied_on,
                   "reopened": c.reopened, "summary": c.summary} for c in view.cases],
        "total": view.handled, "offset": query.offset, "limit": query.limit,
        "privacy": PRIVACY_NOTE,
    }


def assessment_json(found: Assessment, names: dict[str, str]) -> dict[str, Any]:
    def indicator(i: Indicator) -> dict[str, Any]:
        return {"name": INDICATOR_NAMES[i.name], "numerator": i.numerator, "denominator": i.denominator,
                "rate": i.rate, "points": None if i.points is None else round(i.points, 2),
                "lower_is_better": i.name in LOWER_IS_BETTER, "cases": list(i.cases)}

    return {
        "from": found.period.first_day.isoformat(), "to": found.period.last_day.isoformat(),
        "now": found.now.astimezone(SHANGHAI).isoformat(),
        "weights": {k: found.policy.weights.get(k, 0) for k in INDICATORS},
        "min_cases": found.policy.min_cases,
        "units": [{"department": u.department, "name": names.get(u.department, u.department), "kind": u.kind,
                   "rank": u.rank, "score": u.score, "assignments": u.assignments,
                   "indicators": {k: indicator(v) for k, v in u.indicators.items()}} for u in found.units],
        "red": {kind: [{"department": c, "name": names.get(c, c)} for c in codes] for kind, codes in found.red.items()},
        "black": {kind: [{"department": c, "name": names.get(c, c)} for c in codes]
                  for kind, codes in found.black.items()},
    }
