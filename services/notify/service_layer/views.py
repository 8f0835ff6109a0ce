"""Read side: the targets report and the alert list, from notify's own tables.

Each function reads in the unit of work its query handler was given (never one of its own) and
names departments from notify's copy of routing's directory, falling back to the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.adapters.figure_days import completed_callbacks
from services.notify.adapters.queries import FIGURE_NAMES
from services.notify.domain.commands import ListAlerts, ReportSlaTargets
from services.notify.domain.departments import DepartmentDirectory
from services.notify.domain.metrics import EXTRA_FIGURES, Figures, Rate, SlaReport, Targets, check_group_by
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
    """The three figures counted by the database (one aggregate each, grouped when asked; the rating figures,
    which read the same rows, in one); the ids behind them are paged by `GET /metrics/sla/cases`, never
    carried here."""
    now = uow.clock.now()
    period = query.period(now)
    check_group_by(query.group_by)
    aims = dict(zip(FIGURE_NAMES, (targets.assignment_rate, targets.on_time_reply_rate, targets.satisfaction_rate),
                    strict=True))
    # beside the targets: the resolution rate (no target) and the reviewed satisfaction rate (the raw one's aim)
    aims |= {"resolution_rate": 0.0, "reviewed_satisfaction_rate": targets.satisfaction_rate}
    names = FIGURE_NAMES + EXTRA_FIGURES
    counts = uow.reports.figures_counts(names, period, now, query.group_by)  # per-day sums and what is open

    def rates(key: str | None, *, overall: bool) -> Figures:
        found = {}
        for name in names:
            pairs = counts[name].values() if overall else [counts[name].get(key, (0, 0))]
            met, missed = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
            found[name] = Rate(numerator=met, denominator=met + missed, target=aims[name])
        return Figures(**found)

    groups: list[tuple[str | None, Figures]] = []
    if query.group_by is not None:
        keys = {k for name in FIGURE_NAMES for k, (met, missed) in counts[name].items() if met + missed}
        groups = [(k, rates(k, overall=False)) for k in sorted(keys, key=lambda k: (k is None, k or ""))]
    report = SlaReport(period=period, now=now, targets=targets, overall=rates(None, overall=True),
                       group_by=query.group_by, groups=tuple(groups))
    directory = uow.departments.get()
    return TargetsView(report, {key: group_name(report.group_by, key, directory) for key, _ in report.groups},
                       completed_callbacks(uow.session, period))


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


@dataclass(frozen=True)
class AlertsPage:
    total: int
    alerts: list[AlertView]


def alerts(query: ListAlerts, uow: NotifyUnitOfWork) -> AlertsPage:
    total, rows = uow.reports.alerts(department=query.department, clock=query.clock, level=query.level,
                                     limit=query.limit, offset=query.offset)
    directory = uow.departments.get()
    return AlertsPage(total, [AlertView(id=r.id or 0, complaint_id=r.complaint_id, tracking_code=r.tracking_code,
                      department=r.department,
                      department_name=directory.name_of(r.department) if r.department else None,
                      clock=r.clock, level=r.level, reply_round=r.reply_round, due=r.due, at=r.created_at)
            for r in rows])
