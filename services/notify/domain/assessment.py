"""考核: the monthly and annual assessment of every department and town, computed exactly.

Pure Python. For a period P (a month or a year, Asia/Shanghai) each handling unit — a district
department (区级部门) or a street/town government (镇街) — is measured on seven indicators, each with
its numerator and denominator, as docs/assessment.md writes them down:

- 签收及时率 (timely signing) = assignments to the unit made in P that were signed for no later than
  their accept deadline ÷ assignments to the unit made in P that were signed for or whose accept
  deadline has passed (one returned or moved before either is left out);
- 按时回复率 (on-time reply) = the unit's reply rounds counted by the on-time reply target in P
  (metrics.judge_replies: deadline or reply in P, unanswered past the deadline is late);
- 退单率 (returns) = assignments to the unit made in P that it returned (退单) ÷ assignments to the unit
  made in P (lower is better);
- 重办率 (reopenings) = the unit's reply rounds replied in P that were reopened (重办) ÷ its rounds replied
  in P (lower is better);
- 满意率 (satisfaction) = the unit's rounds counted by the satisfaction target in P (metrics.judge_ratings);
- 解决率 (resolution) = the unit's rounds counted by the resolution rate in P (metrics.judge_resolutions:
  the latest rating in P says resolved ÷ it says resolved, partly resolved or unresolved);
- 知识库维护及时率 (knowledge-base upkeep) = the unit's articles' review dates in P reviewed by that day ÷ its
  review dates in P reviewed or past (domain/knowledge.py, judge_upkeep). A unit that owns no article due for
  review in P (most towns) has no data for it, never zero.

Each indicator gives points 0–100 (the rate × 100; 100 − rate × 100 for returns and reopenings); the score
is the weighted mean of the points of the indicators the unit has a denominator for (weights configurable;
an indicator without cases neither helps nor hurts). Units are ranked within their kind, the highest score
first (ties: more cases first, then the code). Units with fewer than `min_cases` assignments in P are
listed but not ranked (too few cases to judge). The red list (红榜) is the best `list_size` ranked units of
each kind, the black list (黑榜) the worst, never the same unit on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.notify.domain.disclosure import Month
from services.notify.domain.errors import InvalidReportRequest
from services.notify.domain.knowledge import Upkeep
from services.notify.domain.metrics import (
    Judged,
    Period,
    RatingRecord,
    ReplyRecord,
    judge_ratings,
    judge_replies,
    judge_resolutions,
)
from shared.clock import SHANGHAI

INDICATORS = ("signing", "reply", "returns", "reopenings", "satisfaction", "resolution", "knowledge")
LOWER_IS_BETTER = frozenset({"returns", "reopenings"})
INDICATOR_NAMES = {"signing": "签收及时率", "reply": "按时回复率", "returns": "退单率", "reopenings": "重办率",
                   "satisfaction": "满意率", "resolution": "解决率", "knowledge": "知识库维护及时率"}
DEFAULT_WEIGHTS: Mapping[str, float] = {"signing": 15, "reply": 30, "returns": 10, "reopenings": 15,
                                        "satisfaction": 30, "resolution": 10, "knowledge": 5}
KINDS = ("district", "town")


@dataclass(frozen=True)
class AssessmentPolicy:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    min_cases: int = 3  # assignments in the period below which a unit is not ranked
    list_size: int = 3  # units on the red and on the black list, per kind

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(INDICATORS)
        if unknown:
            raise ValueError(f"unknown assessment indicators {sorted(unknown)}; known: {list(INDICATORS)}")
        if any(w < 0 for w in self.weights.values()) or not any(self.weights.get(i, 0) > 0 for i in INDICATORS):
            raise ValueError("assessment weights must be >= 0 and at least one > 0")


@dataclass(frozen=True)
class AssignmentSpan:
    """One assignment (交办) of a case to a unit, as notify logged it."""

    complaint_id: str
    department: str
    assigned_at: datetime
    accept_due: datetime
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    ended_how: str | None = None  # returned | transferred | merged | replied


@dataclass(frozen=True)
class RepliedRound:
    """A reply round a unit answered, and whether it was reopened (重办) afterwards."""

    complaint_id: str
    reply_round: int
    department: str
    replied_at: datetime
    reopened: bool


@dataclass(frozen=True)
class Indicator:
    name: str
    numerator: int
    denominator: int
    cases: tuple[str, ...] = ()  # behind the numerator

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def points(self) -> float | None:
        rate = self.rate
        if rate is None:
            return None
        return 100 * (1 - rate) if self.name in LOWER_IS_BETTER else 100 * rate


@dataclass(frozen=True)
class UnitAssessment:
    department: str
    kind: str
    indicators: dict[str, Indicator]
    score: float | None
    assignments: int
    rank: int | None = None  # within its kind; None: not ranked (too few cases)


@dataclass(frozen=True)
class Assessment:
    period: Period
    now: datetime
    policy: AssessmentPolicy
    units: tuple[UnitAssessment, ...]  # by kind, ranked first (by rank), then the unranked by code
    red: dict[str, tuple[str, ...]]  # kind -> departments (红榜), best first
    black: dict[str, tuple[str, ...]]  # kind -> departments (黑榜), worst first


def _signing(spans: Sequence[AssignmentSpan], now: datetime) -> Indicator:
    on_time: list[str] = []
    counted = 0
    for s in spans:
        if s.ended_how in ("disputing", "disputed"):
            continue  # 派单异议 open, or reassigned after one: not the unit's signing to judge (docs/assessment.md)
        if s.accepted_at is not None and (s.ended_at is None or s.accepted_at <= s.ended_at):
            counted += 1
            if s.accepted_at <= s.accept_due:
                on_time.append(s.complaint_id)
        elif s.accept_due < now and (s.ended_at is None or s.ended_at > s.accept_due):
            counted += 1  # never signed for while it was theirs, past the deadline
    return Indicator("signing", len(on_time), counted, tuple(sorted(on_time)))


def _returns(spans: Sequence[AssignmentSpan]) -> Indicator:
    returned = [s.complaint_id for s in spans if s.ended_how == "returned"]
    return Indicator("returns", len(returned), len(spans), tuple(sorted(returned)))


def _judged(name: str, judged: Judged) -> Indicator:
    return Indicator(name, len(judged.hits), len(judged.hits) + len(judged.misses),
                     tuple(sorted(r.complaint_id for r in judged.hits)))


def _reopenings(rounds: Sequence[RepliedRound], period: Period) -> Indicator:
    replied = [r for r in rounds if r.replied_at in period]
    reopened = [r.complaint_id for r in replied if r.reopened]
    return Indicator("reopenings", len(reopened), len(replied), tuple(sorted(reopened)))


def _upkeep(found: Upkeep | None) -> Indicator:
    """Cases behind it are none: its numerator counts articles (their ids are in `Upkeep`), not complaints."""
    if found is None:
        return Indicator("knowledge", 0, 0)
    return Indicator("knowledge", found.numerator, found.denominator)


def _score(indicators: Mapping[str, Indicator], weights: Mapping[str, float]) -> float | None:
    weighted = [(weights.get(name, 0), i.points) for name, i in indicators.items()
                if i.points is not None and weights.get(name, 0) > 0]
    total = sum(w for w, _ in weighted)
    if not total:
        return None
    return round(sum(w * p for w, p in weighted if p is not None) / total, 2)


def assess(*, spans: Iterable[AssignmentSpan], replies: Iterable[ReplyRecord], ratings: Iterable[RatingRecord],
           rounds: Iterable[RepliedRound], units: Mapping[str, str], period: Period, now: datetime,
           policy: AssessmentPolicy | None = None, upkeep: Mapping[str, Upkeep] | None = None) -> Assessment:
    """`units`: every unit to assess, code -> kind (district | town); records of other codes are ignored.
    `upkeep`: 知识库维护及时率 per department for P (domain/knowledge.py); a unit not in it has no data."""
    upkeep = upkeep or {}
    policy = policy or AssessmentPolicy()
    by_unit_spans: dict[str, list[AssignmentSpan]] = {code: [] for code in units}
    for s in spans:
        if s.department in by_unit_spans and s.assigned_at in period:
            by_unit_spans[s.department].append(s)
    by_unit_replies: dict[str, list[ReplyRecord]] = {code: [] for code in units}
    for r in replies:
        if r.department in by_unit_replies:
            by_unit_replies[r.department].append(r)
    by_unit_ratings: dict[str, list[RatingRecord]] = {code: [] for code in units}
    for g in ratings:
        if g.department in by_unit_ratings:
            by_unit_ratings[g.department].append(g)
    by_unit_rounds: dict[str, list[RepliedRound]] = {code: [] for code in units}
    for o in rounds:
        if o.department in by_unit_rounds:
            by_unit_rounds[o.department].append(o)

    assessed: list[UnitAssessment] = []
    for code, kind in units.items():
        indicators = {
            "signing": _signing(by_unit_spans[code], now),
            "reply": _judged("reply", judge_replies(by_unit_replies[code], period, now)),
            "returns": _returns(by_unit_spans[code]),
            "reopenings": _reopenings(by_unit_rounds[code], period),
            "satisfaction": _judged("satisfaction", judge_ratings(by_unit_ratings[code], period)),
            "resolution": _judged("resolution", judge_resolutions(by_unit_ratings[code], period)),
            "knowledge": _upkeep(upkeep.get(code)),
        }
        assessed.append(UnitAssessment(code, kind, indicators, _score(indicators, policy.weights),
                                       len(by_unit_spans[code])))

    ranked_units: list[UnitAssessment] = []
    red: dict[str, tuple[str, ...]] = {}
    black: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        of_kind = [u for u in assessed if u.kind == kind]
        rankable = sorted((u for u in of_kind if u.score is not None and u.assignments >= policy.min_cases),
                          key=lambda u: (-(u.score or 0), -u.assignments, u.department))
        ranked = [UnitAssessment(u.department, u.kind, u.indicators, u.score, u.assignments, rank=i + 1)
                  for i, u in enumerate(rankable)]
        rest = sorted((u for u in of_kind if u not in rankable), key=lambda u: u.department)
        ranked_units.extend(ranked + rest)
        size = min(policy.list_size, len(ranked) // 2)  # never the same unit on both lists
        red[kind] = tuple(u.department for u in ranked[:size])
        black[kind] = tuple(u.department for u in reversed(ranked[len(ranked) - size:])) if size else ()
    return Assessment(period, now, policy, tuple(ranked_units), red, black)


def assessment_period(month: str | None, year: str | None, now: datetime) -> Period:
    """A month (YYYY-MM, default: this month) or a year (YYYY, up to today); each must have begun by `now`."""
    if month and year:
        raise InvalidReportRequest("month 与 year 只能给一个 / give month or year, not both")
    if not year:
        return Month.asked(month, now).period
    today = now.astimezone(SHANGHAI).date()
    if not (year.isdigit() and len(year) == 4) or int(year) > today.year:
        raise InvalidReportRequest(f"年份应为 YYYY 且不晚于今年 / year must be YYYY, this year at the latest, "
                                   f"not {year!r}")
    first = date(int(year), 1, 1)
    return Period(first, min(date(int(year), 12, 31), today))
