"""What notify is asked to do (imperative) or asked for: sweep the SLA clocks, report the targets, list alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from services.notify.domain.errors import InvalidReportRequest, OtherDepartmentsAlerts
from services.notify.domain.metrics import GROUP_BY, Period

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Viewer(Protocol):
    """Who asks (a signed-in `shared.auth.Principal`)."""

    @property
    def role(self) -> str: ...

    @property
    def department(self) -> str | None: ...


@dataclass(frozen=True)
class SweepSlaClocks:
    """Send the warnings (预警) and escalations (督办) due at `at`, each once."""

    at: datetime


@dataclass(frozen=True)
class ReportSlaTargets:
    """The three targets for a period (default: this month to date), optionally grouped."""

    first_day: date | None = None
    last_day: date | None = None  # inclusive
    group_by: str | None = None

    def __post_init__(self) -> None:
        if self.group_by is not None and self.group_by not in GROUP_BY:
            raise InvalidReportRequest(
                f"group_by 只能是 {'|'.join(GROUP_BY)} / group_by must be one of {', '.join(GROUP_BY)}, "
                f"not {self.group_by!r}")

    @classmethod
    def parse(cls, *, first_day: str | None, last_day: str | None, group_by: str | None) -> ReportSlaTargets:
        """From query text: YYYY-MM-DD dates."""
        return cls(_day(first_day, "from") if first_day else None, _day(last_day, "to") if last_day else None,
                   group_by or None)

    def period(self, now: datetime) -> Period:
        """`to` defaults to today, `from` to the first of its month."""
        last = self.last_day or Period.month_to_date(now).last_day
        return Period(self.first_day or last.replace(day=1), last)


@dataclass(frozen=True)
class ListAlerts:
    """Warnings and escalations, newest first; `department` limits them to one department."""

    department: str | None = None
    clock: str | None = None
    level: str | None = None
    limit: int = 100
    offset: int = 0

    @classmethod
    def seen_by(cls, viewer: Viewer, *, department: str | None = None, clock: str | None = None,
                level: str | None = None, limit: int = 100, offset: int = 0) -> ListAlerts:
        """Supervisors see every department's alerts, dispatchers only their own."""
        if viewer.role == "dispatcher":
            if not viewer.department or (department and department != viewer.department):
                raise OtherDepartmentsAlerts(
                    "只能查看本单位的预警 / dispatchers see their own department's alerts only")
            department = viewer.department
        return cls(department, clock, level, limit, offset)


def _day(text: str, name: str) -> date:
    try:
        if not _ISO_DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidReportRequest(
            f"日期格式应为 YYYY-MM-DD / '{name}' must be a date as YYYY-MM-DD, not {text!r}") from None


# --- callbacks (抽查回访) ------------------------------------------------------------------------------

CALLBACK_STATUSES = ("pending", "done", "unreachable")


@dataclass(frozen=True)
class ListCallbacks:
    """Query: callbacks, the earliest due first; by status (default: pending) and department."""

    status: str | None = "pending"
    department: str | None = None
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in CALLBACK_STATUSES:
            raise InvalidReportRequest(f"status 只能是 {'|'.join(CALLBACK_STATUSES)} / status must be one of "
                                       f"{', '.join(CALLBACK_STATUSES)}, not {self.status!r}")


@dataclass(frozen=True)
class GetCallback:
    """Query: one callback with its calls."""

    complaint_id: str
    reply_round: int


@dataclass(frozen=True)
class RecordCallbackCall:
    """One phone call of a callback: its outcome (a rating, no_answer or refused) and a note."""

    complaint_id: str
    reply_round: int
    outcome: str
    by: str
    note: str | None = None
    resolution: str | None = None  # 解决情况: required with a rating, none without (domain/callbacks.py)
