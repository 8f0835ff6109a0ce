"""HTTP routes of notify: the three targets (supervisors) and the alerts (supervisors, dispatchers); for the
supervisors' dashboard also the targets per week or month, the cases behind any figure, and the overdue and
due-soon lists.

Each route parses, builds a query, hands it to the bus and shapes the JSON; domain errors become
their status in shared.http.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query

from services.notify.domain.commands import ListAlerts, ReportSlaTargets
from services.notify.domain.dashboard import MAX_OFFSET, ListDeadlineCases, ListFigureCases, ReportSlaTrend, days
from services.notify.domain.errors import InvalidReportRequest
from services.notify.domain.metrics import Figures, Period, Rate
from services.notify.service_layer.dashboard import (
    CaseLine,
    DeadlineLine,
    DeadlinesView,
    FigureCasesView,
    TrendView,
)
from services.notify.service_layer.views import AlertView, TargetsView
from services.notify.settings import NotifySettings
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps
from shared.messagebus import MessageBus

SATISFACTION_NOTE = (
    "满意度按各轮次最新评价计算（回访链接、电话回访或查询页）；有效回访率 = 回访完成且有评价 ÷ 回访完成（含联系不上），"
    "只按全区统计 / satisfaction counts each reply round once, with its latest rating (callback link, phone "
    "callback or tracking page); valid_callback_rate = callbacks completed with a rating ÷ callbacks completed "
    "(rated or unreachable) in the period, district-wide only (null in groups)"
)


RESOLUTION_NOTE = (
    "解决率不是三项指标之一：各轮次最新评价中答“解决”的 ÷ 答了解决情况的（解决、部分解决、未解决）；未答的轮次不计入 / "
    "not one of the three targets: rounds whose latest rating says resolved ÷ rounds whose latest rating says "
    "resolved, partly_resolved or unresolved; rounds without an answer are left out of both"
)
REVIEWED_NOTE = (
    "审核后满意度：不计被督查人员标记为不合理差评的不满意轮次（分子分母均不计）；考核与目标仍按原始满意度 / "
    "reviewed: without the rounds whose unsatisfied rating a supervisor marked unreasonable (out of numerator and "
    "denominator); the target and the assessment use the raw satisfaction rate"
)


def build_router(settings: NotifySettings, bus: MessageBus[Any]) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["notify"])
    deps = auth_deps(settings.jwt_key)

    @router.get("/metrics/sla")
    def sla_metrics(
        first_day: str | None = Query(None, alias="from", description="YYYY-MM-DD (default: 1st of the month)"),
        last_day: str | None = Query(None, alias="to", description="YYYY-MM-DD, inclusive (default: today)"),
        group_by: str | None = Query(None, description="department | category | town | channel"),
        _user: Principal = Depends(deps.role("supervisor")),
    ) -> dict[str, Any]:
        """交办率、按时回复率、满意度 for a period: each figure's numerator and denominator, and the link to
        the cases behind it (`cases_url`: GET /metrics/sla/cases, a page at a time)."""
        query = ReportSlaTargets.parse(first_day=first_day, last_day=last_day, group_by=group_by)
        return report_json(bus.handle(query))

    @router.get("/alerts")
    def alerts(
        department: str | None = Query(None, max_length=64),
        clock_name: Literal["assign", "accept", "reply", "contact", "onsite", "up_sign", "up_reply"] | None = Query(
            None, alias="clock"),
        level: Literal["yellow", "red", "escalated"] | None = Query(None),
        limit: int = Query(100, ge=1, le=500),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
        user: Principal = Depends(deps.role("supervisor", "dispatcher")),
    ) -> dict[str, Any]:
        """预警与督办, newest first, a page at a time: supervisors see all, dispatchers their own department."""
        query = ListAlerts.seen_by(user, department=department, clock=clock_name, level=level, limit=limit,
                                   offset=offset)
        page = bus.handle(query)
        following = offset + len(page.alerts)
        return {"total": page.total, "offset": offset, "limit": limit,
                "next_offset": following if following < page.total else None,
                "alerts": [alert_json(v) for v in page.alerts]}

    @router.get("/metrics/sla/trend")
    def sla_trend(
        interval: str = Query("month", max_length=16, description="week | month"),
        first_day: str | None = Query(None, alias="from", description="YYYY-MM-DD (default: 12 weeks or months back)"),
        last_day: str | None = Query(None, alias="to", description="YYYY-MM-DD, inclusive (default: today)"),
        department: str | None = Query(None, max_length=64, description="one department only"),
        town: str | None = Query(None, max_length=32, description="one town only"),
        _user: Principal = Depends(deps.role("supervisor")),
    ) -> dict[str, Any]:
        """The three targets per week or month (趋势), each with its numerator and denominator."""
        query = ReportSlaTrend(interval=interval, department=department or None, town=town or None,
                               **days(first_day, last_day))
        return trend_json(bus.handle(query))

    @router.get("/metrics/sla/cases")
    def sla_cases(
        figure: str = Query(..., max_length=32, description="assignment_rate | on_time_reply_rate | "
                            "satisfaction_rate | resolution_rate | reviewed_satisfaction_rate"),
        outcome: str = Query("missed", max_length=16, description="missed | met | all"),
        first_day: str | None = Query(None, alias="from", description="YYYY-MM-DD (default: 1st of the month)"),
        last_day: str | None = Query(None, alias="to", description="YYYY-MM-DD, inclusive (default: today)"),
        group_by: str | None = Query(None, max_length=16, description="department | type | town | channel"),
        group: str | None = Query(None, max_length=64, description="with group_by: the group's key (empty: none)"),
        offset: int = Query(0),
        limit: int = Query(50),
        _user: Principal = Depends(deps.role("supervisor")),
    ) -> dict[str, Any]:
        """The cases behind a figure of `GET /metrics/sla` (the same period and group), a page at a time."""
        if (group_by is None) != (group is None):
            raise InvalidReportRequest("group_by 与 group 需同时给出 / group_by and group go together")
        query = ListFigureCases(figure=figure, outcome=outcome, group_by=group_by, group=group or None,
                                offset=offset, limit=limit, **days(first_day, last_day))
        return figure_cases_json(bus.handle(query))

    @router.get("/metrics/deadlines")
    def deadlines(
        state: str = Query("overdue", max_length=16, description="overdue | due_soon"),
        department: str | None = Query(None, max_length=64),
        offset: int = Query(0),
        limit: int = Query(20),
        _user: Principal = Depends(deps.role("supervisor")),
    ) -> dict[str, Any]:
        """超期 and 临期 (75% of the allowed time used) cases of the running clocks, most urgent first."""
        query = ListDeadlineCases(state=state, department=department or None, offset=offset, limit=limit)
        return deadlines_json(bus.handle(query))

    return router


def _at(when: datetime | None) -> str | None:
    return when.astimezone(SHANGHAI).isoformat() if when is not None else None


def _period_json(period: Period) -> dict[str, str]:
    return {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}


def rate_json(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "rate": None if rate.rate is None else round(rate.rate, 4),
        "target": rate.target,
        "met": rate.met,
    }


def cases_url(figure: str, period: Period, group_by: str | None = None, group: str | None = None) -> str:
    """Where the cases behind a figure are listed, a page at a time (a figure never carries them)."""
    params = {"figure": figure, "outcome": "all", "from": period.first_day.isoformat(),
              "to": period.last_day.isoformat()}
    if group_by is not None:  # "category" and "type" name the same grouping: one link for both
        params |= {"group_by": "type" if group_by == "category" else group_by, "group": group or ""}
    return "/api/v1/metrics/sla/cases?" + urlencode(params)


def _group_cases_url(period: Period, group_by: str | None, group: str | None, figure: str) -> str:
    return cases_url(figure, period, group_by, group)


def _figures_json(figures: Figures, callbacks: tuple[int, int] | None = None,
                  link: Callable[[str], str] | None = None) -> dict[str, Any]:
    valid = None
    if callbacks is not None:
        rated, unreachable = callbacks
        done = rated + unreachable
        valid = {"numerator": rated, "denominator": done, "rate": round(rated / done, 4) if done else None}
    satisfaction = rate_json(figures.satisfaction_rate) | {"valid_callback_rate": valid, "note": SATISFACTION_NOTE}
    if figures.reviewed_satisfaction_rate is not None:  # beside the raw one, never instead of it
        satisfaction["reviewed"] = rate_json(figures.reviewed_satisfaction_rate) | {
            "left_out": figures.satisfaction_rate.denominator - figures.reviewed_satisfaction_rate.denominator,
            "note": REVIEWED_NOTE}
    found = {
        "assignment_rate": rate_json(figures.assignment_rate),
        "on_time_reply_rate": rate_json(figures.on_time_reply_rate),
        "satisfaction_rate": satisfaction,
    }
    if figures.resolution_rate is not None:  # not a target: no target, no met
        found["resolution_rate"] = extra_rate_json(figures.resolution_rate) | {"note": RESOLUTION_NOTE}
    if link is not None:
        for name, figure in found.items():
            figure["cases_url"] = link(name)
        if "reviewed" in satisfaction:
            satisfaction["reviewed"]["cases_url"] = link("reviewed_satisfaction_rate")
    return found


def extra_rate_json(rate: Rate) -> dict[str, Any]:
    """A figure shown beside the targets (解决率): numerator, denominator and rate, no target."""
    return {"numerator": rate.numerator, "denominator": rate.denominator,
            "rate": None if rate.rate is None else round(rate.rate, 4)}


def report_json(view: TargetsView) -> dict[str, Any]:
    report = view.report
    return {
        "period": {"from": report.period.first_day.isoformat(), "to": report.period.last_day.isoformat()},
        "as_of": report.now.astimezone(SHANGHAI).isoformat(),
        "targets": {"assignment_rate": report.targets.assignment_rate,
                    "on_time_reply_rate": report.targets.on_time_reply_rate,
                    "satisfaction_rate": report.targets.satisfaction_rate},
        **_figures_json(report.overall, view.callbacks, lambda name: cases_url(name, report.period)),
        "group_by": report.group_by,
        "groups": [{"key": key, "name": view.group_names[key],
                    **_figures_json(figures, link=partial(_group_cases_url, report.period, report.group_by, key))}
                   for key, figures in report.groups],
    }


def alert_json(alert: AlertView) -> dict[str, Any]:
    return {
        "id": alert.id,
        "complaint_id": alert.complaint_id,
        "tracking_code": alert.tracking_code,
        "department": alert.department,
        "department_name": alert.department_name,
        "clock": alert.clock,
        "level": alert.level,
        "reply_round": alert.reply_round,
        "due": alert.due.astimezone(SHANGHAI).isoformat(),
        "at": alert.at.astimezone(SHANGHAI).isoformat(),
    }


def _count_json(rate: Rate) -> dict[str, Any]:
    return {"numerator": rate.numerator, "denominator": rate.denominator,
            "rate": None if rate.rate is None else round(rate.rate, 4), "target": rate.target, "met": rate.met}


def trend_json(view: TrendView) -> dict[str, Any]:
    return {
        "interval": view.interval,
        "period": _period_json(view.period),
        "as_of": _at(view.now),
        "department": view.department, "department_name": view.department_name,
        "town": view.town, "town_name": view.town_name,
        "points": [{"key": bucket.key, **_period_json(bucket.period),
                    "assignment_rate": _count_json(figures.assignment_rate),
                    "on_time_reply_rate": _count_json(figures.on_time_reply_rate),
                    "satisfaction_rate": _count_json(figures.satisfaction_rate),
                    **({"resolution_rate": extra_rate_json(figures.resolution_rate)}
                       if figures.resolution_rate is not None else {}),
                    **({"reviewed_satisfaction_rate": _count_json(figures.reviewed_satisfaction_rate)}
                       if figures.reviewed_satisfaction_rate is not None else {})}
                   for bucket, figures in view.points],
    }


def case_line_json(line: CaseLine) -> dict[str, Any]:
    return {
        "complaint_id": line.complaint_id, "tracking_code": line.tracking_code,
        "department": line.department, "department_name": line.department_name,
        "category": line.category, "category_name": line.category_name,
        "town": line.town, "town_name": line.town_name,
        "channel": line.channel, "channel_name": line.channel_name,
        "reply_round": line.reply_round, "due": _at(line.due), "done_at": _at(line.done_at),
        "met": line.met, "rating": line.rating, "resolution": line.resolution, "unreasonable": line.unreasonable,
    }


def figure_cases_json(view: FigureCasesView) -> dict[str, Any]:
    query = view.query
    return {
        "figure": query.figure, "outcome": query.outcome, "period": _period_json(view.period), "as_of": _at(view.now),
        "group_by": query.group_by, "group": query.group, "group_name": view.group_name,
        "total": view.total, "offset": query.offset, "limit": query.limit,
        "cases": [case_line_json(line) for line in view.cases],
    }


def deadline_json(line: DeadlineLine) -> dict[str, Any]:
    return case_line_json(line.case) | {
        "clock": line.clock, "clock_name": line.clock_name, "state": line.state,
        "started_at": _at(line.started_at), "due": _at(line.due), "seconds_left": line.seconds_left,
        "urgent": line.urgent, "escalated": line.escalated,
    }


def deadlines_json(view: DeadlinesView) -> dict[str, Any]:
    query = view.query
    return {
        "state": query.state, "department": query.department, "as_of": _at(view.now), "counts": view.counts,
        "total": view.total, "offset": query.offset, "limit": query.limit,
        "cases": [deadline_json(line) for line in view.cases],
    }
