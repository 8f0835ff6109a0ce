from datetime import date, datetime

import pytest

from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI
from shared.settings import parse_calendar_overrides


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_friday_deadline_of_one_working_day_skips_the_weekend():
    assert WorkingCalendar().add_working_days(at(2026, 11, 27, 15, 0), 1) == at(2026, 11, 30, 15, 0)


def test_national_day_holidays_are_skipped_and_the_make_up_working_day_counts():
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2026, 10, 1))
    # 2026-09-30 (Wed) + 1 working day: the Golden Week holiday ends on 10-07, so 10-08.
    assert calendar.add_working_days(at(2026, 9, 30, 10, 0), 1) == at(2026, 10, 8, 10, 0)


def test_a_make_up_working_day_on_a_weekend_counts_as_a_working_day():
    calendar = WorkingCalendar()
    make_up = [d for d in (date(2026, 9, 20), date(2026, 10, 10), date(2026, 2, 14), date(2026, 2, 28))
               if calendar.is_working_day(d)]
    assert make_up, "2026 has weekend make-up working days (调休)"


def test_a_report_made_on_a_holiday_counts_from_the_next_working_morning():
    # Saturday 2026-11-28 22:00 + 1 working day = end of Monday = Tuesday 00:00
    assert WorkingCalendar().add_working_days(at(2026, 11, 28, 22, 0), 1) == at(2026, 12, 1, 0, 0)


def test_overrides_cover_dates_the_library_does_not_know():
    overrides = parse_calendar_overrides("2027-01-01=off,2027-01-02=work")
    calendar = WorkingCalendar(overrides)
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 1, 2))  # a Saturday made a working day


def test_an_unknown_year_falls_back_to_weekdays_instead_of_failing():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(date(2031, 3, 4)) and not calendar.is_working_day(date(2031, 3, 8))


def test_a_malformed_override_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="YYYY-MM-DD=off"):
        parse_calendar_overrides("2027-01-01=holiday")


def test_working_days_between_counts_only_working_days():
    assert WorkingCalendar().working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
