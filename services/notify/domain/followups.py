"""督办 clocks (docs/metrics.md "督办 clocks"): deadlines the norms set beside the three targets, warned and escalated
as the others (yellow at 75% of the allowed time, red when due, 督办 when overdue; each level once per cycle) and
counted in no target.

- 首次联系 `contact`: from signing (CaseAcceptedV1.contact_due, routing's time limits on the working-day calendar;
  none for an anonymous reporter) until the department records a contact (CaseContactRecordedV1, 已联系群众).
- 现场核查 `onsite`: from signing (CaseAcceptedV1.onsite_due: types whose time limit has `onsite_days`) until the
  investigation's on-site check (InvestigationCheckedV1).
- 阶段性进展 `progress`: a case its department has held `after_days` working days without replying must have a
  progress note (CaseProgressNotedV1) within `every_days` working days, and again every `every_days` after each note
  (settings PROGRESS_AFTER_WORKING_DAYS, PROGRESS_EVERY_WORKING_DAYS). A note before the case is long changes
  nothing. Each assignment (改派, 重办) starts it again; a reply, a return or closing stops it.
- 上级平台签收 `up_sign` / 上级平台答复 `up_reply`: an upstream platform's case (UpstreamCaseLinkedV1): from the
  transfer until our first signing / first reply; the platform's deadline, not ours (docs/upstream.md). A changed
  deadline (the platform sends the link again) starts a new cycle of a clock still running.

A clock stops (`stopped_at`) when it is met, and when the case moves on so that it is moot: the contact and the
on-site check with a reply, a return (退单) or a new assignment (the next signing starts them again); every clock when
the case is closed (rejected, forwarded, merged). A pause (派单异议, 挂起) stops none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from services.notify.domain.clocks import ClockName, ClockState
from shared.calendar import WorkingCalendar
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseContactRecordedV1,
    CaseProgressNotedV1,
    InvestigationCheckedV1,
    UpstreamCaseLinkedV1,
)

if TYPE_CHECKING:
    from services.notify.domain.case import SlaCase

SIGNING_CLOCKS = (ClockName.contact, ClockName.onsite)  # the department's follow-ups of one signing


@dataclass(frozen=True)
class ProgressPolicy:
    """阶段性进展 (settings): after how many working days a case is long, and how often a long case needs a note.
    `after_days` 0: no progress clock."""

    after_days: int = 5
    every_days: int = 5

    def first(self, assigned_at: datetime, calendar: WorkingCalendar) -> tuple[datetime, datetime] | None:
        """From the assignment: (when the case becomes long, when its first note is due)."""
        if self.after_days <= 0:
            return None
        long_from = calendar.add_working_days(assigned_at, self.after_days)
        return long_from, calendar.add_working_days(long_from, self.every_days)

    def next_due(self, noted_at: datetime, calendar: WorkingCalendar) -> datetime:
        return calendar.add_working_days(noted_at, self.every_days)


def _stop(case: SlaCase, name: ClockName, at: datetime) -> None:
    clock = case.clocks.get(name)
    if clock is not None and clock.stopped_at is None:
        clock.stopped_at = at


def _start(case: SlaCase, name: ClockName, start: datetime, due: datetime) -> None:
    clock = case.clocks.get(name)
    if clock is None:
        case.clocks[name] = ClockState(name, start, due)
    else:
        clock.restart(due, start=start)  # a new cycle: its warnings are earned again


def stop_signing_clocks(case: SlaCase, at: datetime) -> None:
    """The case moved on (a reply, a return, a new assignment): the follow-ups of the last signing are moot."""
    for name in SIGNING_CLOCKS:
        _stop(case, name, at)


def on_returned(case: SlaCase, at: datetime) -> None:
    """退单: the follow-ups and the progress clock stop (the next assignment starts them again)."""
    stop_signing_clocks(case, at)
    _stop(case, ClockName.progress, at)


def on_signed(case: SlaCase, event: CaseAcceptedV1) -> None:
    """签收: the follow-ups of this signing start (those routing set a deadline for); the platform's signing
    deadline is met (or missed) now."""
    for name, due in ((ClockName.contact, event.contact_due), (ClockName.onsite, event.onsite_due)):
        if due is not None:
            _start(case, name, event.accepted_at, due)
        else:
            _stop(case, name, event.accepted_at)
    _stop(case, ClockName.up_sign, event.accepted_at)


def start_progress(case: SlaCase, span: tuple[datetime, datetime] | None, at: datetime) -> None:
    """A (new) assignment: the progress clock runs from when the case becomes long (a new cycle)."""
    if span is None:
        _stop(case, ClockName.progress, at)
    else:
        _start(case, ClockName.progress, *span)


def on_progress_noted(case: SlaCase, event: CaseProgressNotedV1, due: datetime) -> None:
    """阶段性进展 by the department that has the case: once the case is long, the next note is due `due` (a new
    cycle, its warnings earned again); a note before that, or after the clock stopped, changes nothing."""
    clock = case.clocks.get(ClockName.progress)
    if (event.department != case.department or clock is None or clock.stopped_at is not None
            or event.noted_at < clock.start):
        return
    clock.restart(due, start=event.noted_at)


def on_replied(case: SlaCase, at: datetime) -> None:
    """回复: the follow-ups stop, and the platform's deadlines are met (a reopened round does not start them)."""
    stop_signing_clocks(case, at)
    _stop(case, ClockName.progress, at)
    _stop(case, ClockName.up_sign, at)
    _stop(case, ClockName.up_reply, at)


def on_contact_recorded(case: SlaCase, event: CaseContactRecordedV1) -> None:
    """已联系群众 by the department that has the case: the first-contact clock is met."""
    if event.department == case.department:
        _stop(case, ClockName.contact, event.contacted_at)


def on_onsite_checked(case: SlaCase, event: InvestigationCheckedV1) -> None:
    """现场核查 recorded by the department that has the case: the on-site clock is met."""
    if event.department == case.department:
        _stop(case, ClockName.onsite, event.checked_at)


def on_upstream_linked(case: SlaCase, event: UpstreamCaseLinkedV1) -> None:
    """The platform's deadlines: a clock each, from the transfer. Sent again with changed deadlines: a clock still
    running starts a new cycle with the new one; one already met stays met."""
    case.tracking_code = case.tracking_code or event.tracking_code
    done = {ClockName.up_sign: case.accepted_at or case.replied_at, ClockName.up_reply: case.replied_at}
    for name, due in ((ClockName.up_sign, event.sign_due), (ClockName.up_reply, event.reply_due)):
        if due is None:
            continue
        clock = case.clocks.get(name)
        if clock is None:
            clock = case.clocks[name] = ClockState(name, event.transferred_at, due)
            clock.stopped_at = done[name]
        elif clock.stopped_at is None and clock.due != due:
            clock.restart(due)
