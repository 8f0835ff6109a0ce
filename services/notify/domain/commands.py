"""What notify is asked to do (imperative): sweep the SLA clocks, report the targets, list alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from services.notify.domain.metrics import GROUP_BY, InvalidReportRequest, Period

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SweepSlaClocks:
    """Send the warnings (预警) and escalations (督办) due at `at`, each once."""

    at: datetime


@dataclass(frozen=True)
class ReportSlaTargets:
    """The three targets for a period (default: this month to date), optionally grouped."""

    period: Period
    group_by: str | None = None

    def __post_init__(self) -> None:
        if self.group_by is not None and self.group_by not in GROUP_BY:
            raise InvalidReportRequest(
                f"group_by 只能是 {'|'.join(GROUP_BY)} / group_by must be one of {', '.join(GROUP_BY)}, "
                f"not {self.group_by!r}")

    @classmethod
    def parse(cls, *, first_day: str | None, last_day: str | None, group_by: str | None,
              now: datetime) -> ReportSlaTargets:
        """From query text: YYYY-MM-DD dates; `to` defaults to today, `from` to the first of its month."""
        last = _day(last_day, "to") if last_day else Period.month_to_date(now).last_day
        first = _day(first_day, "from") if first_day else last.replace(day=1)
        return cls(Period(first, last), group_by or None)


@dataclass(frozen=True)
class ListAlerts:
    """Warnings and escalations, newest first; `department` limits them to one department."""

    department: str | None = None
    clock: str | None = None
    level: str | None = None
    limit: int = 100


def _day(text: str, name: str) -> date:
    try:
        if not _ISO_DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidReportRequest(
            f"日期格式应为 YYYY-MM-DD / '{name}' must be a date as YYYY-MM-DD, not {text!r}") from None
