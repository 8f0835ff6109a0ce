"""Time limits (办理时限) on China's working-day calendar, configurable per type and urgency.

Defaults (editable at run time in routing_time_limits): assign 1 working day after receipt (交办),
accept 1 working day after assignment (签收), return window 2 working days (退单), reply 5 working
days (回复) or 24 hours for urgent cases (ongoing pollution).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI


@dataclass(frozen=True)
class TimeLimit:
    category: str | None = None  # None: the default for every category
    urgent: bool = False
    assign_days: int = 1
    accept_days: int = 1
    return_days: int = 2
    reply_days: int = 5
    reply_hours: int | None = None  # when set, the reply is due this many clock hours after assignment
    # 督办 clocks that start at signing (docs/metrics.md); None: no such clock for this type
    contact_hours: int | None = 24  # 首次联系: working hours after signing (a working day counts 24 of them)
    onsite_days: int | None = None  # 现场核查: working days after signing (types that need a check on site)


DEFAULT_LIMITS: tuple[TimeLimit, ...] = (TimeLimit(), TimeLimit(urgent=True, reply_hours=24))


def pick_limit(limits: Iterable[TimeLimit], category: str | None, urgent: bool) -> TimeLimit:
    """The limit of the case's category and urgency, else the default of its urgency."""
    limits = list(limits)
    for wanted in (category, None):
        for limit in limits:
            if limit.urgent == urgent and limit.category == wanted:
                return limit
    return next(d for d in DEFAULT_LIMITS if d.urgent == urgent)


@dataclass(frozen=True)
class Deadlines:
    """The deadlines that start at assignment (交办)."""

    accept_due: datetime
    return_due: datetime
    reply_due: datetime


class DeadlinePolicy:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def assign_due(self, received_at: datetime, limit: TimeLimit) -> datetime:
        return self.calendar.add_working_days(received_at, limit.assign_days)

    def after_assignment(self, assigned_at: datetime, limit: TimeLimit) -> Deadlines:
        if limit.reply_hours is not None:
            reply_due = assigned_at + timedelta(hours=limit.reply_hours)
        else:
            reply_due = self.calendar.add_working_days(assigned_at, limit.reply_days)
        return Deadlines(
            accept_due=self.calendar.add_working_days(assigned_at, limit.accept_days),
            return_due=self.calendar.add_working_days(assigned_at, limit.return_days),
            reply_due=reply_due,
        )

    def after_signing(self, accepted_at: datetime, limit: TimeLimit, *, contactable: bool
                      ) -> tuple[datetime | None, datetime | None]:
        """The 督办 deadlines that start at signing (签收): first contact with the citizen (none when there is
        nobody to contact: an anonymous report, no number) and the on-site check (types that need one)."""
        contact_due = (self.add_working_seconds(accepted_at, limit.contact_hours * 3600)
                       if contactable and limit.contact_hours is not None else None)
        onsite_due = (self.calendar.add_working_days(accepted_at, limit.onsite_days)
                      if limit.onsite_days is not None else None)
        return contact_due, onsite_due

    def extend(self, reply_due: datetime, working_days: int) -> datetime:
        """An approved extension (延期) moves the reply deadline by working days."""
        return self.calendar.add_working_days(reply_due, working_days)

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The moment `seconds` of working time after `start` (a paused clock's deadline moved by the paused
        time, docs/metrics.md): only working days' hours count, so `working_seconds(start, result) == seconds`.
        A start outside working days counts from 00:00 of the next working day."""
        moment, left = start.astimezone(SHANGHAI), max(0, seconds)
        while left > 0:
            day_end = datetime.combine(moment.date() + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)
            if self.calendar.is_working_day(moment.date()):
                available = int((day_end - moment).total_seconds())
                if left <= available:
                    return moment + timedelta(seconds=left)
                left -= available
            moment = day_end
        return moment if seconds > 0 else start

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working time from `start` to `end` in seconds (negative when `end` is earlier): only the hours
        of working days count, so 1 working day = 24 hours of it, as `add_working_days` counts them."""
        if end < start:
            return -self.working_seconds(end, start)
        start, end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
        total, day = 0.0, start.date()
        while day <= end.date():
            if self.calendar.is_working_day(day):
                opens = datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)
                total += (min(end, opens + timedelta(days=1)) - max(start, opens)).total_seconds()
            day += timedelta(days=1)
        return int(total)
