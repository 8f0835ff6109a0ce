"""Read side: the targets report and the alert list, straight from notify's own tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.domain.commands import ListAlerts, ReportSlaTargets
from services.notify.domain.metrics import SlaReport, Targets, sla_report
from services.notify.service_layer.uow import NotifyUnitOfWork


@dataclass(frozen=True)
class AlertView:
    id: int
    complaint_id: str
    tracking_code: str | None
    department: str | None
    clock: str
    level: str
    reply_round: int
    due: datetime
    at: datetime


def report_sla_targets(query: ReportSlaTargets, uow: NotifyUnitOfWork, *, now: datetime,
                       targets: Targets) -> SlaReport:
    with uow:
        assignments = uow.cases.assignment_records(query.period)
        replies = uow.cases.reply_records(query.period)
        ratings = uow.cases.rating_records(query.period)
    return sla_report(assignments, replies, ratings, query.period, now, targets, query.group_by)


def list_alerts(query: ListAlerts, uow: NotifyUnitOfWork) -> list[AlertView]:
    with uow:
        rows = uow.cases.alerts(department=query.department, clock=query.clock, level=query.level,
                                limit=query.limit)
        return [AlertView(id=r.id or 0, complaint_id=r.complaint_id, tracking_code=r.tracking_code,
                          department=r.department, clock=r.clock, level=r.level, reply_round=r.reply_round,
                          due=r.due, at=r.created_at) for r in rows]
