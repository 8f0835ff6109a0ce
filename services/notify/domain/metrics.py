"""The three targets of the district plan, computed exactly as DESIGN.md defines them.

For a period P = [first day 00:00, day after the last day 00:00) in Asia/Shanghai, and a moment `now`:
- assignment rate (交办率) = cases received in P assigned no later than their assignment
  deadline ÷ cases received in P whose assignment deadline has passed or that were assigned
  (the first assignment counts: a return and a re-routing do not make an on-time case late);
- on-time reply rate (按时回复率) = reply rounds whose deadline (after approved extensions) fell in P,
  or that were replied in P, replied no later than that deadline ÷ all such rounds; a round still
  unanswered past its deadline is late (one not yet due is left out, and so is one whose case was
  returned (退单) and waits to be routed again: its next assignment sets the deadline anew);
- satisfaction rate (满意度) = reply rounds whose latest rating was given in P and is satisfied or
  basically satisfied ÷ rounds whose latest rating was given in P.
Beside them, not targets (docs/metrics.md):
- resolution rate (解决率) = rounds whose latest rating was given in P and says the problem was resolved ÷
  rounds whose latest rating was given in P and says resolved, partly resolved or unresolved (a latest
  rating without a resolution, given before it was asked, leaves its round out of both);
- reviewed satisfaction rate (审核后满意度) = the satisfaction rate without the rounds whose latest rating is
  unsatisfied and was marked unreasonable (不合理差评) by a supervisor: out of numerator and denominator.
Each figure carries the ids behind its numerator (`cases`) and the ids that missed (`misses`).
Every rule judges by the times the events carry, never by when they arrived: a late-delivered reply
made before its deadline is on time, and an older rating delivered late does not replace a newer one.

Valid cases only: a rejected complaint (不予受理) leaves every denominator, and a duplicate merged into
its master (并单) counts once, with its master (its citizen's rating counts for the master's round). A
case forwarded outside the bureau (转办) counts for the assignment rate, forwarding being its assignment,
and has no reply round. The queries leave the uncounted out (adapters/queries.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from services.notify.domain.errors import InvalidReportRequest
from shared.clock import SHANGHAI

# "type" is DESIGN.md's word for the category (类型): both name the same grouping.
GROUP_BY = ("department", "type", "category", "town", "channel")
SATISFIED = frozenset({"satisfied", "basically_satisfied"})
RESOLVED = "resolved"
RESOLUTIONS = ("resolved", "partly_resolved", "unresolved")  # 解决 / 部分解决 / 未解决
EXTRA_FIGURES = ("resolution_rate", "reviewed_satisfaction_rate")  # shown beside the targets, not targets
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  # beyond these a report is a typo
MAX_DAYS = 3 * 366  # a period of three years at most: longer is a typo, and costly to compute


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        for day in (self.first_day, self.last_day):
            if not EARLIEST <= day <= LATEST:
                raise InvalidReportRequest(
                    f"日期超出范围 / dates must lie between {EARLIEST} and {LATEST}, not {day}")
        if self.first_day > self.last_day:
            raise InvalidReportRequest(
                f"开始日期晚于结束日期 / 'from' ({self.first_day}) is after 'to' ({self.last_day})")
        if self.days > MAX_DAYS:
            raise InvalidReportRequest(
                f"时间范围不能超过三年 / a period may span at most three years ({MAX_DAYS} days), "
                f"not {self.days} days")

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        """Exclusive: 00:00 of the day after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), SHANGHAI)

    def __contains__(self, when: object) -> bool:
        return isinstance(when, datetime) and self.start <= when < self.end

    @classmethod
    def month_to_date(cls, now: datetime) -> Period:
        today = now.astimezone(SHANGHAI).date()
        return cls(today.replace(day=1), today)


@dataclass(frozen=True)
class Targets:
    assignment_rate: float = 1.0
    on_time_reply_rate: float = 1.0
    satisfaction_rate: float = 0.98


@dataclass(frozen=True)
class AssignmentRecord:
    complaint_id: str
    received_at: datetime
    assign_due: datetime | None
    assigned_at: datetime | None  # the first assignment: a later re-routing does not change it
    department: str | None = None
    category: str | None = None
    town: str | None = None
    channel: str | None = None
    tracking_code: str | None = None

    @property
    def due(self) -> datetime | None:
        return self.assign_due

    @property
    def done_at(self) -> datetime | None:
        return self.assigned_at


@dataclass(frozen=True)
class ReplyRecord:
    complaint_id: str
    reply_round: int
    reply_due: datetime  # after approved extensions
    replied_at: datetime | None
    department: str | None = None
    category: str | None = None
    town: str | None = None
    channel: str | None = None
    tracking_code: str | None = None
    rerouting: bool = False  # returned (退单) and not yet routed again: the deadline does not stand

    @property
    def due(self) -> datetime | None:
        return self.reply_due

    @property
    def done_at(self) -> datetime | None:
        return self.replied_at


@dataclass(frozen=True)
class RatingRecord:
    complaint_id: str
    reply_round: int
    rating: str  # satisfied | basically_satisfied | unsatisfied
    rated_at: datetime
    department: str | None = None
    category: str | None = None
    town: str | None = None
    channel: str | None = None
    tracking_code: str | None = None
    resolution: str | None = None  # resolved | partly_resolved | unresolved; None: not asked
    unreasonable: bool = False  # the round's unsatisfied rating was marked unreasonable (不合理差评)

    @property
    def due(self) -> datetime | None:
        return None

    @property
    def done_at(self) -> datetime | None:
        return self.rated_at


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    target: float
    cases: tuple[str, ...] = ()  # ids behind the numerator
    misses: tuple[str, ...] = ()  # ids counted in the denominator only

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool | None:
        """None when there is nothing to measure (no denominator)."""
        rate = self.rate
        return None if rate is None else rate >= self.target


@dataclass(frozen=True)
class Figures:
    assignment_rate: Rate
    on_time_reply_rate: Rate
    satisfaction_rate: Rate
    # beside the three targets, never instead of them (their `target` is 0: they have none)
    resolution_rate: Rate | None = None
    reviewed_satisfaction_rate: Rate | None = None


@dataclass(frozen=True)
class SlaReport:
    period: Period
    now: datetime
    targets: Targets
    overall: Figures
    group_by: str | None = None
    groups: tuple[tuple[str | None, Figures], ...] = field(default_factory=tuple)


Record = AssignmentRecord | ReplyRecord | RatingRecord


@dataclass(frozen=True)
class Judged:
    """The records a figure counted: those behind its numerator (`hits`) and those that missed."""

    hits: tuple[Record, ...]
    misses: tuple[Record, ...]


def judge_assignments(records: Iterable[AssignmentRecord], period: Period, now: datetime) -> Judged:
    on_time: list[Record] = []
    late: list[Record] = []
    for r in records:
        if r.received_at not in period:
            continue
        if r.assigned_at is not None:
            on_time_now = r.assign_due is None or r.assigned_at <= r.assign_due
            (on_time if on_time_now else late).append(r)
        elif r.assign_due is not None and r.assign_due < now:
            late.append(r)  # still unassigned past its deadline
    return Judged(tuple(on_time), tuple(late))


def judge_replies(records: Iterable[ReplyRecord], period: Period, now: datetime) -> Judged:
    on_time: list[Record] = []
    late: list[Record] = []
    for r in records:
        if r.reply_due not in period and r.replied_at not in period:
            continue
        if r.replied_at is not None:
            (on_time if r.replied_at <= r.reply_due else late).append(r)
        elif r.reply_due < now and not r.rerouting:
            late.append(r)  # unanswered past its deadline
    return Judged(tuple(on_time), tuple(late))


def latest_ratings(records: Iterable[RatingRecord]) -> list[RatingRecord]:
    """One rating per reply round: the latest, whichever way it came (link, phone, tracking page)."""
    latest: dict[tuple[str, int], RatingRecord] = {}
    for r in records:
        key = (r.complaint_id, r.reply_round)
        if key not in latest or r.rated_at >= latest[key].rated_at:
            latest[key] = r
    return list(latest.values())


def judge_ratings(records: Iterable[RatingRecord], period: Period) -> Judged:
    satisfied: list[Record] = []
    unsatisfied: list[Record] = []
    for r in latest_ratings(records):
        if r.rated_at not in period:
            continue
        (satisfied if r.rating in SATISFIED else unsatisfied).append(r)
    return Judged(tuple(satisfied), tuple(unsatisfied))


def judge_resolutions(records: Iterable[RatingRecord], period: Period) -> Judged:
    """解决率: the rounds whose latest rating was given in P, by its resolution; one without is left out."""
    resolved: list[Record] = []
    not_resolved: list[Record] = []
    for r in latest_ratings(records):
        if r.rated_at not in period or r.resolution not in RESOLUTIONS:
            continue
        (resolved if r.resolution == RESOLVED else not_resolved).append(r)
    return Judged(tuple(resolved), tuple(not_resolved))


def judge_reviewed_ratings(records: Iterable[RatingRecord], period: Period) -> Judged:
    """审核后满意度: as the satisfaction rate, without the rounds whose unsatisfied rating was marked unreasonable."""
    judged = judge_ratings(records, period)
    return Judged(judged.hits, tuple(r for r in judged.misses if not (isinstance(r, RatingRecord) and r.unreasonable)))


def resolution_rate(records: Iterable[RatingRecord], period: Period) -> Rate:
    return _rate(judge_resolutions(records, period), 0.0)


def reviewed_satisfaction_rate(records: Iterable[RatingRecord], period: Period, target: float = 0.98) -> Rate:
    return _rate(judge_reviewed_ratings(records, period), target)


def assignment_rate(records: Iterable[AssignmentRecord], period: Period, now: datetime,
                    target: float = 1.0) -> Rate:
    return _rate(judge_assignments(records, period, now), target)


def on_time_reply_rate(records: Iterable[ReplyRecord], period: Period, now: datetime,
                       target: float = 1.0) -> Rate:
    return _rate(judge_replies(records, period, now), target)


def satisfaction_rate(records: Iterable[RatingRecord], period: Period, target: float = 0.98) -> Rate:
    return _rate(judge_ratings(records, period), target)


def _rate(judged: Judged, target: float) -> Rate:
    hits, misses = judged.hits, judged.misses
    return Rate(numerator=len(hits), denominator=len(hits) + len(misses), target=target,
                cases=tuple(sorted(r.complaint_id for r in hits)),
                misses=tuple(sorted(r.complaint_id for r in misses)))


def figures(assignments: Sequence[AssignmentRecord], replies: Sequence[ReplyRecord],
            ratings: Sequence[RatingRecord], period: Period, now: datetime, targets: Targets) -> Figures:
    return Figures(
        assignment_rate=assignment_rate(assignments, period, now, targets.assignment_rate),
        on_time_reply_rate=on_time_reply_rate(replies, period, now, targets.on_time_reply_rate),
        satisfaction_rate=satisfaction_rate(ratings, period, targets.satisfaction_rate),
        resolution_rate=resolution_rate(ratings, period),
        reviewed_satisfaction_rate=reviewed_satisfaction_rate(ratings, period, targets.satisfaction_rate),
    )


R = TypeVar("R", AssignmentRecord, ReplyRecord, RatingRecord)


_KEYS: dict[str, Callable[[Record], str | None]] = {
    "department": lambda r: r.department, "type": lambda r: r.category, "category": lambda r: r.category,
    "town": lambda r: r.town, "channel": lambda r: r.channel,
}


def group_key(dimension: str, record: Record) -> str | None:
    """The group a record falls in when the figures are grouped by `dimension`."""
    return _KEYS[dimension](record)


def _by(dimension: str, records: Iterable[R]) -> dict[str | None, list[R]]:
    key = _KEYS[dimension]
    groups: dict[str | None, list[R]] = {}
    for r in records:
        groups.setdefault(key(r), []).append(r)
    return groups


def check_group_by(group_by: str | None) -> None:
    if group_by is not None and group_by not in GROUP_BY:
        raise InvalidReportRequest(
            f"group_by 只能是 {'|'.join(GROUP_BY)} / group_by must be one of {', '.join(GROUP_BY)}, "
            f"not {group_by!r}")


def sla_report(assignments: Sequence[AssignmentRecord], replies: Sequence[ReplyRecord],
               ratings: Sequence[RatingRecord], period: Period, now: datetime,
               targets: Targets | None = None, group_by: str | None = None) -> SlaReport:
    """The three figures overall and, with `group_by`, per department, category, town or channel."""
    targets = targets or Targets()
    check_group_by(group_by)
    overall = figures(assignments, replies, ratings, period, now, targets)
    groups: list[tuple[str | None, Figures]] = []
    if group_by is not None:
        by_assignment = _by(group_by, assignments)
        by_reply, by_rating = _by(group_by, replies), _by(group_by, ratings)
        keys = set(by_assignment) | set(by_reply) | set(by_rating)
        for k in sorted(keys, key=lambda k: (k is None, k or "")):
            group = figures(by_assignment.get(k, []), by_reply.get(k, []), by_rating.get(k, []),
                            period, now, targets)
            if any(rate.denominator for rate in (group.assignment_rate, group.on_time_reply_rate,
                                                 group.satisfaction_rate)):
                groups.append((k, group))
    return SlaReport(period=period, now=now, targets=targets, overall=overall, group_by=group_by,
                     groups=tuple(groups))
