"""HTTP routes of notify: the three targets (supervisors) and the alerts (supervisors, dispatchers).

Each route parses, builds a query, hands it to the bus and shapes the JSON; domain errors become
their status in shared.http.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query

from services.notify.domain.commands import ListAlerts, ReportSlaTargets
from services.notify.domain.metrics import Figures, Rate
from services.notify.service_layer.views import AlertView, TargetsView
from services.notify.settings import NotifySettings
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps
from shared.messagebus import MessageBus

SATISFACTION_NOTE = (
    "valid_callback_rate 暂为 null：电话回访尚未接入，满意度按各轮次最新评价计算 / "
    "valid_callback_rate is null for now: phone callbacks are not connected yet; satisfaction counts "
    "each reply round once, with its latest rating (callback link, phone callback or tracking page)"
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
        """交办率、按时回复率、满意度 for a period, with the cases behind each number."""
        query = ReportSlaTargets.parse(first_day=first_day, last_day=last_day, group_by=group_by)
        return report_json(bus.handle(query))

    @router.get("/alerts")
    def alerts(
        department: str | None = Query(None, max_length=64),
        clock_name: Literal["assign", "accept", "reply"] | None = Query(None, alias="clock"),
        level: Literal["yellow", "red", "escalated"] | None = Query(None),
        limit: int = Query(100, ge=1, le=500),
        user: Principal = Depends(deps.role("supervisor", "dispatcher")),
    ) -> dict[str, Any]:
        """预警与督办, newest first: supervisors see all, dispatchers their own department."""
        query = ListAlerts.seen_by(user, department=department, clock=clock_name, level=level, limit=limit)
        return {"alerts": [alert_json(v) for v in bus.handle(query)]}

    return router


def rate_json(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "rate": None if rate.rate is None else round(rate.rate, 4),
        "target": rate.target,
        "met": rate.met,
        "cases": list(rate.cases),
        "misses": list(rate.misses),
    }


def _figures_json(figures: Figures) -> dict[str, Any]:
    satisfaction = rate_json(figures.satisfaction_rate) | {"valid_callback_rate": None, "note": SATISFACTION_NOTE}
    return {
        "assignment_rate": rate_json(figures.assignment_rate),
        "on_time_reply_rate": rate_json(figures.on_time_reply_rate),
        "satisfaction_rate": satisfaction,
    }


def report_json(view: TargetsView) -> dict[str, Any]:
    report = view.report
    return {
        "period": {"from": report.period.first_day.isoformat(), "to": report.period.last_day.isoformat()},
        "as_of": report.now.astimezone(SHANGHAI).isoformat(),
        "targets": {"assignment_rate": report.targets.assignment_rate,
                    "on_time_reply_rate": report.targets.on_time_reply_rate,
                    "satisfaction_rate": report.targets.satisfaction_rate},
        **_figures_json(report.overall),
        "group_by": report.group_by,
        "groups": [{"key": key, "name": view.group_names[key], **_figures_json(figures)}
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
