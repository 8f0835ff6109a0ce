"""Satisfaction callbacks (抽查回访): which replies are called back, and how a callback ends.

Pure Python. After a department replies, the round is called back when
- its reproducible draw falls under the department's share (default 30%): the draw is a hash of the
  sampling seed, the complaint and the round, so anyone with the seed can redo the sample (audit);
- or it is the department's first reply of the week that was not drawn (at least one callback per
  department per week);
- or the citizen rated it unsatisfied online (every one is called back).
Staff record each call (satisfied / basically satisfied / unsatisfied / no answer / refused); a rating
completes the callback, and after `max_attempts` calls without one the citizen is unreachable: left out
of the satisfaction rate and counted in the valid-callback rate. A rating the citizen gives online
(through the link the SMS carries) completes a pending callback too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.notify.domain.errors import CallbackClosed, InvalidCallbackOutcome, InvalidResolution
from shared.contracts.events import CallbackCompletedV1, CallbackDueV1
from shared.domain import Aggregate

RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
NO_RATING = ("no_answer", "refused")  # a call that gave no rating; enough of them: unreachable
RESOLUTIONS = ("resolved", "partly_resolved", "unresolved")  # 解决 / 部分解决 / 未解决, asked with a rating
RESOLUTION_LABELS = {"resolved": "解决", "partly_resolved": "部分解决", "unresolved": "未解决"}
OUTCOME_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意",
                  "no_answer": "无人接听", "refused": "拒绝回访", "unreachable": "联系不上"}


class CallbackStatus(StrEnum):
    pending = "pending"
    done = "done"  # rated (by phone, or online by the citizen)
    unreachable = "unreachable"


class Reason(StrEnum):
    sampled = "sampled"  # 抽中
    weekly_minimum = "weekly_minimum"  # 每周每单位至少一件
    unsatisfied_online = "unsatisfied_online"  # 网上评价不满意


@dataclass(frozen=True)
class CallbackPolicy:
    share: float = 0.3
    shares: dict[str, float] = field(default_factory=dict)  # a department's own share
    seed: str = "hechuan"
    due_working_days: int = 3
    max_attempts: int = 3

    def share_of(self, department: str | None) -> float:
        return self.shares.get(department or "", self.share)


def draw(seed: str, complaint_id: str, reply_round: int) -> float:
    """A number in [0, 1) that only the seed, the complaint and the round decide (reproducible)."""
    digest = hashlib.sha256(f"{seed}:{complaint_id}:{reply_round}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def choose(policy: CallbackPolicy, *, complaint_id: str, reply_round: int, department: str | None,
           department_called_this_week: bool) -> tuple[Reason, float] | None:
    """Whether a reply is called back, why, and the draw that decided it."""
    value = draw(policy.seed, complaint_id, reply_round)
    if value < policy.share_of(department):
        return Reason.sampled, value
    if not department_called_this_week:
        return Reason.weekly_minimum, value
    return None


@dataclass(frozen=True)
class Attempt:
    at: datetime
    by: str
    outcome: str
    note: str | None = None
    resolution: str | None = None


def check_resolution(outcome: str, resolution: str | None) -> None:
    """A rating comes with whether the problem was solved; a call without a rating has no resolution."""
    if outcome in RATINGS and resolution not in RESOLUTIONS:
        raise InvalidResolution(
            "请选择问题解决情况：解决、部分解决或未解决 / with a rating, resolution must be resolved, partly_resolved "
            f"or unresolved, not {resolution!r}")
    if outcome not in RATINGS and resolution is not None:
        raise InvalidResolution("未取得评价（无人接听、拒绝回访）时不记录解决情况 / a call without a rating "
                                f"({outcome}) has no resolution")


@dataclass(eq=False)
class Callback(Aggregate):
    complaint_id: str
    reply_round: int
    tracking_code: str | None
    department: str | None
    reason: Reason
    replied_at: datetime
    due_at: datetime
    created_at: datetime
    draw: float | None = None
    status: CallbackStatus = CallbackStatus.pending
    outcome: str | None = None
    attempts: int = 0
    completed_at: datetime | None = None
    completed_by: str | None = None
    resolution: str | None = None  # with the rating that completed it (解决情况)
    calls: list[Attempt] = field(default_factory=list)  # recorded in this transaction, to be written

    @classmethod
    def open(cls, *, complaint_id: str, reply_round: int, tracking_code: str | None, department: str | None,
             reason: Reason, replied_at: datetime, due_at: datetime, at: datetime,
             draw: float | None = None) -> Callback:
        """A callback is due; records CallbackDueV1 (intake sends the citizen the rating link)."""
        callback = cls(complaint_id=complaint_id, reply_round=reply_round, tracking_code=tracking_code,
                       department=department, reason=Reason(reason), replied_at=replied_at, due_at=due_at,
                       created_at=at, draw=draw)
        callback.record(CallbackDueV1, reason=callback.reason.value)
        return callback

    def record_call(self, outcome: str, *, by: str, at: datetime, note: str | None, max_attempts: int,
                    resolution: str | None = None) -> None:
        """One phone call: a rating, with whether the problem was solved (`resolution`, required with it),
        completes the callback (CallbackCompletedV1); no rating, `max_attempts` times, makes the citizen
        unreachable (CallbackCompletedV1 with outcome unreachable)."""
        if outcome not in RATINGS + NO_RATING:
            raise InvalidCallbackOutcome(outcome)
        if self.status is not CallbackStatus.pending:
            raise CallbackClosed(self.status.value)
        check_resolution(outcome, resolution)
        self.calls.append(Attempt(at, by, outcome, note, resolution))
        self.attempts += 1
        if outcome in RATINGS:
            self.resolution = resolution
            self._complete(CallbackStatus.done, outcome, by=by, at=at, note=note)
        elif self.attempts >= max_attempts:
            self._complete(CallbackStatus.unreachable, "unreachable", by=by, at=at, note=note)

    def rated_online(self, rating: str, *, at: datetime, resolution: str | None = None) -> bool:
        """The citizen rated the round themselves (the SMS link, the tracking page): a pending callback is
        done with that rating, and no call is needed. Records nothing (the rating is its own event)."""
        if self.status is not CallbackStatus.pending:
            return False
        self.status, self.outcome, self.completed_at, self.completed_by = CallbackStatus.done, rating, at, "citizen"
        self.resolution = resolution
        return True

    def _complete(self, status: CallbackStatus, outcome: str, *, by: str, at: datetime, note: str | None) -> None:
        self.status, self.outcome, self.completed_at, self.completed_by = status, outcome, at, by
        self.record(CallbackCompletedV1, note=note)
