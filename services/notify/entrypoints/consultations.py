"""GET /api/v1/reports/consultations: 直接办结, the consultations the hotline closed on the spot with a knowledge
article (docs/knowledge.md), counted per month, type, article, operator and channel. Supervisors only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from services.notify.domain.knowledge import ConsultationReport, Count
from services.notify.service_layer.assessment import ListDepartmentNames
from services.notify.service_layer.knowledge import ReportConsultations
from shared.auth import Principal
from shared.clock import SHANGHAI
from shared.http import auth_deps
from shared.messagebus import MessageBus


def build_consultations_router(jwt_key: str, bus: MessageBus[Any]) -> APIRouter:
    """Paths relative to notify's `/api/v1` router, which includes this one."""
    router = APIRouter(prefix="/api/v1", tags=["notify", "hotspots and reports"])
    deps = auth_deps(jwt_key)

    @router.get("/reports/consultations", summary="直接办结统计 / consultations closed on the spot")
    def consultations(month: str | None = Query(None, max_length=16, description="YYYY-MM（默认本月）"),
                      _user: Principal = Depends(deps.role("supervisor"))) -> dict[str, Any]:
        """How many consultations the hotline closed with a knowledge article in the month, by type, article,
        operator and channel, and each of the twelve months up to it. Not complaints: no target counts them."""
        found: ConsultationReport = bus.handle(ReportConsultations(month or None))
        names: dict[str, str] = bus.handle(ListDepartmentNames())
        return consultations_json(found, names)

    return router


def _counts(counts: tuple[Count, ...], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """`names`: for articles, their departments' names (department, department_name)."""
    return [{"key": c.key, "name": c.name, "count": c.count,
             **({"department": c.department, "department_name": names.get(c.department or "", c.department)}
                if names is not None else {})} for c in counts]


def consultations_json(found: ConsultationReport, names: dict[str, str]) -> dict[str, Any]:
    period = found.month.period
    return {
        "month": str(found.month), "from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
        "now": found.now.astimezone(SHANGHAI).isoformat(), "total": found.total,
        "months": [{"month": m, "count": n} for m, n in found.months],
        "by_type": _counts(found.by_type), "by_article": _counts(found.by_article, names),
        "by_operator": _counts(found.by_operator), "by_channel": _counts(found.by_channel),
    }
