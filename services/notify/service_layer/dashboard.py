"""The supervisors' dashboard's queries (registered in handlers.py's table): the targets per week or
month, the cases behind any figure, and the overdue and due-soon lists.

Queries never commit. They read notify's own tables through the unit of work they are given and name
departments from notify's copy of routing's directory (falling back to the code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notify.domain.case import SlaCase
from services.notify.domain.clocks import CLOCK_NAMES_ZH, SlaPolicy
from services.notify.domain.dashboard import (
    Bucket,
    DeadlineCase,
    ListDeadlineCases,
    ListFigureCases,
    ReportSlaTrend,
    deadline_cases,
    trend,
)
from services.notify.domain.departments import DepartmentDirectory
from services.notify.domain.metrics import Figures, Period, RatingRecord, Record, Targets
from services.notify.service_layer.uow import NotifyUnitOfWork
from services.notify.service_layer.views import CHANNEL_NAMES, group_name
from shared.contracts.codes import CATEGORY_NAMES, TOWNS


@dataclass(frozen=True)
class CaseLine:
    """One case as the dashboard lists it: who has it, what and where, and the deadline that counts."""

    complaint_id: str
    tracking_code: str | None
    department: str | None
    department_name: str | None
    category: str | None
    category_name: str | None
    town: str | None
    town_name: str | None
    channel: str | None
    channel_name: str | None
    reply_round: int
    due: datetime | None  # the deadline the figure judged (None for a rating)
    done_at: datetime | None  # assigned, replied or rated at (None: not yet)
    met: bool | None = None  # the figure's verdict (None in the deadline lists)
    rating: str | None = None
    resolution: str | None = None  # 解决情况 of the rating (resolved | partly_resolved | unresolved)
    unreasonable: bool = False  # the unsatisfied rating was marked unreasonable (不合理差评)


@dataclass(frozen=True)
class TrendView:
    interval: str
    period: Period
    now: datetime
    targets: Targets
    points: list[tuple[Bucket, Figures]]
    department: str | None
    department_name: str | None
    town: str | None
    town_name: str | None


@dataclass(frozen=True)
class FigureCasesView:
    query: ListFigureCases
    period: Period
    now: datetime
    total: int
    group_name: str | None
    cases: list[CaseLine]


@dataclass(frozen=True)
class DeadlineLine:
    case: CaseLine
    clock: str  # assign | accept | reply
    clock_name: str  # 交办 | 签收 | 回复
    state: str  # overdue | due_soon
    started_at: datetime
    due: datetime
    seconds_left: int  # negative: overdue by that long
    urgent: bool
    escalated: bool


@dataclass(frozen=True)
class DeadlinesView:
    query: ListDeadlineCases
    now: datetime
    total: int
    counts: dict[str, int]  # every state's total, for the tabs
    cases: list[DeadlineLine]


# --- handlers ----------------------------------------------------------------------------------------


def report_sla_trend(query: ReportSlaTrend, uow: NotifyUnitOfWork, targets: Targets) -> TrendView:
    now = uow.clock.now()
    period = query.period(now)
    points = trend(uow.reports.assignment_records(period), uow.reports.reply_records(period),
                   uow.reports.rating_records(period), period, query.interval, now, targets,
                   department=query.department, town=query.town)
    directory = uow.departments.get()
    town = TOWNS.get(query.town) if query.town else None
    return TrendView(query.interval, period, now, targets, points, query.department,
                     directory.name_of(query.department) if query.department else None,
                     query.town, town.name if town else query.town)


def list_figure_cases(query: ListFigureCases, uow: NotifyUnitOfWork) -> FigureCasesView:
    """One page of the cases behind a figure, judged, filtered, ordered and paged by the database."""
    now = uow.clock.now()
    period = query.period(now)
    total, page = uow.reports.figure_page(query.figure, period, now, outcome=query.outcome, group_by=query.group_by,
                                          group=query.group, offset=query.offset, limit=query.limit)
    directory = uow.departments.get()
    group = group_name(query.group_by, query.group, directory) if query.group_by is not None else None
    return FigureCasesView(query, period, now, total, group, [case_line(record, directory, met=met)
                                                              for record, met in page])


def list_deadline_cases(query: ListDeadlineCases, uow: NotifyUnitOfWork, policy: SlaPolicy) -> DeadlinesView:
    now = uow.clock.now()
    cases = uow.reports.cases_with_running_clocks(query.department)
    escalated = uow.reports.escalated_clocks([c.complaint_id for c in cases])
    found = deadline_cases(cases, now, policy, escalated)
    entries = found[query.state]
    directory = uow.departments.get()
    page = entries[query.offset:query.offset + query.limit]
    return DeadlinesView(query, now, len(entries), {state: len(e) for state, e in found.items()},
                         [deadline_line(d, directory, now) for d in page])


# --- shaping -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    department: str | None
    category: str | None
    town: str | None
    channel: str | None


def _names(directory: DepartmentDirectory, department: str | None, category: str | None,
           town: str | None, channel: str | None) -> _Names:
    found = TOWNS.get(town) if town else None
    return _Names(
        department=directory.name_of(department) if department else None,
        category=CATEGORY_NAMES.get(category, category) if category else None,
        town=(found.name if found else town) if town else None,
        channel=CHANNEL_NAMES.get(channel, channel) if channel else None,
    )


def case_line(record: Record, directory: DepartmentDirectory, *, met: bool | None = None) -> CaseLine:
    names = _names(directory, record.department, record.category, record.town, record.channel)
    return CaseLine(
        complaint_id=record.complaint_id, tracking_code=record.tracking_code,
        department=record.department, department_name=names.department,
        category=record.category, category_name=names.category, town=record.town, town_name=names.town,
        channel=record.channel, channel_name=names.channel,
        reply_round=getattr(record, "reply_round", 1), due=record.due, done_at=record.done_at, met=met,
        rating=record.rating if isinstance(record, RatingRecord) else None,
        resolution=record.resolution if isinstance(record, RatingRecord) else None,
        unreasonable=record.unreasonable if isinstance(record, RatingRecord) else False,
    )


def deadline_line(entry: DeadlineCase, directory: DepartmentDirectory, now: datetime) -> DeadlineLine:
    case: SlaCase = entry.case
    clock = entry.clock
    names = _names(directory, case.department, case.category, case.town, case.channel)
    line = CaseLine(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code,
        department=case.department, department_name=names.department,
        category=case.category, category_name=names.category, town=case.town, town_name=names.town,
        channel=case.channel, channel_name=names.channel, reply_round=case.reply_round,
        due=clock.due, done_at=None,
    )
    return DeadlineLine(line, clock.name.value, CLOCK_NAMES_ZH[clock.name], entry.state, clock.start, clock.due,
                        int((clock.due - now).total_seconds()), case.urgent, entry.escalated)
