"""SLA clock levels: yellow at 75% of the allowed time, red when due, escalated when overdue."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from services.notify.domain.clocks import ClockName, Level, SlaClock, levels_to_send, open_clocks
from shared.clock import SHANGHAI

START = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
DUE = START + timedelta(days=4)  # 96 hours allowed: yellow from 72 hours on
CLOCK = SlaClock(ClockName.reply, START, DUE)


def test_a_fresh_clock_has_no_level():
    assert CLOCK.level(START) is Level.none
    assert CLOCK.level(START + timedelta(hours=71, minutes=59)) is Level.none


def test_a_clock_turns_yellow_at_three_quarters_of_the_allowed_time():
    assert CLOCK.yellow_at(0.75) == START + timedelta(hours=72)
    assert CLOCK.level(START + timedelta(hours=72)) is Level.yellow
    assert CLOCK.level(DUE - timedelta(seconds=1)) is Level.yellow


def test_a_clock_is_red_when_due_and_escalated_once_overdue():
    assert CLOCK.level(DUE) is Level.red
    assert CLOCK.level(DUE + timedelta(seconds=1)) is Level.escalated


def test_escalation_can_wait_for_a_grace_period():
    grace = timedelta(hours=1)
    assert CLOCK.level(DUE + timedelta(minutes=59), escalate_after=grace) is Level.red
    assert CLOCK.level(DUE + timedelta(minutes=61), escalate_after=grace) is Level.escalated


def test_the_yellow_ratio_is_configurable():
    assert CLOCK.level(START + timedelta(hours=48), yellow_ratio=0.5) is Level.yellow


def test_each_level_is_sent_once_and_in_order():
    assert levels_to_send(Level.none, Level.yellow) == [Level.yellow]
    assert levels_to_send(Level.yellow, Level.yellow) == []
    assert levels_to_send(Level.yellow, Level.red) == [Level.red]
    assert levels_to_send(Level.red, Level.escalated) == [Level.escalated]
    assert levels_to_send(Level.escalated, Level.escalated) == []


def test_a_missed_yellow_is_skipped_once_the_deadline_is_reached_but_red_and_escalation_are_not():
    assert levels_to_send(Level.none, Level.red) == [Level.red]
    assert levels_to_send(Level.none, Level.escalated) == [Level.red, Level.escalated]


def case(**fields):
    defaults = dict(status="assigned", valid=True, merged_into=None, department="ecology_env",
                    received_at=START, assign_due=START + timedelta(days=1), assigned_at=START,
                    last_assigned_at=START, accept_due=START + timedelta(days=1), accepted_at=None,
                    reply_due=DUE, replied_at=None)
    return SimpleNamespace(**(defaults | fields))


def names(clocks):
    return [c.name for c in clocks]


def test_an_unassigned_case_runs_only_the_assignment_clock():
    clocks = open_clocks(case(status="triage", department=None, assigned_at=None, last_assigned_at=None,
                              accept_due=None, reply_due=None))
    assert names(clocks) == [ClockName.assign]
    assert clocks[0].start == START and clocks[0].due == START + timedelta(days=1)


def test_an_assigned_case_waits_for_sign_for_and_reply_then_only_reply_once_accepted():
    assert names(open_clocks(case())) == [ClockName.accept, ClockName.reply]
    assert names(open_clocks(case(status="accepted", accepted_at=START))) == [ClockName.reply]


def test_replied_returned_rejected_and_merged_cases_run_no_clock():
    assert open_clocks(case(status="replied", accepted_at=START, replied_at=START)) == []
    assert open_clocks(case(status="returned", department=None)) == []
    assert open_clocks(case(valid=False)) == []
    assert open_clocks(case(merged_into="master-1")) == []
