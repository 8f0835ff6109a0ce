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
from typing import Protocol


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


CLOCK_NAMES_ZH = {ClockName.assign: "交办", ClockName.accept: "签收", ClockName.reply: "回复"}


class CaseStatus(StrEnum):
    """The case as notify sees it (its own projection of the routing lifecycle)."""

    triage = "triage"  # 待人工分拨
    assigned = "assigned"  # 已交办
    accepted = "accepted"  # 已签收
    replied = "replied"  # 已回复
    returned = "returned"  # 已退单, waiting to be routed again


@dataclass(frozen=True)
class SlaClock:
    name: ClockName
    start: datetime
    due: datetime

    def yellow_at(self, yellow_ratio: float) -> datetime:
        return self.start + (self.due - self.start) * yellow_ratio

    def level(self, now: datetime, *, yellow_ratio: float = 0.75,
              escalate_after: timedelta = timedelta(0)) -> Level:
        if now > self.due + escalate_after:
            return Level.escalated
        if now >= self.due:
            return Level.red
        if now >= self.yellow_at(yellow_ratio):
            return Level.yellow
        return Level.none


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


class CaseTimes(Protocol):
    """What the clocks need to know of a case (notify's projection row satisfies it)."""

    status: str
    valid: bool
    merged_into: str | None
    department: str | None
    received_at: datetime | None
    assign_due: datetime | None
    assigned_at: datetime | None
    last_assigned_at: datetime | None
    accept_due: datetime | None
    accepted_at: datetime | None
    reply_due: datetime | None
    replied_at: datetime | None


def open_clocks(case: CaseTimes) -> list[SlaClock]:
    """The clocks still running for a case: what it is waiting for, and by when."""
    if not case.valid or case.merged_into:
        return []
    clocks = []
    if case.assigned_at is None and case.received_at and case.assign_due:
        clocks.append(SlaClock(ClockName.assign, case.received_at, case.assign_due))
    start = case.last_assigned_at
    if not case.department or start is None:
        return clocks
    if case.status == CaseStatus.assigned and case.accepted_at is None and case.accept_due:
        clocks.append(SlaClock(ClockName.accept, start, case.accept_due))
    if case.status in (CaseStatus.assigned, CaseStatus.accepted) and case.replied_at is None and case.reply_due:
        clocks.append(SlaClock(ClockName.reply, start, case.reply_due))
    return clocks
