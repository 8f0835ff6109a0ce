"""SLA clock levels: yellow at 75% of the allowed time, red when due, escalated when overdue."""

from datetime import datetime, timedelta

from services.notify.domain.clocks import ClockName, ClockState, Level, SlaPolicy, levels_to_send
from shared.clock import SHANGHAI

START = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
DUE = START + timedelta(days=4)  # 96 hours allowed: yellow from 72 hours on


def clock() -> ClockState:
    return ClockState(ClockName.reply, START, DUE)


def test_a_fresh_clock_has_no_level():
    assert clock().level(START) is Level.none
    assert clock().level(START + timedelta(hours=71, minutes=59)) is Level.none


def test_a_clock_turns_yellow_at_three_quarters_of_the_allowed_time():
    assert clock().yellow_at(0.75) == START + timedelta(hours=72)
    assert clock().level(START + timedelta(hours=72)) is Level.yellow
    assert clock().level(DUE - timedelta(seconds=1)) is Level.yellow


def test_a_clock_is_red_when_due_and_escalated_once_overdue():
    assert clock().level(DUE) is Level.red
    assert clock().level(DUE + timedelta(seconds=1)) is Level.escalated


def test_escalation_can_wait_for_a_grace_period():
    grace = SlaPolicy(escalate_after=timedelta(hours=1))
    assert clock().level(DUE + timedelta(minutes=59), grace) is Level.red
    assert clock().level(DUE + timedelta(minutes=61), grace) is Level.escalated


def test_the_yellow_ratio_is_configurable():
    assert clock().level(START + timedelta(hours=48), SlaPolicy(yellow_ratio=0.5)) is Level.yellow


def test_each_level_is_sent_once_and_in_order():
    assert levels_to_send(Level.none, Level.yellow) == [Level.yellow]
    assert levels_to_send(Level.yellow, Level.yellow) == []
    assert levels_to_send(Level.yellow, Level.red) == [Level.red]
    assert levels_to_send(Level.red, Level.escalated) == [Level.escalated]
    assert levels_to_send(Level.escalated, Level.escalated) == []


def test_a_missed_yellow_is_skipped_once_the_deadline_is_reached_but_red_and_escalation_are_not():
    assert levels_to_send(Level.none, Level.red) == [Level.red]
    assert levels_to_send(Level.none, Level.escalated) == [Level.red, Level.escalated]


def test_a_clock_remembers_the_level_reached_so_each_is_sent_once_per_cycle():
    c = clock()
    assert c.advance(START + timedelta(hours=72), SlaPolicy()) == [Level.yellow]
    assert c.advance(START + timedelta(hours=80), SlaPolicy()) == []
    assert c.last_level is Level.yellow and c.cycle == 1


def test_a_restarted_clock_is_a_new_cycle_that_earns_its_levels_again():
    c = clock()
    c.advance(DUE, SlaPolicy())
    c.restart(DUE + timedelta(days=4))
    assert (c.cycle, c.last_level, c.start, c.due) == (2, Level.none, START, DUE + timedelta(days=4))
    assert c.advance(DUE + timedelta(days=4), SlaPolicy()) == [Level.red]
    c.restart(DUE + timedelta(days=9), start=DUE + timedelta(days=5))
    assert (c.cycle, c.start) == (3, DUE + timedelta(days=5))
