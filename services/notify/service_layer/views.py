"""Read side: the targets report and the alert list, from notify's own tables.

Each function reads in the unit of work its query handler was given (never one of its own) and
names departments from notify's copy of routing's directory, falling back to the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.adapters.repository import completed_callbacks
from services.notify.domain.commands import ListAlerts, ReportSlaTargets
from services.notify.domain.departments import DepartmentDirectory
from services.notify.domain.metrics import SlaReport, Targets, sla_report
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.codes import CATEGORY_NAMES, TOWNS

UNGROUPED = "未定 / unassigned"
# How a complaint came: grid workers' patrol findings (grid) are counted apart from citizens' reports.
CHANNEL_NAMES = {"web": "网站", "app": "App", "hotline": "热线", "wechat": "微信", "open311": "Open311",
                 "grid": "网格巡查", "upstream": "上级平台转办"}


@dataclass(frozen=True)
class TargetsView:
    report: SlaReport
    group_names: dict[str | None, str]  # each group's key → the name it is shown with
    callbacks: tuple[int, int] = (0, 0)  # callbacks completed in the period: (rated, unreachable)


@dataclass(frozen=True)
class AlertView:
    id: int
    complaint_id: str
    tracking_code: str | None
    department: str | None
    department_name: str | None
    clock: str
    level: str
    reply_round: int
    due: datetime
    at: datetime


def sla_targets(query: ReportSlaTargets, uow: NotifyUnitOfWork, targets: Targets) -> TargetsView:
    now = uow.clock.now()
    period = query.period(now)
    report = sla_report(uow.reports.assignment_records(period), uow.reports.reply_records(period),
                        uow.reports.rating_records(period), period, now, targets, query.group_by)
    directory = uow.departments.get()
    return TargetsView(report, {key: group_name(report.group_by, key, directory) for key, _ in report.groups},
                       completed_callbacks(uow.session, period.start, period.end))


def group_name(group_by: str | None, key: str | None, directory: DepartmentDirectory) -> str:
    if key is None:
        return UNGROUPED
    if group_by == "department":
        return directory.name_of(key)
    if group_by in ("category", "type"):
        return CATEGORY_NAMES.get(key, key)
    if group_by == "channel":
        return CHANNEL_NAMES.get(key, key)
    town = TOWNS.get(key)
    return town.name if town else key


def alerts(query: ListAlerts, uow: NotifyUnitOfWork) -> list[AlertView]:
    rows = uow.reports.alerts(department=query.department, clock=query.clock, level=query.level, limit=query.limit)
    directory = uow.departments.get()
    return [AlertView(id=r.id or 0, complaint_id=r.complaint_id, tracking_code=r.tracking_code,
                      department=r.department,
                      department_name=directory.name_of(r.department) if r.department else None,
                      clock=r.clock, level=r.level, reply_round=r.reply_round, due=r.due, at=r.created_at)
            for r in rows]
