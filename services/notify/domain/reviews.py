"""不合理差评: a supervisor's review of an unsatisfied rating (审核后满意度, docs/metrics.md).

Pure Python. A supervisor may mark the unsatisfied rating of a reply round unreasonable, with a reason
(required, at most 500 characters): e.g. the citizen asked for what no law allows, or rated a matter the
bureau does not handle. The mark is of the round; a supervisor may withdraw it, with a reason too. Each
mark and withdrawal is kept (who, when, why): the audit trail only grows.

The figures then show both satisfaction rates: the raw one (the target's, never replaced) and the
reviewed one, which leaves out the rounds whose latest rating is unsatisfied and marked unreasonable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from services.notify.domain.dashboard import _one_of, _page, default_period
from services.notify.domain.errors import InvalidReview, ReviewNotAllowed
from services.notify.domain.metrics import Period
from shared.domain import Aggregate

REASON_MAX = 500
REVIEW_STATES = ("all", "marked", "unmarked")
ACTION_LABELS = {"mark": "标记为不合理差评", "withdraw": "撤销标记"}
_BLANKS = re.compile(r"\s+")


def checked_reason(reason: str | None, what: str) -> str:
    """A reason in words: required, at most REASON_MAX characters (blanks at the ends do not count)."""
    text = (reason or "").strip()
    if not text:
        raise InvalidReview(f"请填写{what}的理由 / a reason is required to {'mark' if what == '标记' else 'withdraw'}")
    if len(text) > REASON_MAX:
        raise InvalidReview(f"理由不能超过 {REASON_MAX} 字 / the reason may have at most {REASON_MAX} characters, "
                            f"not {len(text)}")
    if not _BLANKS.sub("", text):
        raise InvalidReview("理由不能只有空白 / the reason must say something")
    return text


@dataclass(frozen=True)
class ReviewAction:
    """One entry of the audit trail."""

    action: str  # mark | withdraw
    reason: str
    by: str
    at: datetime


@dataclass(eq=False)
class RatingReview(Aggregate):
    complaint_id: str
    reply_round: int
    marked: bool = False
    reason: str | None = None  # of the latest action
    by: str | None = None
    at: datetime | None = None
    actions: list[ReviewAction] = field(default_factory=list)  # taken in this transaction, to be written

    def mark(self, rating: str, *, reason: str | None, by: str, at: datetime) -> None:
        """标记不合理差评: only an unsatisfied rating, and only once until withdrawn."""
        text = checked_reason(reason, "标记")
        if rating != "unsatisfied":
            raise ReviewNotAllowed("只有“不满意”的评价可以标记为不合理差评 / only an unsatisfied rating can be "
                                   "marked unreasonable")
        if self.marked:
            raise ReviewNotAllowed("该评价已标记为不合理差评 / this rating is marked unreasonable already")
        self._act("mark", text, by, at)

    def withdraw(self, *, reason: str | None, by: str, at: datetime) -> None:
        """撤销标记: the round counts in the reviewed satisfaction rate again."""
        text = checked_reason(reason, "撤销")
        if not self.marked:
            raise ReviewNotAllowed("该评价没有被标记，无需撤销 / this rating is not marked: nothing to withdraw")
        self._act("withdraw", text, by, at)

    def _act(self, action: str, reason: str, by: str, at: datetime) -> None:
        self.marked = action == "mark"
        self.reason, self.by, self.at = reason, by, at
        self.actions.append(ReviewAction(action, reason, by, at))


# --- commands and queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkUnreasonable:
    complaint_id: str
    reply_round: int
    reason: str
    by: str


@dataclass(frozen=True)
class WithdrawUnreasonable:
    complaint_id: str
    reply_round: int
    reason: str
    by: str


@dataclass(frozen=True)
class GetRatingReview:
    """Query: one round's rating, its review and the audit trail."""

    complaint_id: str
    reply_round: int


@dataclass(frozen=True)
class ListUnsatisfiedRatings:
    """Query: the rounds whose latest rating, given in the period, is unsatisfied, with their reviews."""

    first_day: date | None = None
    last_day: date | None = None
    state: str = "all"  # all | marked | unmarked
    department: str | None = None
    offset: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        _one_of("state", self.state, REVIEW_STATES)
        _page(self.offset, self.limit)

    def period(self, now: datetime) -> Period:
        return default_period(self.first_day, self.last_day, now)
