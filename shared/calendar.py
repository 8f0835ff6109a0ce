"""China's working-day calendar (工作日): weekends, public holidays and make-up working days (调休).

The official calendar comes from the `chinesecalendar` package, which is updated every year when
the State Council publishes the next year's holidays. Per-date overrides cover what it does not
know yet (or a local decision); for a year it does not know at all we fall back to Monday–Friday
and log a warning once, rather than stopping deadline work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar  # type: ignore[import-untyped]

from shared.clock import SHANGHAI

log = logging.getLogger(__name__)


class WorkingCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # overrides: date -> True (a working day) / False (a day off)
        self._overrides = dict(overrides or {})
        self._warned_years: set[int] = set()
        # What the package said of each day asked about (it validates and looks up every call; every
        # deadline asks it about a dozen days): the same answer for the life of this calendar
        self._known: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._official(day)
        return known

    def _official(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                log.warning("calendar for %s unknown: weekends only until overrides are set", day.year)
            return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, at the same clock time.

        A start outside working days counts from 00:00 of the next working day, so a report made on
        Saturday with one working day allowed is due at the end of Monday (Tuesday 00:00).
        """
        if days < 0:
            raise ValueError("days must not be negative")
        local = start.astimezone(SHANGHAI)
        day = local.date()
        clock_time = local.timetz()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            clock_time = time(0, 0, tzinfo=SHANGHAI)
        for _ in range(days):
            day = self.next_working_day(day)
        naive = datetime.combine(day, clock_time.replace(tzinfo=None))
        return naive.replace(tzinfo=SHANGHAI)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
