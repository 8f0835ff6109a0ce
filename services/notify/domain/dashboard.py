"""The supervisors' dashboard (/dashboard): what it asks notify for, and the rules that answer it.

- Trend (趋势): the three targets per ISO week (Monday first) or per calendar month, each bucket judged
  exactly as `metrics` judges a period, the first and last buckets clipped to the range asked for.
- The cases behind a figure (点数字看案件): the records one of the three figures counted in a period
  (and a group), those that met it, those that missed it, or both.
- Deadlines (超期 / 临期): cases whose running clock is past its deadline (overdue), or has used 75% of
  its allowed time and is not yet due (due soon: the yellow warning's threshold).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.notify.domain.case import SlaCase
from services.notify.domain.clocks import ClockState, SlaPolicy
from services.notify.domain.commands import _day
from services.notify.domain.errors import InvalidReportRequest
from services.notify.domain.metrics import (
    EXTRA_FIGURES,
    AssignmentRecord,
    Figures,
    Judged,
    Period,
    RatingRecord,
    Record,
    ReplyRecord,
    Targets,
    check_group_by,
    figures,
    group_key,
    judge_assignments,
    judge_ratings,
    judge_replies,
    judge_resolutions,
    judge_reviewed_ratings,
    latest_ratings,
)
from shared.clock import SHANGHAI

INTERVALS = ("week", "month")
TREND_POINTS = 12  # without `from`: the last twelve weeks or months up to `to`
FIGURES = ("assignment_rate", "on_time_reply_rate", "satisfaction_rate", *EXTRA_FIGURES)
OUTCOMES = ("met", "missed", "all")
DEADLINE_STATES = ("overdue", "due_soon")
PAGE_LIMIT = 100  # the most rows one page of a list may ask for
MAX_OFFSET = 100_000


def _one_of(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InvalidReportRequest(f"{name} 只能是 {'|'.join(allowed)} / {name} must be one of "
                                   f"{', '.join(allowed)}, not {value!r}")


def _page(offset: int, limit: int) -> None:
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidReportRequest(f"offset 应在 0 到 {MAX_OFFSET} 之间 / offset must lie between 0 and {MAX_OFFSET}")
    if not 1 <= limit <= PAGE_LIMIT:
        raise InvalidReportRequest(f"limit 应在 1 到 {PAGE_LIMIT} 之间 / limit must lie between 1 and {PAGE_LIMIT}")


def days(first_day: str | None, last_day: str | None) -> dict[str, date | None]:
    """`from` and `to` as query text (YYYY-MM-DD) → the queries' `first_day` and `last_day`."""
    return {"first_day": _day(first_day, "from") if first_day else None,
            "last_day": _day(last_day, "to") if last_day else None}


def default_period(first_day: date | None, last_day: date | None, now: datetime) -> Period:
    """`to` defaults to today, `from` to the first of its month (as the targets report)."""
    last = last_day or now.astimezone(SHANGHAI).date()
    return Period(first_day or last.replace(day=1), last)


# --- the queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSlaTrend:
    """The three targets per week or month; optionally for one department or one town only."""

    interval: str = "month"
    first_day: date | None = None
    last_day: date | None = None  # inclusive
    department: str | None = None
    town: str | None = None

    def __post_init__(self) -> None:
        _one_of("interval", self.interval, INTERVALS)

    def period(self, now: datetime) -> Period:
        """`to` defaults to today; `from` to the start of the twelfth week or month back (this one included)."""
        last = self.last_day or now.astimezone(SHANGHAI).date()
        if self.first_day is not None:
            return Period(self.first_day, last)
        if self.interval == "week":
            first = last - timedelta(days=last.weekday()) - timedelta(weeks=TREND_POINTS - 1)
        else:
            months = last.year * 12 + last.month - 1 - (TREND_POINTS - 1)
            first = date(months // 12, months % 12 + 1, 1)
        return Period(first, last)


@dataclass(frozen=True)
class ListFigureCases:
    """The cases one figure counted in a period: those that met it, missed it, or all of them.
    `group_by` with `group` (a group's key; None for the cases in no group) narrows it to one group."""

    figure: str
    outcome: str = "missed"
    first_day: date | None = None
    last_day: date | None = None
    group_by: str | None = None
    group: str | None = None
    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        _one_of("figure", self.figure, FIGURES)
        _one_of("outcome", self.outcome, OUTCOMES)
        check_group_by(self.group_by)
        _page(self.offset, self.limit)

    def period(self, now: datetime) -> Period:
        return default_period(self.first_day, self.last_day, now)


@dataclass(frozen=True)
class ListDeadlineCases:
    """Cases past a deadline (overdue) or near it (due soon), most urgent first, a page at a time."""

    state: str = "overdue"
    department: str | None = None
    offset: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        _one_of("state", self.state, DEADLINE_STATES)
        _page(self.offset, self.limit)


# --- trend -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key: str  # 2026-W45 | 2026-11
    period: Period  # clipped to the range asked for


def buckets(period: Period, interval: str) -> list[Bucket]:
    """The weeks (Monday to Sunday) or months that cover the period, the ends clipped to it."""
    _one_of("interval", interval, INTERVALS)
    found: list[Bucket] = []
    day = period.first_day
    while day <= period.last_day:
        if interval == "week":
            year, week, _ = day.isocalendar()
            key, end = f"{year}-W{week:02d}", day + timedelta(days=6 - day.weekday())
        else:
            key = f"{day.year}-{day.month:02d}"
            end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        end = min(end, period.last_day)
        found.append(Bucket(key, Period(day, end)))
        day = end + timedelta(days=1)
    return found


def _in_scope(record: Record, department: str | None, town: str | None) -> bool:
    return ((department is None or group_key("department", record) == department)
            and (town is None or group_key("town", record) == town))


def trend(assignments: Sequence[AssignmentRecord], replies: Sequence[ReplyRecord], ratings: Sequence[RatingRecord],
          period: Period, interval: str, now: datetime, targets: Targets, *, department: str | None = None,
          town: str | None = None) -> list[tuple[Bucket, Figures]]:
    """Each bucket's three figures, as the report for that bucket's days would give them.

    A record is placed in the bucket of each moment that makes it count (a reply round in the bucket of
    its deadline and in that of its reply), then each bucket is judged on its own records only."""
    found = buckets(period, interval)
    starts = [b.period.start for b in found]

    def index(when: datetime | None) -> int | None:
        return bisect_right(starts, when) - 1 if when is not None and when in period else None

    per: list[tuple[list[AssignmentRecord], list[ReplyRecord], list[RatingRecord]]] = [([], [], []) for _ in found]
    for a in assignments:
        if _in_scope(a, department, town) and (i := index(a.received_at)) is not None:
            per[i][0].append(a)
    for r in replies:
        if _in_scope(r, department, town):
            for i in {j for j in (index(r.reply_due), index(r.replied_at)) if j is not None}:
                per[i][1].append(r)
    for g in latest_ratings(ratings):
        if _in_scope(g, department, town) and (i := index(g.rated_at)) is not None:
            per[i][2].append(g)
    return [(b, figures(*per[i], b.period, now, targets)) for i, b in enumerate(found)]


# --- the cases behind a figure ---------------------------------------------------------------------


@dataclass(frozen=True)
class CountedCase:
    record: Record
    met: bool


def figure_cases(query: ListFigureCases, assignments: Iterable[AssignmentRecord], replies: Iterable[ReplyRecord],
                 ratings: Iterable[RatingRecord], period: Period, now: datetime) -> list[CountedCase]:
    """Every case the figure counted (misses first, then by deadline or time done), before paging."""
    judged: Judged
    if query.figure == "assignment_rate":
        judged = judge_assignments(assignments, period, now)
    elif query.figure == "on_time_reply_rate":
        judged = judge_replies(replies, period, now)
    elif query.figure == "resolution_rate":
        judged = judge_resolutions(ratings, period)
    elif query.figure == "reviewed_satisfaction_rate":
        judged = judge_reviewed_ratings(ratings, period)
    else:
        judged = judge_ratings(ratings, period)
    counted = []
    if query.outcome in ("missed", "all"):
        counted += [CountedCase(r, False) for r in judged.misses]
    if query.outcome in ("met", "all"):
        counted += [CountedCase(r, True) for r in judged.hits]
    if query.group_by is not None:
        counted = [c for c in counted if group_key(query.group_by, c.record) == query.group]
    far = datetime.max.replace(tzinfo=SHANGHAI)
    counted.sort(key=lambda c: (c.met, c.record.due or c.record.done_at or far, c.record.complaint_id))
    return counted


# --- deadlines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineCase:
    case: SlaCase
    clock: ClockState
    state: str  # overdue | due_soon
    escalated: bool = False  # 督办 raised for this clock's current deadline


def deadline_state(clock: ClockState, now: datetime, policy: SlaPolicy) -> str | None:
    if now > clock.due:
        return "overdue"
    if now >= clock.yellow_at(policy.yellow_ratio):
        return "due_soon"
    return None


def deadline_cases(cases: Iterable[SlaCase], now: datetime, policy: SlaPolicy,
                   escalated: Collection[tuple[str, str, int]] = ()) -> dict[str, list[DeadlineCase]]:
    """Each running clock that is overdue or due soon, by state; the nearest (or longest overdue) deadline first."""
    found: dict[str, list[DeadlineCase]] = {state: [] for state in DEADLINE_STATES}
    for case in cases:
        for clock in case.running_clocks():
            state = deadline_state(clock, now, policy)
            if state is not None:
                found[state].append(DeadlineCase(case, clock, state,
                                                 (case.complaint_id, clock.name.value, clock.cycle) in escalated))
    for entries in found.values():
        entries.sort(key=lambda d: (d.clock.due, d.case.complaint_id))
    return found
