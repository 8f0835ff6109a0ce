"""Time limits on China's working-day calendar (Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.routing.domain.deadlines import DEFAULT_LIMITS, DeadlinePolicy, TimeLimit, pick_limit
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI

NORMAL, URGENT = DEFAULT_LIMITS
policy = DeadlinePolicy(WorkingCalendar())


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_deadlines_after_a_thursday_assignment():
    due = policy.after_assignment(at(2026, 11, 26, 10), NORMAL)

    assert due.accept_due == at(2026, 11, 27, 10)  # Friday
    assert due.return_due == at(2026, 11, 30, 10)  # Monday
    assert due.reply_due == at(2026, 12, 3, 10)  # Thursday after


def test_a_friday_assignment_skips_the_weekend():
    due = policy.after_assignment(at(2026, 11, 27, 16), NORMAL)

    assert due.accept_due == at(2026, 11, 30, 16)  # Monday, not Saturday
    assert due.return_due == at(2026, 12, 1, 16)
    assert due.reply_due == at(2026, 12, 4, 16)


def test_national_day_2026_does_not_count_and_its_make_up_saturday_does():
    # 1–7 October 2026 are holidays; Saturday 10 October is a make-up working day (调休).
    due = policy.after_assignment(at(2026, 9, 30, 10), NORMAL)

    assert due.accept_due == at(2026, 10, 8, 10)
    assert due.reply_due == at(2026, 10, 13, 10)  # 8, 9, 10 (Sat), 12, 13


def test_a_report_received_on_a_saturday_is_due_at_the_end_of_monday():
    assert policy.assign_due(at(2026, 11, 28, 15), NORMAL) == at(2026, 12, 1, 0)


def test_an_urgent_case_is_due_24_clock_hours_after_assignment_even_over_a_weekend():
    due = policy.after_assignment(at(2026, 11, 27, 16), URGENT)

    assert due.reply_due == at(2026, 11, 27, 16) + timedelta(hours=24)
    assert due.accept_due == at(2026, 11, 30, 16)


def test_an_approved_extension_moves_the_reply_deadline_by_working_days():
    assert policy.extend(at(2026, 12, 3, 10), 3) == at(2026, 12, 8, 10)


def test_calendar_overrides_cover_years_the_library_does_not_know():
    calendar = WorkingCalendar({datetime(2027, 1, 1).date(): False})  # New Year's Day 2027, a Friday

    assert DeadlinePolicy(calendar).assign_due(at(2027, 1, 1, 10), NORMAL) == at(2027, 1, 5, 0)
    assert DeadlinePolicy(WorkingCalendar()).assign_due(at(2027, 1, 1, 10), NORMAL) == at(2027, 1, 4, 10)


def test_a_category_limit_beats_the_default_of_the_same_urgency():
    limits = [*DEFAULT_LIMITS, TimeLimit(category="water", reply_days=3),
              TimeLimit(category="water", urgent=True, reply_hours=12)]

    assert pick_limit(limits, "water", False).reply_days == 3
    assert pick_limit(limits, "water", True).reply_hours == 12
    assert pick_limit(limits, "noise", False) == NORMAL
    assert pick_limit(limits, None, True) == URGENT


def test_with_no_limits_configured_the_reference_defaults_apply():
    assert pick_limit([], "noise", False) == NORMAL
    assert pick_limit([], "noise", True).reply_hours == 24
