"""The three targets on hand-built records, exactly as DESIGN.md defines them."""

from datetime import UTC, date, datetime

import pytest

from services.notify.domain.metrics import (
    AssignmentRecord,
    InvalidReportRequest,
    Period,
    RatingRecord,
    ReplyRecord,
    assignment_rate,
    on_time_reply_rate,
    satisfaction_rate,
    sla_report,
)
from shared.clock import SHANGHAI

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def assignment(cid, received, due, assigned, **kw):
    return AssignmentRecord(cid, received_at=received, assign_due=due, assigned_at=assigned, **kw)


def test_a_period_runs_from_midnight_of_the_first_day_to_midnight_after_the_last_in_shanghai():
    assert NOVEMBER.start == datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)
    assert NOVEMBER.end == datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    assert at(30, 23) in NOVEMBER and datetime(2026, 12, 1, tzinfo=SHANGHAI) not in NOVEMBER
    assert datetime(2026, 10, 31, 16, 30, tzinfo=SHANGHAI) not in NOVEMBER  # = 2026-10-31 08:30 UTC
    with pytest.raises(InvalidReportRequest):
        Period(date(2026, 11, 30), date(2026, 11, 1))


def test_assignment_rate_counts_a_late_assignment_as_a_miss():
    rate = assignment_rate([
        assignment("on-time", at(2), at(3), at(2, 15)),
        assignment("just-in-time", at(2), at(3), at(3)),
        assignment("late", at(2), at(3), at(3, 11)),
    ], NOVEMBER, NOW)
    assert (rate.numerator, rate.denominator) == (2, 3)
    assert rate.cases == ("just-in-time", "on-time") and rate.misses == ("late",)
    assert rate.rate == pytest.approx(2 / 3) and rate.met is False and rate.target == 1.0


def test_assignment_rate_leaves_out_an_unassigned_case_not_yet_due_and_counts_one_past_due_as_late():
    now = at(28, 12)
    rate = assignment_rate([
        assignment("waiting", at(28, 9), at(29, 9), None),
        assignment("forgotten", at(20), at(21), None),
    ], NOVEMBER, now)
    assert (rate.numerator, rate.denominator, rate.misses) == (0, 1, ("forgotten",))


def test_assignment_rate_counts_an_early_assignment_of_a_case_not_yet_due():
    rate = assignment_rate([assignment("quick", at(28, 9), at(29, 9), at(28, 9))], NOVEMBER, at(28, 12))
    assert (rate.numerator, rate.denominator) == (1, 1) and rate.met is True


def test_assignment_rate_counts_cases_by_when_they_were_received():
    rate = assignment_rate([
        assignment("october", at(31, 10, month=10), at(2), at(1)),
        assignment("december", at(1, 10, month=12), at(2, month=12), at(1, 11, month=12)),
    ], NOVEMBER, NOW)
    assert rate.denominator == 0 and rate.rate is None and rate.met is None


def test_on_time_reply_rate_counts_replies_made_by_the_deadline():
    rate = on_time_reply_rate([
        ReplyRecord("on-time", 1, reply_due=at(10), replied_at=at(9)),
        ReplyRecord("at-the-deadline", 1, reply_due=at(10), replied_at=at(10)),
        ReplyRecord("late", 1, reply_due=at(10), replied_at=at(10, 11)),
    ], NOVEMBER, NOW)
    assert (rate.numerator, rate.denominator, rate.misses) == (2, 3, ("late",))


def test_a_case_unanswered_past_its_deadline_counts_as_late_but_not_before_it_is_due():
    now = at(20, 12)
    rate = on_time_reply_rate([
        ReplyRecord("overdue", 1, reply_due=at(20, 9), replied_at=None),
        ReplyRecord("still-has-time", 1, reply_due=at(25), replied_at=None),
    ], NOVEMBER, now)
    assert (rate.numerator, rate.denominator, rate.misses) == (0, 1, ("overdue",))


def test_an_approved_extension_moves_the_deadline_the_reply_is_judged_against():
    # Due 10 Nov at first; extended to 20 Nov; replied 15 Nov: on time, and judged in the period of the new due.
    extended = ReplyRecord("extended", 1, reply_due=at(20), replied_at=at(15))
    assert on_time_reply_rate([extended], NOVEMBER, NOW).cases == ("extended",)
    assert on_time_reply_rate([extended], Period(date(2026, 11, 16), date(2026, 11, 30)), NOW).cases == (
        "extended",)


def test_a_reply_counts_in_the_period_of_its_deadline_and_in_the_period_it_was_made():
    late = ReplyRecord("late", 1, reply_due=at(30, 9), replied_at=at(2, 9, month=12))
    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    assert on_time_reply_rate([late], NOVEMBER, NOW).misses == ("late",)
    assert on_time_reply_rate([late], december, NOW).misses == ("late",)
    assert on_time_reply_rate([late], Period(date(2026, 10, 1), date(2026, 10, 31)), NOW).denominator == 0


def test_satisfaction_counts_satisfied_and_basically_satisfied_over_all_rated_rounds():
    rate = satisfaction_rate([
        RatingRecord("a", 1, "satisfied", at(5)),
        RatingRecord("b", 1, "basically_satisfied", at(6)),
        RatingRecord("c", 1, "unsatisfied", at(7)),
    ], NOVEMBER)
    assert (rate.numerator, rate.denominator, rate.misses) == (2, 3, ("c",))
    assert rate.target == 0.98 and rate.met is False


def test_a_rating_changed_later_counts_once_with_the_latest():
    ratings = [RatingRecord("a", 1, "unsatisfied", at(5)), RatingRecord("a", 1, "satisfied", at(8))]
    rate = satisfaction_rate(ratings, NOVEMBER)
    assert (rate.numerator, rate.denominator, rate.cases) == (1, 1, ("a",))
    # changed in December: November no longer counts it; December counts the latest once
    moved = [RatingRecord("a", 1, "unsatisfied", at(5)), RatingRecord("a", 1, "satisfied", at(2, month=12))]
    assert satisfaction_rate(moved, NOVEMBER).denominator == 0
    assert satisfaction_rate(moved, Period(date(2026, 12, 1), date(2026, 12, 31))).numerator == 1


def test_each_reply_round_is_rated_on_its_own():
    rate = satisfaction_rate([RatingRecord("a", 1, "unsatisfied", at(5)),
                              RatingRecord("a", 2, "satisfied", at(15))], NOVEMBER)
    assert (rate.numerator, rate.denominator) == (1, 2)


def test_the_report_groups_every_target_by_department():
    report = sla_report(
        assignments=[assignment("1", at(2), at(3), at(2), department="ecology_env"),
                     assignment("2", at(2), at(3), at(4), department="town_taihe")],
        replies=[ReplyRecord("1", 1, at(9), at(8), department="ecology_env")],
        ratings=[RatingRecord("2", 1, "unsatisfied", at(12), department="town_taihe")],
        period=NOVEMBER, now=NOW, group_by="department",
    )
    assert report.overall.assignment_rate.denominator == 2
    groups = dict(report.groups)
    assert list(groups) == ["ecology_env", "town_taihe"]
    assert groups["ecology_env"].assignment_rate.met is True
    assert groups["ecology_env"].on_time_reply_rate.numerator == 1
    assert groups["town_taihe"].assignment_rate.misses == ("2",)
    assert groups["town_taihe"].satisfaction_rate.misses == ("2",)
    assert groups["town_taihe"].on_time_reply_rate.denominator == 0


def test_the_report_refuses_an_unknown_grouping():
    with pytest.raises(InvalidReportRequest):
        sla_report([], [], [], NOVEMBER, NOW, group_by="weather")


def test_month_to_date_follows_the_calendar_in_shanghai_not_utc():
    still_november_in_utc = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 Dec 01:00 in Chongqing
    assert Period.month_to_date(still_november_in_utc) == Period(date(2026, 12, 1), date(2026, 12, 1))
