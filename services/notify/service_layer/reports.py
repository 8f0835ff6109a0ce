"""The monthly report (月报) and the public disclosure (主动公开): query handlers registered in handlers.py.

Both judge the three targets exactly as `GET /api/v1/metrics/sla` does for the month's first to last day
(at the same moment, the same numbers). The report is for the bureau: the figures overall and by
department, type and town, the cases that missed a deadline, and the problem list as at the month's end.
The disclosure is for anyone: the figures without case ids, counts by type and town, and the handled
cases with nothing that points to a person (domain/disclosure.py). Never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.notify.adapters.issues import HandledCase
from services.notify.domain.disclosure import Month, PublicMonthly, ReportMonth, reply_summary
from services.notify.domain.hotspots import HotspotRules, town_name, type_name
from services.notify.domain.knowledge import ConsultationReport, consultation_report, report_window
from services.notify.domain.metrics import (
    AssignmentRecord,
    Figures,
    Period,
    Record,
    SlaReport,
    Targets,
    judge_assignments,
    judge_replies,
    sla_report,
)
from services.notify.service_layer.dashboard import CaseLine, case_line
from services.notify.service_layer.hotspots import HotspotView, hotspots_at
from services.notify.service_layer.uow import NotifyUnitOfWork
from services.notify.service_layer.views import group_name
from shared.clock import SHANGHAI
from shared.contracts.codes import SUBCATEGORIES

GROUPINGS = (("department", "按承办单位"), ("type", "按类型"), ("town", "按镇街"))


@dataclass(frozen=True)
class Grouped:
    group_by: str
    title: str
    rows: list[tuple[str | None, str, Figures]]  # key, name, figures


@dataclass(frozen=True)
class MissedLine:
    figure: str  # assignment_rate | on_time_reply_rate
    case: CaseLine


@dataclass(frozen=True)
class MonthlyReportView:
    month: Month
    period: Period
    now: datetime
    targets: Targets
    received: int
    overall: Figures
    groups: list[Grouped]
    missed: list[MissedLine]  # the month's cases that missed the assignment or the reply deadline
    hotspots: list[HotspotView]
    hotspots_at: datetime
    consultations: ConsultationReport | None = None  # 直接办结 (domain/knowledge.py): a sheet of its own


@dataclass(frozen=True)
class Count:
    key: str | None
    name: str
    count: int


@dataclass(frozen=True)
class PublicCase:
    received_month: str  # YYYY-MM
    type_name: str
    town_name: str
    department_name: str
    status_name: str
    replied_on: str  # YYYY-MM-DD
    reopened: bool  # handled again after the citizen was not satisfied (重办)
    summary: str | None


@dataclass(frozen=True)
class PublicMonthlyView:
    query: PublicMonthly
    month: Month
    period: Period
    now: datetime
    targets: Targets
    received: int
    handled: int
    by_type: list[Count]
    by_town: list[Count]
    overall: Figures
    cases: list[PublicCase]


def _report(uow: NotifyUnitOfWork, period: Period, now: datetime, targets: Targets,
            group_by: str | None = None) -> tuple[SlaReport, list[AssignmentRecord]]:
    assignments = uow.reports.assignment_records(period)
    report = sla_report(assignments, uow.reports.reply_records(period), uow.reports.rating_records(period), period,
                        now, targets, group_by)
    return report, assignments


def monthly_report(query: ReportMonth, uow: NotifyUnitOfWork, targets: Targets,
                   hotspot_rules: HotspotRules) -> MonthlyReportView:
    now = uow.clock.now()
    month = Month.asked(query.month, now)
    period = month.period
    directory = uow.departments.get()
    reports = uow.reports
    assignments, replies = reports.assignment_records(period), reports.reply_records(period)
    ratings = reports.rating_records(period)
    groups = []
    for group_by, title in GROUPINGS:
        report = sla_report(assignments, replies, ratings, period, now, targets, group_by)
        groups.append(Grouped(group_by, title, [(key, group_name(group_by, key, directory), figures)
                                                for key, figures in report.groups]))
    overall = sla_report(assignments, replies, ratings, period, now, targets).overall
    missed: list[tuple[str, Record]] = [("assignment_rate", r)
                                        for r in judge_assignments(assignments, period, now).misses]
    missed += [("on_time_reply_rate", r) for r in judge_replies(replies, period, now).misses]
    missed.sort(key=lambda m: (m[1].due or now, m[1].complaint_id, m[0]))
    at = month.as_of(now)
    return MonthlyReportView(
        month=month, period=period, now=now, targets=targets, received=len(assignments), overall=overall,
        groups=groups,
        missed=[MissedLine(figure, case_line(record, directory, met=False)) for figure, record in missed],
        hotspots=[v for v in hotspots_at(uow, at, hotspot_rules, every_case=True)  # the workbook lists every case
                  if v.hotspot.flagged or v.state is not None],
        hotspots_at=at,
        consultations=consultation_report(uow.knowledge.consultations(*report_window(month)), month, now),
    )


def public_monthly(query: PublicMonthly, uow: NotifyUnitOfWork, targets: Targets) -> PublicMonthlyView:
    now = uow.clock.now()
    month = Month.asked(query.month, now)
    period = month.period
    report, received = _report(uow, period, now, targets)
    by_type = Counter(r.category for r in received)
    by_town = Counter(r.town for r in received)
    total, handled = uow.issues.handled_cases(period, offset=query.offset, limit=query.limit)
    directory = uow.departments.get()
    return PublicMonthlyView(
        query=query, month=month, period=period, now=now, targets=targets, received=len(received), handled=total,
        by_type=_counts(by_type, type_name), by_town=_counts(by_town, town_name), overall=report.overall,
        cases=[public_case(c, directory.name_of(c.department) if c.department else "—") for c in handled],
    )


def _counts(counter: Counter[str | None], name: Callable[[str | None], str]) -> list[Count]:
    return [Count(key, name(key), n) for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] or "~"))]


def public_case(case: HandledCase, department_name: str) -> PublicCase:
    kind = type_name(case.category)
    sub = SUBCATEGORIES.get(case.category or "", {}).get(case.subcategory or "")
    return PublicCase(
        received_month=case.received_at.astimezone(SHANGHAI).strftime("%Y-%m"),
        type_name=f"{kind} / {sub}" if sub else kind,
        town_name=town_name(case.town),
        department_name=department_name,
        status_name="已办结",
        replied_on=case.replied_at.astimezone(SHANGHAI).date().isoformat(),
        reopened=case.reply_round > 1,
        summary=reply_summary(case.summary) if case.summary else None,  # scrubbed again: the rules may have grown
    )
