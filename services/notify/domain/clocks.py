"""SLA clocks (时限): how near a deadline is, and which warnings it has earned.

A clock runs from a start to a due time. Its level for a moment `now`:
- yellow (黄灯) once `yellow_ratio` (75%) of the allowed time start→due is used,
- red (红灯) when it is due,
- escalated (督办, to a supervisor) when it is overdue.
Each level is sent once per clock cycle; a cycle starts again when the deadline is set anew
(a new assignment, a reopened round, an approved extension).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Level(StrEnum):
    none = "none"
    yellow = "yellow"  # 黄灯预警
    red = "red"  # 红灯预警: due now
    escalated = "escalated"  # 督办: overdue

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Level.none: 0, Level.yellow: 1, Level.red: 2, Level.escalated: 3}


class ClockName(StrEnum):
    assign = "assign"  # 交办: received → assigned to a department
    accept = "accept"  # 签收: assigned → the department signs for it
    reply = "reply"  # 回复: assigned → the department replies
    # 督办 clocks (docs/metrics.md): warnings and escalation as the others, counted in no target
    contact = "contact"  # 首次联系: signed → the department contacts the citizen
    onsite = "onsite"  # 现场核查: signed → the investigation's on-site check
    up_sign = "up_sign"  # 上级签收时限: the upstream platform's signing deadline (transferred → signed)
    up_reply = "up_reply"  # 上级答复时限: the upstream platform's reply deadline (transferred → first reply)
    progress = "progress"  # 阶段性进展: a long case's progress note, every few working days until the reply


CLOCK_NAMES_ZH = {ClockName.assign: "交办", ClockName.accept: "签收", ClockName.reply: "回复",
                  ClockName.contact: "首次联系", ClockName.onsite: "现场核查", ClockName.up_sign: "上级平台签收",
                  ClockName.up_reply: "上级平台答复", ClockName.progress: "阶段性进展"}
# Clocks that run until stopped (`ClockState.stopped_at`), whatever the case's status (but closed): not the targets'
DUTY_CLOCKS = (ClockName.contact, ClockName.onsite, ClockName.up_sign, ClockName.up_reply, ClockName.progress)


class CaseStatus(StrEnum):
    """The case as notify sees it (its own projection of the routing lifecycle)."""

    triage = "triage"  # 待人工分拨
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 已签收
    replied = "replied"  # 已回复
    returned = "returned"  # 已退单, waiting to be routed again
    rejected = "rejected"  # 不予受理: out of every target
    forwarded = "forwarded"  # 已转办 outside the bureau: counts as assigned, no reply round of ours
    merged = "merged"  # 并单: counts once, with its master


CLOSED = (CaseStatus.rejected, CaseStatus.forwarded, CaseStatus.merged)  # no clock runs any more
NOT_COUNTED = (CaseStatus.rejected.value, CaseStatus.merged.value)  # left out of the targets (DESIGN.md)


@dataclass(frozen=True)
class SlaPolicy:
    """When a clock turns yellow, and how long after its deadline it is escalated (settings)."""

    yellow_ratio: float = 0.75
    escalate_after: timedelta = timedelta(0)


@dataclass
class ClockState:
    """One clock of a case: its current deadline, which cycle it is in, and the last level it reached."""

    name: ClockName
    start: datetime
    due: datetime
    cycle: int = 1
    last_level: Level = Level.none
    stopped_at: datetime | None = None  # a 督办 clock (DUTY_CLOCKS) met, or moot: no more warnings

    def yellow_at(self, yellow_ratio: float) -> datetime:
        return self.start + (self.due - self.start) * yellow_ratio

    def level(self, now: datetime, policy: SlaPolicy = SlaPolicy()) -> Level:
        if now > self.due + policy.escalate_after:
            return Level.escalated
        if now >= self.due:
            return Level.red
        if now >= self.yellow_at(policy.yellow_ratio):
            return Level.yellow
        return Level.none

    def restart(self, due: datetime, *, start: datetime | None = None) -> None:
        """A deadline set anew: a new cycle, whose warnings are earned again."""
        self.start = start or self.start
        self.due = due
        self.cycle += 1
        self.last_level = Level.none
        self.stopped_at = None

    def advance(self, now: datetime, policy: SlaPolicy) -> list[Level]:
        """The levels to send at `now` (each once per cycle); the clock remembers the level reached."""
        current = self.level(now, policy)
        reached = levels_to_send(self.last_level, current)
        if current.rank > self.last_level.rank:
            self.last_level = current
        return reached


def levels_to_send(last_sent: Level, current: Level) -> list[Level]:
    """The levels reached since the last one sent, each once.

    A yellow that was not sent in time is skipped once the deadline is reached: "75% used" would
    only confuse by then. Red (to the department) and escalation (to supervisors) are both sent.
    """
    reached = [level for level in (Level.yellow, Level.red, Level.escalated)
               if last_sent.rank < level.rank <= current.rank]
    if current.rank >= Level.red.rank:
        reached = [level for level in reached if level is not Level.yellow]
    return reached
